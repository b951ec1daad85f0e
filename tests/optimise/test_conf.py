"""Travel times are pluggable from settings without code changes (issue 4, item 4), and a bad
configuration is caught by the system check and explained, never a 500."""

import pytest

from outletcrm.optimise import conf, services
from outletcrm.optimise.checks import routing_settings_check
from outletcrm.routing.travel import OsrmProvider, StraightLineProvider
from tests.optimise.conftest import DAY, EN, make_plan

pytestmark = pytest.mark.django_db


class DoubleDistance(StraightLineProvider):
    """An installation's own provider, plugged in by dotted path."""

    def matrix(self, points, *, mode="car"):
        minutes, metres = super().matrix(points, mode=mode)
        return ([[m * 2 for m in row] for row in minutes],
                [[m * 2 for m in row] for row in metres])


def test_the_default_is_the_straight_line_with_the_road_factor(settings):
    settings.ROUTING_ROAD_FACTOR = 1.5
    provider = conf.provider()
    assert isinstance(provider, StraightLineProvider) and provider.road_factor == 1.5


def test_osrm_takes_its_url_from_the_settings(settings):
    settings.ROUTING_TRAVEL_PROVIDER = "osrm"
    settings.ROUTING_OSRM_URL = "http://osrm.internal:5000"
    provider = conf.provider()
    assert isinstance(provider, OsrmProvider) and provider.base_url == "http://osrm.internal:5000"


def test_a_dotted_path_plugs_in_a_provider_the_day_then_uses(cast, line_shops, settings):
    make_plan(cast.alice, DAY, line_shops)
    plain = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    settings.ROUTING_TRAVEL_PROVIDER = "tests.optimise.test_conf.DoubleDistance"
    settings.ROUTING_TRAVEL_OPTIONS = '{"road_factor": 1.3}'
    doubled = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    assert doubled.plan.distance_km == pytest.approx(2 * plain.plan.distance_km, rel=0.01)


@pytest.mark.parametrize("name, value, fragment", [
    ("ROUTING_TRAVEL_PROVIDER", "osrm", "set ROUTING_OSRM_URL"),
    ("ROUTING_TRAVEL_PROVIDER", "no.such.Provider", "cannot load travel provider"),
    ("ROUTING_WORK_END", "07:00", "ROUTING_WORK_END must be after"),
    ("ROUTING_WORK_START", "8h30", "ROUTING_WORK_START must be HH:MM"),
    ("ROUTING_OFFICE", "somewhere", "ROUTING_OFFICE must be"),
    ("ROUTING_SERVICE_MINUTES", "{not json", "ROUTING_SERVICE_MINUTES must be a JSON object"),
    ("ROUTING_DEFAULT_MODE", "rocket", "ROUTING_DEFAULT_MODE must be one of"),
    ("ROUTING_DAY_SECONDS", 0, "ROUTING_DAY_SECONDS must be a positive number"),
])
def test_bad_settings_fail_the_system_check(settings, name, value, fragment):
    settings.ROUTING_OSRM_URL = ""
    setattr(settings, name, value)
    errors = routing_settings_check(None)
    assert len(errors) == 1 and errors[0].id == "optimise.E001"
    assert fragment in errors[0].msg


def test_a_bad_provider_on_a_running_site_is_a_message_not_a_500(cast, line_shops, client,
                                                                settings):
    settings.ROUTING_TRAVEL_PROVIDER = "no.such.Provider"
    make_plan(cast.alice, DAY, line_shops)
    client.force_login(cast.alice)
    response = client.post("/optimise/day/", {"date": DAY.isoformat()}, follow=True, **EN)
    assert response.status_code == 200
    assert "not configured correctly" in response.content.decode()


def test_the_installation_defaults_are_the_briefs(settings):
    assert conf.work_hours() == (8 * 60 + 30, 17 * 60 + 30)
    assert conf.busy_windows("clinic") == [(420, 540), (990, 1110)]
    settings.ROUTING_BUSY_WINDOWS = {"clinic": [["08:10", "11:30"]]}
    assert conf.busy_windows("clinic") == [(490, 690)]
    assert conf.busy_windows("supermarket") == [(420, 540), (990, 1110)]
