"""Writes of complaints (brief §6: record promptly, handle, protect the customer's rights,
commit to a time, follow up satisfaction, improve).

Every function is keyword-only, runs in its own transaction, validates with full_clean and
writes the handling log (ComplaintEvent) in the same transaction, so a refused input writes
nothing. Pages, the phone, the API, the CLI and the breach job all call these.
"""

import datetime
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.complaints.choices import (
    ACTIVE_STATUSES,
    DEFAULT_TARGETS,
    STEADY_CUSTOMER_DAYS,
    STEADY_CUSTOMER_ORDERS,
    TASK_KIND_SATISFACTION,
    Category,
    Channel,
    EventKind,
    Resolution,
    Severity,
    Status,
    Target,
)
from outletcrm.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, ServiceTarget
from outletcrm.core import scoping, workcal
from outletcrm.core.timeline import timeline_add
from outletcrm.customers.models import CompetitorEntry, Contact, Customer
from outletcrm.notifications.services import notify
from outletcrm.orders.models import Order, OrderStatus
from outletcrm.org.models import Role, User

TIMELINE_KIND = "complaint"


# --- rules ------------------------------------------------------------------------------

def target_for(severity: str) -> tuple[int, int]:
    """(respond, resolve) working minutes for `severity`: the administrators' table, else
    the defaults (a deleted row must not stop intake)."""
    row = ServiceTarget.objects.filter(severity=severity).first()
    if row is not None:
        return row.respond_minutes, row.resolve_minutes
    return DEFAULT_TARGETS[Severity(severity)]


def is_steady_customer(customer: Customer, *, on: datetime.datetime | None = None) -> bool:
    """At least STEADY_CUSTOMER_ORDERS orders (not cancelled) in the last
    STEADY_CUSTOMER_DAYS days: a price objection from such a customer asks for the market
    price and the competitor's quote (brief §6)."""
    since = (on or timezone.now()) - datetime.timedelta(days=STEADY_CUSTOMER_DAYS)
    return Order.objects.filter(customer=customer, ordered_at__gte=since).exclude(
        status=OrderStatus.CANCELLED).count() >= STEADY_CUSTOMER_ORDERS


def asks_price_check(complaint: Complaint) -> bool:
    """Whether resolving this complaint asks for the market price and competitor quote."""
    return complaint.category == Category.PRICE and is_steady_customer(
        complaint.customer, on=complaint.received_at)


def _text(value, field: str, *, required: bool = False, limit: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(limit)d characters.") % {"limit": limit}})
    return value


def _can_handle(actor: User, complaint: Complaint) -> None:
    if not scoping.can_take_complaints(actor) or not scoping.restrict_complaints(
            Complaint.objects.filter(pk=complaint.pk), actor).exists():
        raise PermissionDenied(_("You cannot handle this complaint."))


def _log(complaint: Complaint, kind: str, actor: User | None, *, text: str = "",
         at: datetime.datetime | None = None, **data) -> ComplaintEvent:
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, actor=actor,
                                         at=at or timezone.now(), text=text, data=data)


def _locked(complaint: Complaint) -> Complaint:
    """The complaint re-read under a row lock: two people acting at once act in turn."""
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _notify_assigned(complaint: Complaint, actor: User) -> None:
    if complaint.assignee_id == getattr(actor, "pk", None):
        return
    # Stored in the same transaction (the notifications app delivers its channels after it).
    notify(
        user=complaint.assignee, kind="complaint.assigned",
        title=gettext_lazy("Complaint %(code)s assigned to you: %(customer)s"),
        params={"code": complaint.code, "customer": complaint.customer.name},
        link=complaint.get_absolute_url(), customer_id=complaint.customer_id, source=complaint,
        dedupe_key=f"complaint.assigned:{complaint.pk}:{complaint.assignee_id}:"
                   f"{ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.ASSIGN).count()}")


# --- intake -----------------------------------------------------------------------------

@transaction.atomic
def complaint_intake(*, actor: User, customer: Customer, channel: str, category: str,
                     severity: str, description: str, contact: Contact | None = None,
                     assignee: User | None = None, received_at: datetime.datetime | None = None,
                     photos=()) -> Complaint:
    """Log a complaint (by a rep, customer service or an API client) and start its targets.

    The due times are counted in working minutes from `received_at` (default now) on the
    company calendar; the assignee defaults to the customer's owner.
    """
    if not scoping.can_take_complaints(actor) or not scoping.restrict(
            Customer.objects.filter(pk=customer.pk), actor).exists():
        raise PermissionDenied(_("You cannot log a complaint for this customer."))
    errors = {}
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = _("This contact belongs to another customer.")
    for field, value, choices in (("channel", channel, Channel), ("category", category, Category),
                                  ("severity", severity, Severity)):
        if value not in choices.values:
            errors[field] = _("Choose one of the listed values.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("A complaint cannot be received in the future.")})
    if received_at < now - datetime.timedelta(days=30):
        raise ValidationError({"received_at": _("Log a complaint within 30 days of receiving it.")})
    assignee = assignee or customer.owner
    if assignee.pk != customer.owner_id and not scoping.complaint_assignees(actor).filter(
            pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("You cannot hand a complaint to this person.")})
    respond, resolve = target_for(severity)
    complaint = Complaint(
        code=f"TMP{timezone.now():%H%M%S%f}", customer=customer, contact=contact,
        channel=channel, category=category, severity=severity,
        description=_text(description, "description", required=True),
        received_at=received_at, received_by=actor, assignee=assignee,
        respond_due_at=workcal.add_working_minutes(received_at, respond),
        resolve_due_at=workcal.add_working_minutes(received_at, resolve))
    complaint.full_clean(exclude=["code"])
    complaint.save()
    complaint.code = f"TS{timezone.localtime(received_at):%y%m}{complaint.pk:05d}"
    complaint.save(update_fields=["code"])
    _log(complaint, EventKind.INTAKE, actor, text=complaint.description, at=received_at,
         channel=channel, severity=severity, category=category)
    _log(complaint, EventKind.ASSIGN, actor, assignee=assignee.pk,
         assignee_name=assignee.display_name or assignee.username)
    for upload in photos:
        _photo_add(complaint, actor, upload)
    timeline_add(customer_id=customer.pk, kind=TIMELINE_KIND,
                 title=gettext_lazy("Complaint %(code)s logged: %(category)s"),
                 params={"code": complaint.code, "category": Category(category).label},
                 body=complaint.description[:500], actor=actor, at=received_at, source=complaint)
    _notify_assigned(complaint, actor)
    return complaint


# --- handling ---------------------------------------------------------------------------

@transaction.atomic
def complaint_assign(*, actor: User, complaint: Complaint, assignee: User,
                     note: str = "") -> Complaint:
    """Hand the complaint to someone else (in the actor's reach); the new assignee is told."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    if complaint.status == Status.CLOSED:
        raise ValidationError({"status": _("A closed complaint is not reassigned; reopen it.")})
    if not assignee.is_active or not scoping.complaint_assignees(actor).filter(
            pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("You cannot hand a complaint to this person.")})
    if assignee.pk == complaint.assignee_id:
        raise ValidationError({"assignee": _("The complaint is already with this person.")})
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee"])
    _log(complaint, EventKind.ASSIGN, actor, text=_text(note, "note"), assignee=assignee.pk,
         assignee_name=assignee.display_name or assignee.username)
    _notify_assigned(complaint, actor)
    return complaint


def _mark_late(complaint: Complaint, target: str, at: datetime.datetime) -> list[str]:
    """Record a target missed by an action that came after its due time (the job may not have
    run yet); returns the fields changed."""
    due, field = ((complaint.respond_due_at, "respond_breached_at") if target == Target.RESPOND
                  else (complaint.resolve_due_at, "resolve_breached_at"))
    if at > due and getattr(complaint, field) is None:
        setattr(complaint, field, due)
        _log(complaint, EventKind.BREACH, None, at=at, target=target)
        return [field]
    return []


@transaction.atomic
def complaint_respond(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    """The first response to the customer (stops the response target); later calls are notes."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    text = _text(text, "text", required=True)
    if complaint.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("This complaint is not being handled.")})
    now = timezone.now()
    fields = []
    if complaint.first_response_at is None:
        complaint.first_response_at = now
        fields += ["first_response_at", *_mark_late(complaint, Target.RESPOND, now)]
    if complaint.status in (Status.OPEN, Status.REOPENED):
        complaint.status = Status.IN_PROGRESS
        fields.append("status")
    if fields:
        complaint.save(update_fields=fields)
    _log(complaint, EventKind.RESPOND if "first_response_at" in fields else EventKind.NOTE,
         actor, text=text, at=now)
    return complaint


@transaction.atomic
def complaint_note(*, actor: User, complaint: Complaint, text: str) -> ComplaintEvent:
    """Add a line to the handling log."""
    _can_handle(actor, complaint)
    return _log(complaint, EventKind.NOTE, actor, text=_text(text, "text", required=True))


@transaction.atomic
def complaint_commit_date(*, actor: User, complaint: Complaint, date: datetime.date,
                          note: str = "") -> Complaint:
    """Record the date promised to the customer (承诺时间)."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    if complaint.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("This complaint is not being handled.")})
    today = timezone.localdate()
    if not isinstance(date, datetime.date) or date < today or \
            date > today + datetime.timedelta(days=366):
        raise ValidationError({"date": _("Promise a date from today to a year ahead.")})
    complaint.committed_date = date
    complaint.save(update_fields=["committed_date"])
    _log(complaint, EventKind.COMMIT, actor, text=_text(note, "note"), date=date.isoformat())
    return complaint


@transaction.atomic
def complaint_resolve(*, actor: User, complaint: Complaint, resolution_type: str, note: str,
                      market_price: Decimal | None = None,
                      competitor_quote: Decimal | None = None, competitor_brand: str = "",
                      competitor_entry: CompetitorEntry | None = None) -> Complaint:
    """Resolve: how (fixed, explained, returned/exchanged, compensated, other) and what was
    done. A price objection from a steady customer also records the market price and the
    competitor's quote seen (brief §6)."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    if complaint.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("This complaint is not being handled.")})
    errors = {}
    if resolution_type not in Resolution.values:
        errors["resolution_type"] = _("Choose one of the listed values.")
    if competitor_entry is not None and competitor_entry.customer_id != complaint.customer_id:
        errors["competitor_entry"] = _("This competitor entry belongs to another customer.")
    if asks_price_check(complaint) and market_price is None and competitor_quote is None:
        errors["market_price"] = _("A steady customer finds the price too high: record the "
                                   "market price or the competitor's quote you saw.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    complaint.status = Status.RESOLVED
    complaint.resolved_at = now
    complaint.resolution_type = resolution_type
    complaint.resolution_note = _text(note, "note", required=True)
    complaint.market_price = market_price
    complaint.competitor_quote = competitor_quote
    complaint.competitor_brand = _text(competitor_brand or (
        competitor_entry.brand if competitor_entry else ""), "competitor_brand", limit=50)
    complaint.competitor_entry = competitor_entry
    fields = ["status", "resolved_at", "resolution_type", "resolution_note", "market_price",
              "competitor_quote", "competitor_brand", "competitor_entry"]
    if complaint.first_response_at is None:  # resolving answers the customer too
        complaint.first_response_at = now
        fields += ["first_response_at", *_mark_late(complaint, Target.RESPOND, now)]
    fields += _mark_late(complaint, Target.RESOLVE, now)
    complaint.full_clean()
    complaint.save(update_fields=fields)
    _log(complaint, EventKind.RESOLVE, actor, text=complaint.resolution_note, at=now,
         resolution=resolution_type,
         market_price=str(market_price) if market_price is not None else None,
         competitor_quote=str(competitor_quote) if competitor_quote is not None else None)
    timeline_add(customer_id=complaint.customer_id, kind=TIMELINE_KIND,
                 title=gettext_lazy("Complaint %(code)s resolved: %(resolution)s"),
                 params={"code": complaint.code,
                         "resolution": Resolution(resolution_type).label},
                 body=complaint.resolution_note[:500], actor=actor, at=now, source=complaint)
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, note: str = "") -> Complaint:
    """Close a resolved complaint and put a satisfaction call on the assignee's list, due the
    next working day (brief §6: follow up satisfaction)."""
    from outletcrm.visits.services import SystemTask, tasks_create_system

    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    if complaint.status != Status.RESOLVED:
        raise ValidationError({"status": _("Only a resolved complaint can be closed.")})
    now = timezone.now()
    complaint.status = Status.CLOSED
    complaint.closed_at = now
    complaint.save(update_fields=["status", "closed_at"])
    _log(complaint, EventKind.CLOSE, actor, text=_text(note, "note"), at=now)
    due = workcal.add_workdays(timezone.localdate(), 1)
    tasks_create_system([SystemTask(
        dedupe_key=f"complaint:satisfaction:{complaint.pk}:{complaint.reopen_count}",
        rep_id=complaint.assignee_id, kind=TASK_KIND_SATISFACTION,
        title=gettext_lazy("Ask %(customer)s whether complaint %(code)s was settled well"),
        title_params={"customer": complaint.customer.name, "code": complaint.code},
        due_date=due, customer_id=complaint.customer_id, source=complaint)])
    timeline_add(customer_id=complaint.customer_id, kind=TIMELINE_KIND,
                 title=gettext_lazy("Complaint %(code)s closed"), params={"code": complaint.code},
                 actor=actor, at=now, source=complaint)
    return complaint


@transaction.atomic
def complaint_reopen(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """Reopen a resolved or closed complaint: the log keeps everything, and the resolution
    target starts again from now (the response target stays met)."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    reason = _text(reason, "reason", required=True)
    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError({"status": _("Only a resolved or closed complaint can be reopened.")})
    now = timezone.now()
    resolve = target_for(complaint.severity)[1]
    complaint.status = Status.REOPENED
    complaint.reopen_count += 1
    complaint.resolve_due_at = workcal.add_working_minutes(now, resolve)
    complaint.resolve_breached_at = None  # a breach of the earlier round stays in the log
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.save(update_fields=["status", "reopen_count", "resolve_due_at",
                                  "resolve_breached_at", "resolved_at", "closed_at"])
    _log(complaint, EventKind.REOPEN, actor, text=reason, at=now,
         resolve_due_at=complaint.resolve_due_at.isoformat(), round=complaint.reopen_count)
    timeline_add(customer_id=complaint.customer_id, kind=TIMELINE_KIND,
                 title=gettext_lazy("Complaint %(code)s reopened"),
                 params={"code": complaint.code}, body=reason[:500], actor=actor, at=now,
                 source=complaint)
    return complaint


@transaction.atomic
def complaint_record_satisfaction(*, actor: User, complaint: Complaint, score: int,
                                  note: str = "") -> Complaint:
    """What the customer said on the satisfaction call (1 very dissatisfied … 5 very satisfied)."""
    _can_handle(actor, complaint)
    complaint = _locked(complaint)
    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError({"score": _("Ask about satisfaction once the complaint is resolved.")})
    if score not in (1, 2, 3, 4, 5):
        raise ValidationError({"score": _("Give a score from 1 to 5.")})
    complaint.satisfaction = score
    complaint.save(update_fields=["satisfaction"])
    _log(complaint, EventKind.SATISFACTION, actor, text=_text(note, "note"), score=score)
    return complaint


def _photo_add(complaint: Complaint, actor: User, upload) -> ComplaintPhoto:
    from outletcrm.visits.photos import MAX_EDGE, load_image

    image = load_image(upload).convert("RGB")  # the same checks as a field photo
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # re-encoded: no EXIF, no payload
    photo = ComplaintPhoto(complaint=complaint, uploaded_at=timezone.now(), uploaded_by=actor)
    photo.image.save(f"{photo.client_id}.jpg", ContentFile(out.getvalue()), save=False)
    photo.save()
    return photo


@transaction.atomic
def complaint_photo_add(*, actor: User, complaint: Complaint, upload) -> ComplaintPhoto:
    """Attach a photo (validated and re-encoded as JPEG; served only through the scoped view)."""
    _can_handle(actor, complaint)
    if complaint.status == Status.CLOSED:
        raise ValidationError({"image": _("Reopen the complaint to add photos.")})
    if complaint.photos.count() >= 10:
        raise ValidationError({"image": _("A complaint keeps at most 10 photos.")})
    photo = _photo_add(complaint, actor, upload)
    _log(complaint, EventKind.PHOTO, actor, photo=str(photo.client_id))
    return photo


@transaction.atomic
def service_target_update(*, actor: User, target: ServiceTarget, respond_minutes: int,
                          resolve_minutes: int) -> ServiceTarget:
    """Change a severity's targets (administrators); complaints already logged keep theirs."""
    if not scoping.can_manage_service_targets(actor):
        raise PermissionDenied(_("Only administrators change the service targets."))
    target.respond_minutes = respond_minutes
    target.resolve_minutes = resolve_minutes
    target.full_clean()
    target.save(update_fields=["respond_minutes", "resolve_minutes", "updated_at"])
    return target


# --- the breach job ---------------------------------------------------------------------

def _supervisors_of(user: User) -> list[User]:
    if not user.team_id:
        return []
    return list(User.objects.filter(team_id=user.team_id, role=Role.SUPERVISOR, is_active=True)
                .exclude(pk=user.pk))


def scan_breaches(day: datetime.date | None = None, *, now: datetime.datetime | None = None
                  ) -> dict:
    """Mark every response and resolution target missed by now, once, and tell the assignee
    and the assignee's team supervisor (the complaint-breaches job, every 5 minutes).

    Idempotent: each complaint is claimed with a conditional UPDATE (breached_at still empty)
    in its own transaction, so a second run, or one racing this one, marks and notifies
    nothing twice; the notifications carry a dedupe key per complaint, target and round.
    """
    now = now or timezone.now()
    found = {"respond": 0, "resolve": 0}
    candidates = {
        Target.RESPOND: Complaint.objects.filter(
            status__in=ACTIVE_STATUSES, first_response_at__isnull=True,
            respond_breached_at__isnull=True, respond_due_at__lt=now),
        Target.RESOLVE: Complaint.objects.filter(
            status__in=ACTIVE_STATUSES, resolve_breached_at__isnull=True,
            resolve_due_at__lt=now),
    }
    for target, queryset in candidates.items():
        field = f"{target}_breached_at"
        due_field = f"{target}_due_at"
        for pk in queryset.values_list("pk", flat=True).order_by("pk")[:5000]:
            with transaction.atomic():
                claimed = Complaint.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(
                    **{field: F(due_field)})
                if not claimed:
                    continue
                complaint = Complaint.objects.select_related("assignee", "customer").get(pk=pk)
                _log(complaint, EventKind.BREACH, None, at=now, target=str(target))
                title = (gettext_lazy("Complaint %(code)s (%(customer)s): response target missed")
                         if target == Target.RESPOND else
                         gettext_lazy("Complaint %(code)s (%(customer)s): resolution target missed"))
                for person in [complaint.assignee, *_supervisors_of(complaint.assignee)]:
                    notify(user=person, kind="complaint.breach", title=title,
                           params={"code": complaint.code, "customer": complaint.customer.name},
                           link=complaint.get_absolute_url(), customer_id=complaint.customer_id,
                           source=complaint,
                           dedupe_key=f"complaint.breach:{pk}:{target}:{complaint.reopen_count}")
            found[str(target)] += 1
    return found
