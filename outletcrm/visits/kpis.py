"""Visit KPIs, each defined once here and shown to users next to the figure (brief §5).

拜访完成率 (completion) = planned stops visited ÷ planned stops × 100 %
拜访成功率 (success)    = planned stops visited whose visit recorded an order ÷ planned stops
                          visited × 100 %

A planned stop is a customer on a rep's plan for a day: as generated from the routes, plus
stops the supervisor added. Stops the rep dropped still count; stops the rep added do not.
Visited = a check-in by that rep at that customer on that day that was not rejected.
Over a period every rate is the sum of numerators over the sum of denominators, never an
average of daily rates.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from outletcrm.customers.models import Customer
from outletcrm.orders.models import OrderStatus
from outletcrm.org.models import User
from outletcrm.visits.choices import VisitKind, VisitStatus
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


DEFINITIONS = [
    KpiDefinition(
        "completion_rate", _("Visit completion rate (拜访完成率)"),
        _("Planned stops visited: a check-in by that rep at that customer that day, not rejected"),
        _("Planned stops: customers on the rep's plan for the day as generated from the routes, "
          "plus stops the supervisor added; stops the rep dropped still count"),
        _("Unplanned visits, stops the rep added, rejected visits"),
    ),
    KpiDefinition(
        "success_rate", _("Visit success rate (拜访成功率)"),
        _("Planned stops visited whose visit recorded an order (not cancelled)"),
        _("Planned stops visited"),
        _("Orders from customers off the plan, orders not recorded on the visit, cancelled "
          "orders, rejected visits"),
    ),
    KpiDefinition(
        "coverage", _("Coverage"),
        _("Customers of the reps' portfolio visited at least once in the period"),
        _("Live customers the reps own"), _("Rejected visits"),
    ),
    KpiDefinition(
        "numeric_distribution", _("Numeric distribution (铺货率), per product"),
        _("Visited outlets where a stock check found the product in stock"),
        _("Visited outlets"), _("Rejected visits"),
    ),
    KpiDefinition(
        "deep_visits_per_day", _("Deep visits per rep-day"),
        _("Checked-out visits on site of at least the deep-visit minutes, phone visits excluded"),
        _("Rep-days with a plan or a visit"), _("Rejected visits"),
    ),
    KpiDefinition(
        "order_amount_per_visited_customer", _("Order amount per visited customer"),
        _("Amount of orders recorded on visits (not cancelled)"),
        _("Customers visited"), _("Rejected visits, orders taken outside a visit"),
    ),
]
DEFINITION_BY_KEY = {d.key: d for d in DEFINITIONS}

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
    rejected: int = 0
    off_site: int = 0
    deep_visits: int = 0
    rep_days: int = 0
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
    return Visit.objects.filter(
        rep_id=OuterRef(f"{prefix}rep_id"), customer_id=OuterRef(f"{prefix}customer_id"),
        date=OuterRef(f"{prefix}date"),
    ).exclude(status=VisitStatus.REJECTED)


def _ordered_subquery():
    return VisitOrder.objects.filter(
        visit__rep_id=OuterRef("rep_id"), visit__customer_id=OuterRef("customer_id"),
        visit__date=OuterRef("date"),
    ).exclude(visit__status=VisitStatus.REJECTED).exclude(order__status=OrderStatus.CANCELLED)


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


def _grouped(qs, group, prefix: str = "", **aggregates) -> dict:
    expr = _group_expr(group, prefix)
    if expr is None:
        return {None: qs.aggregate(**aggregates)}
    rows = qs.annotate(_g=expr).values("_g").annotate(**aggregates).order_by("_g")
    return {_key(r.pop("_g")): r for r in rows}


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


def visit_kpis(*, reps, date_from: datetime.date, date_to: datetime.date,
               group: str | None = None, with_distribution: bool = False) -> list[VisitKpis]:
    """Visit KPIs of the given reps over [date_from, date_to], optionally grouped."""
    if group not in GROUPS | {None}:
        raise ValueError(group)
    rep_ids = reps.values("pk") if hasattr(reps, "values") else [r.pk for r in reps]
    in_period = {"date__gte": date_from, "date__lte": date_to}

    # Each EXISTS stands in a WHERE clause, where the database runs it as one hashed semi- or
    # anti-join, never in the select list, where it becomes one correlated lookup per row.
    # Same definitions; the company's month (400,000 planned stops) went from ~5 s to ~1.6 s
    # on PostgreSQL (bench/visits_bench.py, bench/results/visits.md).
    stops = PlannedStop.objects.filter(rep_id__in=rep_ids, origin__in=COUNTED_ORIGINS,
                                       **in_period)
    stop_rows = _merge(
        _grouped(stops, group, planned=Count("pk")),
        _grouped(stops.filter(Exists(_visited_subquery())), group, visited_on_plan=Count("pk")),
        # An order recorded on a visit implies the visit (not rejected): one EXISTS suffices.
        _grouped(stops.filter(Exists(_ordered_subquery())), group,
                 visited_with_order=Count("pk")),
    )

    visits = Visit.objects.filter(rep_id__in=rep_ids, **in_period)
    counted_plan = PlannedStop.objects.filter(
        rep_id=OuterRef("rep_id"), customer_id=OuterRef("customer_id"), date=OuterRef("date"),
        origin__in=COUNTED_ORIGINS)
    live = visits.exclude(status=VisitStatus.REJECTED)
    deep = Q(status=VisitStatus.DONE, duration_s__gte=settings.DEEP_VISIT_MINUTES * 60,
             off_site=False) & ~Q(kind=VisitKind.PHONE)
    visit_rows = _merge(
        _grouped(
            live, group, n_visits=Count("pk"),
            n_off_site=Count("pk", filter=Q(off_site=True)), n_deep=Count("pk", filter=deep),
            average_duration=Avg("duration_s", filter=Q(status=VisitStatus.DONE)),
            n_customers=Count("customer_id", distinct=True),
        ),
        _grouped(live.filter(~Exists(counted_plan)), group, n_unplanned=Count("pk")),
        _grouped(
            VisitOrder.objects.filter(visit__in=live.values("pk"))
            .exclude(order__status=OrderStatus.CANCELLED),
            group, prefix="visit__", n_amount=Sum("order__total"),
        ),
    )
    rejected_rows = _grouped(visits.filter(status=VisitStatus.REJECTED), group,
                             n_rejected=Count("pk"))
    rep_day_rows = _rep_days(rep_ids, in_period, group)

    keys = set(stop_rows) | set(visit_rows)
    results = []
    for key in sorted(keys, key=lambda k: (k is None, str(k))):
        s = stop_rows.get(key, {})
        v = visit_rows.get(key, {})
        avg = v.get("average_duration")
        results.append(VisitKpis(
            group=group, label=None if key is None else str(key),
            planned=s.get("planned") or 0, visited_on_plan=s.get("visited_on_plan") or 0,
            visited_with_order=s.get("visited_with_order") or 0,
            unplanned=v.get("n_unplanned") or 0, visits=v.get("n_visits") or 0,
            rejected=(rejected_rows.get(key) or {}).get("n_rejected") or 0,
            off_site=v.get("n_off_site") or 0, deep_visits=v.get("n_deep") or 0,
            rep_days=rep_day_rows.get(key, 0),
            average_duration_minutes=round(avg / 60, 1) if avg is not None else None,
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


def _rep_days(rep_ids, in_period, group) -> dict:
    """Distinct (rep, day) pairs with a plan or a visit, per group."""
    # order_by(): the models' default ordering would join and widen the DISTINCT.
    pairs = set(PlannedStop.objects.filter(rep_id__in=rep_ids, **in_period).order_by()
                .values_list("rep_id", "date").distinct())
    pairs |= set(Visit.objects.filter(rep_id__in=rep_ids, **in_period).order_by()
                 .exclude(status=VisitStatus.REJECTED).values_list("rep_id", "date").distinct())
    if group is None:
        return {None: len(pairs)}
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
    for rep_id, date in pairs:
        k = key_of(rep_id, date)
        counts[k] = counts.get(k, 0) + 1
    return counts


def _coverage(rep_ids, in_period) -> tuple[int, int]:
    portfolio = Customer.objects.live().filter(owner_id__in=rep_ids)
    visited = portfolio.filter(Exists(
        Visit.objects.filter(customer_id=OuterRef("pk"), rep_id__in=rep_ids, **in_period)
        .exclude(status=VisitStatus.REJECTED)))
    return portfolio.count(), visited.count()


def numeric_distribution(*, rep_ids, in_period, visited: int | None = None) -> dict:
    """Per product: visited outlets whose stock check found it ÷ visited outlets (铺货率).

    `visited` (distinct customers with a live visit) may be passed when already counted.
    """
    live = Visit.objects.filter(rep_id__in=rep_ids, **in_period).exclude(
        status=VisitStatus.REJECTED)
    if visited is None:
        visited = live.values("customer_id").distinct().count()
    rows = (StockCheck.objects.filter(visit__in=live.values("pk"), in_stock=True)
            .values("product_id", "product__name")
            .annotate(outlets=Count("visit__customer_id", distinct=True)).order_by("product_id"))
    return {r["product_id"]: {"product": r["product__name"], "outlets": r["outlets"],
                              "visited": visited, "rate": rate(r["outlets"], visited)}
            for r in rows}
