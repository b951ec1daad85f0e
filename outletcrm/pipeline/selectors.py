"""Reads of the prospect pipeline, inside the reader's data scope (core.scoping).

The board and the funnel must answer for a region of 30,000 prospects in well under 150 ms
(bench/pipeline_bench.py): the board reads one count per stage (one GROUP BY) and the first
BOARD_PAGE cards of each stage (one indexed query per stage, a constant number); the funnel
aggregates in SQL (furthest stage reached, outcomes, time in stage) and never loads rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from outletcrm.core import scoping
from outletcrm.customers.choices import Source
from outletcrm.customers.models import Customer, OutletType
from outletcrm.orders.models import OrderStatus
from outletcrm.org.models import Team, User
from outletcrm.pipeline.choices import FOUR_STEPS, LostReason, Outcome
from outletcrm.pipeline.models import OutputRecord, Prospect, Stage, StageEntry
from outletcrm.pipeline.services import active_stages
from outletcrm.visits.choices import VisitKind, VisitStatus
from outletcrm.visits.models import Visit

BOARD_LIMIT = 25  # the API's default cards per column (1–100 with ?limit=)
BOARD_PAGE = 10  # the page's cards per column, and per "show more"
BOARD_MAX_OFFSET = 1_000_000  # "show more" and the API page no further than this
# What a card shows (page and API): the prospect and its customer's name and code, the
# owner's name; not the customer's forty other columns (a third of the board's CPU).
CARD_FIELDS = ["id", "customer", "stage", "furthest_stage", "owner", "team", "region", "outcome",
               "entered_stage_at", "next_action", "next_action_on", "lost_reason", "lost_note",
               "created_at", "closed_at", "customer__name", "customer__code",
               "owner__username", "owner__display_name"]
WON_SHOWN_DAYS = 90  # won prospects stay in the winning stage's column this long


def prospect_queryset(user):
    """Prospects `user` may see."""
    return scoping.restrict_prospects(Prospect.objects.all(), user)


def prospect_get(*, user, pk: int) -> Prospect:
    """One prospect in scope (404 like a missing one otherwise)."""
    return get_object_or_404(
        prospect_queryset(user).select_related("customer", "customer__owner", "stage", "owner",
                                               "furthest_stage", "closed_by"), pk=pk)


def open_prospect_for(customer_id: int) -> Prospect | None:
    """The customer's open (or latest) prospect; the caller has the customer in scope."""
    return (Prospect.objects.filter(customer_id=customer_id).select_related("stage", "owner")
            .order_by("-created_at", "-pk").first())


# --- the board --------------------------------------------------------------------------------

@dataclass
class Column:
    stage: Stage
    count: int = 0
    cards: list = field(default_factory=list)
    offset: int = 0  # cards before this page (the board's "show more")

    @property
    def shown(self) -> int:
        """Cards on the board once this page is in: the next page starts here."""
        return self.offset + len(self.cards)

    @property
    def more(self) -> int:
        return max(0, self.count - self.shown)


def _board_base(user, *, owner_id: int | None = None, q: str = ""):
    prospects = prospect_queryset(user)
    if owner_id:
        prospects = prospects.filter(owner_id=owner_id)
    if q:
        prospects = prospects.filter(customer__search_text__contains=q.lower())
    return prospects


def board(*, user, owner_id: int | None = None, q: str = "", limit: int = BOARD_LIMIT,
          stage_id: int | None = None, offset: int = 0,
          moved_id: int | None = None) -> list[Column]:
    """The board: each enabled stage with its count and its first `limit` cards (from
    `offset`), longest in the stage first. The winning stage shows the prospects won in the
    last WON_SHOWN_DAYS. With `stage_id` only that column gets cards (the others their count),
    which is how the board's "show more" and the API page through one column.

    `moved_id`: the card the reader just moved. Having just entered its stage it would come
    last in its column, behind "show more" in a column of more than a page; it comes first
    instead (marked `just_moved`), and the rest follow in the board's order, `offset` counting
    it (so the pages neither skip nor repeat a card). Ignored when that prospect is in no
    column of the reader's board."""
    stages = active_stages()
    base = _board_base(user, owner_id=owner_id, q=q)
    since = timezone.now() - datetime.timedelta(days=WON_SHOWN_DAYS)
    pinned = _pinned(base, stages, since, moved_id)
    win_ids = [s.pk for s in stages if s.wins]
    # Two counts, each read from a (scope, outcome, stage, …, closed_at) index alone: one
    # count with an OR (open, or won lately) made SQLite scan the table (region of 30,000:
    # 11 ms of CPU against 1.7 ms for the two).
    counts = dict(base.filter(outcome=Outcome.OPEN).values_list("stage_id")
                  .annotate(n=Count("pk")).order_by())
    if win_ids:
        won = (base.filter(outcome=Outcome.WON, stage_id__in=win_ids, closed_at__gte=since)
               .values_list("stage_id").annotate(n=Count("pk")).order_by())
        for won_stage_id, n in won:
            counts[won_stage_id] = counts.get(won_stage_id, 0) + n
    columns = []
    for stage in stages:
        paged = stage_id in (None, stage.pk)
        column = Column(stage=stage, count=counts.get(stage.pk, 0), offset=offset if paged else 0)
        if paged and column.count > offset and limit > 0:
            column.cards = _page(base, stage, since, offset=offset, limit=limit, pinned=pinned)
        columns.append(column)
    _decorate([card for column in columns for card in column.cards], stages)
    return columns


def board_column(*, user, stage: Stage, owner_id: int | None = None, q: str = "",
                 offset: int = 0, limit: int = BOARD_PAGE,
                 moved_id: int | None = None) -> Column:
    """One column of the board from `offset` (the board's "show more"): its count and the
    next `limit` cards, in the board's order (with the board's `moved_id`, see board()).
    Two queries and the cards' records (one more with `moved_id`)."""
    base = _board_base(user, owner_id=owner_id, q=q)
    since = timezone.now() - datetime.timedelta(days=WON_SHOWN_DAYS)
    stages = active_stages()
    pinned = _pinned(base, stages, since, moved_id)
    column = Column(stage=stage, count=_column_filter(base, stage, since).count(),
                    offset=offset)
    if column.count > offset:
        column.cards = _page(base, stage, since, offset=offset, limit=limit, pinned=pinned)
        _decorate(column.cards, stages)
    return column


def _pinned(base, stages: list[Stage], since, moved_id: int | None) -> Prospect | None:
    """The just-moved card, if it is on the reader's board (in scope, through the filters, and
    in its stage's column); one query."""
    if not moved_id:
        return None
    card = (base.filter(pk=moved_id).select_related("customer", "owner").only(*CARD_FIELDS)
            .first())
    stage = next((s for s in stages if card is not None and s.pk == card.stage_id), None)
    if stage is None:
        return None
    in_column = (card.outcome == Outcome.WON and card.closed_at is not None
                 and card.closed_at >= since) if stage.wins else card.outcome == Outcome.OPEN
    if not in_column:
        return None
    card.stage = stage
    card.just_moved = True
    return card


def _page(base, stage: Stage, since, *, offset: int, limit: int,
          pinned: Prospect | None) -> list[Prospect]:
    """A page of the column: the pinned card first (when it is in this column), then the rest
    in the board's order; `offset` counts the pinned card."""
    if pinned is None or pinned.stage_id != stage.pk:
        return _cards(base, stage, since, offset=offset, limit=limit)
    rest = base.exclude(pk=pinned.pk)
    if offset == 0:
        return [pinned, *(_cards(rest, stage, since, offset=0, limit=limit - 1)
                          if limit > 1 else [])]
    return _cards(rest, stage, since, offset=offset - 1, limit=limit)


def _column_filter(base, stage: Stage, since):
    """The prospects of `stage`'s column: open ones, or (winning stage) won since `since`."""
    if stage.wins:
        return base.filter(stage=stage, outcome=Outcome.WON, closed_at__gte=since)
    return base.filter(stage=stage, outcome=Outcome.OPEN)


def _cards(base, stage: Stage, since, *, offset: int, limit: int) -> list[Prospect]:
    """A page of the column's cards: longest in the stage first (the most urgent)."""
    cards = list(_column_filter(base, stage, since).select_related("customer", "owner")
                 .only(*CARD_FIELDS).order_by("entered_stage_at", "pk")[offset:offset + limit])
    for card in cards:
        card.stage = stage  # the column's stage: no query per card (API stage_name)
    return cards


def _decorate(cards: list[Prospect], stages: list[Stage]) -> None:
    """Days in stage, the stages either side (the move buttons), whether the output is in."""
    if not cards:
        return
    recorded = set(OutputRecord.objects.filter(prospect_id__in=[p.pk for p in cards])
                   .values_list("prospect_id", "stage_id"))
    now = timezone.now()
    order = {s.pk: i for i, s in enumerate(stages)}
    for card in cards:
        card.days_in_stage = max(0, (now - card.entered_stage_at).days)
        index = order.get(card.stage_id)
        card.prev_stage = stages[index - 1] if index else None
        card.next_stage = (stages[index + 1] if index is not None and index + 1 < len(stages)
                           else None)
        card.has_output = (card.pk, card.stage_id) in recorded


# --- one prospect: history, records, the four-step method -------------------------------------

@dataclass
class Step:
    number: int
    purpose: str
    visit: Visit | None = None


def four_steps(customer_id: int) -> list[Step]:
    """The four-step visit method (brief §4) read from the customer's visits.

    Visits at the outlet count (phone visits are the invitation stage's work; rejected
    check-ins are not visits), in the order they happened. A "first visit" fills step 1 and a
    "second visit" step 2 when those are still open; any other visit fills the next open step
    after the last one filled, so the steps always run forward in time. What each found is the
    visit's notes.
    """
    steps = [Step(number, str(purpose)) for number, purpose in FOUR_STEPS]
    visits = (Visit.objects.filter(customer_id=customer_id)
              .exclude(kind=VisitKind.PHONE).exclude(status=VisitStatus.REJECTED)
              .select_related("rep").order_by("checked_in_at", "pk")[:50])
    last = -1
    for visit in visits:
        target = None
        if visit.kind == VisitKind.FIRST and last < 0:
            target = 0
        elif visit.kind == VisitKind.SECOND and last < 1:
            target = 1
        elif last + 1 < len(steps):
            target = last + 1
        if target is None:
            break
        steps[target].visit = visit
        last = target
        if last == len(steps) - 1:
            break
    return steps


def prospect_detail(prospect: Prospect) -> dict:
    """What the prospect's page shows: stages with their records and stays, the four steps."""
    stages = active_stages()
    outputs = list(OutputRecord.objects.filter(prospect=prospect).select_related("created_by"))
    entries = list(StageEntry.objects.filter(prospect=prospect)
                   .select_related("stage", "entered_by", "left_by"))
    by_stage: dict[int, list] = {}
    for record in outputs:
        by_stage.setdefault(record.stage_id, []).append(record)
    rows = [{"stage": s, "outputs": by_stage.get(s.pk, []),
             "current": s.pk == prospect.stage_id} for s in stages]
    return {"stages": rows, "entries": entries, "steps": four_steps(prospect.customer_id),
            "outputs": outputs}


def output_get(*, user, pk: int) -> OutputRecord:
    """An output record in scope (through its prospect's customer)."""
    return get_object_or_404(
        scoping.restrict_prospects(OutputRecord.objects.all(), user, via="prospect__")
        .select_related("prospect", "stage"), pk=pk)


# --- referrals (转介绍) ----------------------------------------------------------------------

def referrals_of(*, user, customer_id: int) -> list[Customer]:
    """Customers the referrer brought, in the reader's scope, with what they bought (orders
    not cancelled: count and total), one query."""
    not_cancelled = ~Q(orders__status=OrderStatus.CANCELLED)
    return list(scoping.restrict(Customer.objects.filter(referred_by_id=customer_id), user)
                .annotate(order_count=Count("orders", filter=not_cancelled),
                          order_total=Sum("orders__total", filter=not_cancelled))
                .order_by("created_at", "pk")[:100])


# --- funnel analytics -------------------------------------------------------------------------

GROUPS = {
    # key: (label, lookup on Prospect)
    "rep": (gettext_lazy("Rep"), "owner_id"),
    "team": (gettext_lazy("Team"), "team_id"),
    "source": (pgettext_lazy("group by", "Source"), "customer__source"),
    "outlet_type": (pgettext_lazy("group by", "Outlet type"), "customer__outlet_type_id"),
}

DEFINITIONS = {
    "reached": gettext_lazy(
        "Reached: prospects that entered the pipeline in the period, counted in every stage up "
        "to the furthest they have reached so far."),
    "conversion": gettext_lazy(
        "Conversion: of those that reached a stage, the share that reached the next one."),
    "time": gettext_lazy(
        "Time in stage: stays in the stage that ended in the period (moved on, back, won or "
        "lost), in days; median and mean."),
    "win_rate": gettext_lazy(
        "Win rate: of the prospects closed in the period, the share won (won ÷ (won + lost))."),
    "lost": gettext_lazy("Lost reasons: prospects lost in the period, by reason."),
}


class PercentileCont(Aggregate):
    """PostgreSQL's median: percentile_cont(0.5) WITHIN GROUP (ORDER BY …)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass
class FunnelRow:
    key: object
    label: str
    entered: int = 0
    reached: list = field(default_factory=list)  # per stage
    won: int = 0
    lost: int = 0
    lost_reasons: dict = field(default_factory=dict)

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return round(100 * self.won / closed, 1) if closed else None


def _bounds(date_from: datetime.date, date_to: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min,
                                    tzinfo=tz)
    return start, end


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _group_labels(group: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if group == "rep":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if group == "team":
        return {t.pk: str(t) for t in Team.objects.filter(pk__in=keys)}
    if group == "outlet_type":
        return {t.pk: str(t) for t in OutletType.objects.filter(pk__in=keys)}
    return {k: str(Source(k).label) if k in Source.values else k for k in keys}


def _stage_times(entries, stage_ids: list[int]) -> dict[int, tuple[int, float, float]]:
    """Per stage: (stays, mean seconds, median seconds) of `entries`, aggregated in SQL.

    PostgreSQL answers in one grouped query (percentile_cont). Elsewhere (SQLite) one grouped
    query gives count and mean, then one UNION ALL reads each stage's middle row(s) with an
    ordered LIMIT/OFFSET; both are seeks into the (scope, stage, left_at, seconds) indexes and
    load no rows into Python (a window function over every stay was five times slower)."""
    entries = entries.filter(stage_id__in=stage_ids).order_by()
    if connection.vendor == "postgresql":
        return {r["stage_id"]: (r["n"], r["mean"], r["median"]) for r in
                entries.values("stage_id").annotate(n=Count("pk"), mean=Avg("seconds"),
                                                    median=PercentileCont("seconds"))}
    counts = {r["stage_id"]: (r["n"], r["mean"]) for r in
              entries.values("stage_id").annotate(n=Count("pk"), mean=Avg("seconds"))}
    parts, params = [], []
    for stage_id, (n, _mean) in counts.items():
        middle = (n - 1) // 2
        rows = (entries.filter(stage_id=stage_id).order_by("seconds")
                .values_list("seconds", flat=True)[middle:middle + 2 - n % 2])
        sql, sql_params = rows.query.sql_with_params()
        # Django's own compiled query (values as parameters), not user text.
        parts.append(f"SELECT %s, seconds FROM ({sql}) AS middle")  # noqa: S608
        params += [stage_id, *sql_params]
    middles: dict[int, list] = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for stage_id, seconds in cursor.fetchall():
                middles.setdefault(stage_id, []).append(seconds)
    return {stage_id: (n, mean, sum(middles[stage_id]) / len(middles[stage_id]))
            for stage_id, (n, mean) in counts.items()}


def funnel(*, user, date_from: datetime.date, date_to: datetime.date,
           group: str | None = None) -> dict:
    """The funnel over a period (definitions in DEFINITIONS), overall and by `group`."""
    if group is not None and group not in GROUPS:
        group = None
    stages = active_stages()
    order = {s.pk: i for i, s in enumerate(stages)}
    start, end = _bounds(date_from, date_to)
    scoped = prospect_queryset(user)
    lookup = GROUPS[group][1] if group else None
    group_fields = [lookup] if lookup else []

    rows: dict = {}

    def row(key) -> FunnelRow:
        if key not in rows:
            rows[key] = FunnelRow(key=key, label="", reached=[0] * len(stages))
        return rows[key]

    total = FunnelRow(key=None, label=_("All"), reached=[0] * len(stages))
    cohort = (scoped.filter(created_at__gte=start, created_at__lt=end)
              .values(*group_fields, "furthest_stage_id").annotate(n=Count("pk")).order_by())
    for item in cohort:
        index = order.get(item["furthest_stage_id"])
        targets = [total] + ([row(item[lookup])] if lookup else [])
        for target in targets:
            target.entered += item["n"]
            if index is not None:
                for i in range(index + 1):
                    target.reached[i] += item["n"]
    closed = (scoped.filter(closed_at__gte=start, closed_at__lt=end)
              .exclude(outcome=Outcome.OPEN)
              .values(*group_fields, "outcome", "lost_reason").annotate(n=Count("pk")).order_by())
    for item in closed:
        targets = [total] + ([row(item[lookup])] if lookup else [])
        for target in targets:
            if item["outcome"] == Outcome.WON:
                target.won += item["n"]
            else:
                target.lost += item["n"]
                reason = item["lost_reason"] or LostReason.OTHER
                target.lost_reasons[reason] = target.lost_reasons.get(reason, 0) + item["n"]

    entries = scoping.restrict_prospects(StageEntry.objects.all(), user,
                                         customer="prospect__customer_id").filter(
        left_at__gte=start, left_at__lt=end, seconds__isnull=False)
    times = _stage_times(entries, [s.pk for s in stages])

    day = 86400.0
    stage_rows = []
    for i, stage in enumerate(stages):
        stays, mean, median = times.get(stage.pk, (0, None, None))
        stage_rows.append({
            "stage": stage, "reached": total.reached[i],
            "conversion": (_percent(total.reached[i + 1], total.reached[i])
                           if i + 1 < len(stages) else None),
            "of_entered": _percent(total.reached[i], total.entered),
            "stays": stays,
            "median_days": round(median / day, 1) if median is not None else None,
            "mean_days": round(mean / day, 1) if mean is not None else None,
        })
    labels = _group_labels(group, rows) if group else {}
    group_rows = []
    for key, item in rows.items():
        item.label = labels.get(key) or (str(key) if key is not None else "–")
        group_rows.append(item)
    group_rows.sort(key=lambda r: (-r.entered, r.label))
    reasons = [{"reason": value, "label": str(label), "count": total.lost_reasons.get(value, 0)}
               for value, label in LostReason.choices]
    return {"stages": stage_rows, "total": total, "groups": group_rows, "group": group,
            "group_label": str(GROUPS[group][0]) if group else "", "lost_reasons": reasons,
            "date_from": date_from, "date_to": date_to,
            "definitions": {k: str(v) for k, v in DEFINITIONS.items()}}


def funnel_chart(report: dict) -> dict:
    """The chart's data (json_script): stage names with reached counts, lost reasons."""
    return {
        "stages": [str(r["stage"]) for r in report["stages"]],
        "reached": [r["reached"] for r in report["stages"]],
        "reasons": [r["label"] for r in report["lost_reasons"]],
        "lost": [r["count"] for r in report["lost_reasons"]],
    }
