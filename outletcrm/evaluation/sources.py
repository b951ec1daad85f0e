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

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    "staff_count": _("Staff count"),
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


def order_behaviour(day, customer_ids=None) -> dict[int, tuple]:
    """{customer_id: (value, orders, last ordered_at)} over the last 12 months: one GROUP BY
    over the orders (cancelled ones do not count)."""
    from outletcrm.orders.models import Order, OrderStatus

    start, end = window(day)
    base = (Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end)
            .exclude(status=OrderStatus.CANCELLED).order_by()
            .values("customer_id").annotate(value=Sum("total"), orders=Count("pk"),
                                            last=Max("ordered_at")))
    result = {}
    for qs in _filtered(base, customer_ids):
        for row in qs.values_list("customer_id", "value", "orders", "last"):
            result[row[0]] = (row[1], row[2], row[3])
    return result


def order_values(keys, day, customer_ids, behaviour=None) -> dict:
    behaviour = behaviour if behaviour is not None else order_behaviour(day, customer_ids)
    result = {k: {} for k in keys}
    for cid, (value, orders, last) in behaviour.items():
        if "value_12m" in result:
            result["value_12m"][cid] = float(value or 0)
        if "orders_12m" in result:
            result["orders_12m"][cid] = orders
        if "average_order_12m" in result and orders:
            result["average_order_12m"][cid] = float(value or 0) / orders
        if "days_since_last_order" in result and last is not None:
            result["days_since_last_order"][cid] = (day - timezone.localdate(last)).days
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

    return (Order.objects.filter(Q(received_at__gte=since) | Q(cancelled_at__gte=since))
            .order_by().values_list("customer_id", flat=True).distinct())


# --- payment punctuality (credit: "payment punctuality and delays over the last year") ----

PAYMENT_KEYS = {
    "on_time_rate": _("Orders paid by their due date (%)"),
    "max_days_overdue": _("Longest payment delay (days)"),
}


def payment_values(keys, day, customer_ids) -> dict:
    """Orders due in the last 12 months (due date before `day`): how many were paid in full by
    the due date, and the longest delay (to the last payment, or to `day` if still open).
    One scan of those orders and one GROUP BY of their payments."""
    from outletcrm.orders.models import Order, OrderStatus, Payment

    first = day - datetime.timedelta(days=WINDOW_DAYS)
    due_orders = (Order.objects.filter(due_date__gte=first, due_date__lt=day)
                  .exclude(status=OrderStatus.CANCELLED).order_by())
    tz = timezone.get_current_timezone()
    paid: dict[int, tuple] = {}
    pay_base = (Payment.objects.filter(order__due_date__gte=first, order__due_date__lt=day)
                .exclude(order__status=OrderStatus.CANCELLED).order_by()
                .values("order_id").annotate(amount=Sum("amount"), last=Max("paid_at")))
    stats: dict[int, list] = {}
    rows = []
    for qs in _filtered(due_orders, customer_ids):
        rows.extend(qs.values_list("pk", "customer_id", "total", "due_date"))
    for qs in _filtered(pay_base, customer_ids, field="order__customer_id"):
        for order_id, amount, last in qs.values_list("order_id", "amount", "last"):
            paid[order_id] = (amount, last)
    # Paid by the due date: the payments made up to the end of the due day.
    on_time_ids = set()
    early = (Payment.objects.filter(order__due_date__gte=first, order__due_date__lt=day)
             .exclude(order__status=OrderStatus.CANCELLED).order_by())
    by_due: dict[int, Decimal] = {}
    for qs in _filtered(early, customer_ids, field="order__customer_id"):
        for order_id, amount, paid_at, due in qs.values_list("order_id", "amount", "paid_at",
                                                              "order__due_date"):
            if timezone.localtime(paid_at, tz).date() <= due:
                by_due[order_id] = by_due.get(order_id, 0) + amount
    for order_id, customer_id, total, due in rows:
        if by_due.get(order_id, 0) >= total:
            on_time_ids.add(order_id)
            delay = 0
        else:
            amount, last = paid.get(order_id, (0, None))
            settled = amount is not None and amount >= total and last is not None
            end = timezone.localtime(last, tz).date() if settled else day
            delay = max(0, (end - due).days)
        entry = stats.setdefault(customer_id, [0, 0, 0])
        entry[0] += 1
        entry[1] += order_id in on_time_ids
        entry[2] = max(entry[2], delay)
    result = {k: {} for k in keys}
    for cid, (count, on_time, longest) in stats.items():
        if "on_time_rate" in result:
            result["on_time_rate"][cid] = round(on_time * 100 / count, 2)
        if "max_days_overdue" in result:
            result["max_days_overdue"][cid] = longest
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
