"""Writes of archive governance (brief §7; issue 10 items 2–4): borrowing requests and their
decisions, the nightly access summary and the purge of old access-log rows.

Borrowing (借阅制度): a user asks to read customers outside their scope for a period (at most
settings.BORROW_MAX_DAYS days); a custodian keeping those customers' regions, or an
administrator, approves or refuses (never the requester; a rep never). While approved and
inside the period, core.scoping lets the borrower read them (read-only); nothing runs when the
period ends. Request and decision go to the audit log; each look is in the access log with
`borrowed` set.
"""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import scoping, workcal
from outletcrm.core.audit import audit_record
from outletcrm.core.models import (
    AccessDaily,
    AccessLog,
    AuditEvent,
    BorrowItem,
    BorrowRequest,
    ExportRequest,
)
from outletcrm.customers.models import Customer
from outletcrm.notifications.services import notify

MAX_CUSTOMERS_PER_REQUEST = 50
VIEW_ACTIONS = [AccessLog.Action.VIEW, AccessLog.Action.API_VIEW, AccessLog.Action.SEARCH_OPEN]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _name(user) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


# --- borrowing ------------------------------------------------------------------------------

@transaction.atomic
def borrow_request_create(*, actor, customer_ids: list[int], purpose: str, reason: str,
                          starts_on: datetime.date, ends_on: datetime.date) -> BorrowRequest:
    """File a request to read `customer_ids` from `starts_on` to `ends_on` (whole local days).
    Customers already in the actor's own scope are not borrowed; an id that does not exist
    (or is archived) is refused with the same message as any other unknown customer."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Log in to borrow customers."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why you need these customers.")]
    elif len(reason) > 300:
        errors["reason"] = [_("Keep the reason under 300 characters.")]
    if purpose not in BorrowRequest.Purpose.values:
        errors["purpose"] = [_("Choose a purpose.")]
    today = timezone.localdate()
    if starts_on is None or ends_on is None:
        errors["ends_on"] = [_("Give the first and the last day.")]
    elif starts_on < today:
        errors["starts_on"] = [_("The period cannot start in the past.")]
    elif ends_on < starts_on:
        errors["ends_on"] = [_("The end date is before the start date.")]
    elif (ends_on - starts_on).days + 1 > settings.BORROW_MAX_DAYS:
        errors["ends_on"] = [_("Borrow for at most %(days)s days.") % {
            "days": settings.BORROW_MAX_DAYS}]
    ids = sorted({int(i) for i in customer_ids or []})
    if not ids:
        errors["customers"] = [_("Choose at least one customer.")]
    elif len(ids) > MAX_CUSTOMERS_PER_REQUEST:
        errors["customers"] = [_("Ask for at most %(count)s customers at once.") % {
            "count": MAX_CUSTOMERS_PER_REQUEST}]
    customers = list(Customer.objects.live().filter(pk__in=ids, merged_into__isnull=True)
                     .only("pk", "owner_id", "team_id", "region_id")) if ids else []
    if ids and len(customers) != len(ids):
        errors["customers"] = [_("Some of these customers were not found.")]
    wanted = [c for c in customers if not scoping.in_own_scope(actor, c)]
    if customers and not wanted and "customers" not in errors:
        errors["customers"] = [_("These customers are already yours to see.")]
    if errors:
        raise ValidationError(errors)
    borrow = BorrowRequest(requester=actor, purpose=purpose, reason=reason,
                           starts_at=_local_midnight(starts_on),
                           ends_at=_local_midnight(ends_on + datetime.timedelta(days=1)))
    borrow.full_clean()
    borrow.save()
    BorrowItem.objects.bulk_create(
        [BorrowItem(request=borrow, customer_id=c.pk, region_id=c.region_id) for c in wanted])
    audit_record(action=AuditEvent.Action.BORROW_REQUESTED, actor=actor, object_type="customer",
                 row_count=len(wanted), detail={
                     "request": borrow.pk, "customers": [c.pk for c in wanted],
                     "purpose": purpose, "from": starts_on.isoformat(),
                     "until": ends_on.isoformat()})
    keepers: dict[int, object] = {}
    for region_id in {c.region_id for c in wanted}:
        for keeper in scoping.keepers_of_region(region_id):
            keepers.setdefault(keeper.pk, keeper)
    for keeper in keepers.values():
        notify(user=keeper, kind="access.borrow_request",
               title=gettext_lazy("%(user)s asks to borrow %(count)s customers"),
               params={"user": _name(actor), "count": len(wanted)},
               link="/access/borrow/inbox/", source=borrow,
               dedupe_key=f"borrow-request-{borrow.pk}")
    return borrow


@transaction.atomic
def borrow_decide(*, actor, borrow: BorrowRequest, approve: bool, note: str = "") -> BorrowRequest:
    """Approve or refuse a pending request; refusing grants nothing."""
    borrow = BorrowRequest.objects.select_for_update().get(pk=borrow.pk)
    if not scoping.can_decide_borrowing(actor, borrow):
        raise PermissionDenied(_("You may not decide on this borrowing request."))
    if borrow.status != BorrowRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("Keep the note under 300 characters.")]})
    if approve and borrow.ends_at <= timezone.now():
        raise ValidationError(_("The requested period is already over."))
    borrow.status = BorrowRequest.Status.APPROVED if approve else BorrowRequest.Status.REFUSED
    borrow.decided_by, borrow.decided_at, borrow.decision_note = actor, timezone.now(), note
    borrow.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(action=AuditEvent.Action.BORROW_DECIDED, actor=actor, object_type="customer",
                 row_count=borrow.items.count(),
                 detail={"request": borrow.pk, "status": borrow.status,
                         "requester": borrow.requester_id})
    notify(user=borrow.requester, kind="access.borrow_decided",
           title=gettext_lazy("Your borrowing request was approved") if approve
           else gettext_lazy("Your borrowing request was refused"),
           body=note, link="/access/borrow/mine/", source=borrow,
           dedupe_key=f"borrow-decided-{borrow.pk}")
    return borrow


@transaction.atomic
def borrow_withdraw(*, actor, borrow: BorrowRequest) -> BorrowRequest:
    """The requester withdraws a pending request, or gives back an approved one early."""
    borrow = BorrowRequest.objects.select_for_update().get(pk=borrow.pk)
    if borrow.requester_id != actor.pk:
        raise PermissionDenied(_("Only the requester may withdraw a request."))
    if borrow.status not in (BorrowRequest.Status.PENDING, BorrowRequest.Status.APPROVED):
        raise ValidationError(_("This request is no longer open."))
    borrow.status = BorrowRequest.Status.WITHDRAWN
    borrow.save(update_fields=["status"])
    audit_record(action=AuditEvent.Action.BORROW_DECIDED, actor=actor, object_type="customer",
                 detail={"request": borrow.pk, "status": borrow.status})
    return borrow


# --- the access log's nightly work -------------------------------------------------------------

def is_working_time(moment: datetime.datetime) -> bool:
    """Inside settings.WORKING_HOURS on a working day of the company calendar."""
    local = timezone.localtime(moment)
    if not workcal.is_workday(local.date()):
        return False
    return any(start <= local.time() < end for start, end in workcal.working_periods())


@transaction.atomic
def access_summarise_day(day: datetime.date) -> dict:
    """Sum `day`'s access-log rows into one AccessDaily row per user (idempotent: the day's
    rows are replaced). The reports and anomaly list read only these."""
    start = _local_midnight(day)
    end = _local_midnight(day + datetime.timedelta(days=1))
    rows = AccessLog.objects.filter(at__gte=start, at__lt=end)
    views = Q(action__in=VIEW_ACTIONS)
    exports = Q(action=AccessLog.Action.EXPORT)
    totals = rows.values("user_id").annotate(
        views=Count("id", filter=views),
        customers=Count("customer_id", filter=views, distinct=True),
        exports=Count("id", filter=exports),
        export_rows=Sum("row_count", filter=exports, default=0),
        prints=Count("id", filter=Q(action=AccessLog.Action.PRINT)),
        borrowed_views=Count("id", filter=views & Q(borrowed=True)),
    ).order_by()
    off_hours: dict[int, int] = {}
    for user_id, at in rows.filter(exports).values_list("user_id", "at"):
        if not is_working_time(at):
            off_hours[user_id] = off_hours.get(user_id, 0) + 1
    AccessDaily.objects.filter(day=day).delete()
    made = AccessDaily.objects.bulk_create(
        [AccessDaily(day=day, off_hours_exports=off_hours.get(t["user_id"], 0), **t)
         for t in totals], batch_size=2000)
    return {"users": len(made), "off_hours_exports": sum(off_hours.values())}


def access_purge(day: datetime.date) -> dict:
    """Delete access-log rows older than ACCESS_LOG_KEEP_DAYS and summaries older than
    ACCESS_SUMMARY_KEEP_DAYS (in slices, so a large purge never holds one long lock), and
    approved-export files that were fetched or left for more than a week."""
    keep_from = _local_midnight(day - datetime.timedelta(days=settings.ACCESS_LOG_KEEP_DAYS))
    deleted = 0
    while True:
        ids = list(AccessLog.objects.filter(at__lt=keep_from)
                   .values_list("id", flat=True)[:50_000])
        if not ids:
            break
        deleted += AccessLog.objects.filter(id__in=ids).delete()[0]
    summaries = AccessDaily.objects.filter(
        day__lt=day - datetime.timedelta(days=settings.ACCESS_SUMMARY_KEEP_DAYS)).delete()[0]
    stale = ExportRequest.objects.exclude(file="").filter(
        Q(status=ExportRequest.Status.DOWNLOADED)
        | Q(status=ExportRequest.Status.APPROVED,
            decided_at__lt=timezone.now() - datetime.timedelta(days=7)))
    files = 0
    for export in stale:
        path = Path(settings.MEDIA_ROOT) / export.file
        path.unlink(missing_ok=True)
        export.file = ""
        export.save(update_fields=["file"])
        files += 1
    return {"log_rows": deleted, "summaries": summaries, "export_files": files}
