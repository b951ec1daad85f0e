"""Supervision API: KPIs (same figures as the CLI), plans, plan changes, rejection, the day."""

import datetime
import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from outletcrm.orders.services import order_create
from outletcrm.visits import routes, services
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit
from tests.factories import CustomerFactory, ProductFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def any_day_works(monkeypatch):
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


def today():
    return timezone.localdate()


def check_in(rep, customer, *, day=None, product=None, lat="30.270000"):
    when = timezone.now() if day is None else timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(10)))
    visit, _ = services.visit_check_in(actor=rep, customer=customer, client_id=uuid.uuid4(),
                                       device_time=when, lat=lat, lng="120.150000")
    if product is not None:
        services.visit_record_order(actor=rep, visit=visit, client_id=uuid.uuid4(),
                                    lines=[{"product": product, "quantity": 2,
                                            "unit_price": "10"}])
    return visit


def plan(rep, day, customers, origin=StopOrigin.GENERATED):
    daily, _ = DailyPlan.objects.get_or_create(rep=rep, date=day)
    return [PlannedStop.objects.create(plan=daily, rep=rep, date=day, customer=c, origin=origin)
            for c in customers]


@pytest.fixture
def history(cast):
    """Two days of Alice's and Charlie's work with the KPI traps (see test_kpis.py)."""
    d1, d2 = today() - datetime.timedelta(days=2), today() - datetime.timedelta(days=1)
    product = ProductFactory(name="矿泉水")
    a, b, c = (CustomerFactory(owner=cast.alice, name=n) for n in ("甲店", "乙店", "丙店"))
    plan(cast.alice, d1, [a, b, c])
    plan(cast.alice, d2, [a])
    plan(cast.alice, d2, [b], origin=StopOrigin.REP)
    check_in(cast.alice, a, day=d1, product=product)
    check_in(cast.alice, b, day=d1)
    order_create(actor=cast.alice, customer=b, lines=[{"product": product, "quantity": 1,
                                                       "unit_price": "5"}])
    check_in(cast.alice, b, day=d2, product=product)              # rep-added: unplanned
    rejected = check_in(cast.alice, a, day=d2, product=product)
    services.visit_reject(actor=cast.sup, visit=rejected, reason="照片不符")
    plan(cast.charlie, d1, [cast.charlie_customer])
    check_in(cast.charlie, cast.charlie_customer, day=d1, product=product)
    return {"d1": d1, "d2": d2}


def kpi_url(history, **params):
    query = {"from": history["d1"].isoformat(), "to": history["d2"].isoformat(), **params}
    return "/api/v1/kpis/visits?" + "&".join(f"{k}={v}" for k, v in query.items())


def cli_json(*args) -> dict:
    out = io.StringIO()
    call_command("kpi", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


# --- KPIs ----------------------------------------------------------------------------------

def test_kpi_api_figures_for_a_rep(cast, history, api):
    body = api(cast.sup).get(kpi_url(history, rep="alice", group="day")).json()
    total = body["total"]
    assert (total["planned"], total["visited_on_plan"], total["visited_with_order"],
            total["unplanned"], total["rejected"]) == (4, 2, 1, 1, 1)
    assert total["completion_rate"] == "50.00" and total["success_rate"] == "50.00"
    assert [(r["key"], r["planned"], r["completion_rate"]) for r in body["rows"]] == [
        (history["d1"].isoformat(), 3, "66.67"), (history["d2"].isoformat(), 1, "0.00")]
    assert body["scope"] == {"kind": "rep", "id": cast.alice.pk, "name": "王丽", "reps": 1}
    assert {d["key"] for d in body["definitions"]} >= {"completion_rate", "success_rate"}


def test_kpi_api_scope_limits_who_counts(cast, history, api):
    sup = api(cast.sup).get(kpi_url(history)).json()["total"]
    assert sup["planned"] == 4                                   # charlie is not in the team
    manager = api(cast.mgr_zj).get(kpi_url(history, group="team")).json()
    assert manager["total"]["planned"] == 5
    assert {r["name"]: r["planned"] for r in manager["rows"]} == {"杭州一组": 4, "宁波一组": 1}
    assert api(cast.alice).get(kpi_url(history)).json()["total"]["planned"] == 4
    assert api(cast.bob).get(kpi_url(history)).json()["total"]["planned"] == 0
    assert api(cast.charlie).get(kpi_url(history)).json()["total"]["planned"] == 1
    assert api(cast.custodian).get(kpi_url(history)).json()["scope"]["reps"] == 0
    for user, params in ((cast.sup, {"rep": cast.charlie.pk}), (cast.sup, {"rep": "charlie"}),
                         (cast.sup, {"team": cast.team_nb.pk}),
                         (cast.sup, {"region": "zhejiang"}),      # only part of it is hers
                         (cast.mgr_nb, {"region": cast.hangzhou.pk}),
                         (cast.alice, {"rep": "bob"}), (cast.sup, {"rep": "nobody"}),
                         (cast.sup, {"team": 99999})):
        assert api(user).get(kpi_url(history, **params)).status_code == 404, (user, params)
    assert api(cast.mgr_zj).get(kpi_url(history, region="hangzhou")).json()["total"][
        "planned"] == 4
    assert api(cast.sup).get(kpi_url(history, region="hangzhou")).status_code == 200
    assert api().get(kpi_url(history)).status_code == 401


@pytest.mark.parametrize("params, field", [
    ({"from": "", "to": "2026-01-01"}, "from"), ({"from": "2026-02-30", "to": "2026-03-01"},
                                                "from"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to"), ({"from": "2024-01-01", "to": "2026-01-01"},
                                                        "to"),
    ({"from": "2026-01-01", "to": "2026-01-31", "group": "year"}, "group"),
    ({"from": "2026-01-01", "to": "2026-01-31", "rep": "alice", "team": "1"}, "non_field_errors"),
])
def test_kpi_api_bad_input_is_400(cast, api, params, field):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api(cast.sup).get(f"/api/v1/kpis/visits?{query}", **EN)
    assert response.status_code == 400 and field in response.json(), response.json()


@pytest.mark.parametrize("who, params", [
    ("admin", []), ("sup", ["--rep", "alice"]), ("mgr_zj", ["--team", "TEAM_HZ"]),
    ("mgr_zj", ["--region", "zhejiang"]),
])
@pytest.mark.parametrize("group", [None, "day", "rep", "week", "month", "team", "region"])
def test_cli_json_and_api_json_are_identical(cast, history, api, who, params, group):
    user = getattr(cast, who)
    params = [str(cast.team_hz.pk) if p == "TEAM_HZ" else p for p in params]
    args = ["--from", history["d1"].isoformat(), "--to", history["d2"].isoformat(), *params]
    if group:
        args += ["--group", group]
    api_params = dict(zip([p.lstrip("-") for p in params[::2]], params[1::2], strict=True))
    if group:
        api_params["group"] = group
    from_api = api(user).get(kpi_url(history, **api_params)).json()
    as_user = cli_json(*args, "--as", user.username)
    assert as_user == from_api
    if who == "admin":  # the operator's CLI without --as sees the whole company, like admin
        assert cli_json(*args) == {**from_api, "scope": {**from_api["scope"],
                                                         "name": as_user["scope"]["name"]}}


# --- plans ---------------------------------------------------------------------------------

def test_plans_api_generate_list_add_drop_reorder(cast, api):
    shops = [CustomerFactory(owner=cast.alice, name=f"店{i}") for i in range(3)]
    routes.route_create(actor=cast.sup, rep=cast.alice, name="今日", weekday=today().weekday(),
                        customer_ids=[shops[0].pk, shops[1].pk])
    sup = api(cast.sup)
    generated = sup.post("/api/v1/plans/generate", {"date": today().isoformat()}, format="json")
    assert generated.status_code == 200 and generated.json()["stops"] == 2
    again = sup.post("/api/v1/plans/generate/", {"date": today().isoformat()}, format="json")
    assert again.json()["plans"] == 0
    added = sup.post("/api/v1/plan-stops", {"rep": cast.alice.pk, "date": today().isoformat(),
                                            "customer": shops[2].pk}, format="json")
    assert added.status_code == 201 and added.json()["counted"] is True
    own = api(cast.alice).post("/api/v1/plan-stops", {"date": today().isoformat(),
                                                      "customer": cast.alice_customer.pk},
                               format="json")
    assert own.status_code == 201 and own.json()["counted"] is False
    listed = api(cast.alice).get(f"/api/v1/plans/?date={today().isoformat()}").json()
    assert listed["count"] == 1
    stops = listed["results"][0]["stops"]
    assert [s["origin"] for s in stops] == ["generated", "generated", "supervisor", "rep"]
    assert {s["status"] for s in stops} == {"not_yet"}
    drop = api(cast.alice).post(f"/api/v1/plan-stops/{stops[0]['id']}/drop",
                                {"reason": "关门"}, format="json")
    assert drop.status_code == 200 and drop.json()["drop_reason"] == "关门"
    plan_id = listed["results"][0]["id"]
    new_order = [s["id"] for s in reversed(stops)]
    reordered = api(cast.alice).post(f"/api/v1/plans/{plan_id}/reorder", {"stops": new_order},
                                     format="json")
    assert [s["id"] for s in reordered.json()["stops"]] == new_order
    assert api(cast.bob).get(f"/api/v1/plans/{plan_id}/").status_code == 404


def test_plans_api_refuses_bad_input_and_other_scopes(cast, api):
    sup = api(cast.sup)
    assert sup.post("/api/v1/plans/generate", {}, format="json").status_code == 400
    assert sup.post("/api/v1/plans/generate", {"date": "2020-01-01"},
                    format="json").status_code == 400
    assert sup.post("/api/v1/plans/generate", {"date": today().isoformat(),
                                               "reps": [cast.charlie.pk]},
                    format="json").status_code == 403
    assert sup.post("/api/v1/plans/generate", {"date": today().isoformat(),
                                               "team": cast.team_nb.pk},
                    format="json").status_code == 404
    assert sup.post("/api/v1/plans/generate", {"date": today().isoformat(), "reps": "1"},
                    format="json").status_code == 400
    assert api(cast.alice).post("/api/v1/plans/generate", {"date": today().isoformat()},
                                format="json").status_code == 403
    bad_adds = [
        {"rep": cast.alice.pk, "date": today().isoformat(), "customer": cast.charlie_customer.pk},
        {"rep": cast.alice.pk, "date": "tomorrow", "customer": cast.alice_customer.pk},
        {"rep": cast.alice.pk, "date": today().isoformat()},
        {"rep": cast.alice.pk, "date": (today() - datetime.timedelta(days=3)).isoformat(),
         "customer": cast.alice_customer.pk},
    ]
    for payload in bad_adds:
        assert sup.post("/api/v1/plan-stops", payload, format="json").status_code == 400, payload
    assert sup.post("/api/v1/plan-stops", {"rep": cast.charlie.pk, "date": today().isoformat(),
                                           "customer": cast.charlie_customer.pk},
                    format="json").status_code == 404
    assert not PlannedStop.objects.exists()
    assert sup.get("/api/v1/plans/?date=31-12-2026").status_code == 400
    assert sup.get("/api/v1/plans/?rep=charlie").status_code == 404


def test_queued_generation_answers_202_with_the_task(cast, api):
    shop = CustomerFactory(owner=cast.alice)
    routes.route_create(actor=cast.sup, rep=cast.alice, name="今日", weekday=today().weekday(),
                        customer_ids=[shop.pk])
    response = api(cast.sup).post("/api/v1/plans/generate",
                                  {"date": today().isoformat(), "queue": True}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "SUCCESSFUL" and response.json()["result"]["stops"] == 1


# --- rejection and the day -----------------------------------------------------------------

def test_reject_api_and_its_permissions(cast, api):
    visit = check_in(cast.alice, cast.alice_customer)
    url = f"/api/v1/visits/{visit.pk}/reject"
    assert api(cast.alice).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api(cast.charlie).post(url, {"reason": "x"}, format="json").status_code == 404
    assert api(cast.mgr_nb).post(url, {"reason": "x"}, format="json").status_code == 404
    assert api(cast.sup).post(url, {"reason": " "}, format="json").status_code == 400
    assert Visit.objects.get(pk=visit.pk).status == "open"
    by_client_id = f"/api/v1/visits/{visit.client_id}/reject/"
    response = api(cast.sup).post(by_client_id, {"reason": "定位漂移"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert api(cast.sup).post(url, {"reason": "again"}, format="json").status_code == 400
    assert api(cast.sup).post("/api/v1/visits/999999/reject", {"reason": "x"},
                              format="json").status_code == 404


def test_supervision_day_api(cast, api):
    shop = CustomerFactory(owner=cast.alice, name="远店", latitude="30.270000",
                           longitude="120.150000")
    services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today(), customer=shop)
    visit = check_in(cast.alice, shop, lat="30.290000")
    body = api(cast.sup).get("/api/v1/supervision/day").json()
    alice = next(r for r in body["reps"] if r["rep"] == cast.alice.pk)
    # Off site: not a visit at the outlet until the supervisor accepts it (visits/kpis.py).
    assert (alice["planned"], alice["visited"], alice["completion_rate"]) == (1, 0, "0.00")
    assert alice["stops"][0]["status"] == "off_site"
    off_site = [e for e in body["exceptions"] if e["kind"] == "off_site"]
    assert off_site and off_site[0]["distance_m"] > 300 and "server_time" in off_site[0]
    assert alice["visits"][0]["lat"] == 30.29 and alice["visits"][0]["accuracy_m"] is None
    accepted = api(cast.sup).post(f"/api/v1/visits/{visit.client_id}/accept",
                                  {"reason": "店在商场内，定位漂移"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["accepted_at"]
    body = api(cast.sup).get("/api/v1/supervision/day").json()
    alice = next(r for r in body["reps"] if r["rep"] == cast.alice.pk)
    assert (alice["planned"], alice["visited"], alice["completion_rate"]) == (1, 1, "100.00")
    assert not [e for e in body["exceptions"] if e["kind"] == "off_site"]
    # Another region's manager sees none of it, positions included.
    other = api(cast.mgr_nb).get("/api/v1/supervision/day").json()
    assert all(r["rep"] != cast.alice.pk for r in other["reps"])
    assert api(cast.sup).get("/api/v1/supervision/day?date=nope").status_code == 400
    assert api(cast.sup).get(f"/api/v1/supervision/day?team={cast.team_nb.pk}"
                             ).status_code == 404
