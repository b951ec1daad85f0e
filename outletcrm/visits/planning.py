"""Which routes fall on a date, and the nightly generation of daily plans (brief §5)."""

import datetime

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.models import DailyPlan, PlannedStop, Route, RouteStop

# Week 1 of every cycle starts on this Monday, so "Monday of odd weeks" is stable forever.
CYCLE_EPOCH = datetime.date(2024, 1, 1)


def cycle_week(date: datetime.date, cycle_weeks: int) -> int:
    """Which week (1-based) of a `cycle_weeks`-week cycle `date` falls in."""
    return ((date - CYCLE_EPOCH).days // 7) % cycle_weeks + 1


def _is_workday(date: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(date)
    except NotImplementedError:  # beyond the library's data: fall back to Monday–Friday
        return date.weekday() < 5


def route_day_for(date: datetime.date) -> datetime.date | None:
    """The calendar day whose routes are worked on `date`; None on a rest day.

    Mainland China moves working days around public holidays (调休). On a make-up working day
    (a Saturday or Sunday that is a working day) the rep works the routes of the weekday lost
    to the same holiday that lies nearest; public holidays themselves have no plan.
    """
    if not _is_workday(date):
        return None
    if date.weekday() < 5:
        return date
    try:
        _, holiday = chinese_calendar.get_holiday_detail(date)
    except NotImplementedError:
        holiday = None
    for offset in sorted(range(-14, 15), key=abs):
        candidate = date + datetime.timedelta(days=offset)
        if candidate.weekday() >= 5 or offset == 0:
            continue
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(candidate)
        except NotImplementedError:
            continue
        if on_holiday and (holiday is None or name == holiday):
            return candidate
    return None


def routes_on(date: datetime.date, *, rep_ids=None):
    """Active routes worked on `date`."""
    day = route_day_for(date)
    if day is None:
        return Route.objects.none()
    routes = Route.objects.filter(is_active=True, weekday=day.weekday())
    if rep_ids is not None:
        routes = routes.filter(rep_id__in=rep_ids)
    return [r for r in routes if r.week_of_cycle == cycle_week(day, r.cycle_weeks)]


@transaction.atomic
def generate_plans(*, date: datetime.date, rep_ids=None) -> dict:
    """Create the day's plans from the routes. A plan generated once is never regenerated,
    so what was planned originally stays the KPI's denominator (issue 3, item 2)."""
    routes = routes_on(date, rep_ids=rep_ids)
    by_rep: dict[int, list[Route]] = {}
    for route in routes:
        by_rep.setdefault(route.rep_id, []).append(route)
    existing = dict(DailyPlan.objects.filter(date=date, rep_id__in=list(by_rep))
                    .values_list("rep_id", "generated_at"))
    now = timezone.now()
    to_create = [DailyPlan(rep_id=rep_id, date=date, generated_at=now)
                 for rep_id in by_rep if rep_id not in existing]
    DailyPlan.objects.bulk_create(to_create, ignore_conflicts=True)
    # Plans the rep created by hand (adding a stop before the night run) get the routes too.
    DailyPlan.objects.filter(date=date, rep_id__in=list(by_rep), generated_at__isnull=True).update(
        generated_at=now)
    fresh = [rep_id for rep_id in by_rep if existing.get(rep_id) is None]
    plans = dict(DailyPlan.objects.filter(date=date, rep_id__in=fresh).values_list("rep_id", "pk"))
    route_ids = [r.pk for rep_id in fresh for r in by_rep[rep_id]]
    stops = (RouteStop.objects.filter(route_id__in=route_ids, customer__archived_at__isnull=True)
             .select_related("route").order_by("route__name", "position", "pk"))
    seen: set[tuple[int, int]] = set()
    new_stops = []
    positions: dict[int, int] = {}
    for stop in stops:
        rep_id = stop.route.rep_id
        key = (rep_id, stop.customer_id)
        if key in seen:
            continue
        seen.add(key)
        positions[rep_id] = positions.get(rep_id, 0) + 1
        new_stops.append(PlannedStop(
            plan_id=plans[rep_id], rep_id=rep_id, date=date, customer_id=stop.customer_id,
            position=positions[rep_id], origin=StopOrigin.GENERATED, route_id=stop.route_id,
        ))
    PlannedStop.objects.bulk_create(new_stops, ignore_conflicts=True, batch_size=2000)
    return {"date": date.isoformat(), "plans": len(fresh), "stops": len(new_stops)}
