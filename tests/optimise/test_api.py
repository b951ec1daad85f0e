"""The optimiser's REST API offers what the pages offer (issue 4, item 5): day, design, edit,
adopt, territory, apply, jobs; with 400 for bad input, 404 outside the scope, 503 when the
travel provider is down; and a clean OpenAPI schema."""

import pytest
from django.core.management import call_command

from outletcrm.optimise.models import JobStatus, OptimisationJob
from outletcrm.visits.models import DailyPlan, Route
from tests.optimise.conftest import DAY, make_plan, names_in_order
from tests.optimise.test_design import territory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, data):
    return client.post(f"/api/v1/optimise/{url}", data, format="json", **EN)


def test_day_returns_the_plan_in_order_with_arrival_times(cast, line_shops, alice_home, api):
    plan = make_plan(cast.alice, DAY, line_shops[::-1][:2] + line_shops[:2])
    response = post(api(cast.alice), "day", {"date": DAY.isoformat(), "start": "home"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "day" and body["status"] == "done" and body["progress"] == 1.0
    rows = body["result"]["rows"]
    assert [r["name"] for r in rows] == names_in_order(plan)
    assert all(r["arrival"] for r in rows)
    assert body["result"]["plan"]["unassigned"] == []
    job = api(cast.alice).get(f"/api/v1/optimise/jobs/{body['id']}", **EN)
    assert job.status_code == 200 and job.json()["result"]["rows"] == rows


def test_day_can_be_proposed_then_applied(cast, line_shops, alice_home, api):
    plan = make_plan(cast.alice, DAY, line_shops[::-1][:2] + line_shops[:2])
    before = names_in_order(plan)
    body = post(api(cast.alice), "day", {"date": DAY.isoformat(), "apply": False}).json()
    assert body["adopted_at"] is None and body["result"]["saving"]["distance_km"] >= 0
    assert names_in_order(plan) == before
    assert post(api(cast.bob), f"days/{body['id']}/apply", {}).status_code == 404
    applied = post(api(cast.alice), f"days/{body['id']}/apply", {})
    assert applied.status_code == 200 and applied.json()["adopted_at"] is not None
    assert names_in_order(plan) == [r["name"] for r in body["result"]["rows"]]
    assert post(api(cast.alice), f"days/{body['id']}/apply", {}).status_code == 400


def test_day_reports_reasons_in_the_readers_language(cast, alice_home, api):
    from tests.factories import CustomerFactory

    shop = CustomerFactory(owner=cast.alice, name="无坐标店")
    make_plan(cast.alice, DAY, [shop])
    body = post(api(cast.alice), "day", {"date": DAY.isoformat()}).json()
    row = body["result"]["rows"][0]
    assert row["reason"] == "no_coordinates" and row["arrival"] is None
    assert row["reason_text"].startswith("The outlet has no coordinates")


@pytest.mark.parametrize("data, field", [
    ({"date": "garbage"}, "date"),
    ({}, "date"),
    ({"date": "2020-01-01"}, "date"),
    ({"date": DAY.isoformat(), "rep": "abc"}, "rep"),
    ({"date": DAY.isoformat(), "start": "moon"}, "start"),
    ({"date": DAY.isoformat(), "lat": 30.2}, "lat"),
    ({"date": DAY.isoformat(), "lat": 91, "lng": 120}, "lat"),
    ({"date": DAY.isoformat(), "speed": 3}, "non_field_errors"),
])
def test_day_bad_input_is_400_and_changes_nothing(cast, line_shops, api, data, field):
    plan = make_plan(cast.alice, DAY, line_shops)
    response = post(api(cast.alice), "day", data)
    assert response.status_code == 400
    assert field in response.json()
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None
    assert not OptimisationJob.objects.exists()


def test_day_scope(cast, line_shops, api):
    make_plan(cast.alice, DAY, line_shops)
    for who in (cast.bob, cast.charlie, cast.custodian):
        response = post(api(who), "day", {"rep": cast.alice.pk, "date": DAY.isoformat()})
        assert response.status_code == 404
    # An unknown rep answers exactly like one outside the scope.
    assert post(api(cast.bob), "day", {"rep": 999999, "date": DAY.isoformat()}).status_code == 404
    assert post(api(cast.sup), "day", {"rep": cast.alice.pk,
                                       "date": DAY.isoformat()}).status_code == 200


def test_day_with_the_provider_down_is_503(cast, line_shops, api, settings):
    settings.ROUTING_TRAVEL_PROVIDER = "tests.optimise.test_day.BrokenProvider"
    make_plan(cast.alice, DAY, line_shops)
    response = post(api(cast.alice), "day", {"date": DAY.isoformat()})
    assert response.status_code == 503
    assert "travel-time service did not answer" in response.json()["detail"]


def test_design_edit_adopt_through_the_api(cast, api):
    territory(cast.alice, 10)
    client = api(cast.sup)
    response = post(client, "design", {"rep": cast.alice.pk, "cycle_weeks": 2, "mode": "car"})
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "done" and job["result"]["mode"] == "car"
    polled = client.get(f"/api/v1/optimise/jobs/{job['id']}", **EN).json()
    assert polled["progress"] == 1.0 and polled["result"]["proposal"]["violations"] == []

    outlet = next(i for i, o in job["result"]["outlets"].items() if o["visits"] == 1)
    edited = post(client, f"designs/{job['id']}/edit", {"moves": {outlet: "1-4"}})
    assert edited.status_code == 200
    assert any(outlet in d["outlet_ids"] and (d["week"], d["weekday"]) == (1, 4)
               for d in edited.json()["result"]["proposal"]["days"])
    bad = post(client, f"designs/{job['id']}/edit", {"moves": {outlet: "7-7"}})
    assert bad.status_code == 400 and "moves" in bad.json()

    adopted = post(client, f"designs/{job['id']}/adopt", {})
    assert adopted.status_code == 200
    created = adopted.json()["routes"]
    assert len(created) == Route.objects.filter(rep=cast.alice, is_active=True).count() > 0
    assert any(int(outlet) in r["customers"] and (r["week_of_cycle"], r["weekday"]) == (2, 4)
               for r in created)
    assert post(client, f"designs/{job['id']}/adopt", {}).status_code == 400
    assert client.get(f"/api/v1/optimise/jobs/{job['id']}", **EN).json()["adopted_at"]


@pytest.mark.parametrize("data, status, field", [
    ({"rep": "alice", "cycle_weeks": 2}, 400, "rep"),
    ({"cycle_weeks": 2}, 400, "rep"),
    ({"rep": None, "cycle_weeks": 3}, 400, "cycle_weeks"),
    ({"rep": None, "cycle_weeks": 3}, 400, "cycle_weeks"),
    ({"rep": None, "cycle_weeks": 2, "mode": "plane"}, 400, "mode"),
    ({"rep": 999999, "cycle_weeks": 2}, 404, None),
])
def test_design_bad_input(cast, api, data, status, field):
    territory(cast.alice, 4)
    if data.get("rep", "") is None:
        data = {**data, "rep": cast.alice.pk}
    response = post(api(cast.sup), "design", data)
    assert response.status_code == status
    if field:
        assert field in response.json()
    assert not OptimisationJob.objects.exists()


def test_design_permissions_and_job_scope(cast, api):
    territory(cast.alice, 4)
    assert post(api(cast.alice), "design", {"rep": cast.alice.pk,
                                            "cycle_weeks": 2}).status_code == 403
    assert post(api(cast.charlie), "design", {"rep": cast.alice.pk,
                                              "cycle_weeks": 2}).status_code == 404
    job = post(api(cast.sup), "design", {"rep": cast.alice.pk, "cycle_weeks": 1}).json()
    for who, status in ((cast.charlie, 404), (cast.bob, 404), (cast.mgr_nb, 404),
                        (cast.alice, 200), (cast.mgr_zj, 200), (cast.admin, 200)):
        assert api(who).get(f"/api/v1/optimise/jobs/{job['id']}", **EN).status_code == status
    assert post(api(cast.alice), f"designs/{job['id']}/adopt", {}).status_code == 403
    assert post(api(cast.charlie), f"designs/{job['id']}/adopt", {}).status_code == 404
    assert not Route.objects.exists()
    assert api(cast.sup).get("/api/v1/optimise/jobs/999999", **EN).status_code == 404


def test_territory_through_the_api(cast, api):
    territory(cast.alice, 6, seed=3)
    territory(cast.bob, 2, seed=4)
    client = api(cast.sup)
    response = post(client, "territory", {"team": cast.team_hz.pk})
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == JobStatus.DONE and len(job["result"]["reps"]) == 2
    moves = job["result"]["moves"]
    assert moves
    applied = post(client, f"territories/{job['id']}/apply", {"customers": [int(moves[0])]})
    assert applied.status_code == 200 and applied.json()["changed"] == 1
    assert post(client, f"territories/{job['id']}/apply", {"customers": []}).status_code == 400
    assert post(client, "territory", {"team": "x"}).status_code == 400
    assert post(client, "territory", {"team": cast.team_nb.pk}).status_code == 404
    assert post(client, "territory", {"team": cast.team_hz.pk,
                                      "cycle_weeks": 3}).status_code == 400
    assert post(api(cast.alice), "territory", {"team": cast.team_hz.pk}).status_code == 403


def test_the_schema_lists_the_optimiser_and_validates(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text(encoding="utf-8")
    for path in ("/api/v1/optimise/day/", "/api/v1/optimise/design/",
                 "/api/v1/optimise/designs/{id}/adopt/", "/api/v1/optimise/territory/",
                 "/api/v1/optimise/jobs/{id}/"):
        assert f"  {path}:" in schema, path
