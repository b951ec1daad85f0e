"""Writes of the route optimiser (issue 4): a rep's best day, weekly route designs, team splits.

The engine (outletcrm.routing) gets plain data and gives plain data back; this module turns the
app's records into that data (stops, windows, service times, start points) and writes the
answer through the owning apps' services: the day's order through visits.services.plan_reorder,
adopted routes through visits.routes, new owners through customers.services.customer_update.

Long runs (design, territory) are background jobs: `*_start` checks the input, records an
OptimisationJob and queues `tasks.run_job`; the task calls `job_run`, which reports progress on
the job (at most about once a second) and stores the result. A day is short and runs inline,
but it is recorded as a job as well, so pages and the API read every result the same way.
"""

import dataclasses
import datetime
import hashlib
import itertools
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.customers.services import customer_update
from outletcrm.optimise import conf
from outletcrm.optimise.models import (
    JobKind,
    JobStatus,
    OptimisationJob,
    PrecomputedDay,
    RepBase,
    StartPoint,
    TransportMode,
)
from outletcrm.org.models import Role, Team, User
from outletcrm.routing import engine
from outletcrm.routing.design import (
    CYCLE_WEEKS,
    Outlet,
    baseline_design,
    design_routes,
    frequency_violations,
    split_territory,
)
from outletcrm.routing.engine import optimise_day, visit_windows
from outletcrm.routing.problem import (
    DayPlan,
    DayProblem,
    Place,
    PlannedVisit,
    Shift,
    Stop,
    UnassignedStop,
)
from outletcrm.routing.travel import TravelError, haversine_m
from outletcrm.visits import routes as route_services
from outletcrm.visits.choices import VisitStatus
from outletcrm.visits.models import DailyPlan, PlannedStop, Route, Visit
from outletcrm.visits.services import plan_reorder

logger = logging.getLogger(__name__)

# Our own reason next to the engine's (routing.problem.Reason): an outlet without coordinates
# cannot be placed on a map or a route, so it is listed, never silently left out.
NO_COORDINATES = "no_coordinates"
# Progress is written to the job at most this often (seconds): pages poll every second.
PROGRESS_EVERY_S = 1.0
# Weight of a stop when a day cannot hold them all: frequent (key) customers are kept first.
PRIORITY_BY_INTERVAL = {1: 3, 2: 2}
WEEKDAY_COUNT = 7
# A day's engine answer is kept this long (seconds) in the cache, keyed by the whole problem:
# pressing "optimise my day" again on an unchanged day (or the proposal, then the API) costs no
# search. Shared between app machines when CACHE_URL names Redis (settings).
DAY_PLAN_CACHE_SECONDS = 6 * 3600
# The night's search of each day (precompute_days, engine.precompute_orders): the best orders
# for starts this many minutes after work start (a morning call at 08:47 uses those of 08:45
# and 09:00), each the best of these seeds of the default search unless the previous start's
# order still holds. Measured 2026-12-06 (bench/routing_morning.py, bench/results/
# routing_day.md).
NIGHT_OFFSETS = (0, 15, 30, 60)
NIGHT_SEEDS = (0, 1, 2)
# ...and these, one at a time, while only one search found the best order (a hard day).
NIGHT_MORE_SEEDS = (3, 4, 5, 6, 7)
# A current position this close to the day's start point (GPS error) counts as being there:
# the rep is still at home or the office, so the night's day applies.
AT_START_METRES = 150

# Failures a job can record; English message ids, shown translated (see selectors.job_error).
ERROR_NO_OUTLETS = gettext_noop("There are no live outlets with coordinates to plan.")
ERROR_TRAVEL = gettext_noop("The travel-time service did not answer; try again later.")
ERROR_UNEXPECTED = gettext_noop("The optimisation failed unexpectedly; the error was logged.")
ERROR_SETTINGS = gettext_noop("The route optimiser is not configured correctly: %(detail)s")
ERROR_QUEUE = gettext_noop("The job queue did not answer, so the job did not start; try again "
                           "in a minute.")
ERROR_ABANDONED = gettext_noop("The job stopped because its worker was stopped or restarted; "
                               "start it again.")


class OptimiserUnavailable(Exception):
    """The optimiser cannot answer now (travel-time service down, bad settings): not the
    user's input. Pages show the message; the API answers 503."""


# --- small helpers -----------------------------------------------------------------------

def _local_minutes(moment: datetime.datetime) -> float:
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute + local.second / 60


def hhmm(minutes: float | None) -> str | None:
    """Minutes from midnight as "HH:MM" (rounded to the minute)."""
    if minutes is None:
        return None
    whole = int(round(minutes))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _as_time(minutes: float | None) -> datetime.time | None:
    if minutes is None:
        return None
    whole = min(int(round(minutes)), 24 * 60 - 1)
    return datetime.time(whole // 60, whole % 60)


def _place(lat, lng, label: str) -> Place | None:
    if lat is None or lng is None:
        return None
    return Place(float(lat), float(lng), label)


def _place_json(place: Place | None) -> dict | None:
    return None if place is None else {"lat": place.lat, "lng": place.lng, "label": place.label}


def parse_position(lat, lng) -> Place | None:
    """A WGS-84 position from two form/API values: both or neither, each in range."""
    empty = (None, "")
    if lat in empty and lng in empty:
        return None
    if lat in empty or lng in empty:
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    try:
        lat_f, lng_f = float(Decimal(str(lat).strip())), float(Decimal(str(lng).strip()))
    except (InvalidOperation, ValueError):
        raise ValidationError({"lat": _("Invalid coordinates.")}) from None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)):
        raise ValidationError({"lat": _("Invalid coordinates.")})
    if not -90 <= lat_f <= 90:
        raise ValidationError({"lat": _("Latitude must be between -90 and 90.")})
    if not -180 <= lng_f <= 180:
        raise ValidationError({"lng": _("Longitude must be between -180 and 180.")})
    return Place(lat_f, lng_f, "position")


def parse_cycle(value) -> int:
    """A visit cycle of 1, 2 or 4 weeks (issue 4, item 2)."""
    try:
        cycle = int(str(value).strip())
    except (TypeError, ValueError):
        cycle = None
    if cycle not in CYCLE_WEEKS:
        raise ValidationError({"cycle_weeks": _("The cycle is 1, 2 or 4 weeks.")})
    return cycle


def parse_mode(value) -> str:
    """A transport mode (walk, ebike, car); empty means the installation's default."""
    if value in (None, ""):
        return conf.default_mode()
    if str(value) not in conf.MODES:
        raise ValidationError({"mode": _("Choose on foot, e-bike or car.")})
    return str(value)


def _provider():
    try:
        return conf.provider()
    except ImproperlyConfigured as exc:
        raise OptimiserUnavailable(_(ERROR_SETTINGS) % {"detail": exc}) from exc


# --- the rep's base: start points, hours, transport --------------------------------------

@dataclass
class RepSetup:
    """What the optimiser assumes about a rep: own settings over the installation's."""

    home: Place | None
    office: Place | None
    work_start: int
    work_end: int
    mode: str
    own: RepBase | None

    @property
    def work_start_text(self) -> str:
        return hhmm(self.work_start)

    @property
    def work_end_text(self) -> str:
        return hhmm(self.work_end)

    @property
    def mode_text(self) -> str:
        return str(TransportMode(self.mode).label) if self.mode in conf.MODES else self.mode

    @property
    def default_start(self) -> str:
        if self.home is not None:
            return StartPoint.HOME
        if self.office is not None:
            return StartPoint.OFFICE
        return StartPoint.FIRST_OUTLET


def rep_setup(rep: User) -> RepSetup:
    """The rep's start points, working hours and transport mode (settings fill the gaps)."""
    own = RepBase.objects.filter(user=rep).first()
    start, end = conf.work_hours()
    office = conf.office()
    home = None
    mode = conf.default_mode()
    if own is not None:
        home = _place(own.home_lat, own.home_lng, "home")
        office = _place(own.office_lat, own.office_lng, "office") or office
        if own.work_start and own.work_end:
            start, end = conf.minutes_of(own.work_start), conf.minutes_of(own.work_end)
        mode = own.mode or mode
    return RepSetup(home=home, office=office, work_start=start, work_end=end, mode=mode, own=own)


@transaction.atomic
def rep_base_update(*, actor: User, rep: User, **fields) -> RepBase:
    """Set a rep's home, office, working hours and transport (the rep or their supervisor)."""
    if actor.pk != rep.pk and not scoping.can_supervise(actor, rep):
        raise PermissionDenied(_("You cannot change this rep's settings."))
    allowed = {"home_lat", "home_lng", "office_lat", "office_lng", "work_start", "work_end",
               "mode"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    base, _created = RepBase.objects.select_for_update().get_or_create(user=rep)
    for key, value in fields.items():
        setattr(base, key, value if value != "" or key == "mode" else None)
    base.full_clean(exclude=["user"])
    base.save()
    return base


# --- best order for a day (issue 4, item 1) ----------------------------------------------

def _interval(customer: Customer) -> int | None:
    klass = customer.customer_class
    return klass.visit_every_weeks if klass is not None else None


def _service_minutes(customer: Customer, first_visit: bool, table: dict[str, float]) -> float:
    """Minutes the visit takes: a first visit by its kind, otherwise by the customer's class."""
    if first_visit and "first" in table:
        return table["first"]
    klass = customer.customer_class
    if klass is not None and klass.code in table:
        return table[klass.code]
    return table["default"]


def _windows(customer: Customer) -> list[tuple[int, int]]:
    """Free visit windows: business hours minus the outlet type's busy windows (brief §5)."""
    busy = conf.busy_windows(customer.outlet_type.code)
    opens = conf.minutes_of(customer.opens_at) if customer.opens_at else None
    closes = conf.minutes_of(customer.closes_at) if customer.closes_at else None
    if opens is not None and closes is not None and closes <= opens:
        # Open past midnight (e.g. 18:00–02:00): the evening part and the early-morning part.
        return visit_windows(opens, 24 * 60, busy) + visit_windows(0, closes, busy)
    return visit_windows(opens, closes, busy)


@dataclass
class DayResult:
    """A day optimisation: its job (holding the result shown by pages and the API) and plan."""

    job: OptimisationJob
    plan: DayPlan


def _resolve_start(start, setup: RepSetup) -> str:
    if start in (None, ""):
        return setup.default_start
    if start not in StartPoint.values:
        raise ValidationError({"start": _("Start from home, the office or the first outlet.")})
    if start == StartPoint.HOME and setup.home is None:
        raise ValidationError({"start": _(
            "No home position is set for this rep: set it, or start from the office or the "
            "first outlet.")})
    if start == StartPoint.OFFICE and setup.office is None:
        raise ValidationError({"start": _(
            "No office position is set: set it, or start from home or the first outlet.")})
    return start


def _day_cache_key(problem: DayProblem) -> str:
    """Everything the engine's answer depends on: the problem, the travel settings, the
    search settings (the seed is fixed at 0)."""
    spec = conf.provider_spec()
    search = (engine.search_settings(), conf.day_seconds())
    text = json.dumps([dataclasses.asdict(problem), spec.name, spec.options, search],
                      sort_keys=True, default=str)
    return "optimise:day:" + hashlib.sha256(text.encode()).hexdigest()


def _engine_day(problem: DayProblem, provider, *, rep: User | None = None,
                date: datetime.date | None = None) -> DayPlan:
    """The engine's plan for the problem: from the cache when the same problem was solved,
    else from the night's order of the rep's day (PrecomputedDay), else a search.

    The engine answers the same problem the same way (seed 0) unless its time cap stopped the
    search, so only such complete answers are kept. A cache that does not answer (Redis down)
    only costs the search, never the request. The night's order serves only the problem it
    was found for, asked later the same morning (``now_min`` after work start, from the same
    start point: ``engine.optimise_day_warm`` keeps it when it still holds every stop, else
    searches from it briefly); for any other problem it is at most where the search starts.
    """
    key = _day_cache_key(problem)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache failure falls back to solving
        logger.warning("day plan cache unavailable", exc_info=True)
        cached = None
    if isinstance(cached, DayPlan):
        return cached
    night = None
    if rep is not None and date is not None:
        night = (PrecomputedDay.objects.filter(rep=rep, date=date)
                 .values_list("key", "orders").first())
    seconds = conf.day_seconds()
    known = [engine.KnownOrder(o["start"], o["order"], o["travel"]) for o in night[1]] if (
        night is not None) else []
    if known and problem.position is None and night[0] == _day_cache_key(
            dataclasses.replace(problem, now_min=None)):
        plan = engine.optimise_day_warm(problem, known, seconds=seconds, seed=0,
                                        provider=provider)
    else:
        plan = optimise_day(problem, seconds=seconds, seed=0, provider=provider,
                            initial=known[0].order if known else None)
    if not plan.stopped_by_time:
        try:
            cache.set(key, plan, DAY_PLAN_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - as above
            logger.warning("day plan cache unavailable", exc_info=True)
    return plan


def precompute_days(day: datetime.date, rep_ids=None) -> dict:
    """The nightly job "day-orders" (settings.SCHEDULE, after "plans"): every rep's day of
    `day` solved as "optimise my day" would ask it before work starts and for starts up to
    NIGHT_OFFSETS[-1] minutes later, with more search (best of NIGHT_SEEDS, and of
    NIGHT_MORE_SEEDS while the searches disagree), stored in
    PrecomputedDay. In the morning the same day is answered without a search (issue 11).
    Safe to run again: a day whose stored key still matches is skipped. Orders of earlier
    days are deleted."""
    PrecomputedDay.objects.filter(date__lt=day).delete()
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    plans = DailyPlan.objects.filter(date=day).select_related("rep").order_by("pk")
    if rep_ids is not None:
        plans = plans.filter(rep_id__in=rep_ids)
    stored = dict(PrecomputedDay.objects.filter(date=day).values_list("rep_id", "key"))
    provider = _provider()
    seconds = conf.day_seconds()
    summary = {"date": day.isoformat(), "days": 0, "solved": 0, "unchanged": 0, "failed": 0,
               "cpu_seconds": 0.0}
    started = time.process_time()
    for plan in plans:
        live = [s for s in plan.stops.select_related("customer__customer_class",
                                                     "customer__outlet_type")
                .order_by("position", "pk") if s.dropped_at is None]
        if not live:
            continue
        summary["days"] += 1
        try:
            problem = _day_input(rep=plan.rep, date=day, live=live, start=None,
                                 current_position=None, now=midnight).problem
            key = _day_cache_key(problem)
            if stored.get(plan.rep_id) == key:
                summary["unchanged"] += 1
                continue
            known = engine.precompute_orders(problem, NIGHT_OFFSETS, NIGHT_SEEDS,
                                             seconds=seconds, provider=provider,
                                             more_seeds=NIGHT_MORE_SEEDS)
        except (TravelError, ValueError, ValidationError):
            logger.warning("day of rep %s on %s not precomputed", plan.rep_id, day,
                           exc_info=True)
            summary["failed"] += 1
            continue
        PrecomputedDay.objects.update_or_create(
            rep=plan.rep, date=day,
            defaults={"key": key, "orders": [{"start": k.start_min, "order": k.order,
                                              "travel": k.travel_minutes} for k in known]})
        summary["solved"] += 1
    summary["cpu_seconds"] = round(time.process_time() - started, 1)
    return summary


@dataclass
class _DayInput:
    """A rep's day as the engine sees it, and what the answer is put together with."""

    problem: DayProblem
    setup: RepSetup
    start: str
    place: Place | None
    visited: list[PlannedStop]
    visits_today: dict[int, Visit]
    no_coordinates: list[PlannedStop]
    engine_stops: list[Stop]
    service_of: dict[int, float]
    current_position: Place | None


def _at(position: Place | None, place: Place | None) -> bool:
    """The position is the place, give or take GPS error (AT_START_METRES)."""
    if position is None or place is None:
        return False
    return haversine_m((position.lat, position.lng), (place.lat, place.lng)) <= AT_START_METRES


def _day_input(*, rep: User, date, live: list[PlannedStop], start: str | None,
               current_position: Place | None, now: datetime.datetime) -> _DayInput:
    """The engine's problem for a rep's live stops of `date` as of `now` (optimise_rep_day,
    and the night's precompute_days, which must ask exactly the same question)."""
    today = timezone.localdate(now)
    setup = rep_setup(rep)
    start = _resolve_start(start, setup)
    is_today = date == today
    if not is_today:
        current_position = None  # a position says where the rep is now, so only for today

    customer_ids = [s.customer_id for s in live]
    visits_today: dict[int, Visit] = {}
    if is_today:
        for visit in (Visit.objects.filter(rep=rep, date=date, customer_id__in=customer_ids)
                      .exclude(status=VisitStatus.REJECTED).order_by("checked_in_at", "pk")):
            visits_today.setdefault(visit.customer_id, visit)
    seen_before = set(Visit.objects.filter(customer_id__in=customer_ids)
                      .exclude(status=VisitStatus.REJECTED)
                      .values_list("customer_id", flat=True).distinct())
    table = conf.service_minutes()

    visited = sorted((s for s in live if s.customer_id in visits_today),
                     key=lambda s: (visits_today[s.customer_id].checked_in_at, s.pk))
    no_coordinates: list[PlannedStop] = []
    engine_stops: list[Stop] = []
    service_of: dict[int, float] = {}
    for stop in live:
        if stop.customer_id in visits_today:
            continue
        customer = stop.customer
        if customer.latitude is None or customer.longitude is None:
            no_coordinates.append(stop)
            continue
        service = _service_minutes(customer, customer.pk not in seen_before, table)
        service_of[stop.pk] = service
        engine_stops.append(Stop(
            id=str(stop.pk), lat=float(customer.latitude), lng=float(customer.longitude),
            service_minutes=service, windows=_windows(customer),
            priority=PRIORITY_BY_INTERVAL.get(_interval(customer), 1),
        ))

    place = {StartPoint.HOME: setup.home, StartPoint.OFFICE: setup.office}.get(start)
    shift = Shift(start=place, end=place, work_start_min=setup.work_start,
                  work_end_min=setup.work_end, mode=setup.mode, rep_id=str(rep.pk))
    # The engine sees the stops in one canonical order (by id), so the same day asks the same
    # question whatever order the plan is in now, and a repeat is answered from the cache.
    problem = DayProblem(stops=sorted(engine_stops, key=lambda s: int(s.id)), shift=shift)
    position = current_position
    if visited and position is None:
        last = visits_today[visited[-1].customer_id]
        customer = visited[-1].customer
        position = (_place(customer.latitude, customer.longitude, "last visit")
                    or _place(last.checkout_lat, last.checkout_lng, "last visit")
                    or _place(last.checkin_lat, last.checkin_lng, "last visit"))
    if is_today:
        now_min = _local_minutes(now)
        for stop in visited:
            visit = visits_today[stop.customer_id]
            done_at = visit.checked_out_at or visit.checked_in_at
            now_min = max(now_min, _local_minutes(done_at))
        if visited or current_position is not None or now_min > setup.work_start:
            problem.now_min = now_min
            problem.position = position
            if not visited and _at(position, place):
                # Still at the day's start point (GPS error aside): the night's day, later.
                problem.position = None

    return _DayInput(problem=problem, setup=setup, start=start, place=place, visited=visited,
                     visits_today=visits_today, no_coordinates=no_coordinates,
                     engine_stops=engine_stops, service_of=service_of,
                     current_position=current_position)


def optimise_rep_day(*, actor: User, rep: User, date, start: str | None = None,
                     current_position: Place | None = None,
                     now: datetime.datetime | None = None, apply: bool = True) -> DayResult:
    """Put a rep's planned stops for `date` in the order with least travel (issue 4, item 1).

    With `apply=False` it only proposes: the job holds the order, arrival times and what it
    saves against the current order, and `day_apply` puts it on the plan once confirmed (the
    pages show the proposal first, issue 7 §4); with `apply=True` (the API's default) both.

    Windows come from business hours and the outlet type's busy times (brief §5), service times
    from the visit kind and the customer's class, start/end point and hours from the rep's base.
    Mid-day (today), stops already visited stay first in visiting order and the rest is planned
    from `current_position` (else the last visit) and the current time. Stops that cannot be
    fitted stay on the plan, at the end, with the reason in the job's result; dropped stops stay
    last. The order goes through visits.services.plan_reorder; arrival times onto the stops.
    """
    if actor.pk != rep.pk and not scoping.can_supervise(actor, rep):
        raise PermissionDenied(_("You cannot change this rep's plan."))
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError({"date": _("Enter a valid date (YYYY-MM-DD).")})
    now = now or timezone.now()
    today = timezone.localdate(now)
    if date < today:
        raise ValidationError({"date": _("Past days cannot be optimised.")})
    plan = DailyPlan.objects.filter(rep=rep, date=date).first()
    if plan is None:
        raise ValidationError({"date": _("There is no plan for this day.")})
    all_stops = list(plan.stops.select_related("customer__customer_class",
                                               "customer__outlet_type").order_by("position", "pk"))
    live = [s for s in all_stops if s.dropped_at is None]
    if not live:
        raise ValidationError({"date": _("The plan has no stops to optimise.")})
    day_input = _day_input(rep=rep, date=date, live=live, start=start,
                           current_position=current_position, now=now)
    problem, setup, start, place = (day_input.problem, day_input.setup, day_input.start,
                                    day_input.place)
    visited, visits_today = day_input.visited, day_input.visits_today
    no_coordinates, engine_stops = day_input.no_coordinates, day_input.engine_stops
    service_of, current_position = day_input.service_of, day_input.current_position

    provider = _provider()
    try:
        engine_plan = _engine_day(problem, provider, rep=rep, date=date)
        # The current order, driven as it stands: what the proposal is measured against.
        baseline = optimise_day(
            dataclasses.replace(problem, stops=[dataclasses.replace(s, fixed=True)
                                                for s in engine_stops]),
            seconds=conf.day_seconds(), seed=0, provider=provider)
    except TravelError as exc:
        logger.warning("travel provider failed for rep %s on %s: %s", rep.pk, date, exc)
        _failed_job(actor, JobKind.DAY, rep, {"date": date.isoformat()}, ERROR_TRAVEL)
        raise OptimiserUnavailable(_(ERROR_TRAVEL)) from exc
    except ValueError as exc:  # the engine refuses an inconsistent problem (e.g. hours)
        raise ValidationError(str(exc)) from exc

    done = [PlannedVisit(
        stop_id=str(stop.pk),
        arrival_min=round(_local_minutes(visits_today[stop.customer_id].checked_in_at), 2),
        start_min=round(_local_minutes(visits_today[stop.customer_id].checked_in_at), 2),
        departure_min=(round(_local_minutes(visits_today[stop.customer_id].checked_out_at), 2)
                       if visits_today[stop.customer_id].checked_out_at else None),
        wait_minutes=0.0, travel_minutes=0.0, distance_km=0.0, visited=True,
    ) for stop in visited]
    left_out = [UnassignedStop(str(s.pk), NO_COORDINATES, "The outlet has no coordinates.")
                for s in no_coordinates] + engine_plan.unassigned
    full_plan = DayPlan(
        visits=done + engine_plan.visits, unassigned=left_out,
        start_min=engine_plan.start_min, end_min=engine_plan.end_min,
        travel_minutes=engine_plan.travel_minutes, distance_km=engine_plan.distance_km,
        return_travel_minutes=engine_plan.return_travel_minutes,
        return_distance_km=engine_plan.return_distance_km, solver=engine_plan.solver,
        stopped_by_time=engine_plan.stopped_by_time,
    )

    by_id = {str(s.pk): s for s in all_stops}
    unassigned_ids = {u.stop_id for u in left_out}
    position_of = {str(s.pk): i for i, s in enumerate(all_stops)}
    order = [v.stop_id for v in full_plan.visits]
    order += sorted(unassigned_ids, key=position_of.__getitem__)
    order += [str(s.pk) for s in all_stops if s.dropped_at is not None]
    reasons = {u.stop_id: str(u.reason) for u in left_out}
    planned = {v.stop_id: v for v in full_plan.visits}

    rows = []
    for number, stop_id in enumerate(order, start=1):
        stop = by_id[stop_id]
        customer = stop.customer
        visit = planned.get(stop_id)
        status = ("dropped" if stop.dropped_at else "visited" if visit and visit.visited
                  else "planned" if visit else "unassigned")
        rows.append({
            "stop": stop.pk, "position": number, "customer": customer.pk,
            "name": customer.name, "code": customer.code,
            "lat": float(customer.latitude) if customer.latitude is not None else None,
            "lng": float(customer.longitude) if customer.longitude is not None else None,
            "status": status, "reason": reasons.get(stop_id),
            "arrival": hhmm(visit.arrival_min) if visit else None,
            "start": hhmm(visit.start_min) if visit else None,
            "departure": hhmm(visit.departure_min) if visit else None,
            "wait_minutes": visit.wait_minutes if visit else None,
            "travel_minutes": visit.travel_minutes if visit else None,
            "distance_km": visit.distance_km if visit else None,
            "window": [hhmm(visit.window[0]), hhmm(visit.window[1])]
            if visit and visit.window else None,
            "service_minutes": service_of.get(stop.pk),
        })
    result = {
        "date": date.isoformat(), "start": start, "mode": setup.mode,
        "work_start": hhmm(setup.work_start), "work_end": hhmm(setup.work_end),
        "start_place": _place_json(place), "end_place": _place_json(place),
        "position": _place_json(problem.position), "rows": rows,
        "totals": {
            "planned": sum(1 for r in rows if r["status"] == "planned"),
            "visited": len(visited), "unassigned": len(left_out),
            "travel_minutes": full_plan.travel_minutes, "distance_km": full_plan.distance_km,
            "return_travel_minutes": full_plan.return_travel_minutes,
            "start": hhmm(full_plan.start_min), "end": hhmm(full_plan.end_min),
        },
        "solver": full_plan.solver, "stopped_by_time": full_plan.stopped_by_time,
        "plan": full_plan.to_dict(),
        # The plan as it was when proposed: a proposal applies only to that plan.
        "current_order": plan_state(all_stops),
        "baseline": {"travel_minutes": baseline.travel_minutes,
                     "distance_km": baseline.distance_km,
                     "unassigned": len(baseline.unassigned) + len(no_coordinates)},
        "saving": {
            "travel_minutes": round(baseline.travel_minutes - full_plan.travel_minutes, 1),
            "distance_km": round(baseline.distance_km - full_plan.distance_km, 2)},
    }
    params = {"date": date.isoformat(), "start": start,
              "position": _place_json(current_position)}
    with transaction.atomic():
        moment = timezone.now()
        job = OptimisationJob.objects.create(
            kind=JobKind.DAY, status=JobStatus.DONE, progress=1.0, params=params,
            result=result, created_by=actor, rep=rep, started_at=moment, finished_at=moment)
        if apply:
            _apply_day(actor=actor, job=job, plan=plan)
    return DayResult(job=job, plan=full_plan)


def plan_state(stops) -> list[list]:
    """A plan's stops in order with whether each is dropped: what a proposal was made for."""
    return [[stop.pk, stop.dropped_at is not None] for stop in stops]


def proposal_is_current(job: OptimisationJob, plan: DailyPlan | None) -> bool:
    """The plan is as it was when the day proposal was made (same stops, order and drops)."""
    if plan is None:
        return False
    stops = plan.stops.order_by("position", "pk")
    return plan_state(stops) == job.result.get("current_order")


def _time_of(text: str | None) -> datetime.time | None:
    if not text:
        return None
    hours, minutes = (int(part) for part in text.split(":"))
    return datetime.time(hours, minutes) if hours < 24 else datetime.time(23, 59)


def _apply_day(*, actor: User, job: OptimisationJob, plan: DailyPlan) -> None:
    """Put a day job's order and arrival times on the plan and mark the job applied."""
    rows = job.result["rows"]
    try:
        plan_reorder(actor=actor, plan=plan, stop_ids=[row["stop"] for row in rows])
    except ValidationError:
        raise ValidationError({"date": _(
            "The plan changed while it was being optimised; optimise again.")}) from None
    stops = {stop.pk: stop for stop in plan.stops.all()}
    arrivals = []
    for row in rows:
        if row["status"] in ("dropped", "visited"):
            continue  # a dropped or visited stop keeps what it had
        stop = stops[row["stop"]]
        stop.planned_arrival = _time_of(row["arrival"]) if row["status"] == "planned" else None
        arrivals.append(stop)
    PlannedStop.objects.bulk_update(arrivals, ["planned_arrival"])
    moment = timezone.now()
    plan.optimised_at = moment
    plan.save(update_fields=["optimised_at"])
    job.applied_at = moment
    job.applied_by = actor
    job.save(update_fields=["applied_at", "applied_by"])


@transaction.atomic
def day_apply(*, actor: User, job: OptimisationJob,
              now: datetime.datetime | None = None) -> OptimisationJob:
    """Put a confirmed day proposal on the plan, if the plan is still the one it was made for."""
    if job.kind != JobKind.DAY or job.status != JobStatus.DONE:
        raise ValidationError(_("This is not a proposed order for a day."))
    rep = job.rep
    if actor.pk != rep.pk and not scoping.can_supervise(actor, rep):
        raise PermissionDenied(_("You cannot change this rep's plan."))
    if job.applied_at is not None:
        raise ValidationError(_("This order is already on the plan."))
    date = datetime.date.fromisoformat(job.result["date"])
    if date < timezone.localdate(now or timezone.now()):
        raise ValidationError({"date": _("Past days cannot be optimised.")})
    plan = DailyPlan.objects.select_for_update().filter(rep=rep, date=date).first()
    if not proposal_is_current(job, plan):
        raise ValidationError(_("The plan changed after this order was proposed (stops added, "
                                "dropped or moved): optimise again."))
    _apply_day(actor=actor, job=job, plan=plan)
    return job


def _failed_job(actor: User, kind: str, rep: User | None, params: dict, error: str) -> None:
    moment = timezone.now()
    OptimisationJob.objects.create(kind=kind, status=JobStatus.FAILED, params=params,
                                   error=error, created_by=actor, rep=rep, started_at=moment,
                                   finished_at=moment)


# --- background jobs ---------------------------------------------------------------------

class _Progress:
    """The engine's progress callback, written to the job at most once a second."""

    def __init__(self, job_id: int, clock: Callable[[], float] = time.monotonic):
        self.job_id = job_id
        self.clock = clock
        self.last_write: float | None = None
        self.shown = 0.0

    def part(self, offset: float, share: float) -> Callable[[float], None]:
        """A callback for one stage that covers [offset, offset + share] of the bar."""
        return lambda done: self.report(offset + share * min(max(done, 0.0), 1.0))

    def report(self, value: float, *, force: bool = False) -> None:
        value = max(self.shown, min(value, 1.0))
        now = self.clock()
        if not force and self.last_write is not None and now - self.last_write < PROGRESS_EVERY_S:
            return
        self.shown, self.last_write = value, now
        OptimisationJob.objects.filter(pk=self.job_id).update(progress=round(value, 3))


def _enqueue(job: OptimisationJob) -> OptimisationJob:
    """Queue the job's task. Called outside any transaction, after the job row is saved, so a
    database worker (or the immediate backend in tests) always finds the row."""
    from outletcrm.optimise.tasks import run_job

    try:
        task_result = run_job.enqueue(job.pk)
    except Exception:  # noqa: BLE001 - any backend failure is reported on the job
        logger.exception("could not queue optimisation job %s", job.pk)
        # The user reads the error: a translated reason, not the client's text (host, port).
        OptimisationJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error=ERROR_QUEUE, finished_at=timezone.now())
    else:
        OptimisationJob.objects.filter(pk=job.pk).update(task_id=str(task_result.id)[:64])
    job.refresh_from_db()
    return job


def job_run(*, job_id: int) -> str:
    """Run a queued job (the task's body): claim it, run it, store the result or the error.

    Claiming is one conditional UPDATE, so a job queued twice runs once.
    """
    claimed = OptimisationJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.0)
    if not claimed:
        return "skipped"
    job = OptimisationJob.objects.select_related("created_by", "rep", "team").get(pk=job_id)
    progress = _Progress(job.pk)
    try:
        if job.kind == JobKind.DESIGN:
            result = _design_run(job, progress)
        elif job.kind == JobKind.TERRITORY:
            result = _territory_run(job, progress)
        else:
            raise ValueError(f"job kind {job.kind!r} does not run in the background")
    except _JobError as exc:
        error = exc.message
    except TravelError as exc:
        logger.warning("travel provider failed in job %s: %s", job_id, exc)
        error = ERROR_TRAVEL
    except ImproperlyConfigured as exc:
        error = str(exc)
    except Exception:  # noqa: BLE001 - the job must end as failed, with the cause in the log
        logger.exception("optimisation job %s failed", job_id)
        error = ERROR_UNEXPECTED
    else:
        OptimisationJob.objects.filter(pk=job_id).update(
            status=JobStatus.DONE, progress=1.0, result=result, finished_at=timezone.now())
        return JobStatus.DONE
    OptimisationJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now())
    return JobStatus.FAILED


def reap_abandoned(*, lost: Callable[[str], str]) -> int:
    """Fail the queued or running jobs whose task can no longer finish them (its worker was
    killed, the queue lost it: `lost(task_id)` from core.jobs says why), so the page stops
    showing progress and says to start again; the number failed. Called by the scheduler
    every tick (core.jobs.reap_abandoned, through its `reapers` signal)."""
    failed = 0
    open_jobs = (OptimisationJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
                 .exclude(task_id="").only("pk", "status", "task_id"))
    for job in open_jobs:
        reason = lost(job.task_id)
        if not reason:
            continue
        done = OptimisationJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.FAILED, error=ERROR_ABANDONED, finished_at=timezone.now())
        if done:
            logger.warning("optimisation job %s failed: %s", job.pk, reason)
            failed += done
    return failed


class _JobError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- weekly route design (issue 4, item 2) -----------------------------------------------

def _visits_per_cycle(every_weeks: int | None, cycle_weeks: int) -> int:
    """Visits per cycle from the class interval: weekly in a 2-week cycle → 2; an interval
    longer than the cycle (or no class) → once a cycle, the shortest pattern that repeats."""
    if not every_weeks:
        return 1
    return max(1, cycle_weeks // every_weeks)


def design_outlets(*, actor: User, rep: User, cycle_weeks: int):
    """The rep's live customers as the engine's outlets, and those left out (no coordinates)."""
    table = conf.service_minutes()
    customers = (route_services.route_customer_choices(actor=actor, rep=rep)
                 .select_related("customer_class").order_by("pk"))
    outlets, info, excluded = [], {}, []
    for customer in customers:
        if customer.latitude is None or customer.longitude is None:
            excluded.append({"id": str(customer.pk), "name": customer.name,
                             "code": customer.code, "reason": NO_COORDINATES})
            continue
        visits = _visits_per_cycle(_interval(customer), cycle_weeks)
        service = _service_minutes(customer, False, table)
        outlet = Outlet(id=str(customer.pk), lat=float(customer.latitude),
                        lng=float(customer.longitude),
                        outlet_class=customer.customer_class.code
                        if customer.customer_class else "none",
                        visits_per_cycle=visits, service_minutes=service,
                        address=customer.full_address)
        outlets.append(outlet)
        info[outlet.id] = {
            "name": customer.name, "code": customer.code, "lat": outlet.lat, "lng": outlet.lng,
            "class": str(customer.customer_class) if customer.customer_class else "",
            "every_weeks": _interval(customer), "visits": visits, "service": service,
        }
    return outlets, info, excluded


def _require_designer(actor: User, rep: User) -> None:
    if not scoping.can_supervise(actor, rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can design routes."))


def design_start(*, actor: User, rep: User, cycle_weeks, mode=None) -> OptimisationJob:
    """Check the request and queue a weekly route design for the rep's territory."""
    _require_designer(actor, rep)
    cycle = parse_cycle(cycle_weeks)
    chosen_mode = parse_mode(mode)
    outlets, _info, _excluded = design_outlets(actor=actor, rep=rep, cycle_weeks=cycle)
    if not outlets:
        raise ValidationError({"rep": _(
            "The rep has no live customers with coordinates to design routes for.")})
    _provider()  # bad settings are reported now, not after the job was queued
    job = OptimisationJob.objects.create(
        kind=JobKind.DESIGN, created_by=actor, rep=rep,
        params={"rep": rep.pk, "cycle_weeks": cycle, "mode": chosen_mode,
                "seconds": conf.design_seconds()})
    return _enqueue(job)


def _home_for_design(setup: RepSetup, outlets: list[Outlet]) -> Place:
    """The rep's home, else the office, else the territory's centre (as the engine does), made
    explicit so the proposal, the baseline and the current routes share one yardstick."""
    if setup.home is not None:
        return setup.home
    if setup.office is not None:
        return setup.office
    return Place(sum(o.lat for o in outlets) / len(outlets),
                 sum(o.lng for o in outlets) / len(outlets), "centre")


def _design_days(design) -> list[dict]:
    return [{"week": d.week, "weekday": d.weekday, "outlet_ids": list(d.outlet_ids),
             "travel_minutes": d.travel_minutes, "distance_km": d.distance_km,
             "service_minutes": round(d.service_minutes, 2)} for d in design.days]


def _violations_json(violations) -> list[dict]:
    return [{"outlet": v.outlet_id, "required": v.required,
             "planned": [list(day) for day in v.planned]} for v in violations]


def _number(value: float) -> float | int:
    value = round(value, 1)
    return int(value) if value == int(value) else value


def _summary(days: list[dict], *, cycle_weeks: int, shift_minutes: float, violations: list,
             per_cycle_factor: float = 1.0, method: str = "") -> dict:
    """Headline figures of a set of days, the same measure for proposal, edits and current."""
    work = [d["travel_minutes"] + d["service_minutes"] for d in days] or [0.0]
    return {
        "method": method, "cycle_weeks": cycle_weeks,
        "travel_minutes": round(sum(d["travel_minutes"] for d in days) * per_cycle_factor, 1),
        "distance_km": round(sum(d["distance_km"] for d in days) * per_cycle_factor, 2),
        "max_day_hours": round(max(work) / 60, 2), "min_day_hours": round(min(work) / 60, 2),
        # Over four weeks the current routes have more days than a cycle: scaled like travel.
        "days_over_shift": _number(sum(1 for w in work if w > shift_minutes + 1e-6)
                                   * per_cycle_factor),
        "frequency_violations": len(violations),
    }


def _design_run(job: OptimisationJob, progress: _Progress) -> dict:
    params = job.params
    cycle, mode = int(params["cycle_weeks"]), str(params["mode"])
    seconds = float(params.get("seconds") or conf.design_seconds())
    outlets, info, excluded = design_outlets(actor=job.created_by, rep=job.rep,
                                             cycle_weeks=cycle)
    if not outlets:
        raise _JobError(ERROR_NO_OUTLETS)
    setup = rep_setup(job.rep)
    home = _home_for_design(setup, outlets)
    shift_minutes = setup.work_end - setup.work_start
    provider = _provider_for_job()
    options = {"cycle_weeks": cycle, "workdays": conf.WORKDAYS, "shift_minutes": shift_minutes,
               "home": home, "mode": mode, "provider": provider, "seed": 0}
    design = design_routes(outlets, seconds=seconds, progress=progress.part(0.0, 0.75),
                           **options)
    baseline = baseline_design(outlets, seconds=max(0.2, seconds / 5),
                               progress=progress.part(0.75, 0.2), **options)
    current = _current_routes(job.rep, outlets, info, home=home, cycle_weeks=cycle, mode=mode,
                              shift_minutes=shift_minutes, provider=provider)
    progress.report(1.0, force=True)
    days = _design_days(design)
    violations = _violations_json(design.frequency_violations)
    return {
        "cycle_weeks": cycle, "workdays": conf.WORKDAYS, "mode": mode,
        "shift_minutes": shift_minutes, "home": _place_json(home), "outlets": info,
        "excluded": excluded,
        "proposal": {"days": days, "violations": violations,
                     "summary": _summary(days, cycle_weeks=cycle, shift_minutes=shift_minutes,
                                         violations=violations, method="pyvrp")},
        "original_summary": None, "edited": False,
        "baseline": {**baseline.summary(),
                     "days_over_shift": len(baseline.days_over_shift)},
        "current": current,
    }


def _provider_for_job():
    try:
        return conf.provider()
    except ImproperlyConfigured as exc:
        raise _JobError(str(exc)) from exc


def _current_routes(rep: User, outlets: list[Outlet], info: dict, *, home: Place,
                    cycle_weeks: int, mode: str, shift_minutes: float, provider) -> dict:
    """The rep's active routes measured like a proposal: each day's stops in the routes' own
    order from home and back, with the same travel provider, over the 4 weeks in which every
    cycle repeats, scaled to the proposal's cycle; frequencies against the same requirement."""
    routes = list(Route.objects.filter(rep=rep, is_active=True)
                  .prefetch_related("stops").order_by("name", "pk"))
    index = {o.id: i + 1 for i, o in enumerate(outlets)}
    grid: dict[tuple[int, int], list[str]] = {}
    unmeasured = 0
    for route in routes:
        ids = [str(s.customer_id) for s in sorted(route.stops.all(),
                                                   key=lambda s: (s.position, s.pk))]
        unmeasured += sum(1 for i in ids if i not in index)
        for week in range(4):
            if week % route.cycle_weeks + 1 != route.week_of_cycle:
                continue
            day = grid.setdefault((week, route.weekday), [])
            day += [i for i in ids if i in index and i not in day]
    if not routes:
        return {"routes": 0, "unmeasured_stops": 0, "days": [], "summary": None}
    points = [(home.lat, home.lng)] + [(o.lat, o.lng) for o in outlets]
    minutes, metres = provider.matrix(points, mode=mode)
    days = []
    keys = {(w, d) for w in range(4) for d in range(conf.WORKDAYS)} | set(grid)
    for week, weekday in sorted(keys):
        ids = grid.get((week, weekday), [])
        nodes = [0] + [index[i] for i in ids] + [0]
        legs = list(itertools.pairwise(nodes)) if ids else []
        travel = sum(minutes[a][b] for a, b in legs)
        distance = sum(metres[a][b] for a, b in legs)
        days.append({
            "week": week, "weekday": weekday, "outlet_ids": ids,
            "travel_minutes": round(travel, 2) if math.isfinite(travel) else 0.0,
            "distance_km": round(distance / 1000, 3) if math.isfinite(distance) else 0.0,
            "service_minutes": round(sum(info[i]["service"] for i in ids), 2),
        })
    assignment: dict[str, list[tuple[int, int]]] = {}
    for (week, weekday), ids in grid.items():
        for outlet_id in ids:
            assignment.setdefault(outlet_id, []).append((week, weekday))
    required = {o.id: info[o.id]["visits"] * 4 // cycle_weeks for o in outlets}
    violations = _violations_json(frequency_violations(required, assignment, 4))
    return {
        "routes": len(routes), "unmeasured_stops": unmeasured, "days": days,
        "violations": violations,
        "summary": _summary(days, cycle_weeks=cycle_weeks, shift_minutes=shift_minutes,
                            violations=violations, per_cycle_factor=cycle_weeks / 4,
                            method="current"),
    }


def design_patterns(*, cycle_weeks: int, visits: int) -> list[tuple[int, int]]:
    """Where an outlet visited `visits` times a cycle may go: (first week, weekday) pairs.

    Even spacing is kept by construction: the outlet then comes every cycle/visits weeks on
    the same weekday (issue 4, item 2).
    """
    interval = cycle_weeks // visits
    return [(week, weekday) for week in range(interval) for weekday in range(conf.WORKDAYS)]


def _require_design(job: OptimisationJob) -> None:
    if job.kind != JobKind.DESIGN or job.status != JobStatus.DONE:
        raise ValidationError(_("This is not a finished route design."))
    if job.applied_at is not None:
        raise ValidationError(_("This design has already been adopted; run a new one to change "
                                "the routes again."))


def design_edit(*, actor: User, job: OptimisationJob, moves: dict) -> OptimisationJob:
    """Move outlets to other days of the proposal before adopting it.

    `moves` maps an outlet id to a pattern "week-weekday" (its first week, 0-based, and its
    weekday): the outlet then comes on that weekday every cycle/visits weeks. The days that
    changed are ordered again with the day optimiser and every figure is measured again.
    """
    _require_designer(actor, job.rep)
    with transaction.atomic():
        job = OptimisationJob.objects.select_for_update().get(pk=job.pk)
        _require_design(job)
        result = job.result
        cycle = int(result["cycle_weeks"])
        outlets = result["outlets"]
        days = {(d["week"], d["weekday"]): d for d in result["proposal"]["days"]}
        assignment: dict[str, list[tuple[int, int]]] = {}
        for key, day in days.items():
            for outlet_id in day["outlet_ids"]:
                assignment.setdefault(outlet_id, []).append(key)
        changed_days: set[tuple[int, int]] = set()
        for outlet_id, pattern in (moves or {}).items():
            outlet_id = str(outlet_id)
            if outlet_id not in outlets:
                raise ValidationError({"moves": _("Unknown outlet in the design.")})
            try:
                week, weekday = (int(part) for part in str(pattern).split("-"))
            except ValueError:
                raise ValidationError({"moves": _("Choose a day for each outlet.")}) from None
            visits = int(outlets[outlet_id]["visits"])
            if (week, weekday) not in design_patterns(cycle_weeks=cycle, visits=visits):
                raise ValidationError({"moves": _("Choose a day for each outlet.")})
            interval = cycle // visits
            wanted = [(w, weekday) for w in range(week, cycle, interval)]
            now_on = sorted(assignment.get(outlet_id, []))
            if now_on == wanted:
                continue
            for key in now_on:
                days[key]["outlet_ids"].remove(outlet_id)
                changed_days.add(key)
            for key in wanted:
                day = days.setdefault(key, {"week": key[0], "weekday": key[1], "outlet_ids": [],
                                            "travel_minutes": 0.0, "distance_km": 0.0,
                                            "service_minutes": 0.0})
                day["outlet_ids"].append(outlet_id)
                changed_days.add(key)
            assignment[outlet_id] = wanted
        if not changed_days:
            return job
        home = result.get("home")
        home_place = Place(home["lat"], home["lng"], home.get("label", "")) if home else None
        provider = _provider()
        for key in changed_days:
            _measure_day(days[key], outlets, home_place, result["mode"], provider)
        ordered = [days[k] for k in sorted(days)]
        required = {i: int(o["visits"]) for i, o in outlets.items()}
        violations = _violations_json(frequency_violations(required, assignment, cycle))
        if result.get("original_summary") is None:
            result["original_summary"] = result["proposal"]["summary"]
        result["proposal"] = {
            "days": ordered, "violations": violations,
            "summary": _summary(ordered, cycle_weeks=cycle,
                                shift_minutes=result["shift_minutes"], violations=violations,
                                method="pyvrp + edits"),
        }
        result["edited"] = True
        job.result = result
        job.save(update_fields=["result"])
    return job


def _measure_day(day: dict, outlets: dict, home: Place | None, mode: str, provider) -> None:
    """Order one edited day from home and back with the day optimiser, and total it."""
    ids = day["outlet_ids"]
    day["service_minutes"] = round(sum(outlets[i]["service"] for i in ids), 2)
    if not ids:
        day["travel_minutes"] = day["distance_km"] = 0.0
        return
    stops = [Stop(id=i, lat=outlets[i]["lat"], lng=outlets[i]["lng"],
                  service_minutes=outlets[i]["service"]) for i in ids]
    # The whole day is open: a design balances work, windows are the day plan's business.
    shift = Shift(start=home, end=home, work_start_min=0, work_end_min=24 * 60, mode=mode)
    try:
        plan = optimise_day(DayProblem(stops=stops, shift=shift), seconds=conf.day_seconds(),
                            provider=provider)
    except TravelError as exc:
        raise OptimiserUnavailable(_(ERROR_TRAVEL)) from exc
    order = plan.stop_ids + [u.stop_id for u in plan.unassigned]
    day["outlet_ids"] = order
    day["travel_minutes"] = plan.travel_minutes
    day["distance_km"] = plan.distance_km


def route_name(*, week: int, weekday: int, cycle_weeks: int) -> str:
    """"Monday" for a weekly cycle, "Monday · week 1 of 2" otherwise (in the actor's language)."""
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday")]
    name = names[weekday % WEEKDAY_COUNT]
    if cycle_weeks == 1:
        return name
    return _("%(day)s · week %(week)d of %(cycle)d") % {
        "day": name, "week": week + 1, "cycle": cycle_weeks}


@transaction.atomic
def design_adopt(*, actor: User, job: OptimisationJob) -> list[Route]:
    """Make the proposal the rep's routes: the active routes are deactivated (kept, not
    deleted) and one route per proposed day is created through visits.routes, so plan
    generation uses them from the next generated plan on. All of it or nothing."""
    _require_designer(actor, job.rep)
    job = OptimisationJob.objects.select_for_update().get(pk=job.pk)
    _require_design(job)
    result = job.result
    cycle = int(result["cycle_weeks"])
    for route in Route.objects.filter(rep=job.rep, is_active=True).order_by("pk"):
        route_services.route_update(actor=actor, route=route, is_active=False)
    created = []
    for day in sorted(result["proposal"]["days"], key=lambda d: (d["week"], d["weekday"])):
        if not day["outlet_ids"]:
            continue
        try:
            created.append(route_services.route_create(
                actor=actor, rep=job.rep,
                name=route_name(week=day["week"], weekday=day["weekday"], cycle_weeks=cycle),
                cycle_weeks=cycle, week_of_cycle=day["week"] + 1, weekday=day["weekday"],
                customer_ids=[int(i) for i in day["outlet_ids"]]))
        except ValidationError as exc:
            detail = " ".join(str(m) for m in exc.messages)
            # E.g. an outlet given to another rep since the design ran, or a day over the
            # route editor's limit: nothing is adopted, the supervisor reads why.
            raise ValidationError(_(
                "The design cannot be adopted as routes: %(detail)s Run the design again or "
                "move outlets to other days.") % {"detail": detail}) from None
    job.applied_at = timezone.now()
    job.applied_by = actor
    job.save(update_fields=["applied_at", "applied_by"])
    return created


# --- team territories (issue 4, item 3) --------------------------------------------------

def can_split_territory(user: User) -> bool:
    """Supervisors, managers and administrators may ask for (and apply) a team split."""
    return scoping.is_field_supervisor(user)


def territory_reps(*, actor: User, team: Team):
    """The team's reps in the actor's scope, the people a split shares the outlets between."""
    return (scoping.reps_in_scope(actor).filter(team=team, role=Role.REP)
            .order_by("username", "pk"))


def _territory_customers(actor: User, rep_ids: list[int]):
    return (scoping.restrict(Customer.objects.live(), actor)
            .filter(owner_id__in=rep_ids).select_related("customer_class").order_by("pk"))


def territory_start(*, actor: User, team: Team, cycle_weeks=2, mode=None) -> OptimisationJob:
    """Check the request and queue a balanced split of the team's outlets between its reps."""
    if not can_split_territory(actor):
        raise PermissionDenied(_("Only supervisors and managers split territories."))
    cycle = parse_cycle(cycle_weeks)
    chosen_mode = parse_mode(mode)
    rep_ids = list(territory_reps(actor=actor, team=team).values_list("pk", flat=True))
    if len(rep_ids) < 2:
        raise ValidationError({"team": _("The team needs at least two reps to share its "
                                         "outlets.")})
    if not _territory_customers(actor, rep_ids).filter(latitude__isnull=False).exists():
        raise ValidationError({"team": _("The team has no live customers with coordinates.")})
    _provider()
    job = OptimisationJob.objects.create(
        kind=JobKind.TERRITORY, created_by=actor, team=team,
        params={"team": team.pk, "cycle_weeks": cycle, "mode": chosen_mode, "reps": rep_ids,
                "seconds": conf.design_seconds()})
    return _enqueue(job)


def _match_shares(shares, owners: dict[str, int], rep_ids: list[int]) -> dict[int, int]:
    """Share index → rep, keeping as many outlets with their current rep as possible."""
    overlap = [[sum(1 for i in share.outlet_ids if owners.get(i) == rep) for rep in rep_ids]
               for share in shares]
    n = len(rep_ids)
    if n <= 7:
        best = max(itertools.permutations(range(n)),
                   key=lambda perm: sum(overlap[s][perm[s]] for s in range(n)))
        return {s: rep_ids[best[s]] for s in range(n)}
    chosen: dict[int, int] = {}
    free = set(range(n))
    for s, r in sorted(((s, r) for s in range(n) for r in range(n)),
                       key=lambda sr: -overlap[sr[0]][sr[1]]):
        if s not in chosen and r in free:
            chosen[s] = rep_ids[r]
            free.discard(r)
    return chosen


def _territory_run(job: OptimisationJob, progress: _Progress) -> dict:
    params = job.params
    cycle, mode = int(params["cycle_weeks"]), str(params["mode"])
    seconds = float(params.get("seconds") or conf.design_seconds())
    actor = job.created_by
    reps = {r.pk: r for r in territory_reps(actor=actor, team=job.team)
            .filter(pk__in=params["reps"])}
    rep_ids = [pk for pk in params["reps"] if pk in reps]
    if len(rep_ids) < 2:
        raise _JobError(gettext_noop("The team needs at least two reps to share its outlets."))
    table = conf.service_minutes()
    outlets, info, excluded = [], {}, []
    owners: dict[str, int] = {}
    for customer in _territory_customers(actor, rep_ids):
        if customer.latitude is None or customer.longitude is None:
            excluded.append({"id": str(customer.pk), "name": customer.name,
                             "code": customer.code, "owner": customer.owner_id})
            continue
        visits = _visits_per_cycle(_interval(customer), cycle)
        service = _service_minutes(customer, False, table)
        outlet = Outlet(id=str(customer.pk), lat=float(customer.latitude),
                        lng=float(customer.longitude), visits_per_cycle=visits,
                        service_minutes=service, address=customer.full_address)
        outlets.append(outlet)
        owners[outlet.id] = customer.owner_id
        info[outlet.id] = {"name": customer.name, "code": customer.code, "lat": outlet.lat,
                           "lng": outlet.lng, "owner": customer.owner_id,
                           "hours_per_cycle": round(service * visits / 60, 3)}
    if not outlets:
        raise _JobError(ERROR_NO_OUTLETS)
    shares = split_territory(outlets, reps=len(rep_ids), cycle_weeks=cycle,
                             office=conf.office(), mode=mode, provider=_provider_for_job(),
                             seed=0, seconds=seconds, progress=progress.part(0.0, 0.95))
    rep_of_share = _match_shares(shares, owners, rep_ids)
    rows = []
    for index, share in enumerate(shares):
        rep_id = rep_of_share[index]
        for outlet_id in share.outlet_ids:
            info[outlet_id]["proposed"] = rep_id
        current = [i for i, owner in owners.items() if owner == rep_id]
        rows.append({
            "rep": rep_id, "name": str(reps[rep_id]),
            "current": {"outlets": len(current), "service_hours": round(
                sum(info[i]["hours_per_cycle"] for i in current), 2)},
            "proposed": {"outlets": len(share.outlet_ids),
                         "service_hours": share.service_hours_per_cycle,
                         "tour_km": share.tour_km, "spread_km": share.spread_km},
        })
    rows.sort(key=lambda row: rep_ids.index(row["rep"]))
    progress.report(1.0, force=True)
    return {
        "cycle_weeks": cycle, "mode": mode, "reps": rows, "outlets": info,
        "moves": sorted((i for i, o in info.items() if o["proposed"] != o["owner"]), key=int),
        "excluded": excluded, "applied": [],
    }


def territory_apply(*, actor: User, job: OptimisationJob, customer_ids) -> int:
    """Give the ticked outlets to the rep the split proposes, each change in the customer's
    history (customers.services.customer_update). Returns how many outlets changed owner."""
    if not can_split_territory(actor):
        raise PermissionDenied(_("Only supervisors and managers split territories."))
    if job.kind != JobKind.TERRITORY or job.status != JobStatus.DONE:
        raise ValidationError(_("This is not a finished territory split."))
    if isinstance(customer_ids, (str, bytes)) or not hasattr(customer_ids, "__iter__"):
        raise ValidationError({"customers": _("Give the outlets as a list.")})
    wanted = [str(i).strip() for i in customer_ids if str(i).strip()]
    if not wanted:
        raise ValidationError({"customers": _("Tick at least one outlet to reassign.")})
    moves = set(job.result.get("moves", []))
    if not set(wanted) <= moves:
        raise ValidationError({"customers": _("Tick only outlets the proposal moves.")})
    outlets = job.result["outlets"]
    changed = 0
    with transaction.atomic():
        job = OptimisationJob.objects.select_for_update().get(pk=job.pk)
        applied = set(job.result.get("applied", []))
        owners = {u.pk: u for u in scoping.reps_in_scope(actor).filter(
            pk__in={outlets[i]["proposed"] for i in wanted})}
        customers = {str(c.pk): c for c in scoping.restrict(Customer.objects.live(), actor)
                     .filter(pk__in=[int(i) for i in wanted])}
        for outlet_id in wanted:
            customer = customers.get(outlet_id)
            owner = owners.get(outlets[outlet_id]["proposed"])
            if customer is None or owner is None:
                raise ValidationError({"customers": _(
                    "An outlet or rep of this split is no longer in your scope; run the split "
                    "again.")})
            if outlet_id in applied or customer.owner_id == owner.pk:
                continue
            customer_update(actor=actor, customer=customer, owner=owner)
            applied.add(outlet_id)
            changed += 1
        job.result = {**job.result, "applied": sorted(applied, key=int)}
        job.applied_at = job.applied_at or timezone.now()
        job.applied_by = job.applied_by or actor
        job.save(update_fields=["result", "applied_at", "applied_by"])
    return changed
