"""Which routes fall on a date, and the nightly generation of daily plans (brief §5)."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outletcrm.core import workcal
from outletcrm.visits.choices import StopOrigin
from outletcrm.visits.models import DailyPlan, PlannedStop, Route, RouteStop

# Week 1 of every cycle starts on this Monday, so "Monday of odd weeks" is stable forever.
CYCLE_EPOCH = datetime.date(2024, 1, 1)


def cycle_week(date: datetime.date, cycle_weeks: int) -> int:
    """Which week (1-based) of a `cycle_weeks`-week cycle `date` falls in."""
    return ((date - CYCLE_EPOCH).days // 7) % cycle_weeks + 1


def route_day_for(date: datetime.date, *, region=None) -> datetime.date | None:
    """The calendar day whose routes are worked on `date`; None on a rest day.

    The company calendar (core.workcal) says which days are worked. Mainland China moves
    working days around public holidays (调休): on a make-up working day (a Saturday or Sunday
    that is a working day) the rep works the routes of the weekday lost to the same holiday
    that lies nearest; public holidays and company rest days themselves have no plan.
    """
    if not workcal.is_workday(date, region=region):
        return None
    if date.weekday() < 5:
        return date
    holiday = workcal.holiday_name(date, region=region)
    for offset in sorted(range(-14, 15), key=abs):
        candidate = date + datetime.timedelta(days=offset)
        if candidate.weekday() >= 5 or offset == 0:
            continue
        if workcal.is_workday(candidate, region=region):
            continue
        name = workcal.holiday_name(candidate, region=region)
        if name is not None and (holiday is None or name == holiday):
            return candidate
    return None


def routes_on(date: datetime.date, *, rep_ids=None):
    """Active routes worked on `date`.

    When the company calendar holds regional days (a region's own rest or working day), each
    rep follows the calendar of their team's region.
    """
    routes = Route.objects.filter(is_active=True)
    if rep_ids is not None:
        routes = routes.filter(rep_id__in=rep_ids)
    if not workcal.has_regional_days():
        day = route_day_for(date)
        if day is None:
            return Route.objects.none()
        return [r for r in routes.filter(weekday=day.weekday())
                if r.week_of_cycle == cycle_week(day, r.cycle_weeks)]
    days: dict[int | None, datetime.date | None] = {}
    worked = []
    for route in routes.select_related("rep__team"):
        region_id = route.rep.team.region_id if route.rep.team_id else None
        if region_id not in days:
            days[region_id] = route_day_for(date, region=region_id)
        day = days[region_id]
        if (day is not None and route.weekday == day.weekday()
                and route.week_of_cycle == cycle_week(day, route.cycle_weeks)):
            worked.append(route)
    return worked


@transaction.atomic
def generate_plans(*, date: datetime.date, rep_ids=None) -> dict:
    """Create the day's plans from the routes.

    A plan is generated once: later runs (nightly, on demand, the command, twice or more)
    change nothing, so what was planned stays the KPI's denominator (issue 3, item 2). A plan
    the rep or the supervisor started by hand before its first generation gets its routes
    then, and the route wins every customer both put on it (issue 7 §1): a stop the rep (or
    the supervisor) had added becomes the route's, keeps the earlier addition on file and
    takes the route's place in the order; the hand-made stops off the routes follow.
    Route stops of a customer the rep no longer owns, or archived, are not planned.
    """
    from outletcrm.visits import kpi_summary
    from outletcrm.visits.services import link_visits, take_over_stops

    routes = routes_on(date, rep_ids=rep_ids)
    by_rep: dict[int, list[Route]] = {}
    for route in routes:
        by_rep.setdefault(route.rep_id, []).append(route)
    now = timezone.now()
    known = set(DailyPlan.objects.filter(date=date, rep_id__in=list(by_rep))
                .values_list("rep_id", flat=True))
    DailyPlan.objects.bulk_create([DailyPlan(rep_id=rep_id, date=date)
                                   for rep_id in by_rep if rep_id not in known],
                                  ignore_conflicts=True)
    # Locked until this run commits: a stop added meanwhile waits, then finds the route's.
    plans = dict(DailyPlan.objects.select_for_update()
                 .filter(date=date, rep_id__in=list(by_rep), generated_at__isnull=True)
                 .order_by("pk").values_list("rep_id", "pk"))
    DailyPlan.objects.filter(pk__in=list(plans.values())).update(generated_at=now)
    route_ids = [r.pk for rep_id in plans for r in by_rep[rep_id]]
    route_stops = (RouteStop.objects
                   .filter(route_id__in=route_ids, customer__archived_at__isnull=True,
                           customer__owner_id=F("route__rep_id"))
                   .select_related("route").order_by("route__name", "position", "pk"))
    by_hand = {(s.rep_id, s.customer_id): s for s in
               PlannedStop.objects.filter(plan_id__in=list(plans.values()))
               .order_by("position", "pk")}
    seen: set[tuple[int, int]] = set()
    new_stops: list[PlannedStop] = []
    taken: list[PlannedStop] = []
    taken_routes: dict[int, int] = {}
    positions: dict[int, int] = {}
    for route_stop in route_stops:
        rep_id = route_stop.route.rep_id
        key = (rep_id, route_stop.customer_id)
        if key in seen:
            continue
        seen.add(key)
        positions[rep_id] = positions.get(rep_id, 0) + 1
        held = by_hand.get(key)
        if held is None:
            new_stops.append(PlannedStop(
                plan_id=plans[rep_id], rep_id=rep_id, date=date,
                customer_id=route_stop.customer_id, position=positions[rep_id],
                origin=StopOrigin.GENERATED, route_id=route_stop.route_id, added_at=now,
            ))
            continue
        held.position = positions[rep_id]
        if held.origin != StopOrigin.GENERATED:
            taken.append(held)
            taken_routes[held.pk] = route_stop.route_id
    for (rep_id, _customer_id), held in by_hand.items():  # hand-made stops off the routes
        if (rep_id, _customer_id) not in seen:
            positions[rep_id] = positions.get(rep_id, 0) + 1
            held.position = positions[rep_id]
    PlannedStop.objects.bulk_update(list(by_hand.values()), ["position"], batch_size=2000)
    take_over_stops(taken, origin=StopOrigin.GENERATED, actor=None, route_ids=taken_routes,
                    now=now)
    PlannedStop.objects.bulk_create(new_stops, batch_size=2000)
    # A check-in can precede its plan (generated on demand mid-day, an early offline upload).
    link_visits(rep_ids=list(plans), date=date)
    kpi_summary.refresh(rep_ids=list(plans), date_from=date)
    return {"date": date.isoformat(), "plans": len(plans), "stops": len(new_stops) + len(taken)}


def calendar_gap(day: datetime.date) -> int | None:
    """The first year the company calendar does not know, when `day` or the next
    CALENDAR_WARN_DAYS days fall in it (plans there are Monday–Friday guesses); else None."""
    from django.conf import settings

    horizon = day + datetime.timedelta(days=getattr(settings, "CALENDAR_WARN_DAYS", 30))
    for year in range(day.year, horizon.year + 1):
        if not workcal.is_known(datetime.date(year, 1, 1)):
            return year
    return None


def nightly_plans(day: datetime.date) -> dict:
    """The nightly job "plans" (settings.SCHEDULE): the day's plans for every rep, and a
    warning — logged, in the run's summary, and notified to administrators once per year —
    when the day or the coming weeks lie beyond what the company calendar knows."""
    import logging

    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from outletcrm.notifications.services import notify
    from outletcrm.org.models import Role, User

    summary = generate_plans(date=day)
    summary = {"date": day.isoformat(), "plans": summary["plans"], "stops": summary["stops"]}
    year = calendar_gap(day)
    if year is not None:
        logging.getLogger(__name__).warning(
            "company calendar has no public holidays for %s: plans are Monday–Friday guesses "
            "until an administrator enters them (/calendar/)", year)
        # Language-neutral on the run (the job page shows it as is): the year not known.
        summary["calendar_unknown_year"] = year
        admins = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk")
        for admin in admins:
            notify(user=admin, kind="calendar.unknown",
                   title=gettext_lazy("Enter the public holidays of %(year)s in the company "
                                      "calendar"),
                   params={"year": year}, link=f"{reverse('calendar')}?year={year}",
                   dedupe_key=f"calendar.unknown:{year}")
    return summary
