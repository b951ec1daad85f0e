"""The KPI traps of issue 7 §1, built through the API the way the trial did.

Reps are paid on 拜访完成率 and 拜访成功率 (brief §5), so no order of events and no kind of
check-in may flatter them. Each rule of visits/kpis.py (module docstring) is pinned here, and
every test runs on SQLite and on PostgreSQL.
"""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from outletcrm.visits import services
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.models import PlannedStop, PlannedStopAddition, Visit
from tests.factories import CustomerFactory, ProductFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LAT, LNG = Decimal("30.270000"), Decimal("120.150000")


@pytest.fixture(autouse=True)
def keep_language():
    """Requests here ask for English or Chinese; the language they leave behind must not
    reach the next test (the test client keeps the last request's language active)."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def any_day_works(monkeypatch):
    """Plans for any day: the traps must not depend on today being a working day in China."""
    # Imported first, so the command keeps the real calendar for the other tests.
    import outletcrm.visits.management.commands.generate_plans  # noqa: F401
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


def today() -> datetime.date:
    return timezone.localdate()


def tomorrow() -> datetime.date:
    return today() + datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def shops(cast):
    """Five of alice's outlets, 110 m apart from south to north (A … E)."""
    return [CustomerFactory(owner=cast.alice, name=f"{letter}店",
                            latitude=LAT + Decimal("0.001") * i, longitude=LNG)
            for i, letter in enumerate("ABCDE")]


@pytest.fixture
def alice(cast, api):
    return api(cast.alice)


@pytest.fixture
def sup(cast, api):
    return api(cast.sup)


def route(sup, rep, customers, day, name="线路") -> dict:
    response = sup.post("/api/v1/routes", {
        "rep": rep.pk, "name": name, "weekday": day.weekday(), "cycle_weeks": 1,
        "week_of_cycle": 1, "customers": [c.pk for c in customers]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def generate(sup, day) -> dict:
    response = sup.post("/api/v1/plans/generate", {"date": day.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def rep_adds(client, customer, day):
    return client.post("/api/v1/me/plan/stops", {"customer": customer.pk,
                                                 "date": day.isoformat()}, format="json", **EN)


def sup_adds(client, rep, customer, day):
    return client.post("/api/v1/plan-stops", {"rep": rep.pk, "customer": customer.pk,
                                              "date": day.isoformat()}, format="json", **EN)


def check_in(client, customer, *, kind="day", when=None, position="at", client_id=None,
             lang=EN):
    """A check-in through the field API; `position`: "at" the outlet, "far" (2 km), None."""
    body = {"client_id": str(client_id or uuid.uuid4()), "customer": customer.pk, "kind": kind,
            "device_time": (when or timezone.now() - datetime.timedelta(minutes=5)).isoformat()}
    if position == "at":
        body.update(lat=float(customer.latitude or LAT), lng=float(customer.longitude or LNG))
    elif position == "far":
        body.update(lat=float((customer.latitude or LAT) + Decimal("0.02")),
                    lng=float(customer.longitude or LNG))
    return client.post("/api/v1/visits/check-in", body, format="json", **lang)


def visit_at(client, customer, **kw) -> str:
    response = check_in(client, customer, **kw)
    assert response.status_code == 201, response.content
    return response.json()["client_id"]


def check_out(client, client_id):
    response = client.post(f"/api/v1/visits/{client_id}/check-out", {
        "client_id": str(uuid.uuid4()), "device_time": timezone.now().isoformat(),
        "lat": float(LAT), "lng": float(LNG)}, format="json")
    assert response.status_code == 200, response.content


def kpi(client, day_from, day_to=None, **params) -> dict:
    query = {"from": day_from.isoformat(), "to": (day_to or day_from).isoformat(), **params}
    response = client.get("/api/v1/kpis/visits", query)
    assert response.status_code == 200, response.content
    return response.json()["total"]


def counted(client, day, rep="alice") -> tuple[int, int]:
    total = kpi(client, day, rep=rep)
    return total["planned"], total["visited_on_plan"]


def plan_of(client, rep, day) -> dict:
    body = client.get("/api/v1/plans", {"rep": rep.username, "date": day.isoformat()}).json()
    assert len(body["results"]) == 1
    return {stop["customer_name"]: stop for stop in body["results"][0]["stops"]}


# --- trap 1: who added the stop first ----------------------------------------------------------

@pytest.mark.parametrize("rep_first", [True, False], ids=["rep-first", "route-first"])
@pytest.mark.parametrize("generator", ["api", "command"])
def test_a_rep_cannot_shrink_his_denominator_by_adding_route_customers_first(
        cast, shops, alice, sup, rep_first, generator):
    route(sup, cast.alice, shops[:3], tomorrow())
    run = (lambda: generate(sup, tomorrow())) if generator == "api" else (
        lambda: call_command("generate_plans", "--date", tomorrow().isoformat(),
                             stdout=io.StringIO()))
    if rep_first:  # the trial's trap: the rep puts A and B on tomorrow's plan himself
        assert rep_adds(alice, shops[0], tomorrow()).status_code == 201
        assert rep_adds(alice, shops[1], tomorrow()).status_code == 201
        assert rep_adds(alice, shops[3], tomorrow()).status_code == 201  # not on the route
        run()
    else:
        run()
        assert rep_adds(alice, shops[0], tomorrow()).status_code == 400  # already planned
        assert rep_adds(alice, shops[3], tomorrow()).status_code == 201
    stops = plan_of(sup, cast.alice, tomorrow())
    assert {name: (s["origin"], s["counted"]) for name, s in stops.items()} == {
        "A店": ("generated", True), "B店": ("generated", True), "C店": ("generated", True),
        "D店": ("rep", False)}
    # The route's order first, then what the rep added off the route.
    assert sorted(stops, key=lambda name: stops[name]["position"]) == ["A店", "B店", "C店", "D店"]
    trace = [(a["origin"], a["added_by"]) for a in stops["A店"]["earlier_additions"]]
    assert trace == ([("rep", cast.alice.pk)] if rep_first else [])
    assert stops["A店"]["route"] is not None
    if rep_first:
        assert stops["A店"]["earlier_additions"][0]["added_at"]
    day = tomorrow()
    with time_machine.travel(at(day, 11), tick=True):
        assert counted(sup, day) == (3, 0)
        visit_at(alice, shops[0])
        visit_at(alice, shops[3])
        total = kpi(sup, day, rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["unplanned"]) == (3, 1, 1)
    assert total["completion_rate"] == "33.33"


@pytest.mark.parametrize("rep_first", [True, False], ids=["rep-first", "supervisor-first"])
def test_supervisor_and_rep_adding_the_same_customer_in_either_order(cast, shops, alice, sup,
                                                                     rep_first):
    if rep_first:
        assert rep_adds(alice, shops[0], today()).status_code == 201
        response = sup_adds(sup, cast.alice, shops[0], today())
        assert response.status_code == 201 and response.json()["counted"] is True
    else:
        assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
        refused = rep_adds(alice, shops[0], today())
        assert refused.status_code == 400 and "customer" in refused.json()
    stop = PlannedStop.objects.get(rep=cast.alice, date=today(), customer=shops[0])
    assert (stop.origin, stop.added_by) == (StopOrigin.SUPERVISOR, cast.sup)
    trace = list(stop.earlier_additions.values_list("origin", "added_by"))
    assert trace == ([(StopOrigin.REP, cast.alice.pk)] if rep_first else [])
    assert counted(sup, today()) == (1, 0)
    visit_at(alice, shops[0])
    assert counted(sup, today()) == (1, 1)
    # The supervisor adding it once more changes nothing.
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 400


def test_a_supervisor_stop_added_before_generation_becomes_the_routes(cast, shops, sup):
    route(sup, cast.alice, shops[:2], tomorrow())
    assert sup_adds(sup, cast.alice, shops[1], tomorrow()).status_code == 201
    assert sup_adds(sup, cast.alice, shops[4], tomorrow()).status_code == 201  # off the route
    generate(sup, tomorrow())
    stops = plan_of(sup, cast.alice, tomorrow())
    assert {n: s["origin"] for n, s in stops.items()} == {
        "A店": "generated", "B店": "generated", "E店": "supervisor"}
    assert [a["origin"] for a in stops["B店"]["earlier_additions"]] == ["supervisor"]
    assert all(s["counted"] for s in stops.values())


def test_generating_again_changes_nothing_whoever_asks_and_whatever_happened(cast, shops, alice,
                                                                            sup, client):
    route(sup, cast.alice, shops[:2], today())
    assert generate(sup, today())["plans"] == 1
    assert rep_adds(alice, shops[2], today()).status_code == 201
    visit_at(alice, shops[2])
    before = list(PlannedStop.objects.order_by("pk").values_list(
        "pk", "customer_id", "origin", "position"))
    assert generate(sup, today()) == {"date": today().isoformat(), "plans": 0, "stops": 0}
    call_command("generate_plans", "--date", today().isoformat(), stdout=io.StringIO())
    client.force_login(cast.sup)
    assert client.post("/visits/plans/generate/",
                       {"date": today().isoformat()}).status_code == 302
    after = list(PlannedStop.objects.order_by("pk").values_list(
        "pk", "customer_id", "origin", "position"))
    assert after == before
    assert counted(sup, today()) == (2, 0)


def test_a_visit_made_before_the_plan_was_generated_counts_on_it(cast, shops, alice, sup):
    visit = visit_at(alice, shops[0], when=at(today(), 9))    # no plan yet: unplanned
    assert kpi(sup, today(), rep="alice")["unplanned"] == 1
    route(sup, cast.alice, shops[:2], today())
    generate(sup, today())                                     # on demand, mid-day
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["unplanned"]) == (2, 1, 0)
    assert Visit.objects.get(client_id=visit).is_planned


# --- routes, customers and plans changing after the plan was made --------------------------------

def test_route_edits_after_the_plan_never_change_it(cast, shops, alice, sup):
    monday = route(sup, cast.alice, shops[:3], today())
    generate(sup, today())
    other = route(sup, cast.alice, [], today() + datetime.timedelta(days=2), name="另一条")
    # Remove B, add D; move C to another route; then deactivate and delete the route.
    assert sup.patch(f"/api/v1/routes/{monday['id']}",
                     {"customers": [shops[0].pk, shops[3].pk]}, format="json").status_code == 200
    assert sup.patch(f"/api/v1/routes/{other['id']}",
                     {"customers": [shops[2].pk]}, format="json").status_code == 200
    assert sup.patch(f"/api/v1/routes/{monday['id']}", {"is_active": False},
                     format="json").status_code == 200
    generate(sup, today())
    assert sorted(plan_of(sup, cast.alice, today())) == ["A店", "B店", "C店"]
    assert sup.delete(f"/api/v1/routes/{monday['id']}").status_code == 204
    assert sorted(plan_of(sup, cast.alice, today())) == ["A店", "B店", "C店"]
    assert counted(sup, today()) == (3, 0)
    # The change applies to the next plan: tomorrow's, if the route still worked that day.
    route(sup, cast.alice, shops[3:5], tomorrow(), name="明天")
    generate(sup, tomorrow())
    assert sorted(plan_of(sup, cast.alice, tomorrow())) == ["D店", "E店"]


def test_a_customer_handed_over_mid_day_counts_only_where_it_was_worked(cast, shops, alice, sup,
                                                                        api):
    route(sup, cast.alice, shops[:3], today())
    route(sup, cast.alice, shops[:3], tomorrow(), name="明天")
    generate(sup, today())
    generate(sup, tomorrow())
    visit_at(alice, shops[0], when=at(today(), 9))           # A visited before the hand-over
    # The supervisor hands A, B and C to bob at 11:00.
    for shop in shops[:3]:
        response = sup.patch(f"/api/v1/customers/{shop.pk}", {"owner": cast.bob.pk},
                             format="json")
        assert response.status_code == 200, response.content
    # Alice's phone was offline: her 10:30 check-in at B arrives after the hand-over.
    upload = alice.post("/api/v1/sync", {"ops": [{
        "op": "check_in", "client_id": str(uuid.uuid4()), "payload": {
            "customer": shops[1].pk, "kind": "day", "device_time": at(today(), 10, 30).isoformat(),
            "lat": float(shops[1].latitude), "lng": float(shops[1].longitude)}}]}, format="json")
    assert upload.json()["results"][0]["status"] == "applied", upload.json()
    # A and B were worked: they count for alice; C was taken away unvisited: it does not.
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"]) == (2, 2)
    stops = plan_of(sup, cast.alice, today())
    assert stops["C店"]["released_at"] and not stops["C店"]["counted"]
    assert stops["B店"]["counted"] and stops["B店"]["status"] == "visited"
    # Bob's plan for the day is not changed: his visit to C is unplanned.
    visit_at(api(cast.bob), shops[2])
    bob = kpi(sup, today(), rep="bob")
    assert (bob["planned"], bob["unplanned"]) == (0, 1)
    # Tomorrow's plan, made before the hand-over, no longer counts the three against alice,
    # and alice cannot visit them for herself tomorrow.
    assert counted(sup, tomorrow()) == (0, 0)
    with time_machine.travel(at(tomorrow(), 11), tick=True):
        assert check_in(alice, shops[2]).status_code == 404
    # Later plans leave them out: they are no longer alice's, though still on her route.
    generate(sup, today() + datetime.timedelta(days=7))
    assert not PlannedStop.objects.filter(rep=cast.alice,
                                          date=today() + datetime.timedelta(days=7)).exists()


def test_a_customer_archived_after_the_plan(cast, shops, alice, sup):
    route(sup, cast.alice, shops[:3], today())
    generate(sup, today())
    visit_at(alice, shops[0], when=at(today(), 9))
    for shop in shops[:3]:
        response = sup.post(f"/api/v1/customers/{shop.pk}/archive", {"reason": "停业"},
                            format="json")
        assert response.status_code == 200, response.content
    assert counted(sup, today()) == (1, 1)                   # only A, visited before
    # A check-in made before the archiving still arrives; one made after is refused.
    assert check_in(alice, shops[1], when=at(today(), 10)).status_code == 201
    assert check_in(alice, shops[2], when=timezone.now()).status_code == 400
    assert counted(sup, today()) == (2, 2)
    # Restoring C does not bring its released stop back; the supervisor can add it again.
    assert sup.post(f"/api/v1/customers/{shops[2].pk}/restore",
                    format="json").status_code == 200
    assert counted(sup, today()) == (2, 2)
    response = sup_adds(sup, cast.alice, shops[2], today())
    assert response.status_code == 201 and response.json()["counted"] is True
    assert counted(sup, today()) == (3, 2)


@pytest.mark.parametrize("order", ["reject-then-revisit", "revisit-then-reject"])
def test_a_rejected_visit_then_another_the_same_day(cast, shops, alice, sup, order):
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    first = visit_at(alice, shops[0], when=at(today(), 9))
    if order == "reject-then-revisit":
        assert sup.post(f"/api/v1/visits/{first}/reject", {"reason": "照片不符"},
                        format="json").status_code == 200
        second = visit_at(alice, shops[0], when=at(today(), 10))
    else:
        check_out(alice, first)
        second = visit_at(alice, shops[0], when=at(today(), 10))
        assert sup.post(f"/api/v1/visits/{first}/reject", {"reason": "照片不符"},
                        format="json").status_code == 200
    assert counted(sup, today()) == (1, 1)
    assert sup.post(f"/api/v1/visits/{second}/reject", {"reason": "重复"},
                    format="json").status_code == 200
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["rejected"]) == (1, 0, 2)


@pytest.mark.parametrize("upload_first", [True, False], ids=["upload-first", "stop-first"])
def test_an_offline_check_in_uploaded_before_or_after_the_plan_changed(cast, shops, alice, sup,
                                                                      upload_first):
    client_id = str(uuid.uuid4())

    def upload():
        body = alice.post("/api/v1/sync", {"ops": [{
            "op": "check_in", "client_id": client_id, "payload": {
                "customer": shops[2].pk, "kind": "day",
                "device_time": at(today(), 9).isoformat(),
                "lat": float(shops[2].latitude), "lng": float(shops[2].longitude)}}]},
            format="json").json()
        assert body["results"][0]["status"] == "applied", body

    if upload_first:
        upload()
        assert sup_adds(sup, cast.alice, shops[2], today()).status_code == 201
    else:
        assert sup_adds(sup, cast.alice, shops[2], today()).status_code == 201
        upload()
    visit = Visit.objects.get(client_id=client_id)
    assert visit.is_planned and visit.planned_stop.customer == shops[2]
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["unplanned"]) == (1, 1, 0)


@pytest.mark.parametrize("drop_first", [True, False], ids=["drop-then-visit", "visit-then-drop"])
def test_dropped_stops_count_whenever_they_were_dropped(cast, shops, alice, sup, drop_first):
    route(sup, cast.alice, shops[:2], today())
    generate(sup, today())
    stops = plan_of(alice, cast.alice, today())

    def drop(name):
        response = alice.post(f"/api/v1/me/plan/stops/{stops[name]['id']}/drop",
                              {"reason": "店主外出"}, format="json")
        assert response.status_code == 200, response.content

    if drop_first:
        drop("A店")
        drop("B店")
        visit_at(alice, shops[0])
    else:
        visit_at(alice, shops[0])
        drop("A店")
        drop("B店")
    assert counted(sup, today()) == (2, 1)


def test_reordering_and_the_optimiser_change_nothing(cast, shops, alice, sup, settings):
    settings.ROUTING_DAY_SECONDS = 0.3
    settings.ROUTING_TRAVEL_PROVIDER = "haversine"
    route(sup, cast.alice, shops, today())
    generate(sup, today())
    visit_at(alice, shops[2], when=at(today(), 9))
    stops = plan_of(alice, cast.alice, today())
    alice.post(f"/api/v1/me/plan/stops/{stops['E店']['id']}/drop", {"reason": "关门"},
               format="json")
    before = kpi(sup, today(), rep="alice")
    plan_id = PlannedStop.objects.filter(rep=cast.alice, date=today()).first().plan_id
    ids = list(PlannedStop.objects.filter(plan_id=plan_id).order_by("-position")
               .values_list("pk", flat=True))
    assert sup.post(f"/api/v1/plans/{plan_id}/reorder", {"stops": ids},
                    format="json").status_code == 200
    assert kpi(sup, today(), rep="alice") == before
    response = alice.post("/api/v1/optimise/day", {"date": today().isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert kpi(sup, today(), rep="alice") == before
    assert (before["planned"], before["visited_on_plan"]) == (5, 1)


# --- trap 2: what counts as a visit -----------------------------------------------------------

def test_a_phone_call_at_a_planned_stop_is_not_a_visit(cast, shops, alice, sup):
    """The trial's trap: a phone check-in made a planned stop 'visited'."""
    product = ProductFactory()
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    phone = check_in(alice, shops[0], kind="phone", position=None)
    assert phone.status_code == 201, phone.content
    order = alice.post(f"/api/v1/visits/{phone.json()['client_id']}/orders", {
        "client_id": str(uuid.uuid4()),
        "lines": [{"product": product.pk, "quantity": 2, "unit_price": "10"}]}, format="json")
    assert order.status_code == 201, order.content
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["completion_rate"]) == (1, 0, "0.00")
    assert (total["visited_with_order"], total["success_rate"]) == (0, None)
    assert (total["phone_contacts"], total["visits"], total["unplanned"]) == (1, 0, 0)
    assert (total["customers_visited"], total["order_amount"]) == (0, "0.00")
    day = sup.get("/api/v1/supervision/day").json()
    row = next(r for r in day["reps"] if r["rep"] == cast.alice.pk)
    assert (row["visited"], row["stops"][0]["status"]) == (0, "phone")
    # Then the rep goes there: now it is visited.
    check_out(alice, phone.json()["client_id"])
    visit_at(alice, shops[0])
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["phone_contacts"]) == (1, 1, 1)


@pytest.mark.parametrize("kind", ["first", "second", "morning", "day", "home", "return"])
def test_every_kind_of_visit_at_the_outlet_counts(cast, shops, alice, sup, kind):
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    visit_at(alice, shops[0], kind=kind)
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["visits"]) == (1, 1, 1)


def test_a_ride_along_is_the_supervisors_and_never_credits_the_rep(cast, shops, alice, sup):
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    refused = check_in(alice, shops[0], kind="ride_along", lang=ZH)
    assert refused.status_code == 400 and "陪访" in refused.json()["kind"][0]
    kinds = [k["value"] for k in alice.get("/api/v1/me/today").json()["catalogue"]["kinds"]]
    assert "ride_along" not in kinds and "phone" in kinds
    assert visit_at(sup, shops[0], kind="ride_along")         # the supervisor goes along
    team = kpi(sup, today())
    assert (team["planned"], team["visited_on_plan"], team["ride_alongs"]) == (1, 0, 1)
    assert team["visits"] == 0
    # The rep checks in himself: that is the visit.
    visit_at(alice, shops[0])
    assert counted(sup, today()) == (1, 1)


def test_position_rules_no_position_off_site_and_no_outlet_coordinates(cast, shops, alice, sup):
    unmapped = CustomerFactory(owner=cast.alice, name="无坐标店")
    for shop in (shops[0], shops[1], unmapped):
        assert sup_adds(sup, cast.alice, shop, today()).status_code == 201
    # No position: refused for a visit at the outlet, nothing written.
    no_fix = check_in(alice, shops[0], position=None, lang=ZH)
    assert no_fix.status_code == 400 and "lat" in no_fix.json()
    assert not Visit.objects.exists()
    # Off site (2 km away): shown, not counted, until the supervisor accepts it.
    far = visit_at(alice, shops[1], position="far")
    # An outlet without coordinates cannot be measured: the check-in counts.
    visit_at(alice, unmapped, position="at")
    total = kpi(sup, today(), rep="alice")
    assert (total["planned"], total["visited_on_plan"], total["off_site"]) == (3, 1, 1)
    assert alice.post(f"/api/v1/visits/{far}/accept", {"reason": "x"},
                      format="json").status_code == 403        # not the rep's own call
    assert sup.post(f"/api/v1/visits/{far}/accept", {"reason": " "},
                    format="json").status_code == 400
    accepted = sup.post(f"/api/v1/visits/{far}/accept", {"reason": "商场内定位漂移"},
                        format="json")
    assert accepted.status_code == 200
    total = kpi(sup, today(), rep="alice")
    assert (total["visited_on_plan"], total["off_site"]) == (2, 0)
    # A rejection still overrides the acceptance.
    sup.post(f"/api/v1/visits/{far}/reject", {"reason": "复核不符"}, format="json")
    assert counted(sup, today()) == (3, 1)


def test_the_kpi_and_the_day_view_agree_on_every_trap(cast, shops, alice, sup):
    """The supervisor's day counts exactly like the KPI (one set of rules)."""
    for shop in shops:
        assert sup_adds(sup, cast.alice, shop, today()).status_code == 201
    visit_at(alice, shops[0])
    phone = visit_at(alice, shops[1], kind="phone", position=None)
    visit_at(alice, shops[2], position="far")
    rejected = visit_at(alice, shops[3])
    sup.post(f"/api/v1/visits/{rejected}/reject", {"reason": "x"}, format="json")
    assert phone
    day = sup.get("/api/v1/supervision/day").json()
    row = next(r for r in day["reps"] if r["rep"] == cast.alice.pk)
    total = kpi(sup, today(), rep="alice")
    assert (row["planned"], row["visited"]) == (total["planned"], total["visited_on_plan"]) \
        == (5, 1)
    assert [s["status"] for s in row["stops"]] == [
        "visited", "phone", "off_site", "rejected", "not_yet"]


# --- one open visit per outlet (issue 7 §3) -------------------------------------------------

def test_twenty_check_ins_at_one_outlet_open_one_visit(cast, shops, alice):
    answers = [check_in(alice, shops[0], lang=ZH) for _ in range(20)]
    assert [a.status_code for a in answers].count(201) == 1
    first = answers[0].json()["client_id"]
    for refused in answers[1:]:
        assert refused.status_code == 400
        body = refused.json()
        assert "签退" in body["customer"][0] and body["open_visit"] == [first]
    assert Visit.objects.filter(status="open").count() == 1
    # A replay of the same client id stays the same visit.
    again = check_in(alice, shops[0], client_id=first)
    assert again.status_code == 200 and again.json()["client_id"] == first
    # Another outlet at the same time is allowed (one open visit per outlet, not overall),
    # and after checking out the rep may check in at the first one again.
    assert check_in(alice, shops[1]).status_code == 201
    check_out(alice, first)
    assert check_in(alice, shops[0]).status_code == 201


def test_the_offline_queue_reports_a_refused_check_in_and_its_operations(cast, shops, alice):
    open_id = visit_at(alice, shops[0])
    refused_id = str(uuid.uuid4())
    body = alice.post("/api/v1/sync", {"ops": [
        {"op": "check_in", "client_id": refused_id, "payload": {
            "customer": shops[0].pk, "kind": "day", "device_time": timezone.now().isoformat(),
            "lat": float(LAT), "lng": float(LNG)}},
        {"op": "record", "client_id": str(uuid.uuid4()), "visit_client_id": refused_id,
         "payload": {"notes": "店主说下周进货"}},
        {"op": "record", "client_id": str(uuid.uuid4()), "visit_client_id": open_id,
         "payload": {"notes": "陈列良好"}},
    ]}, format="json", **ZH).json()
    check, record, other = body["results"]
    assert check["status"] == "error" and check["error"]["open_visit"] == [open_id]
    assert "签退" in check["error"]["customer"][0]
    assert record["status"] == "error" and "签到" in record["error"]["visit_client_id"][0]
    assert other["status"] == "applied"
    assert Visit.objects.get(client_id=open_id).notes == "陈列良好"


def test_the_database_keeps_one_open_visit_even_when_check_ins_race(cast, shops, monkeypatch):
    first, _ = services.visit_check_in(actor=cast.alice, customer=shops[0],
                                       client_id=uuid.uuid4(), lat=LAT, lng=LNG)
    # Two check-ins racing: the second does not see the first before it writes.
    real, calls = services._open_visit, []

    def not_yet_visible(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(services, "_open_visit", not_yet_visible)
    with pytest.raises(services.OpenVisitExists):
        services.visit_check_in(actor=cast.alice, customer=shops[0], client_id=uuid.uuid4(),
                                lat=LAT, lng=LNG)
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(rep=cast.alice, customer=shops[0], date=first.date,
                             checked_in_at=first.checked_in_at,
                             checkin_received_at=first.checkin_received_at)
    assert Visit.objects.count() == 1


# --- the KPI page --------------------------------------------------------------------------------

def test_a_reps_kpi_page_is_his_own_and_shows_no_api_paths(cast, shops, alice, sup, client):
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    visit_at(alice, shops[0])
    check_in(alice, shops[1], kind="phone", position=None)
    client.force_login(cast.alice)
    body = client.get("/visits/kpis/", **ZH).content.decode()
    assert "我的拜访指标" in body and "你权限范围内的所有人" not in body
    assert "/api/v1" not in body and "outletcrm kpi" not in body
    assert 'name="rep"' not in body and 'name="team"' not in body   # no one else to pick
    assert "电话联系" in body
    english = client.get("/visits/kpis/", **EN).content.decode()
    assert "My visit KPIs" in english and "Everyone in your scope" not in english
    # However the page is asked for (an old link naming him), it is his own page.
    named = client.get(f"/visits/kpis/?rep={cast.alice.pk}", **ZH)
    assert named.context["report"]["scope"]["kind"] == "self"
    assert "我的拜访指标" in named.content.decode()
    assert client.get("/visits/kpis/?rep=bob").status_code == 404


def test_reps_counted_are_the_people_who_did_field_work(cast, shops, alice, sup, client):
    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    visit_at(alice, shops[0])
    visit_at(sup, shops[1], kind="ride_along")   # the supervisor only rides along
    total_scope = sup.get("/api/v1/kpis/visits", {"from": today().isoformat(),
                                                  "to": today().isoformat()}).json()
    assert total_scope["scope"]["reps"] == 1 and total_scope["total"]["field_staff"] == 1
    client.force_login(cast.sup)
    body = client.get("/visits/kpis/", **ZH).content.decode()
    assert "统计业务员：1 人" in body and "/api/v1" not in body


def test_the_command_line_and_the_docs_carry_what_the_page_no_longer_says(cast, shops, alice,
                                                                         sup):
    from pathlib import Path

    assert sup_adds(sup, cast.alice, shops[0], today()).status_code == 201
    check_in(alice, shops[0], kind="phone", position=None)
    out = io.StringIO()
    call_command("kpi", "--from", today().isoformat(), "--to", today().isoformat(), stdout=out)
    table = out.getvalue()
    assert "phone" in table and "How the figures are counted" in table
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "/api/v1/kpis/visits" in readme and "outletcrm kpi" in readme


def test_every_counting_rule_is_written_where_users_see_it():
    from outletcrm.visits import kpis

    keys = {d.key for d in kpis.DEFINITIONS}
    assert {"completion_rate", "success_rate", "phone_contacts", "ride_alongs", "off_site",
            "field_staff"} <= keys
    completion = kpis.DEFINITION_BY_KEY["completion_rate"]
    with translation.override("en"):
        assert "phone" in str(completion.excludes) and "ride-along" in str(completion.excludes)
    with translation.override("en"):
        english = [str(rule) for rule in kpis.RULES]
    with translation.override("zh-hans"):
        assert "电话拜访" in str(completion.excludes) and "陪访" in str(completion.excludes)
        assert all(str(rule) != text for rule, text in zip(kpis.RULES, english, strict=True))
    assert len(kpis.RULES) >= 5
    for word in ("route", "supervisor", "phone", "handed", "reordered", "uploaded",
                 "ride-along", "off-site", "without the phone's position"):
        assert word in (kpis.__doc__ or "").lower()


def test_earlier_additions_are_kept_when_the_supervisor_takes_over(cast, shops):
    services.plan_add_stop(actor=cast.alice, rep=cast.alice, date=today(), customer=shops[0])
    stop = services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today(),
                                  customer=shops[0])
    addition = PlannedStopAddition.objects.get(stop=stop)
    assert (addition.origin, addition.added_by, stop.origin) == (
        StopOrigin.REP, cast.alice, StopOrigin.SUPERVISOR)
    assert addition.added_at is not None and addition.superseded_at >= addition.added_at


def test_the_plan_page_shows_both_origins_and_lets_the_supervisor_take_over(cast, shops, alice,
                                                                            sup, client):
    route(sup, cast.alice, shops[:1], today())
    assert rep_adds(alice, shops[0], today()).status_code == 201
    assert rep_adds(alice, shops[1], today()).status_code == 201
    generate(sup, today())
    client.force_login(cast.sup)
    url = f"/visits/plan/?rep={cast.alice.pk}&date={today().isoformat()}"
    page = client.get(url, **ZH)
    body = page.content.decode()
    assert body.count('data-testid="earlier-addition"') == 1 and "王丽" in body
    # B is only the rep's: the supervisor can pick it to make it count.
    assert shops[1] in list(page.context["choices"]) and shops[0] not in page.context["choices"]
    assert client.post("/visits/plan/add/", {"rep": cast.alice.pk, "date": today().isoformat(),
                                             "customer": shops[1].pk}).status_code == 302
    assert counted(sup, today()) == (2, 0)
    assert client.get(url, **ZH).content.decode().count('data-testid="earlier-addition"') == 2
