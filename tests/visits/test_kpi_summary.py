"""The KPI summary (visits/kpi_summary.py) counts exactly what visits/kpis.py counts.

Property: after any sequence of plan generations, stops added by the rep or the supervisor,
stops dropped, check-ins of every kind on and off site (also the supervisor's ride-alongs and
two reps at one outlet the same day), check-outs, orders on visits, stock checks, cancellations, rejections,
acceptances, hand-overs, archivings and merges, in any order and on any of three days, every
figure of every grouping read from the summary equals the figure counted from the stops and
visits themselves, over days and over whole months (KpiMonth, which holds KpiDay's sums); and `outletcrm kpi-rebuild` writes the same summary the services kept.
Runs on SQLite and on PostgreSQL like the other KPI tests.
"""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outletcrm.customers.services import customer_archive, customer_merge, customer_update
from outletcrm.orders.services import order_cancel
from outletcrm.org.models import User
from outletcrm.visits import kpi_summary, planning, services
from outletcrm.visits.kpis import GROUPS, visit_kpis
from outletcrm.visits.models import (
    KpiDay,
    KpiMonth,
    KpiSharedVisit,
    KpiStockYear,
    KpiVisitedYear,
    PlannedStop,
    Route,
    RouteStop,
)
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)  # a Wednesday
DAYS = [TODAY - datetime.timedelta(days=2), TODAY - datetime.timedelta(days=1), TODAY]
LAT, LNG = Decimal("30.270000"), Decimal("120.150000")
N_SHOPS = 6


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def world(cast, monkeypatch):
    """Alice (4 shops), bob (2 shops), their supervisor; routes on every weekday."""
    monkeypatch.setattr(planning, "route_day_for", lambda day: day)
    with time_machine.travel(at(TODAY, 20), tick=False):
        shops = [CustomerFactory(owner=cast.alice if i < 4 else cast.bob, name=f"店{i}",
                                 latitude=LAT + Decimal("0.001") * i, longitude=LNG)
                 for i in range(N_SHOPS)]
        for rep, mine in ((cast.alice, shops[:3]), (cast.bob, shops[4:5])):
            for weekday in range(7):
                route = Route.objects.create(rep=rep, name=f"线{weekday}", weekday=weekday,
                                             cycle_weeks=1, week_of_cycle=1)
                RouteStop.objects.bulk_create(RouteStop(route=route, customer=c, position=n)
                                              for n, c in enumerate(mine, start=1))
        yield {"cast": cast, "shops": shops, "product": ProductFactory()}


DAY = st.integers(0, len(DAYS) - 1)
SHOP = st.integers(0, N_SHOPS - 1)
PERSON = st.sampled_from(["alice", "bob", "sup"])
EVENTS = st.lists(st.one_of(
    st.tuples(st.just("generate"), DAY),
    st.tuples(st.just("add"), st.sampled_from(["alice", "bob"]), st.booleans(), DAY, SHOP),
    st.tuples(st.just("drop"), st.integers(0, 30)),
    st.tuples(st.just("check_in"), PERSON, SHOP, DAY, st.integers(8, 19),
              st.sampled_from(["day", "day", "first", "phone", "ride_along"]),
              st.sampled_from(["at", "at", "far", None])),
    st.tuples(st.just("check_in"), PERSON, SHOP, DAY, st.integers(8, 19), st.just("day"),
              st.just("at")),
    st.tuples(st.just("check_out"), st.integers(0, 30), st.integers(1, 40)),
    st.tuples(st.just("order"), st.integers(0, 30)),
    st.tuples(st.just("stock"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("check_in_stock"), PERSON, SHOP, DAY, st.integers(8, 19), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("reject"), st.integers(0, 30)),
    st.tuples(st.just("accept"), st.integers(0, 30)),
    st.tuples(st.just("hand_over"), SHOP, st.sampled_from(["alice", "bob"])),
    st.tuples(st.just("archive"), SHOP),
    st.tuples(st.just("merge"), SHOP, SHOP),
), min_size=1, max_size=25)


def pick(rows: list, index: int):
    return rows[index % len(rows)] if rows else None


def apply(event, world, visits: list, orders: list) -> None:
    cast, shops = world["cast"], world["shops"]
    people = {"alice": cast.alice, "bob": cast.bob, "sup": cast.sup}
    kind = event[0]
    fresh = lambda shop: type(shop).objects.get(pk=shop.pk)  # noqa: E731
    if kind == "generate":
        planning.generate_plans(date=DAYS[event[1]])
    elif kind == "add":
        rep = people[event[1]]
        actor = cast.sup if event[2] else rep
        services.plan_add_stop(actor=actor, rep=rep, date=DAYS[event[3]],
                               customer=fresh(shops[event[4]]))
    elif kind == "drop":
        stop = pick(list(PlannedStop.objects.order_by("pk")), event[1])
        if stop is not None:
            services.plan_drop_stop(actor=stop.rep, stop=stop, reason="关门")
    elif kind == "check_in":
        _, person, shop, day, hour, visit_kind, position = event
        shop = fresh(shops[shop])
        lat = lng = None
        if position == "at":
            lat, lng = shop.latitude, shop.longitude
        elif position == "far":
            lat, lng = shop.latitude + Decimal("0.02"), shop.longitude
        visit, created = services.visit_check_in(
            actor=people[person], customer=shop, client_id=uuid.uuid4(), kind=visit_kind,
            device_time=at(DAYS[day], hour), lat=lat, lng=lng)
        visits.append(visit)
    elif kind == "check_out":
        visit = pick(visits, event[1])
        if visit is not None:
            visit.refresh_from_db()
            services.visit_check_out(actor=visit.rep, visit=visit,
                                     device_time=visit.checked_in_at
                                     + datetime.timedelta(minutes=event[2]))
    elif kind == "order":
        visit = pick(visits, event[1])
        if visit is not None:
            visit.refresh_from_db()
            order, _ = services.visit_record_order(
                actor=visit.rep, visit=visit, client_id=uuid.uuid4(),
                lines=[{"product": world["product"], "quantity": 1, "unit_price": "10"}])
            orders.append(order)
    elif kind == "check_in_stock":  # on site, then the stock check (numeric distribution)
        _, person, shop, day, hour, in_stock = event
        apply(("check_in", person, shop, day, hour, "day", "at"), world, visits, orders)
        apply(("stock", len(visits) - 1, in_stock), world, visits, orders)
    elif kind == "stock":
        visit = pick(visits, event[1])
        if visit is not None:
            visit.refresh_from_db()
            services.visit_record_stock(actor=visit.rep, visit=visit, rows=[
                {"product": str(world["product"].pk), "in_stock": event[2]}])
    elif kind == "cancel":
        order = pick(orders, event[1])
        if order is not None:
            order.refresh_from_db()
            order_cancel(actor=order.rep, order=order, reason="客户取消")
    elif kind in {"reject", "accept"}:
        visit = pick(visits, event[1])
        if visit is not None:
            visit.refresh_from_db()
            review = services.visit_reject if kind == "reject" else services.visit_accept
            review(actor=cast.sup, visit=visit, reason="核实")
    elif kind == "hand_over":
        customer_update(actor=cast.admin, customer=fresh(shops[event[1]]),
                        owner=people[event[2]], approval=False)
    elif kind == "archive":
        customer_archive(actor=cast.admin, customer=fresh(shops[event[1]]), reason="关店")
    elif kind == "merge":
        customer_merge(actor=cast.custodian, keep=fresh(shops[event[1]]),
                       merge=fresh(shops[event[2]]))


def figures(cast, date_from, date_to, group, source, people=None):
    people = people or [cast.alice, cast.bob, cast.sup, cast.charlie]
    reps = User.objects.filter(pk__in=[p.pk for p in people])
    return [row.as_dict() for row in visit_kpis(reps=reps, date_from=date_from, date_to=date_to,
                                                group=group, source=source,
                                                with_distribution=group is None)]


def assert_summary_equals_raw(cast) -> None:
    checks = [(DAYS[0], DAYS[-1], None, group) for group in [None, *sorted(GROUPS)]]
    checks += [(DAYS[1], DAYS[1], [cast.alice], group) for group in (None, "day", "rep")]
    checks += [(DAYS[0] - datetime.timedelta(days=40), DAYS[-1], [cast.alice, cast.bob], g)
               for g in (None, "month")]
    # Periods with whole months, read from KpiMonth (and the days around them from KpiDay).
    november, year_end = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
    checks += [(november, year_end, None, g) for g in (None, "month", "rep", "team", "region")]
    checks += [(datetime.date(2025, 11, 30), DAYS[-1], None, g) for g in (None, "month")]
    checks += [(datetime.date(2025, 12, 1), year_end, [cast.alice], g) for g in (None, "rep")]
    checks += [(DAYS[1], datetime.date(2027, 1, 31), None, g) for g in (None, "month", "week")]
    for date_from, date_to, people, group in checks:
        raw = figures(cast, date_from, date_to, group, "raw", people)
        summary = figures(cast, date_from, date_to, group, "summary", people)
        assert summary == raw, (date_from, date_to, group, people)


def summary_rows() -> tuple:
    return (sorted(KpiDay.objects.filter(date__in=DAYS).values_list(
                "rep_id", "date", *kpi_summary.FIELDS)),
            sorted((r, c, y, m) for r, c, y, m in KpiVisitedYear.objects.exclude(m11=0)
                   .values_list("rep_id", "customer_id", "year", "m11")),
            sorted(KpiSharedVisit.objects.values_list("date", "customer_id", "rep_id")),
            sorted(KpiStockYear.objects.exclude(m11=0)
                   .values_list("rep_id", "customer_id", "product_id", "year", "m11")),
            sorted(KpiMonth.objects.values_list("rep_id", "month", *MONTH_FIELDS)))


MONTH_FIELDS = [*kpi_summary.SUMMED, "worked_days", "listed_days"]


def assert_months_sum_the_days() -> None:
    """KpiMonth holds the sums of KpiDay per rep and month, no more rows and no fewer."""
    days: dict = {}
    for row in KpiDay.objects.values("rep_id", "date", *kpi_summary.SUMMED, "worked", "listed"):
        month = days.setdefault((row["rep_id"], row["date"].replace(day=1)),
                                dict.fromkeys(MONTH_FIELDS, 0))
        for name in kpi_summary.SUMMED:
            month[name] += row[name]
        month["worked_days"] += row["worked"]
        month["listed_days"] += row["listed"]
    months = {(r.pop("rep_id"), r.pop("month")): r
              for r in KpiMonth.objects.values("rep_id", "month", *MONTH_FIELDS)}
    assert months == days


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=EVENTS)
def test_summary_counts_what_the_definition_counts(world, events):
    cast = world["cast"]
    with time_machine.travel(at(TODAY, 20), tick=False), transaction.atomic():
        visits, orders = [], []
        for event in events:
            try:
                with transaction.atomic():
                    apply(event, world, visits, orders)
            except (ValidationError, PermissionDenied, IntegrityError):
                pass  # refused: changes nothing (an atomic service)
        assert_summary_equals_raw(cast)
        assert_months_sum_the_days()
        kept = summary_rows()
        call_command("kpi_rebuild", "--from", DAYS[0].isoformat(), "--to",
                     DAYS[-1].isoformat(), stdout=io.StringIO(), stderr=io.StringIO())
        assert summary_rows() == kept
        transaction.set_rollback(True)


def test_two_reps_at_one_outlet_the_same_day_count_one_customer(world):
    """The day's distinct customers are not the sum of the reps' own (KpiSharedVisit)."""
    cast, shop = world["cast"], world["shops"][0]
    with time_machine.travel(at(TODAY, 20), tick=False):
        for person in (cast.alice, cast.bob):
            services.visit_check_in(actor=person, customer=shop, client_id=uuid.uuid4(),
                                    device_time=at(TODAY, 10), lat=shop.latitude,
                                    lng=shop.longitude)
        for group in (None, "day", "month", "team"):
            row = figures(cast, TODAY, TODAY, group, "summary")[0]
            assert row["visits"] == 2
            assert row["customers_visited"] == 1
        assert [r["customers_visited"] for r in figures(cast, TODAY, TODAY, "rep",
                                                        "summary")] == [1, 1]


def test_a_cancelled_order_leaves_the_success_rate(world):
    cast, shop = world["cast"], world["shops"][0]
    with time_machine.travel(at(TODAY, 20), tick=False):
        planning.generate_plans(date=TODAY)
        visit, _ = services.visit_check_in(actor=cast.alice, customer=shop,
                                           client_id=uuid.uuid4(), device_time=at(TODAY, 10),
                                           lat=shop.latitude, lng=shop.longitude)
        order, _ = services.visit_record_order(
            actor=cast.alice, visit=visit, client_id=uuid.uuid4(),
            lines=[{"product": world["product"], "quantity": 1, "unit_price": "10"}])
        before = figures(cast, TODAY, TODAY, None, "summary", [cast.alice])[0]
        assert (before["planned"], before["visited_with_order"]) == (3, 1)
        assert before["order_amount"] == Decimal("10.00")
        order_cancel(actor=cast.alice, order=order, reason="客户取消")
        after = figures(cast, TODAY, TODAY, None, "summary", [cast.alice])[0]
        assert (after["visited_with_order"], after["order_amount"]) == (0, Decimal("0"))


def test_rebuild_counts_rows_written_around_the_services(world):
    """Bulk loads bypass the services; the command counts them in."""
    cast, shop = world["cast"], world["shops"][0]
    with time_machine.travel(at(TODAY, 20), tick=False):
        planning.generate_plans(date=TODAY)
        PlannedStop.objects.filter(date=TODAY).delete()  # around the services: stale now
        assert figures(cast, TODAY, TODAY, None, "summary")[0]["planned"] == 4  # alice 3, bob 1
        out = io.StringIO()
        call_command("kpi_rebuild", "--from", TODAY.isoformat(), "--to", TODAY.isoformat(),
                     stdout=out, stderr=io.StringIO())
        assert "rep-days" in out.getvalue()
        assert figures(cast, TODAY, TODAY, None, "summary") == \
            figures(cast, TODAY, TODAY, None, "raw")
        assert shop.pk  # the world is intact


def test_large_selections_read_the_summary(world, settings):
    """kpi_report picks the summary above KPI_SUMMARY_MIN_REP_DAYS, the raw count below."""
    from outletcrm.visits.selectors import kpi_report

    cast = world["cast"]
    with time_machine.travel(at(TODAY, 20), tick=False):
        planning.generate_plans(date=TODAY)
        PlannedStop.objects.filter(date=TODAY, customer=world["shops"][0]).delete()  # stale
        settings.KPI_SUMMARY_MIN_REP_DAYS = 10_000
        raw = kpi_report(user=cast.admin, date_from=TODAY, date_to=TODAY, group="day")
        settings.KPI_SUMMARY_MIN_REP_DAYS = 1
        fast = kpi_report(user=cast.admin, date_from=TODAY, date_to=TODAY, group="day")
        assert (raw["total"]["planned"], fast["total"]["planned"]) == (3, 4)


def test_numeric_distribution_is_read_from_the_in_stock_bits(world):
    """A stock check (in stock, then not) moves the summary's distribution like the raw one."""
    cast, shop, product = world["cast"], world["shops"][0], world["product"]
    with time_machine.travel(at(TODAY, 20), tick=False):
        visit, _ = services.visit_check_in(actor=cast.alice, customer=shop,
                                           client_id=uuid.uuid4(), device_time=at(TODAY, 10),
                                           lat=shop.latitude, lng=shop.longitude)
        services.visit_record_stock(actor=cast.alice, visit=visit,
                                    rows=[{"product": str(product.pk), "in_stock": True}])
        found = figures(cast, TODAY, TODAY, None, "summary")[0]["distribution"]
        assert found[product.pk]["outlets"] == 1
        assert found == figures(cast, TODAY, TODAY, None, "raw")[0]["distribution"]
        services.visit_record_stock(actor=cast.alice, visit=visit,
                                    rows=[{"product": str(product.pk), "in_stock": False}])
        assert figures(cast, TODAY, TODAY, None, "summary")[0]["distribution"] == {}
