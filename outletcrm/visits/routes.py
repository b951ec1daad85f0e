"""Writes for routes (路线) and the checks a route editor shows (brief §5; issue 3, items 1–2).

A route is a named, ordered list of a rep's outlets worked on one day of a visit cycle
("Monday of odd weeks" = weekday 0, cycle 2, week 1). Only the rep's supervisor, manager or an
administrator designs routes (core.scoping.can_supervise); the rep reads them.

Frequency rule (issue 3, item 1): a customer's class says how often it must be visited
(CustomerClass.visit_every_weeks: key weekly, ordinary every 2 weeks, potential every 4, all
configurable in the archive's lists). The routes give each customer a number of visits per
4 weeks; the editor warns when that number is below what the class requires, and lists the
rep's customers that are on no route at all.
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.org.models import User
from outletcrm.visits.models import Route, RouteStop
from outletcrm.visits.planning import cycle_week, generate_plans

CYCLE_CHOICES = (1, 2, 4)
GRID_WEEKS = 4  # every cycle (1, 2, 4 weeks) repeats within 4 weeks, so 4 weeks show them all
MAX_STOPS = 60  # a rep makes 3–5 deep visits a day (brief §5); 60 stops is clearly a mistake
PLAN_AHEAD_DAYS = 14  # plans are frozen once generated, so do not generate far ahead


def _require_supervisor(actor: User, rep: User) -> None:
    if not scoping.can_supervise(actor, rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can change routes."))


def _int(value, field_name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field_name: _("Enter a whole number.")}) from None


def route_customer_choices(*, actor: User, rep: User):
    """The customers that may go on `rep`'s routes: the rep's own live customers in scope."""
    return scoping.restrict(Customer.objects.live().filter(owner=rep), actor)


def _validated_fields(*, name, cycle_weeks, week_of_cycle, weekday) -> dict:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the route a name.")
    elif len(name) > 60:
        errors["name"] = _("The route name is too long (at most 60 characters).")
    values = {}
    for key, value in (("cycle_weeks", cycle_weeks), ("week_of_cycle", week_of_cycle),
                       ("weekday", weekday)):
        try:
            values[key] = _int(value, key)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    cycle = values.get("cycle_weeks")
    if cycle is not None and cycle not in CYCLE_CHOICES:
        errors["cycle_weeks"] = _("The cycle is 1, 2 or 4 weeks.")
    week = values.get("week_of_cycle")
    if week is not None and cycle in CYCLE_CHOICES and not 1 <= week <= cycle:
        errors["week_of_cycle"] = _("The week must be between 1 and %(n)d for this cycle.") % {
            "n": cycle}
    day = values.get("weekday")
    if day is not None and not 0 <= day <= 6:
        errors["weekday"] = _("Choose a weekday (Monday to Sunday).")
    if errors:
        raise ValidationError(errors)
    return {"name": name, **values}


def _validated_customers(*, actor: User, rep: User, customer_ids, keep=frozenset()) -> list[int]:
    """The ordered customer ids, each once, each one of the rep's live customers in scope.

    `keep` are customers already on the route: they may stay (and be reordered) even if they
    no longer qualify, e.g. reassigned to another rep, so the editor can still show and remove
    them; they are never added anew.
    """
    if customer_ids is None:
        return []
    if isinstance(customer_ids, (str, bytes)) or not hasattr(customer_ids, "__iter__"):
        raise ValidationError({"customers": _("Give the outlets as a list.")})
    wanted = []
    for value in customer_ids:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            raise ValidationError({"customers": _("Unknown customer.")}) from None
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"customers": _("An outlet can be on a route only once.")})
    if len(wanted) > MAX_STOPS:
        raise ValidationError({"customers": _("A route has at most %(n)d outlets.") % {
            "n": MAX_STOPS}})
    allowed = set(route_customer_choices(actor=actor, rep=rep).filter(pk__in=wanted)
                  .values_list("pk", flat=True))
    if not set(wanted) <= allowed | set(keep):
        raise ValidationError({"customers": _(
            "Only the rep's own live customers can go on the rep's routes.")})
    return wanted


@transaction.atomic
def route_create(*, actor: User, rep: User, name: str, cycle_weeks=1, week_of_cycle=1,
                 weekday=0, customer_ids=None) -> Route:
    """Create a route for a rep, optionally with its ordered outlets."""
    _require_supervisor(actor, rep)
    values = _validated_fields(name=name, cycle_weeks=cycle_weeks, week_of_cycle=week_of_cycle,
                               weekday=weekday)
    wanted = _validated_customers(actor=actor, rep=rep, customer_ids=customer_ids)
    route = Route(rep=rep, **values)
    route.full_clean()
    route.save()
    RouteStop.objects.bulk_create(RouteStop(route=route, customer_id=pk, position=i)
                                  for i, pk in enumerate(wanted, start=1))
    return route


@transaction.atomic
def route_update(*, actor: User, route: Route, name=None, cycle_weeks=None, week_of_cycle=None,
                 weekday=None, is_active=None, customer_ids=None) -> Route:
    """Change a route's name, cycle, week, weekday, whether it is worked, and its outlets.

    Plans already generated keep their stops (the original plan stays the KPI denominator);
    the change applies from the next generated plan on. Either all of it is saved or nothing.
    """
    _require_supervisor(actor, route.rep)
    values = _validated_fields(
        name=route.name if name is None else name,
        cycle_weeks=route.cycle_weeks if cycle_weeks is None else cycle_weeks,
        week_of_cycle=route.week_of_cycle if week_of_cycle is None else week_of_cycle,
        weekday=route.weekday if weekday is None else weekday,
    )
    for key, value in values.items():
        setattr(route, key, value)
    if is_active is not None:
        route.is_active = bool(is_active)
    route.full_clean()
    route.save(update_fields=[*values, "is_active", "updated_at"])
    if customer_ids is not None:
        route_set_stops(actor=actor, route=route, customer_ids=customer_ids)
    return route


@transaction.atomic
def route_set_stops(*, actor: User, route: Route, customer_ids) -> Route:
    """Replace the route's outlets by the given ordered list (add, remove and reorder in one)."""
    _require_supervisor(actor, route.rep)
    existing = {s.customer_id: s for s in route.stops.all()}
    wanted = _validated_customers(actor=actor, rep=route.rep, customer_ids=customer_ids,
                                  keep=frozenset(existing))
    RouteStop.objects.filter(route=route).exclude(customer_id__in=wanted).delete()
    changed, created = [], []
    for position, customer_id in enumerate(wanted, start=1):
        stop = existing.get(customer_id)
        if stop is None:
            created.append(RouteStop(route=route, customer_id=customer_id, position=position))
        elif stop.position != position:
            stop.position = position
            changed.append(stop)
    RouteStop.objects.bulk_update(changed, ["position"])
    RouteStop.objects.bulk_create(created)
    route.save(update_fields=["updated_at"])
    return route


@transaction.atomic
def route_delete(*, actor: User, route: Route) -> None:
    """Delete a route. Plans generated from it keep their stops (origin stays "from the route")."""
    _require_supervisor(actor, route.rep)
    route.delete()


def can_generate_plans(user: User) -> bool:
    """Supervisors, managers and administrators may generate plans on demand."""
    return scoping.is_field_supervisor(user)


def plans_generate(*, actor: User, date: datetime.date, rep_ids=None,
                   queue: bool = False) -> dict:
    """Generate the day's plans for the reps the actor supervises (the on-demand button).

    The nightly task generates everyone's plans; this lets a supervisor do it for their reps
    after changing routes. Past days are refused: a plan made after the fact would invent a
    denominator for the completion rate. Far-future days are refused because a generated plan
    is never regenerated, so later route changes would not reach it. With `queue` the work
    goes to the background task (for an administrator's company-wide run) and the answer is
    the task's id and status.
    """
    if not can_generate_plans(actor):
        raise PermissionDenied(_("Only supervisors, managers and administrators generate plans."))
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": _("Enter a valid date (YYYY-MM-DD).")})
    today = timezone.localdate()
    if date < today:
        raise ValidationError({"date": _("Plans cannot be generated for past days.")})
    if date > today + datetime.timedelta(days=PLAN_AHEAD_DAYS):
        raise ValidationError({"date": _("Plans can be generated at most %(n)d days ahead.") % {
            "n": PLAN_AHEAD_DAYS}})
    reps = scoping.reps_in_scope(actor).exclude(pk=actor.pk)
    if rep_ids is not None:
        if isinstance(rep_ids, (str, bytes)) or not hasattr(rep_ids, "__iter__"):
            raise ValidationError({"reps": _("Give a list of rep ids.")})
        wanted = {_int(pk, "reps") for pk in rep_ids}
        reps = reps.filter(pk__in=wanted)
        if len(wanted) != reps.count():
            raise PermissionDenied(_("You can only generate plans for your own reps."))
    ids = list(reps.values_list("pk", flat=True))
    if queue:
        from outletcrm.visits.tasks import generate_plans_task

        result = generate_plans_task.enqueue(date=date.isoformat(), rep_ids=ids)
        answer = {"date": date.isoformat(), "task_id": str(result.id),
                  "status": str(result.status)}
        if result.status == TaskResultStatus.SUCCESSFUL:
            answer["result"] = result.return_value
        return answer
    return generate_plans(date=date, rep_ids=ids)


# --- frequency checks and the day summary (reads; the route editor shows them) ------------

@dataclass
class CustomerFrequency:
    """How often a customer is visited by the rep's routes against what its class requires."""

    customer: Customer
    every_weeks: int | None
    required: int  # visits per 4 weeks the class requires (0 = no rule)
    planned: int  # distinct (week, weekday) slots per 4 weeks on which a route visits it
    routes: list = field(default_factory=list)

    @property
    def on_no_route(self) -> bool:
        return not self.routes

    @property
    def below_frequency(self) -> bool:
        return self.planned < self.required


@dataclass
class FrequencyReport:
    """The route editor's warnings and its stops-per-day summary for one rep."""

    rep: User
    customers: list[CustomerFrequency]
    # grid[week - 1][weekday] = distinct outlets planned on that day of the 4-week grid
    grid: list[list[int]]
    foreign_stops: list[RouteStop]  # stops of outlets the rep no longer owns, or archived
    current_week: int

    @property
    def below_frequency(self) -> list[CustomerFrequency]:
        return [c for c in self.customers if c.routes and c.below_frequency]

    @property
    def on_no_route(self) -> list[CustomerFrequency]:
        return [c for c in self.customers if c.on_no_route]

    @property
    def warning_count(self) -> int:
        return len(self.below_frequency) + len(self.on_no_route) + len(self.foreign_stops)


def required_visits(every_weeks: int | None) -> int:
    """Visits per 4 weeks a class's interval requires (every 3 weeks → 2 in 4 weeks)."""
    if not every_weeks:
        return 0
    return math.ceil(GRID_WEEKS / every_weeks)


def route_slots(route: Route) -> list[tuple[int, int]]:
    """The (week 1–4, weekday) days of a 4-week grid on which the route is worked."""
    return [(week, route.weekday) for week in range(1, GRID_WEEKS + 1)
            if (week - 1) % route.cycle_weeks + 1 == route.week_of_cycle]


def frequency_report(*, actor: User, rep: User) -> FrequencyReport:
    """Frequency warnings and the per-day summary of `rep`'s active routes, as `actor` sees them.

    Visits per 4 weeks count distinct days, so an outlet on two routes of the same day counts
    once (the plan holds it once). Public holidays are not subtracted: the rule is about the
    design of the routes, not about one month's calendar.
    """
    customers = list(route_customer_choices(actor=actor, rep=rep)
                     .select_related("customer_class").order_by("name_sort", "pk"))
    stops = list(RouteStop.objects.filter(route__rep=rep, route__is_active=True)
                 .select_related("route", "customer").order_by("route__name", "position"))
    slots_of: dict[int, set] = defaultdict(set)
    routes_of: dict[int, list] = defaultdict(list)
    grid_sets = [[set() for _day in range(7)] for _week in range(GRID_WEEKS)]
    own = {c.pk for c in customers}
    foreign = []
    for stop in stops:
        if stop.customer_id not in own:
            foreign.append(stop)
            continue
        routes_of[stop.customer_id].append(stop.route)
        for week, weekday in route_slots(stop.route):
            slots_of[stop.customer_id].add((week, weekday))
            grid_sets[week - 1][weekday].add(stop.customer_id)
    rows = []
    for customer in customers:
        every = customer.customer_class.visit_every_weeks if customer.customer_class else None
        rows.append(CustomerFrequency(
            customer=customer, every_weeks=every, required=required_visits(every),
            planned=len(slots_of[customer.pk]), routes=routes_of[customer.pk]))
    return FrequencyReport(
        rep=rep, customers=rows, grid=[[len(s) for s in week] for week in grid_sets],
        foreign_stops=foreign, current_week=cycle_week(timezone.localdate(), GRID_WEEKS),
    )
