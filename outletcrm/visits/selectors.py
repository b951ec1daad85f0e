"""Reads for routes, plans, the supervisor's day and the KPI reports.

Every read starts from the caller's scope: rep-keyed records (routes, plans, visits and the
positions they hold) through core.scoping.restrict_to_reps, customers through
core.scoping.restrict. A record outside the scope answers 404, like a missing one.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import params, scoping
from outletcrm.customers.models import Customer
from outletcrm.orders.models import Order
from outletcrm.org.models import Region, Role, Team, User
from outletcrm.visits import kpis
from outletcrm.visits.choices import VisitKind, VisitStatus
from outletcrm.visits.models import (
    COUNTED_ORIGINS,
    DailyPlan,
    FollowUpTask,
    PlannedStop,
    PlannedStopAddition,
    Route,
    RouteStop,
    TaskPostponement,
    Visit,
    VisitKindSetting,
    VisitOrder,
    VisitPhoto,
)

# --- people ------------------------------------------------------------------------------

def rep_choices(*, user: User) -> QuerySet:
    """Field staff whose routes, plans and visits `user` may see, for pickers."""
    return scoping.reps_in_scope(user).select_related("team").order_by("team__name", "username")


def rep_get(*, user: User, pk) -> User:
    """One rep in `user`'s scope, or Http404."""
    try:
        return rep_choices(user=user).get(pk=params.parse_id(pk))
    except (User.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def rep_lookup(*, user: User, value) -> User:
    """A rep in scope given by id or username (the CLI and API accept both), or Http404."""
    value = str(value or "").strip()
    reps = rep_choices(user=user)
    rep = reps.filter(pk=int(value)).first() if value.isascii() and value.isdigit() else None
    rep = rep or reps.filter(username=value).first()
    if rep is None:
        raise Http404
    return rep


def team_choices(*, user: User) -> QuerySet:
    """Teams with at least one rep in `user`'s scope (every team for an administrator)."""
    teams = Team.objects.select_related("region").order_by("region__path", "name", "pk")
    if scoping.rep_scope_q(user) is None:
        return teams
    return teams.filter(pk__in=scoping.reps_in_scope(user).values("team_id"))


def team_get(*, user: User, pk) -> Team:
    """A team with reps in `user`'s scope, or Http404."""
    try:
        return team_choices(user=user).get(pk=params.parse_id(pk))
    except (Team.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def region_choices(*, user: User) -> QuerySet:
    """Regions whose every rep is in `user`'s scope (so a region's figures are complete)."""
    regions = Region.objects.order_by("path")
    if scoping.rep_scope_q(user) is None:
        return regions
    staff = list(scoping.reps_in_scope(company_viewer()).values_list("pk", "team__region__path"))
    in_scope = set(scoping.reps_in_scope(user).values_list("pk", flat=True))
    visible = []
    for region_id, path in regions.values_list("pk", "path"):
        reps = {pk for pk, team_path in staff if team_path and team_path.startswith(path)}
        if reps and reps <= in_scope:
            visible.append(region_id)
    return regions.filter(pk__in=visible)


def company_viewer() -> User:
    """The server operator (CLI, nightly tasks): sees the whole company, like an administrator.

    An unsaved user, so the one scope module decides what "everything" is.
    """
    return User(username="(server)", role=Role.ADMIN, is_active=True, is_superuser=True)


# --- routes ------------------------------------------------------------------------------

def route_list(*, user: User, rep: User | None = None) -> QuerySet:
    """Routes in scope (optionally one rep's), with their stop counts, in cycle order."""
    routes = scoping.restrict_to_reps(Route.objects.all(), user)
    if rep is not None:
        routes = routes.filter(rep=rep)
    return (routes.select_related("rep").annotate(stop_count=Count("stops"))
            .order_by("rep__username", "-is_active", "cycle_weeks", "week_of_cycle", "weekday",
                      "name", "pk"))


def route_get(*, user: User, pk) -> Route:
    """One route in scope with its ordered stops and their customers, or Http404."""
    stops = RouteStop.objects.select_related("customer", "customer__customer_class").order_by(
        "position", "pk")
    qs = Route.objects.select_related("rep", "rep__team").prefetch_related(
        Prefetch("stops", queryset=stops))
    return _get_rep_keyed(qs, user, pk)


def _get_rep_keyed(queryset: QuerySet, user: User, pk, via: str = "rep__"):
    try:
        return scoping.restrict_to_reps(queryset, user, via=via).get(pk=params.parse_id(pk))
    except (queryset.model.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


# --- plans and their progress ------------------------------------------------------------

VISITED, REJECTED, DROPPED, MISSED, NOT_YET = "visited", "rejected", "dropped", "missed", "not_yet"
OFF_SITE, PHONE = "off_site", "phone"
# gettext_lazy spelled out: makemessages does not know the _lazy alias.
STATUS_LABELS = {
    VISITED: gettext_lazy("Visited"), REJECTED: gettext_lazy("Visit rejected"),
    DROPPED: gettext_lazy("Dropped"), MISSED: gettext_lazy("Missed"),
    NOT_YET: gettext_lazy("Not yet"),
    OFF_SITE: gettext_lazy("Off-site check-in, not accepted"),
    PHONE: gettext_lazy("Phone contact only"),
}
STATUS_COLOURS = {VISITED: "success", REJECTED: "danger", DROPPED: "secondary",
                  MISSED: "danger", NOT_YET: "warning", OFF_SITE: "danger", PHONE: "info"}
# Statuses of a counted stop that, once the day is over, mean it was not visited.
NOT_VISITED = {MISSED, DROPPED, REJECTED, OFF_SITE, PHONE}


@dataclass
class StopRow:
    """A planned stop with what happened to it (the same rules as visits/kpis.py)."""

    stop: PlannedStop
    status: str
    visit: Visit | None = None

    @property
    def counted(self) -> bool:
        """In the completion rate's denominator: a released stop only if visited."""
        return self.stop.origin in COUNTED_ORIGINS and (
            self.stop.released_at is None or self.status == VISITED)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]


def day_is_over(date: datetime.date) -> bool:
    """A day's unvisited stops are missed once the day is over (before today)."""
    return date < timezone.localdate()


def _stop_status(stop: PlannedStop, visits: list[Visit], over: bool) -> tuple[str, Visit | None]:
    counting = [v for v in visits if v.counts_as_visit]
    if counting:
        return VISITED, counting[0]
    if stop.dropped_at:
        return DROPPED, None
    live = [v for v in visits if v.status != VisitStatus.REJECTED]
    off_site = [v for v in live if v.kind != VisitKind.PHONE]
    if off_site:  # at the outlet's kinds, not counting while live: off site, not accepted
        return OFF_SITE, off_site[0]
    if live:
        return PHONE, live[0]
    if visits:
        return REJECTED, visits[0]
    return (MISSED if over else NOT_YET), None


def stop_rows(stops, visits) -> list[StopRow]:
    """Match planned stops to the visits made by the same rep at the same customer that day."""
    by_key = defaultdict(list)
    for visit in visits:
        by_key[(visit.rep_id, visit.customer_id, visit.date)].append(visit)
    rows = []
    for stop in stops:
        status, visit = _stop_status(stop, by_key.get((stop.rep_id, stop.customer_id, stop.date),
                                                      []), day_is_over(stop.date))
        rows.append(StopRow(stop=stop, status=status, visit=visit))
    return rows


def _stops_qs() -> QuerySet:
    return PlannedStop.objects.select_related(
        "customer", "route", "added_by", "dropped_by").prefetch_related(
        Prefetch("earlier_additions",
                 queryset=PlannedStopAddition.objects.select_related("added_by"))
    ).order_by("position", "pk")


def _visits_qs() -> QuerySet:
    return Visit.objects.select_related("customer").order_by("checked_in_at", "pk")


@dataclass
class PlanView:
    """A rep's plan for a day as the plan page shows it."""

    rep: User
    date: datetime.date
    plan: DailyPlan | None
    rows: list[StopRow]
    unplanned: list[Visit]


def plan_view(*, user: User, rep: User, date: datetime.date) -> PlanView:
    """The rep's plan for the day with each stop's progress, and the visits off the plan."""
    rep = rep_get(user=user, pk=rep.pk)  # scope check: 404 outside
    plan = DailyPlan.objects.filter(rep=rep, date=date).first()
    stops = list(_stops_qs().filter(plan=plan)) if plan else []
    visits = list(_visits_qs().filter(rep=rep, date=date))
    rows = stop_rows(stops, visits)
    counted = {r.stop.customer_id for r in rows if r.counted}
    unplanned = [v for v in visits if v.customer_id not in counted]
    return PlanView(rep=rep, date=date, plan=plan, rows=rows, unplanned=unplanned)


def plan_list(*, user: User, rep: User | None = None, date: datetime.date | None = None):
    """Plans in scope, newest first, with their stops (for the API)."""
    plans = scoping.restrict_to_reps(DailyPlan.objects.all(), user)
    if rep is not None:
        plans = plans.filter(rep=rep)
    if date is not None:
        plans = plans.filter(date=date)
    return plans.select_related("rep").prefetch_related(
        Prefetch("stops", queryset=_stops_qs())).order_by("-date", "rep__username", "pk")


def plan_get(*, user: User, pk) -> DailyPlan:
    """One plan in scope with its stops, or Http404."""
    qs = DailyPlan.objects.select_related("rep").prefetch_related(
        Prefetch("stops", queryset=_stops_qs()))
    return _get_rep_keyed(qs, user, pk)


def planned_stop_get(*, user: User, pk) -> PlannedStop:
    """One planned stop in scope, or Http404."""
    return _get_rep_keyed(PlannedStop.objects.select_related("rep", "plan", "customer"), user,
                          pk)


def plan_customer_choices(*, user: User, rep: User) -> QuerySet:
    """Customers that may be added to `rep`'s plan by `user`: live, in both their scopes."""
    customers = scoping.restrict(Customer.objects.live(), user)
    return scoping.restrict(customers, rep).order_by("name_sort", "pk")


def plan_customer_get(*, user: User, rep: User, pk) -> Customer:
    """A customer `user` may put on `rep`'s plan, or Http404."""
    try:
        return plan_customer_choices(user=user, rep=rep).get(pk=params.parse_id(pk))
    except (Customer.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


# --- the supervisor's day ----------------------------------------------------------------

@dataclass
class RepDay:
    """One rep's day: the plan's progress and the visits made."""

    rep: User
    rows: list[StopRow] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.counted and r.status == status)

    @property
    def planned(self) -> int:
        return sum(1 for r in self.rows if r.counted)

    @property
    def visited(self) -> int:
        return self._count(VISITED)

    @property
    def not_yet(self) -> int:
        return self._count(NOT_YET)

    @property
    def missed(self) -> int:
        """Counted stops not visited on a day that is over, dropped ones included."""
        return sum(1 for r in self.rows if r.counted and r.status in NOT_VISITED
                   and day_is_over(r.stop.date))

    @property
    def dropped(self) -> int:
        return self._count(DROPPED)

    @property
    def unplanned(self) -> list[Visit]:
        counted = {r.stop.customer_id for r in self.rows if r.counted}
        return [v for v in self.visits if v.customer_id not in counted]

    @property
    def completion_rate(self):
        return kpis.rate(self.visited, self.planned)


@dataclass
class DayException:
    """Something a supervisor should look at, with its evidence."""

    kind: str  # off_site | short | open | missed
    rep: User
    visit: Visit | None = None
    row: StopRow | None = None
    minutes: float | None = None
    threshold: int | None = None
    clock_gap_s: float | None = None


@dataclass
class SupervisionDay:
    """The team's plans and progress for a day, and the exceptions (issue 3, item 6)."""

    date: datetime.date
    is_over: bool
    reps: list[RepDay]
    exceptions: list[DayException]

    @property
    def totals(self) -> dict:
        keys = ("planned", "visited", "not_yet", "missed", "dropped")
        totals = {k: sum(getattr(r, k) for r in self.reps) for k in keys}
        totals["unplanned"] = sum(len(r.unplanned) for r in self.reps)
        totals["completion_rate"] = kpis.rate(totals["visited"], totals["planned"])
        return totals

    def by_kind(self, kind: str) -> list[DayException]:
        return [e for e in self.exceptions if e.kind == kind]

    @property
    def has_activity(self) -> bool:
        """Any plan or visit that day (else the page says so instead of an empty list)."""
        return any(r.rows or r.visits for r in self.reps)

    # For the page: each section of the exceptions, so an empty one can say so.
    @property
    def off_site(self) -> list[DayException]:
        return self.by_kind("off_site")

    @property
    def short(self) -> list[DayException]:
        return self.by_kind("short")

    @property
    def not_checked_out(self) -> list[DayException]:
        return self.by_kind("open")

    @property
    def missed(self) -> list[DayException]:
        return self.by_kind("missed")


def min_minutes_by_kind() -> dict[str, int]:
    """The shortest acceptable visit per kind: the kind's setting, else MIN_VISIT_MINUTES."""
    return dict(VisitKindSetting.objects.values_list("kind", "min_minutes"))


def supervision_day(*, user: User, date: datetime.date, team: Team | None = None,
                    rep: User | None = None) -> SupervisionDay:
    """Every rep in `user`'s scope (or one team / rep) on `date`, in a fixed number of queries."""
    reps_qs = rep_choices(user=user)
    if team is not None:
        reps_qs = reps_qs.filter(team=team)
    if rep is not None:
        reps_qs = reps_qs.filter(pk=rep.pk)
    reps = list(reps_qs)
    rep_ids = [r.pk for r in reps]
    stops = list(_stops_qs().filter(rep_id__in=rep_ids, date=date)
                 .order_by("rep_id", "position", "pk"))
    visits = list(_visits_qs().filter(rep_id__in=rep_ids, date=date)
                  .select_related("rejected_by"))
    rows = stop_rows(stops, visits)
    days = {r.pk: RepDay(rep=r) for r in reps}
    for row in rows:
        days[row.stop.rep_id].rows.append(row)
    for visit in visits:
        days[visit.rep_id].visits.append(visit)
    over = day_is_over(date)
    thresholds = min_minutes_by_kind()
    exceptions = []
    for visit in visits:
        rep_obj = days[visit.rep_id].rep
        if visit.status == VisitStatus.REJECTED:
            continue
        if visit.off_site and visit.accepted_at is None:
            gap = (visit.checkin_received_at - visit.checked_in_at).total_seconds()
            exceptions.append(DayException(kind="off_site", rep=rep_obj, visit=visit,
                                         clock_gap_s=gap))
        threshold = thresholds.get(visit.kind, settings.MIN_VISIT_MINUTES)
        if visit.duration_s is not None and visit.duration_s < threshold * 60:
            exceptions.append(DayException(kind="short", rep=rep_obj, visit=visit,
                                         minutes=round(visit.duration_s / 60, 1),
                                         threshold=threshold))
        if visit.status == VisitStatus.OPEN and over:
            exceptions.append(DayException(kind="open", rep=rep_obj, visit=visit))
    if over:
        for row in rows:
            if row.counted and row.status in NOT_VISITED:
                exceptions.append(DayException(kind="missed", rep=days[row.stop.rep_id].rep,
                                             row=row))
    return SupervisionDay(date=date, is_over=over, reps=list(days.values()),
                          exceptions=exceptions)


def day_map_points(day: SupervisionDay) -> dict:
    """The day's outlets (by status) and check-in positions, for the map (JSON-safe).

    The map colours each rep (legend: `reps`, in the page's order) and names the statuses.
    """
    outlets, checkins = [], []
    reps = [{"id": rep_day.rep.pk, "name": str(rep_day.rep)} for rep_day in day.reps]
    for rep_day in day.reps:
        for row in rep_day.rows:
            c = row.stop.customer
            if c.latitude is None:
                continue
            outlets.append({"lat": float(c.latitude), "lng": float(c.longitude),
                            "name": c.name, "rep": str(rep_day.rep), "rep_id": rep_day.rep.pk,
                            "status": row.status,
                            "position": row.stop.position, "counted": row.counted})
        for visit in rep_day.visits:
            if visit.checkin_lat is None:
                continue
            checkins.append({"lat": float(visit.checkin_lat), "lng": float(visit.checkin_lng),
                             "name": visit.customer.name, "rep": str(rep_day.rep),
                             "rep_id": rep_day.rep.pk, "off_site": visit.off_site,
                             "rejected": visit.status == VisitStatus.REJECTED,
                             "distance_m": visit.checkin_distance_m,
                             "outlet": ({"lat": float(visit.customer.latitude),
                                         "lng": float(visit.customer.longitude)}
                                        if visit.customer.latitude is not None else None)})
    return {"outlets": outlets, "checkins": checkins, "reps": reps,
            "statuses": {key: str(label) for key, label in STATUS_LABELS.items()}}


# --- tasks: reps' to-do lists --------------------------------------------------------------

TASK_STATUSES = ("open", "done", "all")


def with_postponements(tasks: QuerySet) -> QuerySet:
    """Tasks with `postponed_count` and `postpone_reason` (the last one's), in the same query:
    a list costs one query whatever the number of tasks and postponements."""
    moves = TaskPostponement.objects.filter(task=OuterRef("pk"))
    return tasks.annotate(
        postponed_count=Coalesce(Subquery(moves.order_by().values("task").annotate(
            n=Count("pk")).values("n")[:1]), 0),
        postpone_reason=Coalesce(Subquery(moves.order_by("-at", "-pk").values("reason")[:1]),
                                 Value("")))


TASK_DUE_FILTERS = ("overdue", "today", "week")
TASK_SEARCH_MAX = 100


def task_list(*, user: User, rep: User | None = None, status: str = "open",
              due_by: datetime.date | None = None, kind: str | None = None,
              due: str | None = None, q: str | None = None, escalated: bool | None = None,
              today: datetime.date | None = None) -> QuerySet:
    """Tasks in the user's scope (a rep: his own; a supervisor: his team's; a manager: his
    region's), soonest first: overdue, then due today, then upcoming.

    `due_by` keeps the open tasks due on or before that day: what is due and overdue then.
    `due`: "overdue" (before today), "today", "week" (today and the six days after it).
    `q` searches the customer's name and code and the task's title.
    """
    from outletcrm.visits.choices import task_kind_choices

    if status not in TASK_STATUSES:
        raise ValidationError({"status": _("Choose open, done or all.")})
    if kind and kind not in dict(task_kind_choices()):
        raise ValidationError({"kind": _("Unknown kind of task.")})
    if due and due not in TASK_DUE_FILTERS:
        raise ValidationError({"due": _("Choose overdue, today or week.")})
    today = today or timezone.localdate()
    tasks = scoping.restrict_to_reps(FollowUpTask.objects.all(), user)
    if rep is not None:
        tasks = tasks.filter(rep=rep)
    if status == "open":
        tasks = tasks.filter(done_at__isnull=True)
    elif status == "done":
        tasks = tasks.filter(done_at__isnull=False)
    if due_by is not None:
        tasks = tasks.filter(done_at__isnull=True, due_date__lte=due_by)
    if kind:
        tasks = tasks.filter(kind=kind)
    if due == "overdue":
        tasks = tasks.filter(done_at__isnull=True, due_date__lt=today)
    elif due == "today":
        tasks = tasks.filter(due_date=today)
    elif due == "week":
        tasks = tasks.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=6))
    if escalated is not None:
        tasks = tasks.filter(escalated_at__isnull=not escalated)
    q = " ".join(str(q or "").split())[:TASK_SEARCH_MAX]
    if q:
        tasks = tasks.filter(Q(customer__name__icontains=q) | Q(customer__code__icontains=q)
                             | Q(title__icontains=q))
    return with_postponements(tasks.select_related("customer", "rep")).order_by(
        "due_date", "rep_id", "pk")


def task_get(*, user: User, pk=None, client_id=None) -> FollowUpTask:
    """One task in the user's scope, by id or client id, with its postponements; else 404."""
    tasks = with_postponements(scoping.restrict_to_reps(
        FollowUpTask.objects.select_related("customer", "rep"), user))
    try:
        if pk is not None:
            return tasks.get(pk=pk)
        return tasks.get(client_id=client_id)
    except (FollowUpTask.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


@dataclass
class TaskDigest:
    """The open tasks of the supervisor's reps that are due by the day, and the overdue count."""

    date: datetime.date
    tasks: list[FollowUpTask]
    total: int
    overdue: int
    limit: int

    @property
    def shown_all(self) -> bool:
        return self.total <= self.limit


def day_tasks(*, user: User, date: datetime.date, reps: list[User], limit: int = 100) -> TaskDigest:
    """For the supervisor's day: his reps' open tasks due by `date`, in three queries."""
    tasks = task_list(user=user, due_by=date).filter(rep__in=reps)
    total = tasks.count()
    overdue = tasks.filter(due_date__lt=date).count() if total else 0
    return TaskDigest(date=date, tasks=list(tasks[:limit]) if total else [], total=total,
                      overdue=overdue, limit=limit)


# --- one visit ---------------------------------------------------------------------------

def visit_get(*, user: User, pk) -> Visit:
    """One visit in scope with everything its detail page shows, or Http404."""
    qs = Visit.objects.select_related(
        "rep", "rep__team", "customer", "planned_stop", "rejected_by", "accepted_by",
    ).prefetch_related(
        "steps", "photos", "stock_checks__product", "sightings", "follow_ups",
        Prefetch("visit_orders", queryset=VisitOrder.objects.select_related("order").prefetch_related(
            "order__lines__product")),
    )
    return _get_rep_keyed(qs, user, pk)


def photo_get(*, user: User, client_id) -> VisitPhoto:
    """A visit photo whose visit `user` may see (core.scoping.restrict_visit_photos), or 404."""
    try:
        return scoping.restrict_visit_photos(VisitPhoto.objects.all(), user).get(
            client_id=client_id)
    except (VisitPhoto.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def visit_min_minutes(visit: Visit) -> int:
    """The shortest acceptable duration for this visit's kind."""
    setting = VisitKindSetting.objects.filter(kind=visit.kind).values_list(
        "min_minutes", flat=True).first()
    return settings.MIN_VISIT_MINUTES if setting is None else setting


# --- KPI reports: one builder for pages, the API and the CLI -----------------------------

@dataclass
class KpiScope:
    """Which reps a KPI report counts, and how the caller named them."""

    reps: QuerySet
    kind: str  # all | rep | team | region
    label: str
    key: int | None = None


def kpi_scope(*, user: User | None, rep=None, team=None, region=None) -> KpiScope:
    """The reps a report counts: the caller's scope, narrowed to one rep, team or region.

    `user=None` is the server operator (the CLI without --as): the whole company. A rep, team
    or region outside the caller's scope answers Http404, exactly like one that does not exist.
    Teams and regions count only if every rep in them is in scope, so a figure is never a
    partial one presented as the whole.
    """
    viewer = user if user is not None else company_viewer()
    scope = _narrowed(viewer, rep=rep, team=team, region=region)
    if user is not None and user.role == Role.REP:
        # A rep's scope is himself, however it is asked for: his own figures, named as his.
        return KpiScope(reps=scope.reps, kind="self", label=str(user), key=user.pk)
    return scope


def _narrowed(viewer: User, *, rep=None, team=None, region=None) -> KpiScope:
    reps = scoping.reps_in_scope(viewer)
    if rep not in (None, ""):
        person = rep_lookup(user=viewer, value=rep)
        return KpiScope(reps=reps.filter(pk=person.pk), kind="rep", label=str(person),
                        key=person.pk)
    if team not in (None, ""):
        found = team_get(user=viewer, pk=team)
        return KpiScope(reps=reps.filter(team=found), kind="team", label=found.name,
                        key=found.pk)
    if region not in (None, ""):
        value = str(region).strip()
        regions = region_choices(user=viewer)
        found = (regions.filter(pk=int(value)).first() if value.isascii() and value.isdigit()
                 else None) or \
            regions.filter(code=value).first()
        if found is None:
            raise Http404
        return KpiScope(reps=reps.filter(team__region__path__startswith=found.path),
                        kind="region", label=found.name, key=found.pk)
    return KpiScope(reps=reps, kind="all", label=_("Everyone in your scope"))


FIGURES = (
    "planned", "visited_on_plan", "unplanned", "visited_with_order", "completion_rate",
    "success_rate", "visits", "phone_contacts", "ride_alongs", "rejected", "off_site",
    "deep_visits", "rep_days", "field_staff",
    "deep_visits_per_day", "average_duration_minutes", "order_amount", "customers_visited",
    "order_amount_per_visited_customer", "portfolio", "portfolio_visited", "coverage",
)


def _json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return round(value, 2)
    return value


def _figures(row: kpis.VisitKpis, *, with_portfolio: bool) -> dict:
    data = row.as_dict()
    figures = {key: _json_value(data[key]) for key in FIGURES}
    if not with_portfolio:
        for key in ("portfolio", "portfolio_visited", "coverage"):
            figures[key] = None
    return figures


def _group_names(group: str | None, labels: list[str]) -> dict[str, str]:
    if group == "rep":
        people = User.objects.filter(pk__in=[int(x) for x in labels])
        return {str(p.pk): str(p) for p in people}
    if group == "team":
        return {str(pk): name for pk, name in
                Team.objects.filter(pk__in=[int(x) for x in labels]).values_list("pk", "name")}
    if group == "region":
        return {str(pk): name for pk, name in
                Region.objects.filter(pk__in=[int(x) for x in labels]).values_list("pk", "name")}
    return {label: label for label in labels}


MAX_KPI_DAYS = 366


def _kpi_date(value, name: str) -> datetime.date:
    parsed = params.parse_date(value, field=name)
    if parsed is None:
        raise ValidationError({name: _("This field is required (YYYY-MM-DD).")})
    return parsed


def kpi_report(*, user: User | None, date_from, date_to, rep=None, team=None, region=None,
               group=None) -> dict:
    """The visit KPIs as one JSON-safe dict: the same figures for pages, the API and the CLI.

    Inputs may be raw strings (query string, command line); bad ones raise ValidationError
    with the field at fault, a rep / team / region outside the caller's scope raises Http404.
    Rates are percentages with two decimals as strings ("50.00"); money has two decimals.
    Definitions (kpis.DEFINITIONS) travel with the figures so every client can show them.
    """
    date_from = _kpi_date(date_from, "from")
    date_to = _kpi_date(date_to, "to")
    if date_to < date_from:
        raise ValidationError({"to": _("The period ends before it starts.")})
    if (date_to - date_from).days > MAX_KPI_DAYS:
        raise ValidationError({"to": _("A period is at most %(n)d days.") % {"n": MAX_KPI_DAYS}})
    group = (group or "").strip() or None
    if group is not None and group not in kpis.GROUPS:
        raise ValidationError({"group": _("Group by one of: %(groups)s.") % {
            "groups": ", ".join(sorted(kpis.GROUPS))}})
    if sum(1 for x in (rep, team, region) if x not in (None, "")) > 1:
        raise ValidationError({"non_field_errors": _("Give a rep, a team or a region, not several.")})
    scope = kpi_scope(user=user, rep=rep, team=team, region=region)
    # Large selections (a company's month) read the KPI summary (visits/kpi_summary.py).
    total = kpis.visit_kpis(reps=scope.reps, date_from=date_from, date_to=date_to,
                            with_distribution=True, source="auto")[0]
    rows = []
    if group:
        grouped = kpis.visit_kpis(reps=scope.reps, date_from=date_from, date_to=date_to,
                                  group=group, source="auto")
        names = _group_names(group, [r.label for r in grouped])
        rows = [{"key": r.label, "name": names.get(r.label, r.label),
                 **_figures(r, with_portfolio=group == "rep")} for r in grouped]
    distribution = [
        {"product_id": pk, "product": d["product"], "outlets": d["outlets"],
         "visited": d["visited"], "rate": _json_value(d["rate"])}
        for pk, d in sorted(total.distribution.items())
    ]
    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        # reps: the people who did field work in the period (kpis.DEFINITIONS, field_staff)
        "scope": {"kind": scope.kind, "id": scope.key, "name": str(scope.label),
                  "reps": total.field_staff},
        "group": group,
        "total": _figures(total, with_portfolio=True),
        "numeric_distribution": distribution,
        "rows": rows,
        "definitions": [d.as_dict() for d in kpis.DEFINITIONS],
        "rules": [str(rule) for rule in kpis.RULES],
    }


def orders_of_visit(visit: Visit) -> list[Order]:
    """The orders recorded on a visit (prefetched by visit_get)."""
    return [link.order for link in visit.visit_orders.all()]

