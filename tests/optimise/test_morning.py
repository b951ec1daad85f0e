"""The night's day orders (issue 11): the nightly job "day-orders" searches every rep's day of
today's plans ahead, and the morning's "optimise my day" on the same day needs no search; a
day that changed since is never given the stored order as its answer."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from outletcrm.core.models import JobRun
from outletcrm.optimise import services
from outletcrm.optimise.models import PrecomputedDay
from outletcrm.routing import engine
from outletcrm.routing.problem import Place
from outletcrm.visits.models import PlannedStop
from tests.factories import CustomerFactory
from tests.optimise.conftest import DAY, HOME, at, east, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def searches(monkeypatch) -> list:
    """Every PyVRP search the engine runs (the replay of a known order runs none)."""
    found = []
    real = engine._solve_order

    def counting(day, schedule, candidates, *args, **kwargs):
        found.append(sorted(stop.id for stop in candidates))
        return real(day, schedule, candidates, *args, **kwargs)

    monkeypatch.setattr(engine, "_solve_order", counting)
    return found


@pytest.fixture
def night(cast, line_shops, alice_home, searches):
    """Alice's plan for DAY, precomputed by the night job; the cache emptied afterwards, so
    the morning answers come from the stored order, not from the cache of day plans."""
    plan = make_plan(cast.alice, DAY, [line_shops[2], line_shops[0], line_shops[3], line_shops[1]])
    summary = services.precompute_days(DAY)
    assert (summary["days"], summary["solved"]) == (1, 1)
    searches.clear()
    cache.clear()
    return plan


def morning(cast, hour=9, minute=0, **options):
    """Alice presses "optimise my day" on DAY at the given time (Asia/Shanghai)."""
    return services.optimise_rep_day(
        actor=cast.alice,
        rep=cast.alice,
        date=DAY,
        now=at(DAY, hour, minute),
        apply=False,
        **options,
    )


def ids_of(plan) -> list[str]:
    return [str(pk) for pk in plan.stops.order_by("position").values_list("pk", flat=True)]


def test_the_night_job_stores_every_reps_day_of_the_plans(cast, line_shops, alice_home, searches):
    make_plan(cast.alice, DAY, line_shops)
    make_plan(
        cast.bob,
        DAY,
        [CustomerFactory(owner=cast.bob, latitude=HOME[0], longitude=east(k)) for k in (1, 2)],
    )
    make_plan(cast.alice, DAY + datetime.timedelta(days=1), line_shops)  # another day
    PrecomputedDay.objects.create(
        rep=cast.alice, date=DAY - datetime.timedelta(days=1), key="old", orders=[]
    )
    from outletcrm.optimise.tasks import day_orders_task

    day_orders_task.call(day=DAY.isoformat())
    stored = {row.rep_id: row for row in PrecomputedDay.objects.all()}
    assert set(stored) == {cast.alice.pk, cast.bob.pk}
    assert {row.date for row in stored.values()} == {DAY}  # yesterday's order is gone
    alice_ids = {
        str(pk)
        for pk in PlannedStop.objects.filter(rep=cast.alice, date=DAY).values_list("pk", flat=True)
    }
    orders = stored[cast.alice.pk].orders
    assert orders[0]["start"] == 8 * 60 + 30 and sorted(orders[0]["order"]) == sorted(alice_ids)
    assert all(sorted(o["order"]) == sorted(alice_ids) for o in orders)
    # Recorded as the job "day-orders", searched with several seeds; run again: nothing to do.
    run = JobRun.objects.get(name="day-orders")
    assert run.status == JobRun.Status.SUCCEEDED and run.summary["solved"] == 2
    searched = len(searches)
    assert searched >= 2 * len(services.NIGHT_SEEDS)
    again = services.precompute_days(DAY)
    assert (again["solved"], again["unchanged"]) == (0, 2) and len(searches) == searched


@pytest.mark.parametrize("when", [(8, 0), (9, 0), (9, 40)])
def test_the_morning_call_of_the_same_day_needs_no_search(cast, night, searches, when):
    stored = PrecomputedDay.objects.get(rep=cast.alice, date=DAY)
    result = morning(cast, *when)
    assert searches == []
    assert result.plan.solver == "known"
    assert result.plan.stop_ids == stored.orders[0]["order"]
    assert [row["status"] for row in result.job.result["rows"]] == ["planned"] * 4
    if when > (8, 30):  # after work start: the plan starts now, not at 08:30
        assert result.job.result["totals"]["start"] == f"{when[0]:02d}:{when[1]:02d}"


def test_the_phone_at_home_is_the_same_day_the_phone_elsewhere_is_not(cast, night, searches):
    stored = PrecomputedDay.objects.get(rep=cast.alice, date=DAY)
    at_home = Place(float(HOME[0]) + 0.0005, float(HOME[1]), "gps")  # ~55 m north
    result = morning(cast, current_position=at_home)
    assert searches == [] and result.plan.stop_ids == stored.orders[0]["order"]
    away = Place(float(HOME[0]), float(east(6)), "gps")  # 6 km east, beyond the shops
    result = morning(cast, current_position=away)
    assert len(searches) == 1 and result.job.result["position"]["lat"] == float(HOME[0])
    # From the far end of the line it is shortest to work back towards home.
    names = [row["name"] for row in result.job.result["rows"]]
    assert names == ["东4号店", "东3号店", "东2号店", "东1号店"]


def _add_stop(cast, plan):
    extra = CustomerFactory(
        owner=cast.alice, name="东2.5号店", latitude=HOME[0], longitude=east(2.5)
    )
    PlannedStop.objects.create(plan=plan, rep=cast.alice, date=DAY, customer=extra, position=5)
    return "东2.5号店"


def _drop_stop(cast, plan):
    stop = plan.stops.get(customer__name="东3号店")
    stop.dropped_at = timezone.now()
    stop.save(update_fields=["dropped_at"])
    return None


def _move_customer(cast, plan):
    customer = plan.stops.get(customer__name="东1号店").customer
    customer.latitude = HOME[0] + Decimal("0.020000")  # ~2.2 km north of the line
    customer.save(update_fields=["latitude"])
    return None


@pytest.mark.parametrize("change", [_add_stop, _drop_stop, _move_customer])
def test_a_day_that_changed_since_the_night_is_searched_not_served_stale(
    cast, night, searches, change
):
    added = change(cast, night)
    result = morning(cast)
    assert len(searches) == 1, "the changed day was not searched"
    rows = result.job.result["rows"]
    planned = [row["name"] for row in rows if row["status"] == "planned"]
    live = night.stops.filter(dropped_at__isnull=True).count()
    assert len(planned) == live
    if added:
        assert added in planned
    if change is _drop_stop:
        assert "东3号店" not in planned
    if change is _move_customer:
        # The distance is measured to where the outlet is now (~2.2 km off the line).
        assert result.job.result["totals"]["distance_km"] > 10.4 + 1
