"""Plan generation from routes: cycles, China's public holidays and make-up working days (调休),
idempotency, the original plan kept after changes, and who may generate plans (issue 3, item 2).
"""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outletcrm.org.models import User
from outletcrm.visits import routes, services
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.kpis import visit_kpis
from outletcrm.visits.models import DailyPlan, PlannedStop
from outletcrm.visits.planning import cycle_week, generate_plans, route_day_for
from outletcrm.visits.tasks import generate_plans_task
from tests.factories import CustomerFactory

MONDAY_WEEK_2 = datetime.date(2026, 10, 12)   # week 2 of a 2-week cycle (epoch 2024-01-01)
MONDAY_WEEK_1 = datetime.date(2026, 10, 19)
NATIONAL_DAY = datetime.date(2026, 10, 1)      # Thursday, public holiday
MAKE_UP_SATURDAY = datetime.date(2026, 10, 10)  # 调休: works Wednesday 2026-10-07's routes
LOST_WEDNESDAY = datetime.date(2026, 10, 7)


@pytest.fixture
def any_day_works(monkeypatch):
    """Tests about today's plan must not depend on today being a working day in China."""
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


@pytest.fixture
def outlets(cast):
    return [CustomerFactory(owner=cast.alice, name=f"门店{i}") for i in range(1, 5)]


def route(cast, customers, **kw):
    values = {"name": "线路", "cycle_weeks": 1, "week_of_cycle": 1, "weekday": 0}
    values.update(kw)
    return routes.route_create(actor=cast.sup, rep=cast.alice,
                               customer_ids=[c.pk for c in customers], **values)


def planned(rep, day):
    return list(PlannedStop.objects.filter(rep=rep, date=day).order_by("position")
                .values_list("customer__name", flat=True))


def test_the_calendar_facts_the_tests_rely_on(db):
    assert (cycle_week(MONDAY_WEEK_1, 2), cycle_week(MONDAY_WEEK_2, 2)) == (1, 2)
    assert route_day_for(NATIONAL_DAY) is None
    assert MAKE_UP_SATURDAY.weekday() == 5 and route_day_for(MAKE_UP_SATURDAY) == LOST_WEDNESDAY
    assert cycle_week(LOST_WEDNESDAY, 2) == 1


def test_a_weekday_plan_follows_the_route_order(cast, outlets):
    route(cast, [outlets[2], outlets[0]], name="周一线")
    route(cast, [outlets[1]], name="周二线", weekday=1)
    result = generate_plans(date=MONDAY_WEEK_1)
    assert result == {"date": "2026-10-19", "plans": 1, "stops": 2}
    assert planned(cast.alice, MONDAY_WEEK_1) == ["门店3", "门店1"]
    stops = PlannedStop.objects.filter(date=MONDAY_WEEK_1)
    assert {s.origin for s in stops} == {StopOrigin.GENERATED}
    assert DailyPlan.objects.get(rep=cast.alice, date=MONDAY_WEEK_1).generated_at is not None


def test_two_week_cycle_odd_and_even_weeks(cast, outlets):
    route(cast, [outlets[0]], name="单周一", cycle_weeks=2, week_of_cycle=1)
    route(cast, [outlets[1]], name="双周一", cycle_weeks=2, week_of_cycle=2)
    route(cast, [outlets[2]], name="每周一")
    generate_plans(date=MONDAY_WEEK_1)
    generate_plans(date=MONDAY_WEEK_2)
    assert sorted(planned(cast.alice, MONDAY_WEEK_1)) == ["门店1", "门店3"]
    assert sorted(planned(cast.alice, MONDAY_WEEK_2)) == ["门店2", "门店3"]


def test_no_plan_on_a_public_holiday(cast, outlets):
    route(cast, outlets, weekday=NATIONAL_DAY.weekday())
    assert generate_plans(date=NATIONAL_DAY) == {"date": "2026-10-01", "plans": 0, "stops": 0}
    assert not DailyPlan.objects.exists()


def test_a_make_up_working_day_works_the_lost_weekdays_routes(cast, outlets):
    route(cast, [outlets[0]], name="周三线", weekday=2, cycle_weeks=2, week_of_cycle=1)
    route(cast, [outlets[1]], name="周六线", weekday=5)  # Saturday routes are not worked then
    result = generate_plans(date=MAKE_UP_SATURDAY)
    assert result["plans"] == 1
    assert planned(cast.alice, MAKE_UP_SATURDAY) == ["门店1"]


def test_a_second_run_changes_nothing(cast, outlets):
    route(cast, outlets[:2])
    generate_plans(date=MONDAY_WEEK_1)
    before = list(PlannedStop.objects.values_list("pk", "customer_id", "position"))
    assert generate_plans(date=MONDAY_WEEK_1) == {"date": "2026-10-19", "plans": 0, "stops": 0}
    assert list(PlannedStop.objects.values_list("pk", "customer_id", "position")) == before


def test_route_changes_never_rewrite_a_generated_plan(cast, outlets):
    monday = route(cast, outlets[:2])
    generate_plans(date=MONDAY_WEEK_1)
    routes.route_set_stops(actor=cast.sup, route=monday, customer_ids=[outlets[3].pk])
    generate_plans(date=MONDAY_WEEK_1)
    assert planned(cast.alice, MONDAY_WEEK_1) == ["门店1", "门店2"]
    routes.route_delete(actor=cast.sup, route=monday)
    assert planned(cast.alice, MONDAY_WEEK_1) == ["门店1", "门店2"]


def test_the_original_plan_stays_after_the_rep_drops_and_adds(cast, outlets, any_day_works):
    today = timezone.localdate()
    route(cast, outlets[:2], weekday=today.weekday(), cycle_weeks=1)
    routes.plans_generate(actor=cast.sup, date=today)
    first, second = PlannedStop.objects.filter(date=today).order_by("position")
    services.plan_drop_stop(actor=cast.alice, stop=first, reason="店主外出")
    services.plan_add_stop(actor=cast.alice, rep=cast.alice, date=today, customer=outlets[3])
    services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today, customer=outlets[2])
    plan = DailyPlan.objects.get(rep=cast.alice, date=today)
    services.plan_reorder(actor=cast.alice, plan=plan,
                          stop_ids=list(plan.stops.order_by("-position").values_list("pk",
                                                                                     flat=True)))
    routes.plans_generate(actor=cast.sup, date=today)  # a second run changes nothing
    rows = {s.customer.name: (s.origin, bool(s.dropped_at))
            for s in PlannedStop.objects.filter(date=today).select_related("customer")}
    assert rows == {"门店1": (StopOrigin.GENERATED, True), "门店2": (StopOrigin.GENERATED, False),
                    "门店3": (StopOrigin.SUPERVISOR, False), "门店4": (StopOrigin.REP, False)}


def test_supervisor_additions_count_and_the_reps_do_not(cast, outlets, any_day_works):
    today = timezone.localdate()
    route(cast, outlets[:1], weekday=today.weekday())
    routes.plans_generate(actor=cast.sup, date=today)
    services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today, customer=outlets[1])
    services.plan_add_stop(actor=cast.alice, rep=cast.alice, date=today, customer=outlets[2])
    for customer in outlets[:3]:
        services.visit_check_in(actor=cast.alice, customer=customer, client_id=uuid.uuid4(),
                                lat="30.27", lng="120.15")
    kpis = visit_kpis(reps=User.objects.filter(pk=cast.alice.pk), date_from=today,
                      date_to=today)[0]
    assert (kpis.planned, kpis.visited_on_plan, kpis.unplanned) == (2, 2, 1)


def test_rep_plans_created_by_hand_still_get_their_routes(cast, outlets, any_day_works):
    today = timezone.localdate()
    route(cast, outlets[:2], weekday=today.weekday())
    services.plan_add_stop(actor=cast.alice, rep=cast.alice, date=today, customer=outlets[3])
    result = routes.plans_generate(actor=cast.sup, date=today)
    assert result["stops"] == 2
    assert sorted(planned(cast.alice, today)) == ["门店1", "门店2", "门店4"]


# --- on demand: who and when --------------------------------------------------------------

def test_on_demand_generation_is_limited_to_the_callers_reps(cast, outlets, any_day_works):
    today = timezone.localdate()
    route(cast, outlets[:1], weekday=today.weekday())
    charlie_shop = cast.charlie_customer
    routes.route_create(actor=cast.mgr_nb, rep=cast.charlie, name="宁波线",
                        weekday=today.weekday(), customer_ids=[charlie_shop.pk])
    assert routes.plans_generate(actor=cast.sup, date=today)["plans"] == 1
    assert not DailyPlan.objects.filter(rep=cast.charlie).exists()
    with pytest.raises(PermissionDenied):
        routes.plans_generate(actor=cast.sup, date=today, rep_ids=[cast.charlie.pk])
    with pytest.raises(PermissionDenied):
        routes.plans_generate(actor=cast.alice, date=today)
    assert routes.plans_generate(actor=cast.admin, date=today)["plans"] == 1  # charlie's now


@pytest.mark.parametrize("days", [-1, 15])
def test_on_demand_refuses_past_and_far_future_days(cast, outlets, days):
    day = timezone.localdate() + datetime.timedelta(days=days)
    route(cast, outlets[:1], weekday=day.weekday())
    with pytest.raises(ValidationError) as info:
        routes.plans_generate(actor=cast.sup, date=day)
    assert "date" in info.value.message_dict
    assert not DailyPlan.objects.exists()


def test_the_nightly_task_and_the_queued_run(cast, outlets, any_day_works):
    route(cast, outlets[:2])
    result = generate_plans_task.enqueue(date=MONDAY_WEEK_1.isoformat())
    assert result.return_value == {"date": "2026-10-19", "plans": 1, "stops": 2}
    today = timezone.localdate()
    route(cast, outlets[2:3], name="今天", weekday=today.weekday())
    answer = routes.plans_generate(actor=cast.sup, date=today, queue=True)
    assert answer["status"] == "SUCCESSFUL" and answer["result"]["plans"] == 1
