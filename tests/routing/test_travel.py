"""Travel providers: straight-line default, OSRM over HTTP (a fake local server), plugging."""

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from outletcrm.routing.engine import optimise_day
from outletcrm.routing.problem import Reason
from outletcrm.routing.travel import (
    OsrmProvider,
    StraightLineProvider,
    TravelError,
    get_provider,
    haversine_m,
)

from .conftest import day, stop_at


def test_haversine_one_degree_of_latitude_is_about_111_km():
    assert haversine_m((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111_195, rel=1e-3)


def test_straight_line_uses_road_factor_and_mode_speed():
    points = [(30.0, 120.0), (30.0 + 1 / 111.195, 120.0)]  # 1 km apart
    minutes, metres = StraightLineProvider().matrix(points, mode="walk")
    assert metres[0][1] == pytest.approx(1300, rel=1e-3)
    assert minutes[0][1] == pytest.approx(1.3 / 4.5 * 60, rel=1e-3)
    assert StraightLineProvider().matrix(points, mode="car")[0][0][1] == pytest.approx(
        1.3 / 25 * 60, rel=1e-3
    )
    custom = StraightLineProvider(road_factor=1.0, speeds_kmh={"ebike": 12})
    assert custom.matrix(points, mode="ebike")[0][0][1] == pytest.approx(5.0, rel=1e-3)
    with pytest.raises(ValueError, match="unknown transport mode"):
        StraightLineProvider().matrix(points, mode="helicopter")


class FakeProvider:
    """A provider loaded by dotted path in the plugging test; every leg takes 2 minutes."""

    def __init__(self, minutes: float = 2.0):
        self.minutes = minutes

    def matrix(self, points, *, mode="car"):
        n = len(points)
        return (
            [[0.0 if i == j else self.minutes for j in range(n)] for i in range(n)],
            [[0.0 if i == j else 500.0 for j in range(n)] for i in range(n)],
        )


def test_get_provider_by_name_and_by_dotted_path():
    assert isinstance(get_provider(None), StraightLineProvider)
    assert get_provider("straight_line", road_factor=1.5).road_factor == 1.5
    assert isinstance(get_provider("osrm", base_url="http://127.0.0.1:5000"), OsrmProvider)
    plugged = get_provider("tests.routing.test_travel.FakeProvider", minutes=3)
    assert plugged.minutes == 3
    assert get_provider("tests.routing.test_travel:FakeProvider").minutes == 2
    with pytest.raises(ValueError, match="cannot load"):
        get_provider("tests.routing.test_travel.Missing")
    with pytest.raises(ValueError, match="unknown travel provider"):
        get_provider("nonsense")


def test_the_engine_uses_a_plugged_provider():
    stops = [stop_at(f"s{i}", i, 0, service_minutes=10) for i in range(3)]
    plan = optimise_day(day(stops), seconds=0.3, provider=FakeProvider(minutes=2))
    assert plan.travel_minutes == pytest.approx(8.0)
    assert plan.distance_km == pytest.approx(2.0)


class _OsrmHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).requests.append(self.path)
        n = len(self.path.split("/table/v1/")[1].split("?")[0].split(";"))
        durations = [[0 if i == j else 120 * abs(i - j) for j in range(n)] for i in range(n)]
        distances = [[0 if i == j else 400 * abs(i - j) for j in range(n)] for i in range(n)]
        # The last point cannot be reached from anywhere, as OSRM says with null.
        for i in range(n - 1):
            durations[i][n - 1] = None
            distances[i][n - 1] = None
        body = json.dumps({"code": "Ok", "durations": durations, "distances": distances}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_server():
    server = HTTPServer(("127.0.0.1", 0), _OsrmHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _OsrmHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_provider_reads_the_table_service(osrm_server):
    provider = OsrmProvider(osrm_server)
    minutes, metres = provider.matrix([(30.1, 120.1), (30.2, 120.2), (30.3, 120.3)], mode="ebike")
    # OSRM takes lng,lat; the bike profile serves e-bikes.
    assert _OsrmHandler.requests[0].startswith(
        "/table/v1/bike/120.100000,30.100000;120.200000,30.200000"
    )
    assert minutes[0][1] == 2.0 and metres[1][0] == 400.0
    assert math.isinf(minutes[0][2])


def test_unroutable_stop_is_reported_as_no_route(osrm_server):
    stops = [
        stop_at("a", 1, 0, service_minutes=10),
        stop_at("b", 2, 0, service_minutes=10),
        stop_at("island", 3, 0),
    ]
    plan = optimise_day(day(stops), seconds=0.3, provider=OsrmProvider(osrm_server))
    assert sorted(plan.stop_ids) == ["a", "b"]
    assert [(u.stop_id, u.reason) for u in plan.unassigned] == [("island", Reason.NO_ROUTE)]


def test_osrm_provider_reports_a_dead_server_clearly():
    provider = OsrmProvider("http://127.0.0.1:9", timeout=1)
    with pytest.raises(TravelError, match="OSRM table request failed"):
        provider.matrix([(30.1, 120.1), (30.2, 120.2)])
    with pytest.raises(ValueError, match="http"):
        OsrmProvider("file:///etc/passwd")
