"""The demo company at work (demo.field): routes, plans, a month of visits, orders and KPIs.

Seeded at a fixed moment, Wednesday 18 June 2025 15:00 in Hangzhou, so the calendar is known:
the month before holds the Dragon Boat Festival (Monday 2 June, no plans) and weekends.
"""

import datetime
import io
import re
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.choices import Status
from outletcrm.customers.dedupe import haversine_m
from outletcrm.customers.models import Customer
from outletcrm.demo.data.products import ALL_PRODUCTS, CORE_PRODUCTS
from outletcrm.demo.field import field_exists
from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.orders.models import Order, OrderLine, Payment, PriceList, Product
from outletcrm.orders.services import order_create
from outletcrm.org.models import Role, User
from outletcrm.visits.choices import StopOrigin, VisitKind, VisitStatus
from outletcrm.visits.kpis import visit_kpis
from outletcrm.visits.models import (
    COUNTED_ORIGINS,
    DailyPlan,
    FollowUpTask,
    PlannedStop,
    Route,
    RouteStop,
    StockCheck,
    Visit,
    VisitOrder,
    VisitStep,
)
from outletcrm.visits.routes import frequency_report
from outletcrm.visits.services import visit_check_in

OUTLETS, REPS = 200, 6
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
DRAGON_BOAT = datetime.date(2025, 6, 2)
FIELD_MODELS = (Route, RouteStop, DailyPlan, PlannedStop, Visit, VisitStep, StockCheck,
                VisitOrder, FollowUpTask, Order, OrderLine, Payment)


@pytest.fixture
def demo(db):
    return demo_seed(outlets=OUTLETS, reps=REPS, now=NOW, field=True)


def reps():
    return User.objects.filter(role=Role.REP).order_by("username")


def test_every_rep_has_a_two_week_cycle_that_meets_the_class_frequency(demo):
    for rep in reps():
        routes = list(Route.objects.filter(rep=rep))
        assert len(routes) == 10
        assert {(r.weekday, r.week_of_cycle) for r in routes} == {
            (d, w) for d in range(5) for w in (1, 2)}
        assert all(r.cycle_weeks == 2 and r.is_active for r in routes)
        supervisor = User.objects.get(role=Role.SUPERVISOR, team=rep.team)
        report = frequency_report(actor=supervisor, rep=rep)
        assert report.below_frequency == [] and report.on_no_route == []
        assert report.foreign_stops == []
        # Weekly customers on the same weekday in both weeks; everyone else once per cycle.
        slots = defaultdict(set)
        for stop in RouteStop.objects.filter(route__rep=rep).select_related("route"):
            slots[stop.customer_id].add((stop.route.weekday, stop.route.week_of_cycle))
        for customer in Customer.objects.filter(owner=rep).select_related("customer_class"):
            days = slots[customer.pk]
            if customer.customer_class.visit_every_weeks == 1:
                assert len({d for d, _w in days}) == 1 and {w for _d, w in days} == {1, 2}
            else:
                assert len(days) == 1


def test_route_days_are_compact_parts_of_the_territory(demo):
    def spread(points):
        lat = sum(p[0] for p in points) / len(points)
        lng = sum(p[1] for p in points) / len(points)
        return sum(haversine_m(a, b, lat, lng) for a, b in points) / len(points)

    for rep in reps():
        territory = list(Customer.objects.filter(owner=rep).values_list("latitude", "longitude"))
        days = [list(route.stops.values_list("customer__latitude", "customer__longitude"))
                for route in Route.objects.filter(rep=rep)]
        assert all(days)
        # A day's stops sit closer together than the rep's customers as a whole.
        assert sum(spread(d) for d in days) / len(days) < spread(territory)


def test_plans_follow_the_calendar(demo):
    rep_ids = set(reps().values_list("pk", flat=True))
    today = set(DailyPlan.objects.filter(date=TODAY).values_list("rep_id", flat=True))
    tomorrow = set(DailyPlan.objects.filter(date=TODAY + datetime.timedelta(days=1))
                   .values_list("rep_id", flat=True))
    assert today == rep_ids and tomorrow == rep_ids
    assert PlannedStop.objects.filter(date=TODAY).count() >= 2 * REPS
    dates = set(DailyPlan.objects.values_list("date", flat=True))
    assert DRAGON_BOAT not in dates
    assert all(d.weekday() < 5 for d in dates)
    assert min(dates) >= TODAY - datetime.timedelta(days=30)
    # Dated the night they would have been generated, not the moment of the seed.
    plan = DailyPlan.objects.filter(date=TODAY - datetime.timedelta(days=1)).first()
    assert timezone.localtime(plan.generated_at).time() == datetime.time(0, 30)
    # Nothing visited today yet, apart from rep01's morning.
    visits_today = Visit.objects.filter(date=TODAY)
    assert set(visits_today.values_list("rep__username", flat=True)) <= {"rep01"}
    assert visits_today.count() <= 2
    assert all(v.checked_out_at < NOW for v in visits_today)


def test_a_months_kpis_look_like_a_real_team(demo):
    start, end = TODAY - datetime.timedelta(days=30), TODAY - datetime.timedelta(days=1)
    rows = visit_kpis(reps=reps(), date_from=start, date_to=end, group="rep")
    assert len(rows) == REPS
    for row in rows:
        assert 60 <= row.completion_rate <= 100, row
        assert 20 <= row.success_rate <= 70, row
    rates = sorted(row.completion_rate for row in rows)
    assert rates[-1] - rates[0] >= 5  # reps differ
    (total,) = visit_kpis(reps=reps(), date_from=start, date_to=end, with_distribution=True)
    assert total.unplanned > 0 and total.rejected > 0
    # Off-site check-ins are reviewed the next morning: rejected, or accepted and counted.
    off_site = Visit.objects.filter(off_site=True, date__range=(start, end))
    assert off_site.filter(accepted_at__isnull=False).exists()
    assert off_site.filter(status="rejected").exists()
    assert total.off_site == off_site.exclude(status="rejected").filter(
        accepted_at__isnull=True).count()
    assert 5 <= total.average_duration_minutes <= 40
    assert total.order_amount > 0 and total.coverage > 50
    flagship = Product.objects.get(code=CORE_PRODUCTS[0])
    assert 40 <= total.distribution[flagship.pk]["rate"] <= 95
    assert {Product.objects.get(pk=pk).code for pk in total.distribution} >= set(CORE_PRODUCTS)
    # The plan adjustments the KPI must honour are all there.
    assert PlannedStop.objects.filter(origin=StopOrigin.SUPERVISOR).exists()
    assert PlannedStop.objects.filter(origin=StopOrigin.REP).exists()
    dropped = PlannedStop.objects.exclude(dropped_at=None)
    assert dropped.exists() and not dropped.filter(drop_reason="").exists()


def test_visits_orders_and_payments_are_consistent(demo):
    radius = settings.CHECKIN_RADIUS_M
    visits = list(Visit.objects.select_related("planned_stop", "customer"))
    assert len(visits) > 10 * REPS
    for visit in visits:
        local_in = timezone.localtime(visit.checked_in_at)
        assert local_in.date() == visit.date and visit.date <= TODAY
        assert datetime.time(7) <= local_in.time() <= datetime.time(21)
        assert 60 <= visit.duration_s <= 60 * 60
        assert visit.checked_out_at - visit.checked_in_at == datetime.timedelta(
            seconds=visit.duration_s)
        distance = haversine_m(visit.checkin_lat, visit.checkin_lng,
                               visit.customer.latitude, visit.customer.longitude)
        assert abs(distance - visit.checkin_distance_m) < 0.5
        assert visit.off_site == (visit.checkin_distance_m > radius)
        assert visit.checkin_received_at >= visit.checked_in_at
        stop = visit.planned_stop
        assert visit.is_planned == (stop is not None and stop.origin in COUNTED_ORIGINS)
        if stop is not None:
            assert (stop.rep_id, stop.date, stop.customer_id) == (
                visit.rep_id, visit.date, visit.customer_id)
        if visit.status == VisitStatus.REJECTED:
            assert visit.reject_reason and visit.rejected_by.role == Role.SUPERVISOR
            assert visit.rejected_at <= NOW
    assert VisitStep.objects.count() >= len(visits) * 3
    assert Visit.objects.filter(kind=VisitKind.HOME).count() == FollowUpTask.objects.filter(
        kind="return_visit").count()
    assert TimelineEntry.objects.filter(kind="visit").count() == len(visits)

    supervisor_of = {rep.pk: User.objects.get(role=Role.SUPERVISOR, team=rep.team_id).pk
                     for rep in reps()}
    for order in Order.objects.prefetch_related("lines", "payments"):
        order.full_clean()
        lines = list(order.lines.all())
        assert lines and order.total == sum(line.amount for line in lines)
        for line in lines:
            expected = (line.quantity * line.unit_price * (1 - line.discount)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert line.amount == expected and not line.product.is_competitor
        assert order.code == f"O{timezone.localdate(order.ordered_at):%y%m%d}{order.pk:06d}"
        assert sum(p.amount for p in order.payments.all()) <= order.total
        for payment in order.payments.all():
            assert order.ordered_at <= payment.paid_at <= NOW
        assert order.ordered_at <= NOW
        if order.confirmed_at:  # by the taker's supervisor, never the taker (core.scoping)
            assert order.confirmed_by_id == supervisor_of[order.rep_id] != order.rep_id
    for link in VisitOrder.objects.select_related("visit", "order"):
        assert link.visit.customer_id == link.order.customer_id
    assert Payment.objects.exists()
    assert Order.objects.filter(visit_link__isnull=True).exists()  # phone orders, off the KPI
    # Explicit order ids moved the sequence on: the next order gets a fresh number.
    rep = reps().first()
    order, _created = order_create(actor=rep, customer=Customer.objects.filter(owner=rep).first(),
                                   lines=[{"product_code": CORE_PRODUCTS[0], "quantity": 1}])
    assert order.pk > Order.objects.exclude(pk=order.pk).order_by("-pk").first().pk


def test_reset_removes_the_field_rows_and_what_people_added(demo):
    rep = User.objects.get(username="rep01")
    customer = Customer.objects.filter(owner=rep).first()
    # Rows made through the services while someone tried the demo protect logins too.
    visit_check_in(actor=rep, customer=customer, client_id=uuid.uuid4(),
                   lat=customer.latitude, lng=customer.longitude, accuracy_m=10)
    order_create(actor=rep, customer=customer,
                 lines=[{"product_code": CORE_PRODUCTS[0], "quantity": 2}])
    assert field_exists()
    deleted = demo_reset()
    assert deleted["visits"] > 0 and deleted["orders"] > 0
    for model in FIELD_MODELS:
        assert not model.objects.exists(), model
    assert not Product.objects.filter(code__in=[p.code for p in ALL_PRODUCTS]).exists()
    assert not PriceList.objects.exists()
    assert not Customer.objects.exists() and not User.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert not field_exists()


def test_seed_demo_without_field_then_if_empty_adds_it(db):
    out = io.StringIO()
    call_command("seed_demo", outlets=OUTLETS, reps=REPS, no_field=True, stdout=out)
    assert Customer.objects.count() == OUTLETS
    assert not field_exists() and not Product.objects.exists()
    # `make demo` on a database whose demo company has no field work yet adds it.
    out = io.StringIO()
    call_command("seed_demo", if_empty=True, stdout=out)
    assert field_exists() and Route.objects.count() == 10 * REPS
    counts = {model: model.objects.count() for model in FIELD_MODELS}
    assert "rep01" in out.getvalue()
    # A second run finds everything there and changes nothing.
    call_command("seed_demo", if_empty=True, stdout=io.StringIO())
    assert counts == {model: model.objects.count() for model in FIELD_MODELS}



def test_the_demo_writes_its_system_text_for_every_readers_language(demo):
    """Seeded while Chinese is active, the timeline, the tasks and the history read in English
    for an English reader and in Chinese for a Chinese one (core.i18n), as the services write
    them."""
    entries = {kind: TimelineEntry.objects.filter(kind=kind).first()
               for kind in ("archive", "visit", "order", "payment")}
    task = FollowUpTask.objects.filter(kind="return_visit").select_related("customer").first()
    created = ChangeLog.objects.filter(action=ChangeLog.Action.CREATE,
                                       object_type="customer").first()
    assert "msgid" in created.changes["status"][1]  # neutral, not the seeder's language
    readings = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            readings[language] = {
                **{kind: entry.title_text for kind, entry in entries.items()},
                "task": task.title_text, "status": created.changes_text["status"][1],
                "statuses": {str(label) for label in Status.labels}}
    english, chinese = readings["en"], readings["zh-hans"]
    assert english["archive"] == "Customer record created" and chinese["archive"] == "建立客户档案"
    assert re.fullmatch(r".+ by .+, \d+ min", english["visit"])
    assert re.fullmatch(r".+，\d+ 分钟", chinese["visit"])
    assert english["order"].startswith("Order ") and chinese["order"].startswith("订单 ")
    assert english["payment"].startswith("Payment ¥") and chinese["payment"].startswith("回款 ¥")
    assert english["task"] == f"Return visit to {task.customer.name}"
    assert chinese["task"] == f"回访{task.customer.name}"
    assert english["status"] in english["statuses"] and chinese["status"] in chinese["statuses"]
