"""Writes of the churn watch: the nightly scan, handling a flag, the rules.

The scan (`scan_churn(day)`, job "churn-scan") reads each watched customer's orders of the last
12 months in ONE streamed query ordered by customer (the order table's (customer, -ordered_at)
index), reduces them customer by customer in Python (so SQLite and PostgreSQL agree to the day,
and a median needs no vendor SQL), and writes in batches of BATCH customers, each batch one
transaction holding its flags, their timeline entries, tasks and notifications, or its status
changes with their history and timeline entries. Nothing is queried per customer.

Rules (ChurnSettings; docs/churn.md):
- interval: an ACTIVE customer with at least `min_orders` order days in the last 12 months has a
  usual interval (the median gap between consecutive order days); flagged when the days since
  the last order exceed K × that interval. Fewer order days: no interval, left alone.
- value drop: order value over the last 90 days fell by ≥ X % against the 90 days before (the
  previous 90 days must have some value).
- dormant / lost: an active customer without any order for D1 days is dormant, D2 days lost
  (a dormant one becomes lost at D2). Customers who never ordered are left alone: their status
  is a person's call (potential, intent).
- won back: a dormant or lost customer with an order in the last D1 days is active again
  ("Won back" on the timeline). Checked at scan time, so orders loaded in bulk count too.
- a flag stays open until handled or until none of its rules holds any more (for the interval
  rule: the customer ordered again); then it is cleared automatically. A new flag is not raised
  while there has been no order since the customer's last flag, nor for the value rule alone
  within 90 days of a value flag: one flag per silence, not one per night.

Idempotent: one open flag per customer (a conditional unique constraint); tasks carry the
dedupe key "churn:<flag id>", notifications "churn.flag:<flag id>". Running twice the same day:
the second run compares the watermark (orders, cancellations, customers, rules) with the last
finished scan of that day and returns at once when nothing changed; otherwise it recomputes and
finds everything already done. A crash midway loses at most the batch in flight (its
transaction rolls back); the rerun does the rest.
"""

import datetime
import statistics
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Func, IntegerField, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.churn.choices import FlagStatus, Outcome, Reason
from outletcrm.churn.models import ChurnFlag, ChurnScan, ChurnSettings
from outletcrm.core import scoping
from outletcrm.core.timeline import timeline_add, timeline_add_bulk
from outletcrm.core.workcal import add_workdays
from outletcrm.customers.choices import Status
from outletcrm.customers.models import Customer
from outletcrm.customers.services import customers_set_status_by_rule
from outletcrm.notifications.services import notify
from outletcrm.orders.models import Order, OrderStatus
from outletcrm.org.models import Role, User
from outletcrm.visits.models import FollowUpTask
from outletcrm.visits.services import (
    SystemTask,
    task_complete,
    tasks_close_system,
    tasks_create_system,
)

BATCH = 1000
WINDOW_DAYS = 365  # the "last 12 months" of the interval rule; also the longest D2
VALUE_DAYS = 90
WATCHED = (Status.ACTIVE, Status.DORMANT, Status.LOST)
TASK_KIND = "churn_action"
TASK_DUE_WORKDAYS = 2


@dataclass(slots=True)
class OrderStats:
    """One customer's ordering, reduced from its orders of the last 12 months."""

    customer_id: int
    last_order: datetime.date
    order_days: int
    usual_interval: float | None
    value_last: Decimal
    value_previous: Decimal


EPOCH = datetime.date(1970, 1, 1)


class LocalDayNumber(Func):
    """The local calendar day of a timestamp as days since 1970-01-01, computed by the
    database (no datetime parsed per row in Python: the scan reads a year of orders)."""

    output_field = IntegerField()

    def __init__(self, expression, *, tz: datetime.tzinfo, on: datetime.date):
        super().__init__(expression)
        self.tzname = str(tz)
        # SQLite has no time zones: the offset of `on` (Asia/Shanghai keeps +08:00 all year).
        moment = datetime.datetime.combine(on, datetime.time(12), tzinfo=tz)
        self.offset = int(moment.utcoffset().total_seconds())

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL and others
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql} AT TIME ZONE %s)::date - DATE '1970-01-01')", [*params, self.tzname]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # julianday('1970-01-01') = 2440587.5; stored timestamps are UTC text.
        return (f"CAST(julianday({sql}, %s) - 2440587.5 AS INTEGER)",
                [*params, f"{self.offset:+d} seconds"])


def _reduce(customer_id: int, days: list[int], values: list, today: int,
            min_orders: int) -> OrderStats:
    """Reduce one customer's orders (day numbers, newest first) to their statistics."""
    distinct = sorted(set(days))
    interval = None
    if len(distinct) >= min_orders:
        interval = float(statistics.median(
            b - a for a, b in zip(distinct, distinct[1:], strict=False)))
    last_start = today - VALUE_DAYS
    prev_start = today - 2 * VALUE_DAYS
    value_last = value_previous = 0
    for d, v in zip(days, values, strict=True):
        if d >= last_start:
            value_last += v
        elif d >= prev_start:
            value_previous += v
    # Amounts arrive as Decimal (PostgreSQL) or float (SQLite); kept to the fen.
    return OrderStats(customer_id, EPOCH + datetime.timedelta(days=distinct[-1]),
                      len(distinct), interval, Decimal(f"{value_last:.2f}"),
                      Decimal(f"{value_previous:.2f}"))


def order_stats(day: datetime.date, *, min_orders: int = 3, customer_ids=None):
    """Yield OrderStats of every watched customer with an order in the 12 months before `day`
    (orders up to the end of the day before), in one streamed query ordered by customer."""
    tz = timezone.get_current_timezone()
    end = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    start = end - datetime.timedelta(days=WINDOW_DAYS)
    rows = (Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end,
                                 customer__status__in=WATCHED,
                                 customer__archived_at__isnull=True)
            .exclude(status=OrderStatus.CANCELLED)
            .annotate(local_day=LocalDayNumber("ordered_at", tz=tz, on=day))
            .order_by("customer_id", "-ordered_at")
            .values_list("customer_id", "local_day", "total"))
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    today = (day - EPOCH).days
    # The query Django compiled, read through a chunked (on PostgreSQL server-side) cursor
    # without the ORM's per-row conversions: a year of orders is millions of rows.
    sql, params = rows.query.sql_with_params()
    current = None
    days: list[int] = []
    values: list = []
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20000):
            for customer_id, local_day, total in chunk:
                if customer_id != current:
                    if current is not None:
                        yield _reduce(current, days, values, today, min_orders)
                    current, days, values = customer_id, [], []
                days.append(local_day)
                values.append(total)
    if current is not None:
        yield _reduce(current, days, values, today, min_orders)


def _reasons(stats: OrderStats, day: datetime.date, rules: ChurnSettings) -> list[str]:
    """The rules a customer's ordering breaks (Reason values), empty when none."""
    reasons = []
    days_since = (day - stats.last_order).days
    if stats.usual_interval and days_since > float(rules.interval_multiple) * stats.usual_interval:
        reasons.append(Reason.INTERVAL.value)
    if stats.value_previous > 0:
        drop = (stats.value_previous - stats.value_last) * 100 / stats.value_previous
        if drop >= rules.value_drop_percent:
            reasons.append(Reason.VALUE_DROP.value)
    return reasons


def _evidence(stats: OrderStats, day: datetime.date, rules: ChurnSettings) -> dict:
    drop = None
    if stats.value_previous > 0:
        drop = round(float((stats.value_previous - stats.value_last) * 100
                           / stats.value_previous), 1)
    return {
        "last_order": stats.last_order.isoformat(),
        "days_since": (day - stats.last_order).days,
        "usual_interval_days": stats.usual_interval,
        "order_days_12m": stats.order_days,
        "value_last_90": str(stats.value_last),
        "value_previous_90": str(stats.value_previous),
        "drop_percent": drop,
        "interval_multiple": str(rules.interval_multiple),
        "drop_threshold": rules.value_drop_percent,
    }


def watermark(rules: ChurnSettings) -> dict:
    """What the scan's result depends on, read cheaply through indexes."""
    orders = Order.objects.aggregate(last=Max("pk"))
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED).count()
    customers = Customer.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    return {
        "last_order_id": orders["last"], "cancelled": cancelled,
        "customers": customers["n"],
        "customers_changed": customers["changed"].isoformat() if customers["changed"] else None,
        "rules": rules.updated_at.isoformat() if rules.updated_at else None,
        "flags_open": ChurnFlag.objects.filter(status=FlagStatus.OPEN).count(),
    }


class _Plan:
    """What one scan will write, collected during the pass and written in batches."""

    def __init__(self):
        self.new_flags: list[tuple[OrderStats, list[str]]] = []
        self.cleared: list[int] = []  # flag ids
        self.status: list[tuple[int, str, str, dict]] = []  # (customer, old, new, params)


def scan_churn(day: datetime.date | None = None, *, force: bool = False) -> dict:
    """The nightly churn scan for `day` (default today): flags, statuses, win-backs."""
    day = day or timezone.localdate()
    started = time.perf_counter()
    rules = ChurnSettings.current()
    mark = watermark(rules)
    if not force and ChurnScan.objects.filter(day=day, watermark=mark).exists():
            return {"skipped": True, "flags_raised": 0, "flags_cleared": 0, "dormant": 0,
                "lost": 0, "won_back": 0, "tasks": 0, "notified": 0}

    status_of = dict(Customer.objects.filter(status__in=WATCHED, archived_at__isnull=True)
                     .values_list("pk", "status"))
    open_flags = dict(ChurnFlag.objects.filter(status=FlagStatus.OPEN)
                      .values_list("customer_id", "pk"))
    latest_flag: dict[int, tuple[datetime.date, list]] = {}
    for customer_id, raised_on, reasons in (ChurnFlag.objects.order_by("customer_id", "raised_on")
                                            .values_list("customer_id", "raised_on", "reasons")):
        latest_flag[customer_id] = (raised_on, reasons)

    plan = _Plan()
    seen: set[int] = set()
    for stats in order_stats(day, min_orders=rules.min_orders):
        cid = stats.customer_id
        seen.add(cid)
        status = status_of.get(cid)
        if status is None:
            continue
        days_since = (day - stats.last_order).days
        params = {"days": days_since, "date": stats.last_order.isoformat()}
        if status == Status.ACTIVE:
            if days_since >= rules.lost_days:
                plan.status.append((cid, status, Status.LOST, params))
                continue
            if days_since >= rules.dormant_days:
                plan.status.append((cid, status, Status.DORMANT, params))
                continue
        elif days_since < rules.dormant_days:
            plan.status.append((cid, status, Status.ACTIVE, params))  # won back
        elif status == Status.DORMANT and days_since >= rules.lost_days:
            plan.status.append((cid, status, Status.LOST, params))
            continue
        else:
            continue
        reasons = _reasons(stats, day, rules)
        if cid in open_flags:
            if not reasons:
                plan.cleared.append(open_flags[cid])
            continue
        if not reasons or status != Status.ACTIVE:
            continue
        latest = latest_flag.get(cid)
        if latest and latest[0] > stats.last_order:
            continue  # flagged already, and no order since
        if (latest and reasons == [Reason.VALUE_DROP] and Reason.VALUE_DROP in latest[1]
                and latest[0] > day - datetime.timedelta(days=VALUE_DAYS)):
            continue
        plan.new_flags.append((stats, reasons))

    # Watched customers with no order in 12 months but an older one: lost (D2 ≤ 365 days).
    silent = [cid for cid, status in status_of.items()
              if status != Status.LOST and cid not in seen]
    if silent:
        ever = set()
        for start in range(0, len(silent), 5000):
            ever.update(Order.objects.filter(customer_id__in=silent[start:start + 5000])
                        .exclude(status=OrderStatus.CANCELLED)
                        .values_list("customer_id", flat=True).distinct())
        for cid in silent:
            if cid in ever:
                plan.status.append((cid, status_of[cid], Status.LOST,
                                    {"days": WINDOW_DAYS, "date": ""}))

    summary = {"skipped": False, "flags_raised": 0, "flags_cleared": 0, "dormant": 0,
               "lost": 0, "won_back": 0, "tasks": 0}
    for start in range(0, len(plan.status), BATCH):
        for key, n in _write_statuses(plan.status[start:start + BATCH], day).items():
            summary[key] += n
    for start in range(0, len(plan.cleared), BATCH):
        summary["flags_cleared"] += _clear_flags(plan.cleared[start:start + BATCH], day)
    for start in range(0, len(plan.new_flags), BATCH):
        raised, tasks = _raise_flags(plan.new_flags[start:start + BATCH], day, rules)
        summary["flags_raised"] += raised
        summary["tasks"] += tasks
    summary["notified"] = _notify_owners(day)
    seconds = time.perf_counter() - started
    ChurnScan.objects.create(day=day, watermark=watermark(rules), summary=summary,
                             seconds=round(seconds, 3))
    return summary


STATUS_NOTES = {  # new status: (timeline title, summary key, history note)
    Status.DORMANT: (gettext_lazy("Dormant: no order for %(days)s days"), "dormant",
                     gettext_lazy("Churn watch: dormant, no order for the set number of days")),
    Status.LOST: (gettext_lazy("Lost: no order for %(days)s days"), "lost",
                  gettext_lazy("Churn watch: lost, no order for the set number of days")),
    Status.ACTIVE: (gettext_lazy("Won back: ordered again on %(date)s"), "won_back",
                    gettext_lazy("Churn watch: won back by a new order")),
}


@transaction.atomic
def _write_statuses(changes, day: datetime.date) -> dict:
    """One batch of status changes with their history and timeline entries."""
    ids = [c[0] for c in changes]
    # Only customers still in the status the pass saw (a person may have changed one since).
    current = {pk: (status, name) for pk, status, name in
               Customer.objects.filter(pk__in=ids).values_list("pk", "status", "name")}
    counts = {"dormant": 0, "lost": 0, "won_back": 0}
    entries = []
    by_new: dict[str, list] = {}
    for cid, old, new, params in changes:
        if cid not in current or current[cid][0] != old:
            continue
        by_new.setdefault(new, []).append((cid, old, new, current[cid][1], params))
    now = timezone.now()
    for new, rows in by_new.items():
        title, key, note = STATUS_NOTES[new]
        customers_set_status_by_rule(changes=[r[:4] for r in rows], note=note)
        counts[key] += len(rows)
        entries.extend({"customer_id": r[0], "kind": "churn", "title": title, "params": r[4],
                        "at": now} for r in rows)
    timeline_add_bulk(entries)
    return counts


@transaction.atomic
def _clear_flags(flag_ids: list[int], day: datetime.date) -> int:
    """Clear open flags whose rules no longer hold (the customer ordered again)."""
    flags = list(ChurnFlag.objects.filter(pk__in=flag_ids, status=FlagStatus.OPEN)
                 .values_list("pk", "customer_id"))
    ChurnFlag.objects.filter(pk__in=[f[0] for f in flags]).update(
        status=FlagStatus.CLEARED, cleared_on=day)
    now = timezone.now()
    timeline_add_bulk({"customer_id": cid, "kind": "churn", "at": now,
                       "title": gettext_lazy("Churn flag cleared: ordering is back to normal"),
                       "source": ChurnFlag(pk=pk)} for pk, cid in flags)
    tasks_close_system(f"churn:{pk}" for pk, _cid in flags)
    return len(flags)


def _reason_words(reasons) -> str:
    return ", ".join(str(Reason(r).label) for r in reasons)


@transaction.atomic
def _raise_flags(batch, day: datetime.date, rules: ChurnSettings) -> tuple[int, int]:
    """One batch of new flags with their timeline entries, tasks and notifications."""
    ids = [stats.customer_id for stats, _reasons in batch]
    taken = set(ChurnFlag.objects.filter(customer_id__in=ids, status=FlagStatus.OPEN)
                .values_list("customer_id", flat=True))
    customers = {c["pk"]: c for c in Customer.objects.filter(pk__in=ids, status=Status.ACTIVE)
                 .values("pk", "name", "owner_id")}
    flags = [ChurnFlag(customer_id=stats.customer_id, raised_on=day, reasons=reasons,
                       evidence=_evidence(stats, day, rules))
             for stats, reasons in batch
             if stats.customer_id not in taken and stats.customer_id in customers]
    ChurnFlag.objects.bulk_create(flags)
    now = timezone.now()
    timeline = []
    tasks = []
    due = add_workdays(day, TASK_DUE_WORKDAYS)
    for flag in flags:
        customer = customers[flag.customer_id]
        kind = (gettext_lazy("no order for %(days)s days (usually every %(interval)s)")
                if Reason.INTERVAL in flag.reasons else
                gettext_lazy("order value down %(drop)s%% on the previous 90 days"))
        why = {"days": flag.evidence["days_since"],
               "interval": _interval_text(flag.evidence["usual_interval_days"]),
               "drop": flag.evidence["drop_percent"]}
        timeline.append({"customer_id": flag.customer_id, "kind": "churn", "at": now,
                         "title": gettext_lazy("Churn flag raised: %(why)s"),
                         "params": {"why": _message(kind, why)}, "source": flag})
        tasks.append(SystemTask(
            dedupe_key=f"churn:{flag.pk}", rep_id=customer["owner_id"], kind=TASK_KIND,
            title=gettext_lazy("Churn watch: find out why %(customer)s orders less"),
            title_params={"customer": customer["name"]}, due_date=due,
            customer_id=flag.customer_id, source=flag))
    timeline_add_bulk(timeline)
    created = tasks_create_system(tasks)
    return len(flags), created


def _notify_owners(day: datetime.date) -> int:
    """Tell each rep how many of their customers were flagged on `day`: one notification per
    rep and day, not one per customer (a rep with forty slowing outlets gets one message at
    night, and the scan stays fast). Runs after the flags are written, from what is stored,
    so a rerun after a crash notifies whoever was missed and nobody twice (dedupe key)."""
    counts = list(ChurnFlag.objects.filter(raised_on=day).values("customer__owner_id")
                  .annotate(n=Count("pk")).order_by("customer__owner_id"))
    owners = User.objects.in_bulk([row["customer__owner_id"] for row in counts])
    link = reverse("churn:list")
    sent = 0
    for row in counts:
        owner = owners.get(row["customer__owner_id"])
        if owner is None or not owner.is_active:
            continue
        if notify(user=owner, kind="churn.flag",
                  title=gettext_lazy("Churn watch: %(count)s of your customers order less"),
                  params={"count": row["n"]}, link=link, source=None,
                  dedupe_key=f"churn.flag:{day.isoformat()}"):
            sent += 1
    return sent


def _interval_text(days) -> str:
    if days is None:
        return "–"
    return f"{days:g}"


def _message(text, params) -> dict:
    """A message as a parameter of another message (stored language-neutrally)."""
    from outletcrm.core import i18n

    return i18n.message(text, params)


def may_handle(user: User, flag: ChurnFlag) -> bool:
    """Whether `user` may handle `flag`, given it is in their scope: an open flag, anyone but
    the archive custodian (who keeps the archive and does not work customers)."""
    return flag.status == FlagStatus.OPEN and user.role != Role.CUSTODIAN


def can_handle(user: User, flag: ChurnFlag) -> bool:
    """The owner rep and those above him in scope may handle an open flag."""
    return may_handle(user, flag) and scoping.restrict(
        Customer.objects.filter(pk=flag.customer_id), user).exists()


@transaction.atomic
def flag_handle(*, actor: User, flag: ChurnFlag, outcome: str, note: str = "") -> ChurnFlag:
    """Record what was done about a flag: contacted, ordered again, lost, other."""
    flag = ChurnFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("This flag is no longer open."))
    if not can_handle(actor, flag):
        raise PermissionDenied(_("You may not handle this flag."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("At most 500 characters.")})
    if outcome == Outcome.OTHER and not note:
        raise ValidationError({"note": _("Say what happened.")})
    flag.status = FlagStatus.HANDLED
    flag.outcome = outcome
    flag.note = note
    flag.handled_by = actor
    flag.handled_at = timezone.now()
    flag.save(update_fields=["status", "outcome", "note", "handled_by", "handled_at"])
    timeline_add(customer_id=flag.customer_id, kind="churn", actor=actor, body=note,
                 title=gettext_lazy("Churn flag handled: %(outcome)s"),
                 params={"outcome": Outcome(outcome).label}, source=flag)
    # The owner's task for this flag is done too, when the handler may tick it off (the rep,
    # or whoever manages his tasks); otherwise it stays on his list for him to close.
    task = FollowUpTask.objects.filter(dedupe_key=f"churn:{flag.pk}", done_at__isnull=True).first()
    if task is not None:
        try:
            with transaction.atomic():
                task_complete(actor=actor, task=task)
        except (PermissionDenied, ValidationError):
            pass
    return flag


def settings_save(*, actor: User, **fields) -> ChurnSettings:
    """Change the churn rules (administrators)."""
    if not (actor.role == Role.ADMIN or actor.is_superuser):
        raise PermissionDenied(_("Only administrators change the churn rules."))
    rules = ChurnSettings.current()
    for key, value in fields.items():
        setattr(rules, key, value)
    rules.updated_by = actor
    rules.full_clean()
    rules.save()
    return rules
