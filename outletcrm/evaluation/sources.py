"""Where indicator values come from: a registry of sources, each read set-based.

A source answers, for a list of value keys and a day, every customer's values in one
GROUP BY (or one scan) — never one query per customer — and, for a moment, which customers'
values may have changed since (the run of changed customers scores only those):

    register_source(IndicatorSource(
        name="survey", label=gettext_lazy("Survey answer"),
        keys={"floor_area": gettext_lazy("Floor area")},   # or None: any key (slug)
        values=fn(keys, day, customer_ids) -> {key: {customer_id: number}},
        changed=fn(since) -> iterable of customer ids))

Higher apps (the street-sweep survey forms) register theirs from their AppConfig.ready(); this
app imports none of them. Built in: the archive's fields, order history, payment punctuality
and values entered by hand.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WINDOW_DAYS = 365  # "order value and frequency over the last 12 months" (issue 8, item 6)
IN_CHUNK = 5000


@dataclass(frozen=True)
class IndicatorSource:
    name: str
    label: object
    keys: dict | None  # key → label; None: any slug (values entered by hand)
    values: Callable
    changed: Callable | None = None


_SOURCES: dict[str, IndicatorSource] = {}


def register_source(source: IndicatorSource) -> None:
    """Offer a source of indicator values (a higher app calls this from its ready())."""
    _SOURCES[source.name] = source


def get_source(name: str) -> IndicatorSource | None:
    return _SOURCES.get(name)


def all_sources() -> list[IndicatorSource]:
    return list(_SOURCES.values())


def window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The last 12 months up to the end of `day` (local time)."""
    tz = timezone.get_current_timezone()
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min,
                                    tzinfo=tz)
    return end - datetime.timedelta(days=WINDOW_DAYS + 1), end


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start:start + IN_CHUNK]


def _filtered(queryset, customer_ids, field="customer_id"):
    """The queryset for everyone, or one per chunk of the given customers."""
    if customer_ids is None:
        yield queryset
        return
    for chunk in _chunks(customer_ids):
        yield queryset.filter(**{f"{field}__in": chunk})


def _number(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


# --- the archive ---------------------------------------------------------------------------

ARCHIVE_KEYS = {
    "floor_area": _("Floor area (m²)"),
    "staff_count": pgettext_lazy("indicator", "Staff count"),
    "years_in_business": _("Years in business"),
    "brands_count": _("Brands carried (count)"),
}


def archive_values(keys, day, customer_ids) -> dict:
    from outletcrm.customers.models import Customer

    fields = [k for k in keys if k in ARCHIVE_KEYS and k != "brands_count"]
    if "brands_count" in keys:
        fields.append("brands")
    result = {k: {} for k in keys}
    if not fields:
        return result
    base = Customer.objects.filter(archived_at__isnull=True)
    for qs in _filtered(base, customer_ids, field="pk"):
        for row in qs.values_list("pk", *fields).iterator(5000):
            pk = row[0]
            for name, value in zip(fields, row[1:], strict=True):
                if name == "brands":
                    if "brands_count" in result:
                        result["brands_count"][pk] = len(value) if isinstance(value, list) else None
                elif value is not None:
                    result[name][pk] = _number(value)
    return result


def archive_changed(since) -> Iterable[int]:
    from outletcrm.customers.models import Customer

    return Customer.objects.filter(updated_at__gte=since).values_list("pk", flat=True)


# --- order history --------------------------------------------------------------------------

ORDER_KEYS = {
    "value_12m": _("Order value, 12 months (¥)"),
    "orders_12m": _("Orders, 12 months"),
    "average_order_12m": _("Average order, 12 months (¥)"),
    "days_since_last_order": _("Days since the last order"),
}


def _behaviour_sql(vendor: str) -> str:
    """Per customer over the window: order value, number of orders, the last one.

    On SQLite the window's column is written `+o.ordered_at`, which keeps the planner off the
    (status, ordered_at) index: with few statuses in its statistics it otherwise skip-scans
    that index and fetches the year's 1.3 million rows in date order, one random read each
    (4 s of CPU in the benchmark), instead of walking the (customer, ordered_at) index in the
    GROUP BY's order (0.6 s). PostgreSQL plans it well as written (a scan and a hash)."""
    ordered_at = "+o.ordered_at" if vendor == "sqlite" else "o.ordered_at"
    return (
        "SELECT o.customer_id, SUM(o.total), COUNT(*), MAX(o.ordered_at) "  # noqa: S608 - values are parameters
        f"FROM orders_order o WHERE {ordered_at} >= %(start)s AND {ordered_at} < %(end)s "
        "AND o.status <> %(cancelled)s {customers} GROUP BY o.customer_id")


def order_behaviour(day, customer_ids=None) -> dict[int, tuple]:
    """{customer_id: (value, orders, day of the last order)} over the last 12 months: one
    GROUP BY over the orders (cancelled ones do not count). The value is a Decimal in cents,
    the day a local date.

    Raw SQL: the ORM's per-row converters (a Decimal and a parsed datetime per customer) were
    a third of this read, and SQLite needs the planner hint above."""
    from django.db import connection

    from outletcrm.orders.models import OrderStatus

    start, end = window(day)
    ops = connection.ops
    params = {"start": ops.adapt_datetimefield_value(start),
              "end": ops.adapt_datetimefield_value(end), "cancelled": OrderStatus.CANCELLED}
    template = _behaviour_sql(connection.vendor)
    tz = timezone.get_current_timezone()
    utc = datetime.UTC
    cent = Decimal("0.01")
    local_day: dict = {}  # a day's worth of orders share few distinct moments
    result = {}
    with connection.cursor() as cursor:
        for sql, args in _in_chunks(template, params, customer_ids, "o.customer_id"):
            cursor.execute(sql, args)
            for customer_id, value, orders, last in cursor.fetchall():
                if isinstance(last, str):  # SQLite: "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC
                    last = datetime.datetime.fromisoformat(last).replace(tzinfo=utc)
                last_day = local_day.get(last)
                if last_day is None:
                    last_day = local_day[last] = last.astimezone(tz).date()
                if not isinstance(value, Decimal):  # SQLite sums the stored numbers as floats
                    value = Decimal(f"{value or 0:.2f}")
                result[customer_id] = (value.quantize(cent), orders, last_day)
    return result


def _in_chunks(template: str, params: dict, customer_ids, column: str):
    """(sql, params) for everyone, or one pair per chunk of the given customers: the
    template's {customers} becomes `AND column IN (…)`."""
    if customer_ids is None:
        yield template.format(customers=""), dict(params)
        return
    for chunk in _chunks(customer_ids):
        if not chunk:
            continue
        names = [f"c{n}" for n in range(len(chunk))]
        placeholders = ", ".join(f"%({name})s" for name in names)
        sql = template.format(customers=f"AND {column} IN ({placeholders})")
        yield sql, {**params, **dict(zip(names, chunk, strict=True))}


def order_values(keys, day, customer_ids, behaviour=None) -> dict:
    behaviour = behaviour if behaviour is not None else order_behaviour(day, customer_ids)
    result = {k: {} for k in keys}
    for cid, (value, orders, last_day) in behaviour.items():
        if "value_12m" in result:
            result["value_12m"][cid] = float(value or 0)
        if "orders_12m" in result:
            result["orders_12m"][cid] = orders
        if "average_order_12m" in result and orders:
            result["average_order_12m"][cid] = float(value or 0) / orders
        if "days_since_last_order" in result and last_day is not None:
            result["days_since_last_order"][cid] = (day - last_day).days
    # A customer without an order in 12 months ordered nothing: value and count are 0, not
    # missing (a missing value is one nobody knows).
    _zero_fill(result, customer_ids, ("value_12m", "orders_12m"))
    return result


def _zero_fill(result, customer_ids, keys):
    from outletcrm.customers.models import Customer

    wanted = [k for k in keys if k in result]
    if not wanted:
        return
    ids = customer_ids if customer_ids is not None else Customer.objects.filter(
        archived_at__isnull=True).values_list("pk", flat=True).iterator(10000)
    for cid in ids:
        for k in wanted:
            result[k].setdefault(cid, 0)


def orders_changed(since) -> Iterable[int]:
    from outletcrm.orders.models import Order

    # Two reads, each on its own index (orders 0007_evalperf_change_indexes), rather than one
    # with an OR that a planner may answer by scanning every order.
    received = Order.objects.filter(received_at__gte=since).order_by().values_list(
        "customer_id", flat=True)
    cancelled = Order.objects.filter(cancelled_at__gte=since).order_by().values_list(
        "customer_id", flat=True)
    return received.union(cancelled).order_by()


# --- payment punctuality (credit: "payment punctuality and delays over the last year") ----

PAYMENT_KEYS = {
    "on_time_rate": _("Orders paid by their due date (%)"),
    "max_days_overdue": _("Longest payment delay (days)"),
}


def _payment_sql(vendor: str) -> str:
    """Per customer, over the orders due in the window: how many, how many paid in full by the
    end of the due day (local time), and the longest delay in days — to the day of the last
    payment when paid in full, else to the run day.

    One statement in one pass: each order of the window joined with its payments and grouped
    by order inside, the orders grouped per customer outside. (Grouping the payments in a
    subquery of their own and joining that to the orders, as before, had PostgreSQL compute
    the whole subquery again in each parallel worker: three times the work.)"""
    if vendor == "postgresql":
        # Paid by the end of the due day, local time: before the next day's local midnight.
        on_time = "p.paid_at < ((o.due_date + 1)::timestamp AT TIME ZONE %(tz)s)"
        last_day = "(MAX(p.paid_at) AT TIME ZONE %(tz)s)::date"
        diff = "({a} - {b})"
        today = "%(day)s::date"
    else:
        on_time = "date(p.paid_at, %(offset)s) <= o.due_date"
        last_day = "date(MAX(p.paid_at), %(offset)s)"
        diff = "CAST(julianday({a}) - julianday({b}) AS INTEGER)"
        today = "%(day)s"
    per_order = (
        "SELECT o.customer_id AS customer_id, o.total AS total, o.due_date AS due_date, "  # noqa: S608 - values are parameters
        "COALESCE(SUM(p.amount), 0) AS paid, "
        f"COALESCE(SUM(CASE WHEN {on_time} THEN p.amount END), 0) AS on_time, "
        f"{last_day} AS last_day "
        "FROM orders_order o LEFT JOIN orders_payment p ON p.order_id = o.id "
        "WHERE o.due_date >= %(first)s AND o.due_date < %(day)s AND o.status <> 'cancelled' "
        "{customers} GROUP BY o.id")
    late = diff.format(a="last_day", b="due_date")
    open_late = diff.format(a=today, b="due_date")
    return (
        "SELECT customer_id, COUNT(*), "  # noqa: S608 - fixed SQL; values are parameters
        "SUM(CASE WHEN on_time >= total THEN 1 ELSE 0 END), "
        "MAX(CASE WHEN on_time >= total THEN 0 "
        f"WHEN paid >= total THEN {late} ELSE {open_late} END) "
        f"FROM ({per_order}) per_order GROUP BY customer_id")


def payment_values(keys, day, customer_ids) -> dict:
    """Orders due in the last 12 months (due date before `day`): the share paid in full by
    the due date, and the longest delay (to the last payment, or to `day` while still open).
    Returns, credits and discounts are not counted."""
    from django.db import connection

    tz = timezone.get_current_timezone()
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=tz)
    params = {"tz": str(tz), "offset": f"{int(moment.utcoffset().total_seconds()):+d} seconds",
              "first": connection.ops.adapt_datefield_value(
                  day - datetime.timedelta(days=WINDOW_DAYS)),
              "day": connection.ops.adapt_datefield_value(day)}
    template = _payment_sql(connection.vendor)
    result = {k: {} for k in keys}
    with connection.cursor() as cursor:
        for sql, args in _in_chunks(template, params, customer_ids, "o.customer_id"):
            cursor.execute(sql, args)
            for customer_id, count, on_time, longest in cursor.fetchall():
                if "on_time_rate" in result:
                    result["on_time_rate"][customer_id] = round(on_time * 100 / count, 2)
                if "max_days_overdue" in result:
                    result["max_days_overdue"][customer_id] = max(0, int(longest or 0))
    return result


def payments_changed(since) -> Iterable[int]:
    from outletcrm.orders.models import Payment

    return (Payment.objects.filter(received_at__gte=since).order_by()
            .values_list("customer_id", flat=True).distinct())


# --- entered by hand --------------------------------------------------------------------------

def manual_values(keys, day, customer_ids) -> dict:
    from outletcrm.evaluation.models import ManualValue

    result = {k: {} for k in keys}
    base = ManualValue.objects.filter(key__in=list(keys)).order_by()
    for qs in _filtered(base, customer_ids):
        for cid, key, value in qs.values_list("customer_id", "key", "value"):
            result[key][cid] = float(value)
    return result


def manual_changed(since) -> Iterable[int]:
    from outletcrm.evaluation.models import ManualValue

    return ManualValue.objects.filter(updated_at__gte=since).values_list("customer_id",
                                                                         flat=True)


def register_builtin_sources() -> None:
    register_source(IndicatorSource("archive", _("Customer archive"), ARCHIVE_KEYS,
                                    archive_values, archive_changed))
    register_source(IndicatorSource("orders", _("Order history"), ORDER_KEYS, order_values,
                                    orders_changed))
    register_source(IndicatorSource("payments", _("Payment punctuality"), PAYMENT_KEYS,
                                    payment_values, payments_changed))
    register_source(IndicatorSource("manual", _("Entered by hand"), None, manual_values,
                                    manual_changed))
