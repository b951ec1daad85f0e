"""The visit KPIs kept per rep and day, so a company's month or year reads fast (issue 11).

visits/kpis.py defines every figure once and counts it from the planned stops and visits
themselves ("raw"). At 1,000 reps that is ~400,000 stops and visits a month: seconds per
report. This module keeps what those same queries count, per rep and day, in three tables
(visits.models):

- KpiDay: the additive figures of one rep's day (planned, visited, with order, unplanned,
  phone contacts, …, order amount, duration sum and count, distinct customers that day,
  whether it was a rep-day). Any grouping by rep, team, region, day, week or month is a SUM.
- KpiVisitedYear: per rep, customer and year, one bit per day with a visit that counts.
  Distinct customers over a period (customers visited, coverage) are counted from these
  100,000-odd rows a year instead of millions of visits.
- KpiSharedVisit: a customer that two or more reps visited the same day (rare): what the
  sum of the reps' daily distinct customers counts twice when a day covers several reps.
- KpiMonth: the sums of a rep's KpiDay rows per calendar month, recomputed from KpiDay
  whenever one of its days is; a period's whole months are read from it (a company's year:
  12 rows per rep instead of 365), the days around them from KpiDay.
- KpiStockYear: per rep, customer, product and year, one bit per day on which a visit that
  counts found the product in stock (numeric distribution), like KpiVisitedYear.

How it stays true. Every service that changes what a rep-day counts calls `refresh` for that
rep and day inside its own transaction; `refresh` locks the day's row and recomputes it with
kpis.rep_day_figures, the very queries of the raw definition, so no rule is written twice and
the order of events (offline uploads, take-overs, releases, rejections after the fact) cannot
make the two disagree. The write paths: plan generation, a stop added (or taken over), stops
released on hand-over or archiving, check-in, check-out, a stock check, an order recorded on a
visit, an order cancelled (orders.signals), a rejection, an acceptance, a customer merge
(customers.signals.merged), and the demo seeding (a rebuild). `outletcrm kpi-rebuild [--from
--to]` recomputes any period; tests/visits/test_kpi_summary.py proves summary == raw over
random event sequences.

What can make it stale (then run `outletcrm kpi-rebuild` for the period): rows written
around the services (SQL by hand, bulk loads such as bench/ scripts), and a change of
settings.DEEP_VISIT_MINUTES (deep visits are counted with the threshold of their day).
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from outletcrm.customers.models import Customer
from outletcrm.visits import kpis
from outletcrm.visits.models import (
    KpiDay,
    KpiMonth,
    KpiSharedVisit,
    KpiStockYear,
    KpiVisitedYear,
    PlannedStop,
    Visit,
)

FIELDS = ["planned_kept", "released_visited", "visited_on_plan", "visited_with_order",
          "unplanned", "visits", "phone_contacts", "ride_alongs", "rejected", "off_site",
          "deep_visits", "duration_sum", "duration_count", "order_amount", "customers_visited",
          "worked", "listed"]
SUMMED = FIELDS[:-3]  # customers_visited, worked and listed are not summed as they are


def _days(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    return [date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def _bit(day: datetime.date) -> int:
    return 1 << (day.day - 1)


def _month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _months(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    """The first days of the months [date_from, date_to] touches."""
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = _month_end(month) + datetime.timedelta(days=1)
    return months


MONTH_COUNTS = {"worked_days": Count("pk", filter=Q(worked=True)),
                "listed_days": Count("pk", filter=Q(listed=True))}


def _month_sums(rep_filter: dict, month: datetime.date) -> dict:
    """Per rep: the sums of his KpiDay rows of the month (what KpiMonth holds)."""
    return {r.pop("rep_id"): {k: v or 0 for k, v in r.items()} for r in
            KpiDay.objects.filter(**rep_filter, date__gte=month, date__lte=_month_end(month))
            .values("rep_id").annotate(**{n: Sum(n) for n in SUMMED}, **MONTH_COUNTS)
            .order_by()}


# --- keeping it ---------------------------------------------------------------------------

def refresh(*, rep_ids, date_from: datetime.date, date_to: datetime.date | None = None) -> None:
    """Recompute the summary of these reps on these days from the stops and visits.

    Called by the services inside their transaction. The day's rows are locked first, so two
    writers of the same rep-day take turns and the second recomputes after the first's commit.
    """
    date_to = date_to or date_from
    rep_ids = sorted({int(r) for r in rep_ids})
    if not rep_ids:
        return
    days = _days(date_from, date_to)
    in_period = {"date__gte": date_from, "date__lte": date_to}
    months = _months(date_from, date_to)
    with transaction.atomic():
        # Lock order: the months, then the days. Two writers of the same rep's month take
        # turns, and the second sums the days after the first's commit.
        KpiMonth.objects.bulk_create([KpiMonth(rep_id=r, month=m) for r in rep_ids
                                      for m in months], ignore_conflicts=True)
        month_rows = list(KpiMonth.objects.select_for_update()
                          .filter(rep_id__in=rep_ids, month__in=months).order_by("rep_id", "month"))
        KpiDay.objects.bulk_create([KpiDay(rep_id=r, date=d) for r in rep_ids for d in days],
                                   ignore_conflicts=True)
        rows = list(KpiDay.objects.select_for_update().filter(rep_id__in=rep_ids, **in_period)
                    .order_by("rep_id", "date"))
        figures = kpis.rep_day_figures(rep_ids=rep_ids, date_from=date_from, date_to=date_to)
        empty = set()
        for row in rows:
            found = figures.get((row.rep_id, row.date))
            if found is None:
                empty.add(row.pk)
                continue
            for name, value in found.items():
                setattr(row, name, value)
        KpiDay.objects.bulk_update([r for r in rows if r.pk not in empty], FIELDS,
                                   batch_size=1000)
        if empty:
            KpiDay.objects.filter(pk__in=empty).delete()
        visited = defaultdict(set)
        for rep_id, day, customer_id in (kpis.counted_visits(rep_ids, in_period).order_by()
                                         .values_list("rep_id", "date", "customer_id")
                                         .distinct()):
            visited[(rep_id, day)].add(customer_id)
        stocked = defaultdict(set)
        for rep_id, day, customer_id, product_id in _stocked(rep_ids, in_period):
            stocked[(rep_id, day)].add((customer_id, product_id))
        for day in days:
            _refresh_visited_year(rep_ids, day, visited)
            _refresh_stock_year(rep_ids, day, stocked)
            _refresh_shared(rep_ids, day, visited)
        _recount_months(month_rows, {"rep_id__in": rep_ids})


def _recount_months(month_rows: list, rep_filter: dict) -> None:
    """Set the (locked) KpiMonth rows to the sums of their KpiDay rows; drop empty ones."""
    sums = {m: _month_sums(rep_filter, m) for m in {row.month for row in month_rows}}
    fields = [*SUMMED, *MONTH_COUNTS]
    empty = set()
    for row in month_rows:
        found = sums[row.month].get(row.rep_id)
        if found is None:
            empty.add(row.pk)
            continue
        for name in fields:
            setattr(row, name, found[name])
    KpiMonth.objects.bulk_update([r for r in month_rows if r.pk not in empty], fields,
                                 batch_size=1000)
    if empty:
        KpiMonth.objects.filter(pk__in=empty).delete()


def refresh_pairs(pairs) -> None:
    """refresh for a set of (rep id, day) pairs, one call per day."""
    by_day = defaultdict(set)
    for rep_id, day in pairs:
        by_day[day].add(rep_id)
    for day in sorted(by_day):
        refresh(rep_ids=by_day[day], date_from=day)


def _refresh_visited_year(rep_ids: list[int], day: datetime.date, visited: dict) -> None:
    column, bit = f"m{day.month}", _bit(day)
    rows = KpiVisitedYear.objects.filter(rep_id__in=rep_ids, year=day.year)
    old = set(rows.alias(hit=F(column).bitand(bit)).filter(hit__gt=0)
              .values_list("rep_id", "customer_id"))
    new = {(r, c) for r in rep_ids for c in visited.get((r, day), ())}
    added, removed = new - old, old - new
    if added:
        KpiVisitedYear.objects.bulk_create(
            [KpiVisitedYear(rep_id=r, customer_id=c, year=day.year) for r, c in added],
            ignore_conflicts=True)
        rows.filter(_pairs_q(added)).update(**{column: F(column).bitor(bit)})
    if removed:
        rows.filter(_pairs_q(removed)).update(**{column: F(column).bitand(~bit)})


def _stocked(rep_ids, in_period: dict):
    """(rep, day, customer, product) of the in-stock checks on visits that count: what
    numeric distribution counts (kpis.numeric_distribution)."""
    return (kpis.in_stock_checks(rep_ids, in_period).order_by()
            .values_list("visit__rep_id", "visit__date", "visit__customer_id", "product_id")
            .distinct())


def _refresh_stock_year(rep_ids: list[int], day: datetime.date, stocked: dict) -> None:
    column, bit = f"m{day.month}", _bit(day)
    rows = KpiStockYear.objects.filter(rep_id__in=rep_ids, year=day.year)
    old = set(rows.alias(hit=F(column).bitand(bit)).filter(hit__gt=0)
              .values_list("rep_id", "customer_id", "product_id"))
    new = {(r, c, p) for r in rep_ids for c, p in stocked.get((r, day), ())}
    added, removed = new - old, old - new
    if added:
        KpiStockYear.objects.bulk_create(
            [KpiStockYear(rep_id=r, customer_id=c, product_id=p, year=day.year)
             for r, c, p in added], ignore_conflicts=True)
        rows.filter(_triples_q(added)).update(**{column: F(column).bitor(bit)})
    if removed:
        rows.filter(_triples_q(removed)).update(**{column: F(column).bitand(~bit)})


def _triples_q(triples) -> Q:
    q = Q()
    for rep_id, customer_id, product_id in triples:
        q |= Q(rep_id=rep_id, customer_id=customer_id, product_id=product_id)
    return q


def _pairs_q(pairs) -> Q:
    by_rep = defaultdict(list)
    for rep_id, customer_id in pairs:
        by_rep[rep_id].append(customer_id)
    q = Q()
    for rep_id, customer_ids in by_rep.items():
        q |= Q(rep_id=rep_id, customer_id__in=customer_ids)
    return q


def _refresh_shared(rep_ids: list[int], day: datetime.date, visited: dict) -> None:
    candidates = {c for r in rep_ids for c in visited.get((r, day), ())}
    candidates |= set(KpiSharedVisit.objects.filter(rep_id__in=rep_ids, date=day)
                      .values_list("customer_id", flat=True))
    if not candidates:
        return
    reps_of = defaultdict(set)
    for customer_id, rep_id in (Visit.objects.filter(date=day, customer_id__in=candidates,
                                                     counts_as_visit=True)
                                .order_by().values_list("customer_id", "rep_id").distinct()):
        reps_of[customer_id].add(rep_id)
    KpiSharedVisit.objects.filter(date=day, customer_id__in=candidates).delete()
    KpiSharedVisit.objects.bulk_create(
        KpiSharedVisit(date=day, customer_id=c, rep_id=r)
        for c, reps in reps_of.items() if len(reps) > 1 for r in reps)


def rebuild(*, date_from: datetime.date, date_to: datetime.date, rep_ids=None,
            log=None) -> dict:
    """Recompute the summary of [date_from, date_to] from scratch (`outletcrm kpi-rebuild`).

    A month at a time, each in its own transaction; the visited-days bits of the period are
    recomputed year by year. Returns the counts written.
    """
    from outletcrm.org.models import User

    reps = User.objects.values("pk") if rep_ids is None else list(rep_ids)
    by_rep = {} if rep_ids is None else {"rep_id__in": reps}
    written = {"days": 0, "rep_days": 0, "visited_years": 0, "stock_years": 0, "shared": 0}
    start = date_from
    while start <= date_to:
        end = min(date_to, start.replace(day=calendar.monthrange(start.year, start.month)[1]))
        in_period = {"date__gte": start, "date__lte": end}
        with transaction.atomic():
            KpiDay.objects.filter(**by_rep, **in_period).delete()
            figures = kpis.rep_day_figures(rep_ids=reps, date_from=start, date_to=end)
            KpiDay.objects.bulk_create(
                (KpiDay(rep_id=r, date=d, **f) for (r, d), f in figures.items()),
                batch_size=2000)
            written["rep_days"] += len(figures)
            month = start.replace(day=1)
            KpiMonth.objects.filter(**by_rep, month=month).delete()
            KpiMonth.objects.bulk_create(
                (KpiMonth(rep_id=r, month=month, **f)
                 for r, f in _month_sums(by_rep, month).items()), batch_size=2000)
            KpiSharedVisit.objects.filter(**by_rep, **in_period).delete()
            shared = (kpis.counted_visits(reps, in_period).order_by()
                      .values("date", "customer_id").annotate(n=Count("rep_id", distinct=True))
                      .filter(n__gt=1))
            pairs = {(s["date"], s["customer_id"]) for s in shared}
            if pairs:
                found = set(kpis.counted_visits(reps, in_period)
                            .filter(customer_id__in={c for _d, c in pairs}).order_by()
                            .values_list("date", "customer_id", "rep_id").distinct())
                KpiSharedVisit.objects.bulk_create(
                    (KpiSharedVisit(date=d, customer_id=c, rep_id=r) for d, c, r in found
                     if (d, c) in pairs), batch_size=2000, ignore_conflicts=True)
                written["shared"] += len(found)
        written["days"] += (end - start).days + 1
        if log:
            log(f"{start} … {end}: {len(figures):,} rep-days")
        start = end + datetime.timedelta(days=1)
    for year in range(date_from.year, date_to.year + 1):
        first = max(date_from, datetime.date(year, 1, 1))
        last = min(date_to, datetime.date(year, 12, 31))
        written["visited_years"] += _rebuild_visited_year(year, first, last, reps, by_rep)
        written["stock_years"] += _rebuild_stock_year(year, first, last, reps, by_rep)
    return written


def _rebuild_visited_year(year, first, last, reps, by_rep) -> int:
    """The visited-days bits of [first, last] (one year) recomputed; other days kept."""
    columns = [f"m{m}" for m in range(1, 13)]
    keep = [0] * 12  # the bits outside the period, per month
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(year, month)[1] + 1):
            if not first <= datetime.date(year, month, day) <= last:
                keep[month - 1] |= 1 << (day - 1)
    masks: dict = {}
    for row in (KpiVisitedYear.objects.filter(**by_rep, year=year)
                .values_list("rep_id", "customer_id", *columns).iterator(chunk_size=5000)):
        kept = [m & k for m, k in zip(row[2:], keep, strict=True)]
        if any(kept):
            masks[(row[0], row[1])] = kept
    month_start = first
    while month_start <= last:
        month_end = min(last, month_start.replace(
            day=calendar.monthrange(year, month_start.month)[1]))
        for rep_id, customer_id, day in (
                kpis.counted_visits(reps, {"date__gte": month_start, "date__lte": month_end})
                .order_by().values_list("rep_id", "customer_id", "date").distinct()
                .iterator(chunk_size=10000)):
            row = masks.setdefault((rep_id, customer_id), [0] * 12)
            row[day.month - 1] |= _bit(day)
        month_start = month_end + datetime.timedelta(days=1)
    with transaction.atomic():
        KpiVisitedYear.objects.filter(**by_rep, year=year).delete()
        KpiVisitedYear.objects.bulk_create(
            (KpiVisitedYear(rep_id=r, customer_id=c, year=year,
                            **dict(zip(columns, row, strict=True)))
             for (r, c), row in masks.items()), batch_size=2000)
    return len(masks)


def _rebuild_stock_year(year, first, last, reps, by_rep) -> int:
    """The in-stock bits of [first, last] (one year) recomputed; other days kept."""
    columns = [f"m{m}" for m in range(1, 13)]
    keep = [0] * 12
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(year, month)[1] + 1):
            if not first <= datetime.date(year, month, day) <= last:
                keep[month - 1] |= 1 << (day - 1)
    masks: dict = {}
    for row in (KpiStockYear.objects.filter(**by_rep, year=year)
                .values_list("rep_id", "customer_id", "product_id", *columns)
                .iterator(chunk_size=5000)):
        kept = [m & k for m, k in zip(row[3:], keep, strict=True)]
        if any(kept):
            masks[row[:3]] = kept
    for rep_id, day, customer_id, product_id in _stocked(
            reps, {"date__gte": first, "date__lte": last}).iterator(chunk_size=10000):
        row = masks.setdefault((rep_id, customer_id, product_id), [0] * 12)
        row[day.month - 1] |= _bit(day)
    with transaction.atomic():
        KpiStockYear.objects.filter(**by_rep, year=year).delete()
        KpiStockYear.objects.bulk_create(
            (KpiStockYear(rep_id=r, customer_id=c, product_id=p, year=year,
                          **dict(zip(columns, row, strict=True)))
             for (r, c, p), row in masks.items()), batch_size=2000)
    return len(masks)


# --- hooks from the apps below (customers, orders) ----------------------------------------

def on_merged(sender, *, keep, merge=None, **kwargs) -> None:
    """customers.signals.merged: the merged record's stops and visits now belong to `keep`,
    so a visit may now match a stop it did not before; every rep-day of theirs is recounted."""
    pairs = set(PlannedStop.objects.filter(customer=keep).order_by()
                .values_list("rep_id", "date").distinct())
    pairs |= set(Visit.objects.filter(customer=keep).order_by()
                 .values_list("rep_id", "date").distinct())
    refresh_pairs(pairs)


def on_order_changed(sender, *, order, **kwargs) -> None:
    """orders.signals.order_changed (cancelled, …): the visit it was recorded on is recounted."""
    refresh_pairs(set(Visit.objects.filter(visit_orders__order=order).order_by()
                      .values_list("rep_id", "date")))


# --- reading it -----------------------------------------------------------------------------

def use_summary(reps, date_from: datetime.date, date_to: datetime.date) -> bool:
    """The summary answers selections of at least KPI_SUMMARY_MIN_REP_DAYS rep-days (reps ×
    days); a rep's or a small team's week is counted from the stops and visits themselves."""
    threshold = getattr(settings, "KPI_SUMMARY_MIN_REP_DAYS", 1000)
    days = (date_to - date_from).days + 1
    if days >= threshold:
        return True
    count = reps.count() if hasattr(reps, "count") else len(list(reps))
    return count * days >= threshold


def _group_expr(group, month_table: bool = False):
    return {
        None: None, "rep": F("rep_id"), "team": F("rep__team_id"),
        "region": F("rep__team__region_id"), "day": F("date"), "week": TruncWeek("date"),
        "month": F("month") if month_table else TruncMonth("date"),
    }[group]


def _split(date_from: datetime.date, date_to: datetime.date):
    """The whole months inside [date_from, date_to] as (first, last) month (their first days)
    or None, and the day ranges around them."""
    one = datetime.timedelta(days=1)
    first = date_from if date_from.day == 1 else _month_end(date_from) + one
    end = date_to if date_to == _month_end(date_to) else date_to.replace(day=1) - one
    if first > end:
        return None, [(date_from, date_to)]
    edges = [(a, b) for a, b in ((date_from, first - one), (end + one, date_to)) if a <= b]
    return (first, end.replace(day=1)), edges


def _additive_rows(rep_ids, date_from, date_to, group) -> dict:
    """Per group: the sums of SUMMED, worked and listed days, and the reps who worked
    ("staff", a count).

    Whole months are read from KpiMonth (a year: 12 rows per rep), the days around them and
    day or week groupings from KpiDay; each source is summed by the database and the sums
    added here. The reps who worked are distinct over the sources: where a group draws on
    more than one, their ids are collected (at most the reps in scope per group).
    """
    months, edges = _split(date_from, date_to)
    if group in {"day", "week"}:
        months, edges = None, [(date_from, date_to)]
    sources = []
    if months is not None:
        sources.append((KpiMonth.objects.filter(rep_id__in=rep_ids, month__gte=months[0],
                                                month__lte=months[1]),
                        _group_expr(group, month_table=True), Q(worked_days__gt=0),
                        {n: Sum(n) for n in (*SUMMED, *MONTH_COUNTS)}))
    # By day, the reps' daily distinct customers are summed in the same pass
    # (_customers_visited subtracts the customers two reps shared).
    daily = ["customers_visited"] if group == "day" else []
    for first, last in edges:
        sources.append((KpiDay.objects.filter(rep_id__in=rep_ids, date__gte=first,
                                              date__lte=last),
                        _group_expr(group), Q(worked=True),
                        {**{n: Sum(n) for n in (*SUMMED, *daily)}, **MONTH_COUNTS}))
    rows: dict = {}
    shared = set()  # groups drawn from more than one source
    for qs, expr, worked, sums in sources:
        # Named apart from the columns, so that `worked` filters on KpiMonth.worked_days.
        sums = {f"{n}__sum": e for n, e in sums.items()}
        sums["staff__sum"] = Count("rep_id", distinct=True, filter=worked)
        if expr is None:
            found = [{"_g": None, **qs.aggregate(**sums)}]
        else:
            found = qs.annotate(_g=expr).values("_g").annotate(**sums).order_by()
        for r in found:
            key = kpis._key(r.pop("_g"))
            if key in rows:
                shared.add(key)
            row = rows.setdefault(key, dict.fromkeys(r, 0))
            for name, value in r.items():
                row[name] += value or 0
    rows = {k: {n.removesuffix("__sum"): v for n, v in r.items()} for k, r in rows.items()}
    if shared and group != "rep":  # a rep is one person: his count is 0 or 1 per source
        staff: dict = defaultdict(set)
        for qs, expr, worked, _sums in sources:
            pairs = (qs.filter(worked).values_list("rep_id", flat=True).distinct()
                     if expr is None else
                     qs.filter(worked).annotate(_g=expr).values_list("_g", "rep_id").distinct())
            for pair in pairs.order_by():
                key, rep_id = (None, pair) if expr is None else (kpis._key(pair[0]), pair[1])
                if key in shared:
                    staff[key].add(rep_id)
        for key in shared:
            rows[key]["staff"] = len(staff[key])
    elif shared:
        for key in shared:
            rows[key]["staff"] = min(rows[key]["staff"], 1)
    return rows


def summary_kpis(*, rep_ids, date_from: datetime.date, date_to: datetime.date,
                 group: str | None = None, with_distribution: bool = False) -> list:
    """visit_kpis read from the summary: the same VisitKpis, the same rows in the same order."""
    rows = _additive_rows(rep_ids, date_from, date_to, group)
    if group is None:
        rows = {None: rows.get(None) or dict.fromkeys((*SUMMED, *MONTH_COUNTS, "staff"), 0)}
    else:
        rows = {k: r for k, r in rows.items() if r["listed_days"]}
    if group is None:
        visited, covered = _visited_and_covered(rep_ids, date_from, date_to)
        customers = {None: visited}
    else:
        customers = _customers_visited(rep_ids, date_from, date_to, group, rows)
    results = []
    for key in sorted(rows, key=lambda k: (k is None, str(k))):
        r = rows[key]
        results.append(kpis.VisitKpis(
            group=group, label=None if key is None else str(key),
            planned=(r["planned_kept"] or 0) + (r["released_visited"] or 0),
            visited_on_plan=r["visited_on_plan"] or 0,
            visited_with_order=r["visited_with_order"] or 0,
            unplanned=r["unplanned"] or 0, visits=r["visits"] or 0,
            phone_contacts=r["phone_contacts"] or 0, ride_alongs=r["ride_alongs"] or 0,
            rejected=r["rejected"] or 0, off_site=r["off_site"] or 0,
            deep_visits=r["deep_visits"] or 0, rep_days=r["worked_days"],
            field_staff=r["staff"],
            average_duration_minutes=kpis.average_minutes(r["duration_sum"] or 0,
                                                          r["duration_count"] or 0),
            order_amount=r["order_amount"] or Decimal("0"),
            customers_visited=customers.get(key, 0),
        ))
    if group is None:
        total = results[0]
        total.portfolio = Customer.objects.live().filter(owner_id__in=rep_ids).count()
        total.portfolio_visited = covered
        if with_distribution:
            total.distribution = _distribution(rep_ids, date_from, date_to,
                                               total.customers_visited)
    elif group == "rep":
        coverage = _coverage_by_rep(rep_ids, date_from, date_to)
        for row in results:
            row.portfolio, row.portfolio_visited = coverage.get(int(row.label), (0, 0))
    return results


def _year_hits(date_from: datetime.date, date_to: datetime.date) -> dict:
    """Per year: the expression of a KpiVisitedYear row's visited days inside the period
    (non-zero when the rep visited the customer on one of them)."""
    hits: dict = {}
    for month in _months(date_from, date_to):
        mask = 0
        for day in range(1, _month_end(month).day + 1):
            if date_from <= month.replace(day=day) <= date_to:
                mask |= 1 << (day - 1)
        column = F(f"m{month.month}")
        bits = column if mask == (1 << _month_end(month).day) - 1 else column.bitand(mask)
        hits[month.year] = bits if month.year not in hits else hits[month.year].bitor(bits)
    return hits


def _hit_q(hits: dict, prefix: str = "hit") -> tuple[dict, Q]:
    """Aliases and the condition "visited inside the period" (one test per year: a company's
    year is two OR branches over the (year, rep) index, not one per month)."""
    aliases = {f"{prefix}_{year}": expr for year, expr in hits.items()}
    condition = Q()
    for year in hits:
        condition |= Q(year=year) & ~Q(**{f"{prefix}_{year}": 0})
    return aliases, condition


def _distribution(rep_ids, date_from, date_to, visited: int) -> dict:
    """kpis.numeric_distribution from the in-stock bits (KpiStockYear)."""
    aliases, condition = _hit_q(_year_hits(date_from, date_to))
    rows = (KpiStockYear.objects.filter(rep_id__in=rep_ids, year__gte=date_from.year,
                                        year__lte=date_to.year)
            .alias(**aliases).filter(condition)
            .values("product_id", "product__name")
            .annotate(outlets=Count("customer_id", distinct=True)).order_by("product_id"))
    return {r["product_id"]: {"product": r["product__name"], "outlets": r["outlets"],
                              "visited": visited, "rate": kpis.rate(r["outlets"], visited)}
            for r in rows}


def _visited_rows(rep_ids, date_from: datetime.date, date_to: datetime.date):
    """KpiVisitedYear rows of these reps with a visited day in [date_from, date_to]."""
    aliases, condition = _hit_q(_year_hits(date_from, date_to))
    return (KpiVisitedYear.objects.filter(rep_id__in=rep_ids,
                                          year__gte=date_from.year, year__lte=date_to.year)
            .alias(**aliases).filter(condition))


def _customers_visited(rep_ids, date_from, date_to, group, keys: dict) -> dict:
    """Distinct customers with a visit that counts, per group (kpis: n_customers); `keys`:
    the groups' rows of _additive_rows."""
    distinct = Count("customer_id", distinct=True)
    if group in {"rep", "team", "region"}:
        field = {"rep": "rep_id", "team": "rep__team_id", "region": "rep__team__region_id"}[group]
        return {r[field]: r["n"] for r in _visited_rows(rep_ids, date_from, date_to)
                .values(field).annotate(n=distinct).order_by()}
    if group == "month":
        # One pass over the period's rows: a distinct count per month.
        counts, aliases = {}, {}
        for n, key in enumerate(keys):
            first = max(date_from, key)
            last = min(date_to, _month_end(key))
            month_aliases, condition = _hit_q(_year_hits(first, last), prefix=f"k{n}")
            aliases.update(month_aliases)
            counts[f"n{n}"] = Count("customer_id", distinct=True, filter=condition)
        if not counts:
            return {}
        found = _visited_rows(rep_ids, date_from, date_to).alias(**aliases).aggregate(**counts)
        return {key: found[f"n{n}"] for n, key in enumerate(keys)}
    if group == "day":
        # The reps' own distinct customers of the day, less those two reps in scope both
        # visited that day (KpiSharedVisit).
        in_period = {"date__gte": date_from, "date__lte": date_to}
        found = {day: row["customers_visited"] for day, row in keys.items()}
        for row in (KpiSharedVisit.objects.filter(rep_id__in=rep_ids, **in_period)
                    .values("date", "customer_id").annotate(n=Count("rep_id")).order_by()
                    .filter(n__gt=1)):
            if row["date"] in found:
                found[row["date"]] -= row["n"] - 1
        return found
    # week: a week straddles months; counted from the visits themselves.
    in_period = {"date__gte": date_from, "date__lte": date_to}
    return {kpis._key(r["_g"]): r["n"] for r in kpis.counted_visits(rep_ids, in_period)
            .annotate(_g=TruncWeek("date")).values("_g").annotate(n=distinct).order_by()}


def _visited_and_covered(rep_ids, date_from, date_to) -> tuple[int, int]:
    """Distinct customers the reps visited in the period, and those of them in the reps'
    live portfolio (coverage's numerator): one query from the customers' side.

    Not "visited rows WHERE customer_id IN (portfolio)": with one year in the period SQLite
    then probes the (rep, customer, year) index for every rep × customer (17 s for a month).
    """
    visited = _visited_rows(rep_ids, date_from, date_to).values("customer_id")
    found = Customer.objects.filter(pk__in=visited).aggregate(
        n=Count("pk"), covered=Count("pk", filter=Q(archived_at__isnull=True,
                                                    owner_id__in=rep_ids)))
    return found["n"], found["covered"]


def _coverage_by_rep(rep_ids, date_from, date_to) -> dict:
    """Per rep: his live customers, and those of them he visited in the period."""
    portfolio = dict(Customer.objects.live().filter(owner_id__in=rep_ids).values("owner_id")
                     .annotate(n=Count("pk")).values_list("owner_id", "n").order_by())
    visited = dict(_visited_rows(rep_ids, date_from, date_to)
                   .filter(customer__owner_id=F("rep_id"), customer__archived_at__isnull=True)
                   .values("rep_id").annotate(n=Count("customer_id", distinct=True))
                   .values_list("rep_id", "n").order_by())
    return {rep_id: (portfolio.get(rep_id, 0), visited.get(rep_id, 0))
            for rep_id in set(portfolio) | set(visited)}


def nightly_recount(day: datetime.date) -> dict:
    """The nightly job "kpi-summary" (settings.SCHEDULE): recount the last
    KPI_SUMMARY_RECOUNT_DAYS days up to `day`, a safety net for anything written around the
    services (the services keep the summary true as they write)."""
    days = getattr(settings, "KPI_SUMMARY_RECOUNT_DAYS", 3)
    written = rebuild(date_from=day - datetime.timedelta(days=days), date_to=day)
    return {"date": day.isoformat(), **written}
