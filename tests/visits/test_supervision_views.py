"""Supervision pages: route editor, day plans, the supervisor's day, visit detail, KPI page.

Pages are asserted in English (Accept-Language: en) so the tests read the same before and after
the Chinese catalogue is refreshed; one test checks the Chinese default.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.org.models import Role
from outletcrm.visits import routes, services
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.models import DailyPlan, PlannedStop, Route, Visit
from tests.factories import CustomerFactory, UserFactory, customer_class

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def any_day_works(monkeypatch):
    """Today's plan must not depend on today being a working day in China."""
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


@pytest.fixture
def page(client):
    def _page(user):
        client.force_login(user)
        return client

    return _page


@pytest.fixture
def shops(cast):
    return [CustomerFactory(owner=cast.alice, name=name, latitude=Decimal(lat),
                            longitude=Decimal("120.150000"),
                            customer_class=customer_class("key"))
            for name, lat in (("一号店", "30.270000"), ("二号店", "30.271000"),
                              ("三号店", "30.272000"))]


def today():
    return timezone.localdate()


def check_in(rep, customer, *, lat="30.270000", minutes=None, hour_offset=0):
    visit, _ = services.visit_check_in(
        actor=rep, customer=customer, client_id=uuid.uuid4(), lat=lat, lng="120.150000",
        accuracy_m=15, fix_age_s=4,
        device_time=timezone.now() - datetime.timedelta(minutes=(minutes or 0) + 1))
    if minutes is not None:
        services.visit_check_out(actor=rep, visit=visit,
                                 device_time=visit.checked_in_at + datetime.timedelta(
                                     minutes=minutes))
    return visit


# --- route editor --------------------------------------------------------------------------

def test_supervisor_builds_a_route_in_the_editor(cast, shops, page):
    client = page(cast.sup)
    response = client.post("/visits/routes/new/", {
        "rep": cast.alice.pk, "name": "周一 A 线", "cycle_weeks": "2", "week_of_cycle": "1",
        "weekday": "0"}, **EN)
    route = Route.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visits/routes/{route.pk}/"
    stops_url = f"/visits/routes/{route.pk}/stops/"
    client.post(stops_url, {"add": shops[0].pk})
    client.post(stops_url, {"customer": [shops[0].pk], "add": shops[1].pk})
    client.post(stops_url, {"customer": [shops[0].pk, shops[1].pk], "add": shops[2].pk})
    client.post(stops_url, {"customer": [shops[0].pk, shops[1].pk, shops[2].pk],
                            "up": shops[2].pk})
    client.post(stops_url, {"customer": [shops[0].pk, shops[2].pk, shops[1].pk],
                            "remove": shops[0].pk})
    assert list(route.stops.values_list("customer__name", flat=True)) == ["三号店", "二号店"]
    # A dragged order arrives as the full list.
    client.post(stops_url, {"customer": [shops[1].pk, shops[2].pk]})
    assert list(route.stops.values_list("customer__name", flat=True)) == ["二号店", "三号店"]
    editor = client.get(f"/visits/routes/{route.pk}/", **EN).content.decode()
    assert "Outlets in visiting order" in editor and 'id="route-map-data"' in editor
    assert "一号店" in editor  # offered to add again
    listing = client.get(f"/visits/routes/?rep={cast.alice.pk}", **EN).content.decode()
    assert "周一 A 线" in listing and "Every" not in listing.split("route-table")[0][-50:]
    # Key customers every week; a 2-week route falls short, and 一号店 is on no route.
    assert "2 of 4 visits per 4 weeks" in listing
    assert "Outlets on no route" in listing


def test_bad_route_input_shows_errors_and_writes_nothing(cast, shops, page):
    client = page(cast.sup)
    response = client.post("/visits/routes/new/", {
        "rep": cast.alice.pk, "name": "", "cycle_weeks": "2", "week_of_cycle": "3",
        "weekday": "9"}, **EN)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the route a name." in body and "between 1 and 2" in body
    assert not Route.objects.exists()
    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="线", weekday=0,
                                customer_ids=[shops[0].pk])
    response = client.post(f"/visits/routes/{route.pk}/stops/",
                           {"customer": [shops[0].pk], "add": cast.charlie_customer.pk},
                           follow=True, **EN)
    assert "Only the rep&#x27;s own live customers" in response.content.decode()
    assert list(route.stops.values_list("customer_id", flat=True)) == [shops[0].pk]


def test_the_rep_reads_routes_and_cannot_change_them(cast, shops, page):
    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="周一线", weekday=0,
                                customer_ids=[shops[0].pk])
    client = page(cast.alice)
    body = client.get(f"/visits/routes/{route.pk}/", **EN).content.decode()
    assert "周一线" in body and "Save order" not in body and 'name="add"' not in body
    assert client.get("/visits/routes/", **EN).status_code == 200
    assert client.post(f"/visits/routes/{route.pk}/stops/", {"customer": []}).status_code == 403
    assert client.post(f"/visits/routes/{route.pk}/delete/").status_code == 403
    assert client.post("/visits/routes/new/", {"rep": cast.alice.pk, "name": "x",
                                               "weekday": "0"}).status_code == 403
    assert route.stops.count() == 1


def test_routes_of_other_reps_are_not_found(cast, shops, page):
    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="周一线", weekday=0)
    assert page(cast.bob).get(f"/visits/routes/{route.pk}/").status_code == 404
    assert page(cast.charlie).get(f"/visits/routes/?rep={cast.alice.pk}").status_code == 404
    assert page(cast.mgr_nb).post(f"/visits/routes/{route.pk}/delete/").status_code == 404
    assert page(cast.mgr_nb).get(f"/visits/routes/new/?rep={cast.alice.pk}").status_code == 404
    assert Route.objects.filter(pk=route.pk).exists()


# --- day plans -----------------------------------------------------------------------------

def test_plan_page_generate_add_drop_and_reorder(cast, shops, page):
    routes.route_create(actor=cast.sup, rep=cast.alice, name="今日线", weekday=today().weekday(),
                        customer_ids=[shops[0].pk, shops[1].pk])
    sup = page(cast.sup)
    response = sup.post("/visits/plans/generate/", {"date": today().isoformat()}, follow=True,
                        **EN)
    assert "1 plans, 2 stops" in response.content.decode()
    sup.post("/visits/plan/add/", {"rep": cast.alice.pk, "date": today().isoformat(),
                                   "customer": shops[2].pk})
    alice = page(cast.alice)
    alice.post("/visits/plan/add/", {"date": today().isoformat(),
                                     "customer": cast.alice_customer.pk})
    first = PlannedStop.objects.get(customer=shops[0])
    response = alice.post(f"/visits/plan/stops/{first.pk}/drop/", {"reason": ""}, follow=True,
                          **EN)
    assert "Give a reason for dropping the stop." in response.content.decode()
    alice.post(f"/visits/plan/stops/{first.pk}/drop/", {"reason": "店主外出"})
    plan = DailyPlan.objects.get(rep=cast.alice, date=today())
    order = list(plan.stops.order_by("-position").values_list("pk", flat=True))
    alice.post(f"/visits/plan/{plan.pk}/reorder/", {"stop": order})
    assert list(plan.stops.order_by("position").values_list("pk", flat=True)) == order
    body = alice.get("/visits/plan/", **EN).content.decode()
    assert body.count('data-testid="plan-stop"') == 4
    assert "stop-dropped" in body and "店主外出" in body
    assert "Added by the supervisor" in body and "No (the rep's own addition)" in body
    origins = dict(PlannedStop.objects.values_list("customer__name", "origin"))
    assert origins == {"一号店": StopOrigin.GENERATED, "二号店": StopOrigin.GENERATED,
                       "三号店": StopOrigin.SUPERVISOR, "联华超市": StopOrigin.REP}


def test_plan_changes_with_bad_input_change_nothing(cast, shops, page):
    alice = page(cast.alice)
    for data in ({"date": "2026-13-40", "customer": shops[0].pk}, {"date": today().isoformat()},
                 {"date": today().isoformat(), "customer": cast.charlie_customer.pk},
                 {"date": today().isoformat(), "customer": "abc"}):
        response = alice.post("/visits/plan/add/", data, follow=True, **EN)
        assert response.status_code == 200
        assert response.context["messages"] and not PlannedStop.objects.exists()
    services.plan_add_stop(actor=cast.alice, rep=cast.alice, date=today(), customer=shops[0])
    plan = DailyPlan.objects.get()
    response = alice.post(f"/visits/plan/{plan.pk}/reorder/", {"stop": ["999"]}, follow=True,
                          **EN)
    assert "every stop of the plan once" in response.content.decode()
    assert alice.get("/visits/plan/?date=yesterday", **EN).status_code == 200
    assert page(cast.charlie).get(f"/visits/plan/?rep={cast.alice.pk}").status_code == 404
    stop = plan.stops.get()
    assert page(cast.bob).post(f"/visits/plan/stops/{stop.pk}/drop/",
                               {"reason": "x"}).status_code == 404
    assert page(cast.alice).post("/visits/plans/generate/",
                                 {"date": today().isoformat()}).status_code == 403
    response = page(cast.sup).post("/visits/plans/generate/", {"date": "2020-01-01"},
                                   follow=True, **EN)
    assert "Plans cannot be generated for past days." in response.content.decode()


def test_holiday_and_make_up_day_are_explained(cast, page, monkeypatch):
    from outletcrm.visits import planning, views

    monkeypatch.undo()
    assert planning.route_day_for(datetime.date(2026, 10, 1)) is None
    body = page(cast.sup).get("/visits/plan/?date=2026-10-01", **EN).content.decode()
    assert "Rest day or public holiday" in body
    body = page(cast.sup).get("/visits/day/?date=2026-10-10", **EN).content.decode()
    assert "Make-up working day" in body and "2026-10-07" in body
    assert views.routes_day_note(datetime.date(2026, 10, 12)) == ""


# --- the supervisor's day ------------------------------------------------------------------

@pytest.fixture
def busy_day(cast, shops):
    """Alice: 3 planned (1 visited on site, 1 checked in off site and short, so not visited,
    1 not yet) + 1 unplanned."""
    for customer in shops:
        services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today(), customer=customer)
    on_site = check_in(cast.alice, shops[0], minutes=20)
    off_site = check_in(cast.alice, shops[1], lat="30.300000", minutes=2)
    unplanned = check_in(cast.alice, cast.alice_customer, minutes=15)
    return {"on_site": on_site, "off_site": off_site, "unplanned": unplanned}


def test_day_page_shows_progress_and_exceptions(cast, busy_day, page):
    response = page(cast.sup).get("/visits/day/", **EN)
    assert response.status_code == 200
    day = response.context["day"]
    alice = next(r for r in day.reps if r.rep == cast.alice)
    assert (alice.planned, alice.visited, alice.not_yet, alice.missed, len(alice.unplanned)) == (
        3, 1, 1, 0, 1)
    assert [r.status for r in alice.rows] == ["visited", "off_site", "not_yet"]
    kinds = sorted(e.kind for e in day.exceptions)
    assert kinds == ["off_site", "short"]
    body = response.content.decode()
    assert "Off-site check-ins" in body and "二号店" in body
    assert 'id="day-map-data"' in body
    assert "Visit completion rate" in body and "Numerator" in body


def test_missed_stops_appear_once_the_day_is_over(cast, shops, page):
    yesterday = today() - datetime.timedelta(days=1)
    plan = DailyPlan.objects.create(rep=cast.alice, date=yesterday)
    for customer in shops[:2]:
        PlannedStop.objects.create(plan=plan, rep=cast.alice, date=yesterday, customer=customer)
    services.plan_drop_stop(actor=cast.alice, stop=plan.stops.first(), reason="下雨")
    response = page(cast.sup).get(f"/visits/day/?date={yesterday.isoformat()}", **EN)
    day = response.context["day"]
    assert day.totals["missed"] == 2 and [e.kind for e in day.exceptions] == ["missed", "missed"]
    assert "下雨" in response.content.decode()


def test_day_page_scope(cast, busy_day, page):
    body = page(cast.mgr_nb).get("/visits/day/", **EN).content.decode()
    assert "二号店" not in body and "30.300000" not in body          # another region's positions
    charlie_view = page(cast.charlie).get("/visits/day/").context["day"]
    assert [r.rep for r in charlie_view.reps] == [cast.charlie]
    assert page(cast.sup).get(f"/visits/day/?team={cast.team_nb.pk}").status_code == 404
    manager = page(cast.mgr_zj).get(f"/visits/day/?team={cast.team_hz.pk}").context["day"]
    assert {r.rep.username for r in manager.reps} == {"alice", "bob", "sup"}
    assert page(cast.custodian).get("/visits/day/").context["day"].reps == []


def test_day_page_query_count_does_not_grow_with_the_team(cast, busy_day, page):
    client = page(cast.sup)
    client.get("/visits/day/")  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        client.get("/visits/day/")
    for n in range(4):
        rep = UserFactory(team=cast.team_hz, role=Role.REP)
        customers = [CustomerFactory(owner=rep, latitude="30.28", longitude="120.16")
                     for _ in range(3)]
        for customer in customers:
            services.plan_add_stop(actor=cast.sup, rep=rep, date=today(), customer=customer)
        check_in(rep, customers[0], minutes=n + 1)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/visits/day/")
    assert len(response.context["day"].reps) == 7
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 12


# --- visit detail and rejection ------------------------------------------------------------

def test_supervisor_rejects_a_visit_with_a_reason(cast, busy_day, page):
    visit = busy_day["off_site"]
    client = page(cast.sup)
    detail = client.get(f"/visits/visit/{visit.pk}/", **EN).content.decode()
    assert "Check-in evidence" in detail and "Reported accuracy (m)" in detail
    response = client.post(f"/visits/visit/{visit.pk}/reject/", {"reason": ""}, follow=True,
                           **EN)
    assert "Give a reason for the rejection." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "done"
    response = client.post(f"/visits/visit/{visit.pk}/reject/", {"reason": "定位不符"},
                           follow=True, **EN)
    body = response.content.decode()
    assert "It no longer counts for any KPI" in body and "定位不符" in body
    visit.refresh_from_db()
    assert visit.status == "rejected" and visit.rejected_by == cast.sup


def test_rejection_permissions(cast, busy_day, page):
    visit = busy_day["on_site"]
    assert page(cast.alice).post(f"/visits/visit/{visit.pk}/reject/",
                                 {"reason": "x"}).status_code == 403
    assert page(cast.bob).post(f"/visits/visit/{visit.pk}/reject/",
                               {"reason": "x"}).status_code == 404
    assert page(cast.mgr_nb).post(f"/visits/visit/{visit.pk}/reject/",
                                  {"reason": "x"}).status_code == 404
    assert page(cast.mgr_nb).get(f"/visits/visit/{visit.pk}/").status_code == 404
    body = page(cast.alice).get(f"/visits/visit/{visit.pk}/", **EN).content.decode()
    assert 'data-testid="reject-form"' not in body
    assert Visit.objects.get(pk=visit.pk).status == "done"


# --- KPI page ------------------------------------------------------------------------------

def test_kpi_page_shows_figures_with_definitions(cast, busy_day, page):
    response = page(cast.sup).get(f"/visits/kpis/?from={today()}&to={today()}&group=rep", **EN)
    report = response.context["report"]
    assert report["total"]["planned"] == 3 and report["total"]["completion_rate"] == "33.33"
    assert report["total"]["off_site"] == 1
    body = response.content.decode()
    assert "33.33%" in body and "Numerator" in body and "Denominator" in body
    assert 'data-kpi-chart' in body and "dist/kpi-charts.js" in body
    rejected = page(cast.sup).post(f"/visits/visit/{busy_day['on_site'].pk}/reject/",
                                   {"reason": "重复"})
    assert rejected.status_code == 302
    report = page(cast.sup).get(f"/visits/kpis/?from={today()}&to={today()}").context["report"]
    assert report["total"]["completion_rate"] == "0.00"


def test_kpi_page_bad_input_falls_back_with_a_message(cast, page):
    client = page(cast.sup)
    response = client.get(f"/visits/kpis/?from=nope&to=2026-01-01&group=year&rep={cast.alice.pk}"
                          f"&team={cast.team_hz.pk}", **EN)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Enter a valid date" in text and "Unknown grouping" in text and "not several" in text
    assert client.get(f"/visits/kpis/?rep={cast.charlie.pk}").status_code == 404
    assert client.get(f"/visits/kpis/?team={cast.team_nb.pk}").status_code == 404
    assert client.get(f"/visits/kpis/?region={cast.ningbo.pk}").status_code == 404


def test_pages_are_chinese_by_default(cast, page):
    body = page(cast.sup).get("/visits/day/").content.decode()
    assert 'lang="zh-hans"' in body
