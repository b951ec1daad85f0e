"""Visit KPIs, each defined once here and shown to users next to the figure (brief §5).

拜访完成率 (completion) = planned stops visited ÷ planned stops × 100 %
拜访成功率 (success)    = planned stops visited whose visit recorded an order ÷ planned stops
                          visited × 100 %

Reps are paid on these figures, so nothing a rep can do, and no order in which things happen,
may flatter them (issue 7 §1). The rules, each pinned by tests/visits/test_kpi_traps.py on
SQLite and PostgreSQL:

What is a visit (拜访). A check-in counts as a visit (`Visit.counts_as_visit`, computed by the
database from `models.COUNTS_AS_VISIT`, so every writer agrees) when it is
- not rejected by the supervisor;
- made at the outlet: first, second, morning, day, home and return visits all are. A phone
  visit is contact, not a visit at the outlet: it never counts as visited, on the plan or off
  it, and is shown as its own figure (phone contacts). A ride-along (陪访) is the supervisor's
  check-in when he goes along with a rep: it is the supervisor's record of coaching, never
  the rep's visit (the rep checks in himself), and is shown as its own figure; a rep cannot
  check in as a ride-along;
- on site: within CHECKIN_RADIUS_M of the outlet. An off-site check-in (farther) is not
  proof of being there and does not count until the supervisor reviews it and accepts it
  (visits.services.visit_accept); until then it is shown as its own figure. A check-in at an
  outlet without coordinates cannot be measured and counts (the distance shows "—"). A
  check-in without the phone's position is refused for every kind except a phone visit.
A visit belongs to the person who checked in: it matches a planned stop of the same rep, at
the same customer, on the local day of the device time. Nobody's visit credits someone else.

What is planned. A planned stop counts in the denominator when it came from the route
(generated) or from the supervisor; a stop the rep added himself never counts. When the
route (or the supervisor) and the rep put the same customer on the same plan, the stronger
origin holds the stop, whoever came first (route > supervisor > rep); the earlier addition
stays on file (PlannedStopAddition: who, when). So:
- the rep adds a route customer to a future day before the plan is generated: at generation
  the stop becomes the route's and counts; the rep's addition is kept as a trace;
- the rep adds a customer the supervisor then adds: the stop becomes the supervisor's and
  counts; the supervisor adds first and the rep then adds: refused, nothing changes;
- a customer the route already planned cannot be added again by anyone.
Plans are generated once per rep and day (nightly, on demand, from the command line, any
number of runs): a run finds an existing generated plan and changes nothing. A plan the rep
or the supervisor started by hand gets its routes at its first generation.
A generated plan is a snapshot: editing a route afterwards (stops added, removed, moved to
another route, the route deactivated or deleted) changes plans generated from then on, never
one already made (plans are generated at most 14 days ahead). To count a change today, the
supervisor adds the stop. Route stops of a customer the rep no longer owns, or archived, are
not planned.
Dropped stops still count, whether dropped before or after a visit; a visit to a dropped stop
counts as visited. The order of the stops (reordered by the rep, the supervisor or the route
optimiser) never changes what counts.

When a customer leaves a rep. Handed to another rep (owner changed) or archived, the
customer's stops from that day on are released (visits.services.release_stops): a released
stop counts only if it was visited after all, so an outlet taken away from the rep does not
count against him, and one he did visit still counts for him. On the hand-over day the former
rep may still check in there for a stop of his own plan (core.scoping.can_work_own_planned_stop),
so his offline check-ins arrive; check-ins made before an archiving are accepted when they
arrive. The new owner's plan for the day is not changed: his visit there that day is
unplanned unless the supervisor adds the stop. Restoring an archived customer does not bring
released stops back; the supervisor can add them again.

When things arrive. Visits are matched to stops when the figures are read, so an offline
check-in uploaded after the plan changed counts exactly as if it had arrived at once (and
is linked to its stop on the pages, visits.services.link_visits). A rejected visit counts for
nothing; another visit the same day, made before or after the rejection, still makes the stop
visited. A rep has at most one visit in progress per outlet and day; a replayed check-in (same
client id) is the same visit.

Over a period every rate is the sum of numerators over the sum of denominators, never an
average of daily rates. The reps counted (统计业务员) are the people in scope who did field work
in the period: a plan, or a visit that counts. A supervisor who only rides along is not one.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from outletcrm.customers.models import Customer
from outletcrm.orders.models import OrderStatus
from outletcrm.org.models import User
from outletcrm.visits.choices import NOT_ROUTE_VISIT_KINDS, VisitKind, VisitStatus
from outletcrm.visits.models import (
    COUNTED_ORIGINS,
    PlannedStop,
    StockCheck,
    Visit,
    VisitOrder,
)


@dataclass(frozen=True)
class KpiDefinition:
    """What a figure counts: shown in pages, the API and the CLI so nobody argues."""

    key: str
    name: str
    numerator: str
    denominator: str
    excludes: str

    def as_dict(self) -> dict:
        return {k: str(v) for k, v in asdict(self).items()}


VISIT = _("a visit is a check-in by that rep at that customer that day, at the outlet (not "
          "a phone visit or a supervisor's ride-along), on site or accepted by the supervisor "
          "after review, and not rejected")

DEFINITIONS = [
    KpiDefinition(
        "completion_rate", _("Visit completion rate (拜访完成率)"),
        format_lazy(_("Planned stops visited; {visit}"), visit=VISIT),
        _("Planned stops: customers on the rep's plan for the day from the routes or added by "
          "the supervisor, whoever added them first; stops the rep dropped still count; a "
          "stop whose customer was handed to another rep or archived counts only if visited"),
        _("Unplanned visits, stops only the rep added, phone visits, ride-alongs, off-site "
          "check-ins not accepted, rejected visits"),
    ),
    KpiDefinition(
        "success_rate", _("Visit success rate (拜访成功率)"),
        _("Planned stops visited whose visit recorded an order (not cancelled)"),
        _("Planned stops visited"),
        _("Orders from customers off the plan, orders not recorded on a visit (phone visits "
          "included), cancelled orders, rejected visits"),
    ),
    KpiDefinition(
        "phone_contacts", _("Phone contacts"),
        _("Check-ins of kind phone visit, not rejected: contact, not a visit at the outlet"),
        _("None: a count, shown beside the rates and never part of them"),
        _("Rejected phone visits"),
    ),
    KpiDefinition(
        "ride_alongs", _("Ride-alongs (陪访)"),
        _("Ride-alongs checked in by a supervisor going along with a rep, not rejected"),
        _("None: a count; the rep's own check-in is the visit"),
        _("Rejected ride-alongs"),
    ),
    KpiDefinition(
        "off_site", _("Off-site check-ins"),
        format_lazy(_("Check-ins farther than {radius} m from the outlet that the supervisor "
                      "has not accepted (yet): they do not count as visits"),
                    radius=f"{settings.CHECKIN_RADIUS_M:g}"),
        _("None: a count"),
        _("Phone visits, ride-alongs, rejected visits, accepted check-ins"),
    ),
    KpiDefinition(
        "coverage", _("Coverage"),
        _("Customers of the reps' portfolio visited at least once in the period"),
        _("Live customers the reps own"), _("Phone visits, ride-alongs, off-site check-ins not "
                                            "accepted, rejected visits"),
    ),
    KpiDefinition(
        "numeric_distribution", _("Numeric distribution (铺货率), per product"),
        _("Visited outlets where a stock check found the product in stock"),
        _("Visited outlets"), _("Stock checks on phone visits, ride-alongs, off-site "
                                "check-ins not accepted and rejected visits"),
    ),
    KpiDefinition(
        "deep_visits_per_day", _("Deep visits per rep-day"),
        _("Checked-out visits of at least the deep-visit minutes"),
        _("Rep-days with a plan or a visit"),
        _("Phone visits, ride-alongs, off-site check-ins not accepted, rejected visits"),
    ),
    KpiDefinition(
        "order_amount_per_visited_customer", _("Order amount per visited customer"),
        _("Amount of orders recorded on visits (not cancelled)"),
        _("Customers visited"),
        _("Orders on phone visits and ride-alongs, orders taken outside a visit, rejected "
          "visits"),
    ),
    KpiDefinition(
        "field_staff", _("Reps counted (统计业务员)"),
        _("People in the scope who did field work in the period: a plan, or a visit"),
        _("None: a count"),
        _("Supervisors and managers without a plan of their own (ride-alongs are not field "
          "work of their own), people with only phone visits"),
    ),
]
DEFINITION_BY_KEY = {d.key: d for d in DEFINITIONS}

# The counting rules of the module docstring in the users' words, shown with the figures.
RULES = [
    _("A customer on the plan from the route or from the supervisor counts as planned, "
      "whoever put it on the plan first; a customer only the rep added never does."),
    _("A plan is made once for each day; route changes apply to the plans made after them. "
      "Dropping or reordering stops does not take them out of the count."),
    _("Only a visit at the outlet counts as visited: phone visits and the supervisor's "
      "ride-alongs are counted apart."),
    _("An off-site check-in counts once the supervisor has reviewed and accepted it; a "
      "rejected visit never counts."),
    _("When a customer is handed to another rep or archived, its stops from that day on "
      "count only if they were visited."),
    _("A check-in counts on the day of the phone's clock, whenever it is uploaded."),
]

GROUPS = {"rep", "team", "region", "day", "week", "month"}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with two decimals; None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class VisitKpis:
    """The figures of one group (or of the whole selection)."""

    group: str | None = None
    label: str | None = None
    planned: int = 0
    visited_on_plan: int = 0
    visited_with_order: int = 0
    unplanned: int = 0
    visits: int = 0
    phone_contacts: int = 0
    ride_alongs: int = 0
    rejected: int = 0
    off_site: int = 0
    deep_visits: int = 0
    rep_days: int = 0
    field_staff: int = 0
    average_duration_minutes: float | None = None
    order_amount: Decimal = Decimal("0")
    customers_visited: int = 0
    portfolio: int = 0
    portfolio_visited: int = 0
    distribution: dict = field(default_factory=dict)

    @property
    def completion_rate(self):
        return rate(self.visited_on_plan, self.planned)

    @property
    def success_rate(self):
        return rate(self.visited_with_order, self.visited_on_plan)

    @property
    def coverage(self):
        return rate(self.portfolio_visited, self.portfolio)

    @property
    def deep_visits_per_day(self):
        return round(self.deep_visits / self.rep_days, 2) if self.rep_days else None

    @property
    def order_amount_per_visited_customer(self):
        if not self.customers_visited:
            return None
        return (self.order_amount / self.customers_visited).quantize(Decimal("0.01"))

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("completion_rate", "success_rate", "coverage", "deep_visits_per_day",
                    "order_amount_per_visited_customer"):
            data[key] = getattr(self, key)
        return data


def _visited_subquery(prefix: str = ""):
    """A visit that counts (module docstring) by the stop's rep, at its customer, that day."""
    return Visit.objects.filter(
        rep_id=OuterRef(f"{prefix}rep_id"), customer_id=OuterRef(f"{prefix}customer_id"),
        date=OuterRef(f"{prefix}date"), counts_as_visit=True,
    )


def _ordered_subquery():
    return VisitOrder.objects.filter(
        visit__rep_id=OuterRef("rep_id"), visit__customer_id=OuterRef("customer_id"),
        visit__date=OuterRef("date"), visit__counts_as_visit=True,
    ).exclude(order__status=OrderStatus.CANCELLED)


def _group_expr(group: str | None, prefix: str = ""):
    return {
        None: None,
        "rep": F(f"{prefix}rep_id"),
        "team": F(f"{prefix}rep__team_id"),
        "region": F(f"{prefix}rep__team__region_id"),
        "day": F(f"{prefix}date"),
        "week": TruncWeek(f"{prefix}date"),
        "month": TruncMonth(f"{prefix}date"),
    }[group]


def _group_exprs(group: str | None, prefix: str = "") -> dict:
    """Names and expressions to group by; "rep_day" (the summary's grain) groups by both."""
    if group == "rep_day":
        return {"_g0": F(f"{prefix}rep_id"), "_g1": F(f"{prefix}date")}
    expr = _group_expr(group, prefix)
    return {} if expr is None else {"_g0": expr}


def _grouped(qs, group, prefix: str = "", **aggregates) -> dict:
    exprs = _group_exprs(group, prefix)
    if not exprs:
        return {None: qs.aggregate(**aggregates)}
    rows = qs.annotate(**exprs).values(*exprs).annotate(**aggregates).order_by(*exprs)
    grouped = {}
    for row in rows:
        key = tuple(_key(row.pop(name)) for name in exprs)
        grouped[key[0] if len(key) == 1 else key] = row
    return grouped


def _merge(*grouped: dict) -> dict:
    """Combine per-group figures counted by separate queries."""
    merged: dict = {}
    for rows in grouped:
        for key, figures in rows.items():
            merged.setdefault(key, {}).update(figures)
    return merged


def _key(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _counted_rows(rep_ids, in_period: dict, group) -> tuple[dict, dict, dict]:
    """The additive figures per group: (planned-stop rows, visit rows, rejected rows).

    The definitions of the module docstring, written once: visit_kpis reads them for any
    grouping, and the summary (visits/kpi_summary.py) stores them per rep and day
    (group "rep_day").
    """
    # Each EXISTS stands in a WHERE clause, where the database runs it as one hashed semi- or
    # anti-join, never in the select list, where it becomes one correlated lookup per row.
    # Same definitions; the company's month (400,000 planned stops) went from ~5 s to ~1.6 s
    # on PostgreSQL (bench/visits_bench.py, bench/results/visits.md).
    stops = PlannedStop.objects.filter(rep_id__in=rep_ids, origin__in=COUNTED_ORIGINS,
                                       **in_period)
    released = Q(released_at__isnull=False)
    stop_rows = _merge(
        _grouped(stops, group, n_kept=Count("pk", filter=~released)),
        # A released stop (customer handed over or archived) counts only when visited.
        _grouped(stops.filter(Exists(_visited_subquery())), group, visited_on_plan=Count("pk"),
                 n_released_visited=Count("pk", filter=released)),
        # An order recorded on a visit that counts implies the visit: one EXISTS suffices.
        _grouped(stops.filter(Exists(_ordered_subquery())), group,
                 visited_with_order=Count("pk")),
    )

    visits = Visit.objects.filter(rep_id__in=rep_ids, **in_period)
    counted_plan = PlannedStop.objects.filter(
        rep_id=OuterRef("rep_id"), customer_id=OuterRef("customer_id"), date=OuterRef("date"),
        origin__in=COUNTED_ORIGINS)
    live = visits.exclude(status=VisitStatus.REJECTED)
    counting = Q(counts_as_visit=True)
    deep = counting & Q(status=VisitStatus.DONE,
                        duration_s__gte=settings.DEEP_VISIT_MINUTES * 60)
    off_site = (Q(off_site=True, accepted_at__isnull=True)
                & ~Q(kind__in=NOT_ROUTE_VISIT_KINDS))
    timed = counting & Q(status=VisitStatus.DONE)
    visit_rows = _merge(
        _grouped(
            live, group, n_visits=Count("pk", filter=counting),
            n_phone=Count("pk", filter=Q(kind=VisitKind.PHONE)),
            n_ride=Count("pk", filter=Q(kind=VisitKind.RIDE_ALONG)),
            n_off_site=Count("pk", filter=off_site), n_deep=Count("pk", filter=deep),
            # The average duration is this sum over this count (so sums of days add up).
            duration_sum=Sum("duration_s", filter=timed),
            duration_count=Count("duration_s", filter=timed),
            n_customers=Count("customer_id", distinct=True, filter=counting),
        ),
        _grouped(visits.filter(counting).filter(~Exists(counted_plan)), group,
                 n_unplanned=Count("pk")),
        _grouped(
            VisitOrder.objects.filter(visit__in=visits.filter(counting).values("pk"))
            .exclude(order__status=OrderStatus.CANCELLED),
            group, prefix="visit__", n_amount=Sum("order__total"),
        ),
    )
    rejected_rows = _grouped(visits.filter(status=VisitStatus.REJECTED), group,
                             n_rejected=Count("pk"))
    return stop_rows, visit_rows, rejected_rows


def average_minutes(duration_sum, duration_count) -> float | None:
    """The average duration of the checked-out visits that count, in minutes (one decimal)."""
    if not duration_count:
        return None
    return round(duration_sum / duration_count / 60, 1)


def rep_day_figures(*, rep_ids, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Per (rep id, day): the additive figures of visit_kpis, the day's distinct customers
    visited, whether it was a rep-day (worked) and whether a grouped report lists it.

    What visits/kpi_summary.py stores; the same queries as visit_kpis (group "rep_day").
    """
    in_period = {"date__gte": date_from, "date__lte": date_to}
    stop_rows, visit_rows, rejected_rows = _counted_rows(rep_ids, in_period, "rep_day")
    worked = rep_day_pairs(rep_ids, in_period)
    listed = set(stop_rows) | set(visit_rows)
    figures = {}
    for key in listed | set(rejected_rows) | worked:
        s, v = stop_rows.get(key, {}), visit_rows.get(key, {})
        figures[key] = {
            "planned_kept": s.get("n_kept") or 0,
            "released_visited": s.get("n_released_visited") or 0,
            "visited_on_plan": s.get("visited_on_plan") or 0,
            "visited_with_order": s.get("visited_with_order") or 0,
            "unplanned": v.get("n_unplanned") or 0, "visits": v.get("n_visits") or 0,
            "phone_contacts": v.get("n_phone") or 0, "ride_alongs": v.get("n_ride") or 0,
            "rejected": (rejected_rows.get(key) or {}).get("n_rejected") or 0,
            "off_site": v.get("n_off_site") or 0, "deep_visits": v.get("n_deep") or 0,
            "duration_sum": v.get("duration_sum") or 0,
            "duration_count": v.get("duration_count") or 0,
            "order_amount": v.get("n_amount") or Decimal("0"),
            "customers_visited": v.get("n_customers") or 0,
            "worked": key in worked, "listed": key in listed,
        }
    return figures


def counted_visits(rep_ids, in_period: dict):
    """Visits that count (the module docstring): coverage and customers visited count their
    distinct customers."""
    return Visit.objects.filter(rep_id__in=rep_ids, counts_as_visit=True, **in_period)


def visit_kpis(*, reps, date_from: datetime.date, date_to: datetime.date,
               group: str | None = None, with_distribution: bool = False,
               source: str = "raw") -> list[VisitKpis]:
    """Visit KPIs of the given reps over [date_from, date_to], optionally grouped.

    source "raw" counts the stops and visits themselves (the reference); "summary" reads the
    per-rep-day counts visits/kpi_summary.py keeps (the same figures, fast over a company's
    month or year); "auto" picks the summary for large selections (kpi_summary.use_summary).
    """
    if group not in GROUPS | {None}:
        raise ValueError(group)
    rep_ids = reps.values("pk") if hasattr(reps, "values") else [r.pk for r in reps]
    if source != "raw":
        from outletcrm.visits import kpi_summary

        if source == "summary" or kpi_summary.use_summary(reps, date_from, date_to):
            return kpi_summary.summary_kpis(rep_ids=rep_ids, date_from=date_from,
                                            date_to=date_to, group=group,
                                            with_distribution=with_distribution)
    in_period = {"date__gte": date_from, "date__lte": date_to}
    stop_rows, visit_rows, rejected_rows = _counted_rows(rep_ids, in_period, group)
    rep_day_rows, staff_rows = _rep_days(rep_ids, in_period, group)

    keys = set(stop_rows) | set(visit_rows)
    results = []
    for key in sorted(keys, key=lambda k: (k is None, str(k))):
        s = stop_rows.get(key, {})
        v = visit_rows.get(key, {})
        results.append(VisitKpis(
            group=group, label=None if key is None else str(key),
            planned=(s.get("n_kept") or 0) + (s.get("n_released_visited") or 0),
            visited_on_plan=s.get("visited_on_plan") or 0,
            visited_with_order=s.get("visited_with_order") or 0,
            unplanned=v.get("n_unplanned") or 0, visits=v.get("n_visits") or 0,
            phone_contacts=v.get("n_phone") or 0, ride_alongs=v.get("n_ride") or 0,
            rejected=(rejected_rows.get(key) or {}).get("n_rejected") or 0,
            off_site=v.get("n_off_site") or 0, deep_visits=v.get("n_deep") or 0,
            rep_days=rep_day_rows.get(key, 0), field_staff=staff_rows.get(key, 0),
            average_duration_minutes=average_minutes(v.get("duration_sum"),
                                                     v.get("duration_count")),
            order_amount=v.get("n_amount") or Decimal("0"),
            customers_visited=v.get("n_customers") or 0,
        ))
    if group is None:
        if not results:
            results.append(VisitKpis())
        total = results[0]
        total.portfolio, total.portfolio_visited = _coverage(rep_ids, in_period)
        if with_distribution:
            total.distribution = numeric_distribution(rep_ids=rep_ids, in_period=in_period,
                                                      visited=total.customers_visited)
    elif group == "rep":
        for row in results:
            row.portfolio, row.portfolio_visited = _coverage([int(row.label)], in_period)
    return results


def rep_day_pairs(rep_ids, in_period: dict) -> set:
    """(rep id, day) pairs of field work: a planned stop (any origin) or a visit that counts."""
    # order_by(): the models' default ordering would join and widen the DISTINCT.
    pairs = set(PlannedStop.objects.filter(rep_id__in=rep_ids, **in_period).order_by()
                .values_list("rep_id", "date").distinct())
    pairs |= set(counted_visits(rep_ids, in_period)
                 .order_by().values_list("rep_id", "date").distinct())
    return pairs


def _rep_days(rep_ids, in_period, group) -> tuple[dict, dict]:
    """Per group: distinct (rep, day) pairs with a plan or a visit that counts, and the
    distinct people among them (the reps counted, 统计业务员)."""
    pairs = rep_day_pairs(rep_ids, in_period)
    if group is None:
        return {None: len(pairs)}, {None: len({rep_id for rep_id, _date in pairs})}
    if group in {"team", "region"}:
        field_name = "team_id" if group == "team" else "team__region_id"
        owners = dict(User.objects.filter(pk__in={p[0] for p in pairs})
                      .values_list("pk", field_name))
        key_of = lambda rep_id, date: owners.get(rep_id)  # noqa: E731
    else:
        key_of = {
            "rep": lambda rep_id, date: rep_id,
            "day": lambda rep_id, date: date,
            "week": lambda rep_id, date: date - datetime.timedelta(days=date.weekday()),
            "month": lambda rep_id, date: date.replace(day=1),
        }[group]
    counts: dict = {}
    people: dict = {}
    for rep_id, date in pairs:
        k = key_of(rep_id, date)
        counts[k] = counts.get(k, 0) + 1
        people.setdefault(k, set()).add(rep_id)
    return counts, {k: len(v) for k, v in people.items()}


def _coverage(rep_ids, in_period) -> tuple[int, int]:
    portfolio = Customer.objects.live().filter(owner_id__in=rep_ids)
    visited = portfolio.filter(Exists(
        counted_visits(rep_ids, in_period).filter(customer_id=OuterRef("pk"))))
    return portfolio.count(), visited.count()


def numeric_distribution(*, rep_ids, in_period, visited: int | None = None) -> dict:
    """Per product: visited outlets whose stock check found it ÷ visited outlets (铺货率).

    `visited` (distinct customers with a visit that counts) may be passed when already counted.
    """
    live = counted_visits(rep_ids, in_period)
    if visited is None:
        visited = live.values("customer_id").distinct().count()
    rows = (in_stock_checks(rep_ids, in_period).values("product_id", "product__name")
            .annotate(outlets=Count("visit__customer_id", distinct=True)).order_by("product_id"))
    return {r["product_id"]: {"product": r["product__name"], "outlets": r["outlets"],
                              "visited": visited, "rate": rate(r["outlets"], visited)}
            for r in rows}


def in_stock_checks(rep_ids, in_period: dict):
    """Stock checks that found the product in stock, on visits that count (numeric
    distribution's numerator counts their distinct customers per product).

    The visits joined rather than "visit_id IN (subquery)": SQLite built the list of a
    year's 4.4 million visit ids for that (7.7 s, bench/results/kpisum-sqlite.md).
    """
    return StockCheck.objects.filter(in_stock=True, visit__rep_id__in=rep_ids,
                                     visit__counts_as_visit=True,
                                     **{f"visit__{k}": v for k, v in in_period.items()})
