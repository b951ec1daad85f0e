"""The KPI definitions of brief §5, pinned on hand-made data with every trap present."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from outletcrm.orders.services import order_cancel, order_create
from outletcrm.org.models import User
from outletcrm.visits import services
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.kpis import DEFINITIONS, visit_kpis
from outletcrm.visits.models import DailyPlan, PlannedStop
from tests.factories import CustomerFactory, ProductFactory


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def plan(rep, day, customers, origin=StopOrigin.GENERATED):
    daily, _ = DailyPlan.objects.get_or_create(rep=rep, date=day)
    return [PlannedStop.objects.create(plan=daily, rep=rep, date=day, customer=c, origin=origin)
            for c in customers]


def visit(rep, customer, day, *, order_product=None, hour=10):
    v, _ = services.visit_check_in(
        actor=rep, customer=customer, client_id=uuid.uuid4(), device_time=at(day, hour),
        lat="30.270000", lng="120.150000")
    if order_product is not None:
        services.visit_record_order(actor=rep, visit=v, client_id=uuid.uuid4(),
                                    lines=[{"product": order_product, "quantity": 2,
                                            "unit_price": "10"}])
    return v


@pytest.fixture
def world(cast):
    today = timezone.localdate()
    d1, d2, d3 = (today - datetime.timedelta(days=n) for n in (3, 2, 1))
    rep = cast.alice
    a, b, c, d, e, f, g = (CustomerFactory(owner=rep, name=f"客户{x}") for x in "ABCDEFG")
    product = ProductFactory()
    plan(rep, d1, [a, b, c])
    plan(rep, d1, [d], origin=StopOrigin.SUPERVISOR)
    plan(rep, d1, [e], origin=StopOrigin.REP)          # the rep's own addition: not counted
    plan(rep, d2, [a])                                  # A is planned on two days
    plan(rep, d2, [g])
    services.plan_drop_stop(actor=rep, stop=PlannedStop.objects.get(date=d1, customer=c),
                            reason="关门")              # dropped: still counts as planned
    visit(rep, a, d1, order_product=product)            # planned, visited, ordered
    visit(rep, b, d1)                                   # planned, visited, no order on the visit
    order_create(actor=rep, customer=b, lines=[{"product": product, "quantity": 1,
                                                "unit_price": "5"}])  # order outside a visit
    rejected = visit(rep, d, d1, order_product=product)  # rejected: counts for nothing
    services.visit_reject(actor=cast.sup, visit=rejected, reason="定位不符")
    visit(rep, e, d1, order_product=product)            # rep-added stop: unplanned
    visit(rep, f, d1, order_product=product)            # off the plan: unplanned
    cancelled = visit(rep, g, d2, order_product=product)  # order later cancelled
    order_cancel(actor=rep, order=cancelled.visit_orders.get().order, reason="客户取消")
    visit(rep, f, d3)                                   # a zero-plan day with a visit
    return locals()


def reps(*users):
    return User.objects.filter(pk__in=[u.pk for u in users])


def test_day_with_every_trap(world):
    day1 = visit_kpis(reps=reps(world["rep"]), date_from=world["d1"], date_to=world["d1"])[0]
    assert day1.planned == 4            # A, B, C (dropped), D (supervisor); not E
    assert day1.visited_on_plan == 2    # A, B; D's visit was rejected
    assert day1.visited_with_order == 1  # A; B's order was not on the visit
    assert day1.completion_rate == Decimal("50.00")
    assert day1.success_rate == Decimal("50.00")
    assert day1.unplanned == 2          # E (rep-added) and F
    assert day1.rejected == 1


def test_period_rates_are_sums_not_averages_of_daily_rates(world):
    period = visit_kpis(reps=reps(world["rep"]), date_from=world["d1"], date_to=world["d3"])[0]
    assert (period.planned, period.visited_on_plan, period.visited_with_order) == (6, 3, 1)
    assert period.completion_rate == Decimal("50.00")   # 3 / 6
    assert period.success_rate == Decimal("33.33")      # 1 / 3: G's order was cancelled
    by_day = visit_kpis(reps=reps(world["rep"]), date_from=world["d1"], date_to=world["d3"],
                        group="day")
    rates = {row.label: row.completion_rate for row in by_day}
    assert rates == {str(world["d1"]): Decimal("50.00"), str(world["d2"]): Decimal("50.00"),
                     str(world["d3"]): None}


def test_customer_planned_on_two_days_counts_twice(world):
    day2 = visit_kpis(reps=reps(world["rep"]), date_from=world["d2"], date_to=world["d2"])[0]
    assert day2.planned == 2 and day2.visited_on_plan == 1  # A not visited on day 2, G visited


def test_zero_plan_day_has_no_rate_not_zero(world):
    day3 = visit_kpis(reps=reps(world["rep"]), date_from=world["d3"], date_to=world["d3"])[0]
    assert day3.planned == 0 and day3.completion_rate is None and day3.success_rate is None
    assert day3.unplanned == 1


def test_nobody_else_counts(world, cast):
    other = visit_kpis(reps=reps(cast.bob), date_from=world["d1"], date_to=world["d3"])[0]
    assert other.planned == 0 and other.visits == 0


def test_grouping_by_team_adds_up_to_the_total(world, cast):
    team = visit_kpis(reps=reps(cast.alice, cast.bob), date_from=world["d1"],
                      date_to=world["d3"], group="team")
    assert [(r.label, r.planned, r.visited_on_plan, r.order_amount) for r in team] == [
        (str(cast.team_hz.pk), 6, 3, Decimal("60.00"))]


def test_coverage_and_order_amount(world):
    period = visit_kpis(reps=reps(world["rep"]), date_from=world["d1"], date_to=world["d3"])[0]
    assert period.portfolio == 8              # A–G and the cast's 联华超市
    assert period.portfolio_visited == 5      # A, B, E, F, G (D's only visit was rejected)
    # Orders on non-rejected visits, not cancelled: A, E, F at 20 each.
    assert period.order_amount == Decimal("60.00")
    assert period.customers_visited == 5


def test_every_kpi_has_a_written_definition():
    keys = {d.key for d in DEFINITIONS}
    assert {"completion_rate", "success_rate", "coverage", "numeric_distribution"} <= keys
    for d in DEFINITIONS:
        assert d.numerator and d.denominator and d.excludes
