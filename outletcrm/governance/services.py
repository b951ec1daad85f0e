"""Writes of archive governance (brief §7; issue 10 items 0, 1, 7).

- the custodian's desk: `duplicates_scan` (the nightly job and "scan now") runs the duplicate
  rules of customers/dedupe.py over the whole live archive with blocking keys; `pair_merge`
  (field by field, through customers.services.customer_merge) and `pair_dismiss`;
- custodianship (专人管理): `pending_create_new` / `pending_create_update` store what the
  policy holds (called by the gate, governance/gate.py), `pending_approve` / `pending_refuse`;
- retention: `archive_by_rules` (nightly), `customer_delete_in_error` (administrators).
"""

import datetime
import math
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import FloatField, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from outletcrm.core import scoping
from outletcrm.core.audit import audit_record
from outletcrm.core.history import snapshot
from outletcrm.core.models import AuditEvent
from outletcrm.core.timeline import timeline_add
from outletcrm.customers import services as customer_services
from outletcrm.customers.choices import Status
from outletcrm.customers.dedupe import haversine_m
from outletcrm.customers.models import Contact, Customer
from outletcrm.governance.choices import ChangeKind, ChangeStatus, PairStatus
from outletcrm.governance.gate import _place
from outletcrm.governance.models import DuplicatePair, GovernancePolicy, PendingChange, Tombstone
from outletcrm.notifications.services import notify
from outletcrm.org.models import Role, User

# A phone shared by more records than this is a chain's head office or a switchboard, not a
# sign that each two of them are one outlet; such groups are left out of the phone rule.
MAX_PHONE_GROUP = 12
REASON_ORDER = ("phone", "name_address", "nearby_name")


# --- the custodian's desk: finding suspected duplicates -----------------------------------

def _cell(lat: float, lng: float, size_m: float) -> tuple[int, int]:
    """A grid cell at least `size_m` wide, so two points within that distance lie in the
    same or neighbouring cells (x is scaled by the latitude's cosine)."""
    y = lat * 111_320
    x = lng * 111_320 * max(math.cos(math.radians(lat)), 0.01)
    return int(y // size_m), int(x // size_m)


def find_duplicate_pairs() -> dict[tuple[int, int], dict]:
    """Every pair of live customers the duplicate rules match: {(low id, high id): {"reasons":
    set, "distance_m": int | None}}.

    Never all pairs (O(n²)): each rule compares only records that share a blocking key — the
    same phone (store phone or a contact's mobile), the same normalised name and address, or
    neighbouring grid cells of DUPLICATE_RADIUS_M for the near-identical-name rule.
    """
    pairs: dict[tuple[int, int], dict] = {}

    def add(a: int, b: int, reason: str, distance: float | None = None) -> None:
        key = (a, b) if a < b else (b, a)
        entry = pairs.setdefault(key, {"reasons": set(), "distance_m": None})
        entry["reasons"].add(reason)
        if distance is not None:
            entry["distance_m"] = round(distance)

    # Coordinates as floats straight from the database: converting 200,000 Decimals costs
    # more than the whole comparison.
    rows = list(Customer.objects.live().values_list(
        "pk", "phone", "name_norm", "address_norm",
        Cast("latitude", FloatField()), Cast("longitude", FloatField())))
    by_phone: dict[str, set[int]] = defaultdict(set)
    by_name_address: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, phone, name_norm, address_norm, _lat, _lng in rows:
        if phone:
            by_phone[phone].add(pk)
        if name_norm and address_norm:
            by_name_address[(name_norm, address_norm)].append(pk)
    mobiles = Contact.objects.filter(customer__archived_at__isnull=True).exclude(mobile="")
    for customer_id, mobile in mobiles.values_list("customer_id", "mobile").iterator(chunk_size=5000):
        by_phone[mobile].add(customer_id)
    for members in by_phone.values():
        if 1 < len(members) <= MAX_PHONE_GROUP:
            ordered = sorted(members)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    add(a, b, "phone")
    for members in by_name_address.values():
        if 1 < len(members) <= MAX_PHONE_GROUP:
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    add(a, b, "name_address")

    radius = float(settings.DUPLICATE_RADIUS_M)
    score = float(settings.DUPLICATE_NAME_SCORE)
    cells: dict[tuple[int, int], list[tuple[int, str, float, float]]] = defaultdict(list)
    for pk, _phone, name_norm, _address, lat, lng in rows:
        if name_norm and lat is not None and lng is not None:
            cells[_cell(lat, lng, radius)].append((pk, name_norm, lat, lng))
    for (cy, cx), members in cells.items():
        # This cell and its forward neighbours (each neighbouring pair of cells once).
        candidates = list(members)
        for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
            candidates.extend(cells.get((cy + dy, cx + dx), ()))
        if len(candidates) < 2:
            continue
        names = [c[1] for c in candidates]
        for i, (pk, name, lat, lng) in enumerate(members):
            # One C call per record against its few neighbours (rapidfuzz), not one per pair.
            for _name, _score, j in process.extract(name, names, scorer=fuzz.ratio,
                                                    score_cutoff=score, limit=None):
                if j <= i:  # itself, or a pair of this cell already seen from the other side
                    continue
                opk, _oname, olat, olng = candidates[j]
                distance = haversine_m(lat, lng, olat, olng)
                if distance <= radius:
                    add(pk, opk, "nearby_name", distance)
    return pairs


def duplicates_scan(day: datetime.date | None = None) -> dict:
    """Bring the desk's queue up to date with the archive (the periodic job "duplicates-scan"
    and "scan now"); idempotent. New pairs are added, open pairs get their current reasons,
    open pairs the rules no longer match (a record edited, archived, merged) leave the queue,
    and pairs marked "not a duplicate" or merged are never raised again."""
    found = find_duplicate_pairs()
    known = {(a, b): (pk, status, reasons) for pk, a, b, status, reasons in
             DuplicatePair.objects.values_list("pk", "customer_a_id", "customer_b_id",
                                               "status", "reasons").iterator(chunk_size=5000)}
    new, changed, gone = [], [], []
    for key, entry in found.items():
        reasons = [r for r in REASON_ORDER if r in entry["reasons"]]
        if key not in known:
            new.append(DuplicatePair(customer_a_id=key[0], customer_b_id=key[1], reasons=reasons,
                                     distance_m=entry["distance_m"]))
        elif known[key][1] == PairStatus.OPEN and known[key][2] != reasons:
            changed.append(DuplicatePair(pk=known[key][0], reasons=reasons,
                                         distance_m=entry["distance_m"]))
    for key, (pk, status, _reasons) in known.items():
        if status == PairStatus.OPEN and key not in found:
            gone.append(pk)
    with transaction.atomic():
        DuplicatePair.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        DuplicatePair.objects.bulk_update(changed, ["reasons", "distance_m"], batch_size=2000)
        for start in range(0, len(gone), 2000):
            DuplicatePair.objects.filter(pk__in=gone[start:start + 2000],
                                         status=PairStatus.OPEN).delete()
    return {"found": len(found), "new": len(new), "updated": len(changed), "cleared": len(gone),
            "open": DuplicatePair.objects.filter(status=PairStatus.OPEN).count()}


def _desk_check(actor: User, pair: DuplicatePair) -> None:
    if not scoping.can_work_desk(actor):
        raise PermissionDenied(_("Only the archive custodian works the duplicates desk."))
    if pair.status != PairStatus.OPEN:
        raise ValidationError(_("This pair was already decided."))


@transaction.atomic
def pair_merge(*, actor: User, pair: DuplicatePair, survivor: str, chosen: dict[str, str],
               channel: str = "web") -> Customer:
    """Merge a pair field by field: `survivor` ("a" or "b") keeps its number and receives
    the other's contacts, visits, orders and tasks (customers.services.customer_merge);
    `chosen` says for each field whose record's value it takes ({field: "a" | "b"})."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    _desk_check(actor, pair)
    if survivor not in ("a", "b"):
        raise ValidationError({"survivor": _("Choose the record to keep: a or b.")})
    if any(side not in ("a", "b") for side in chosen.values()):
        raise ValidationError({"chosen": _("Choose each field's value from record a or b.")})
    keep, merge = ((pair.customer_a, pair.customer_b) if survivor == "a"
                   else (pair.customer_b, pair.customer_a))
    kept = customer_services.customer_merge(
        actor=actor, keep=keep, merge=merge, channel=channel,
        chosen={field: "keep" if side == survivor else "merge" for field, side in chosen.items()})
    pair.status = PairStatus.MERGED
    pair.decided_by, pair.decided_at = actor, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at", "seen_at"])
    # The merged record left the live archive: its other open pairs are moot; the next scan
    # finds the survivor's own.
    DuplicatePair.objects.filter(Q(customer_a=merge) | Q(customer_b=merge),
                                 status=PairStatus.OPEN).delete()
    return kept


@transaction.atomic
def pair_dismiss(*, actor: User, pair: DuplicatePair, note: str = "",
                 channel: str = "web") -> DuplicatePair:
    """Mark a pair "not a duplicate": it stays on file so the scan never raises it again."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    _desk_check(actor, pair)
    pair.status = PairStatus.DISMISSED
    pair.note = (note or "").strip()[:300]
    pair.decided_by, pair.decided_at = actor, timezone.now()
    pair.save(update_fields=["status", "note", "decided_by", "decided_at", "seen_at"])
    audit_record(action=AuditEvent.Action.NOT_DUPLICATE, actor=actor, object_type="customer",
                 row_count=2, channel=channel,
                 detail={"customers": [pair.customer_a.code, pair.customer_b.code],
                         "note": pair.note})
    return pair


# --- custodianship: changes held for approval ----------------------------------------------

def _dump(name: str, value):
    field = Customer._meta.get_field(name)
    if value is None:
        return None
    if field.is_relation:
        return getattr(value, "pk", value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _load(name: str, raw):
    field = Customer._meta.get_field(name)
    if raw is None:
        return None
    if field.is_relation:
        found = field.related_model._base_manager.filter(pk=raw).first()
        if found is None:
            raise ValidationError({name: _("%(field)s of this request no longer exists.")
                                   % {"field": field.verbose_name}})
        return found
    return field.to_python(raw)


def _text(name: str, value) -> str:
    field = Customer._meta.get_field(name)
    if value in (None, "", []):
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def _shown(name: str, old, new) -> list:
    return [name, _text(name, old), _text(name, new)]


def _approvers(region_id: int | None, team_id: int | None, requester: User) -> list[User]:
    """Who is told a change waits for them (the people core.scoping lets decide it)."""
    policy = GovernancePolicy.current()
    people = User.objects.filter(is_active=True).exclude(pk=requester.pk)
    wanted = Q(pk__in=[])
    if policy.approver in ("custodian", "either"):
        keeper = scoping.nearest_custodians().get(region_id) if region_id else None
        wanted |= Q(pk=keeper) if keeper else Q(role=Role.CUSTODIAN)
    if policy.approver in ("supervisor", "either") and team_id:
        wanted |= Q(role=Role.SUPERVISOR, team_id=team_id)
    return list(people.filter(wanted)[:20])


def _tell_approvers(pending: PendingChange) -> None:
    for person in _approvers(pending.region_id, pending.team_id, pending.requested_by):
        notify(user=person, kind="archive.change_requested",
               title=gettext_lazy("%(who)s asks to approve: %(name)s"),
               params={"who": str(pending.requested_by), "name": pending.name},
               link=f"{reverse('governance:inbox')}#change-{pending.pk}",
               customer_id=pending.customer_id, source=pending,
               dedupe_key=f"archive-change:{pending.pk}")


def pending_create_new(*, actor: User, fields: dict, tags: list[str],
                       contacts: list[dict]) -> PendingChange:
    """Store a validated new customer for approval (the gate calls this; customer_create
    raises ApprovalPending with it)."""
    region_id, team_id = _place(fields.get("owner"))
    proposed = {name: _dump(name, value) for name, value in fields.items()}
    proposed["_tags"] = list(tags)
    proposed["_contacts"] = [{k: v.isoformat() if isinstance(v, datetime.date) else v
                              for k, v in row.items()} for row in contacts]
    pending = PendingChange.objects.create(
        kind=ChangeKind.CREATE, name=str(fields.get("name", ""))[:100], proposed=proposed,
        shown=[_shown(name, None, value) for name, value in fields.items()
               if value not in (None, "", [])],
        region_id=region_id, team_id=team_id, requested_by=actor)
    _tell_approvers(pending)
    return pending


def pending_create_update(*, actor: User, customer: Customer, changes: dict) -> PendingChange:
    """Store a change to key fields for approval (the gate calls this inside customer_update)."""
    pending = PendingChange.objects.create(
        kind=ChangeKind.UPDATE, customer=customer, name=customer.name,
        proposed={name: _dump(name, value) for name, value in changes.items()},
        before={name: _dump(name, getattr(customer, name)) for name in changes},
        shown=[_shown(name, getattr(customer, name), value) for name, value in changes.items()],
        region_id=customer.region_id, team_id=customer.team_id, requested_by=actor)
    _tell_approvers(pending)
    return pending


def _decide_check(actor: User, pending: PendingChange) -> None:
    policy = GovernancePolicy.current()
    if pending.status != ChangeStatus.PENDING:
        raise ValidationError(_("This request was already decided."))
    if not scoping.can_approve_archive_change(
            actor, region_id=pending.region_id, team_id=pending.team_id,
            requester_id=pending.requested_by_id, approver=policy.approver):
        raise PermissionDenied(_("You may not decide this request."))


def _tell_requester(pending: PendingChange, title) -> None:
    notify(user=pending.requested_by, kind="archive.change_decided", title=title,
           params={"name": pending.name}, body=pending.reason,
           link=(reverse("customers:detail", args=[pending.customer_id or
                                                  pending.created_customer_id])
                 if (pending.customer_id or pending.created_customer_id)
                 else reverse("governance:inbox")),
           customer_id=pending.customer_id or pending.created_customer_id, source=pending,
           dedupe_key=f"archive-decided:{pending.pk}")


@transaction.atomic
def pending_approve(*, actor: User, pending: PendingChange, channel: str = "web") -> PendingChange:
    """Apply a held change, all or nothing, with its history and audit entry."""
    pending = PendingChange.objects.select_for_update().get(pk=pending.pk)
    _decide_check(actor, pending)
    fields = {name: _load(name, raw) for name, raw in pending.proposed.items()
              if not name.startswith("_")}
    try:
        if pending.kind == ChangeKind.CREATE:
            contacts = [dict(row) for row in pending.proposed.get("_contacts", [])]
            for row in contacts:
                if row.get("birthday"):
                    row["birthday"] = datetime.date.fromisoformat(row["birthday"])
            customer = customer_services.customer_create(
                actor=pending.requested_by, approval=False, tags=pending.proposed.get("_tags"),
                contacts=contacts, **fields)
            pending.created_customer = customer
        else:
            customer = Customer.objects.select_for_update().get(pk=pending.customer_id)
            now = {name: _dump(name, getattr(customer, name)) for name in pending.before}
            if now != pending.before:
                raise ValidationError(_("The record changed after this request was made; "
                                        "refuse it and ask for a new one."))
            customer = customer_services.customer_update(
                actor=actor, customer=customer, approval=False, **fields)
    except customer_services.DuplicateCustomerError as exc:
        raise ValidationError(_("This now duplicates %(codes)s; merge or refuse it.") % {
            "codes": ", ".join(m.code for m in exc.matches)}) from exc
    pending.status = ChangeStatus.APPROVED
    pending.decided_by, pending.decided_at = actor, timezone.now()
    pending.save(update_fields=["status", "decided_by", "decided_at", "created_customer"])
    timeline_add(customer_id=customer.pk, kind="archive",
                 title=gettext_lazy("Change by %(who)s approved"),
                 params={"who": str(pending.requested_by)}, actor=actor)
    audit_record(action=AuditEvent.Action.CHANGE_APPROVED, actor=actor, object_type="customer",
                 row_count=1, channel=channel,
                 detail={"customer": customer.code, "kind": pending.kind,
                         "requested_by": pending.requested_by.username,
                         "fields": sorted(fields)})
    _tell_requester(pending, gettext_lazy("Approved: your change to %(name)s"))
    return pending


@transaction.atomic
def pending_refuse(*, actor: User, pending: PendingChange, reason: str,
                   channel: str = "web") -> PendingChange:
    """Refuse a held change with a reason; nothing of it is applied."""
    pending = PendingChange.objects.select_for_update().get(pk=pending.pk)
    _decide_check(actor, pending)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for refusing.")})
    pending.status = ChangeStatus.REFUSED
    pending.reason = reason[:300]
    pending.decided_by, pending.decided_at = actor, timezone.now()
    pending.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(action=AuditEvent.Action.CHANGE_REFUSED, actor=actor, object_type="customer",
                 row_count=1, channel=channel,
                 detail={"customer_id": pending.customer_id, "name": pending.name,
                         "kind": pending.kind, "requested_by": pending.requested_by.username,
                         "reason": pending.reason})
    _tell_requester(pending, gettext_lazy("Refused: your change to %(name)s"))
    return pending


@transaction.atomic
def policy_save(*, actor: User, **values) -> GovernancePolicy:
    """Change the archive policy (administrators)."""
    if not scoping.can_edit_archive_policy(actor):
        raise PermissionDenied(_("Only administrators change the archive policy."))
    policy = GovernancePolicy.current()
    allowed = {"new_customers_need_approval", "key_changes_need_approval", "approver",
               "archive_lost_after_months"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    return policy


# --- retention: archiving by rule, deletion of records created in error ----------------------

def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def archive_candidates(day: datetime.date):
    """Live customers the retention rule archives on `day`: lost, and their record unchanged
    for the policy's number of months (GovernancePolicy.archive_lost_after_months)."""
    months = GovernancePolicy.current().archive_lost_after_months
    if not months:
        return Customer.objects.none()
    cutoff = datetime.datetime.combine(_months_before(day, months), datetime.time.min,
                                       tzinfo=timezone.get_current_timezone())
    return Customer.objects.live().filter(status=Status.LOST, updated_at__lt=cutoff)


def archive_by_rules(day: datetime.date) -> dict:
    """The periodic job "archive-retention": archive what the rules say, each customer in its
    own transaction (a crash keeps what was done; the rerun skips it). Idempotent."""
    months = GovernancePolicy.current().archive_lost_after_months
    ids = list(archive_candidates(day).values_list("pk", flat=True))
    archived = 0
    for customer_id in ids:
        archived += customer_services.customer_archive_by_rule(
            customer_id=customer_id,
            reason=_("Lost for more than %(months)s months (archiving rule)") % {"months": months},
            note=gettext_lazy("Archived by rule: lost for more than %(months)s months"),
            note_params={"months": months})
    if archived:
        audit_record(action=AuditEvent.Action.ARCHIVED_BY_RULE, actor=None,
                     object_type="customer", row_count=archived, channel="job",
                     detail={"months": months, "day": day.isoformat()})
    return {"archived": archived, "months": months}


# Records that may go with a customer deleted as created in error: its own card (contacts,
# competitor file), the desk's and inbox's entries about it, notifications that name it.
_DELETABLE_WITH = {"customers.contact", "customers.competitorentry", "customers.customer",
                   "governance.duplicatepair", "governance.pendingchange"}


@transaction.atomic
def customer_delete_in_error(*, actor: User, customer: Customer, reason: str,
                             channel: str = "web") -> Tombstone:
    """Delete a record created in error (administrators only; brief §7 keeps everything else):
    refused when any business record (visit, order, task, complaint…) points at it — archive
    that instead. Leaves a tombstone (who, when, why, its number and name) and an audit event."""
    if not scoping.can_delete_customer(actor):
        raise PermissionDenied(_("Only administrators may delete a customer record."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this record was created in error.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    used = []
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or rel.related_model._meta.label_lower in _DELETABLE_WITH:
            continue
        if rel.related_model._base_manager.filter(**{rel.field.name: customer}).exists():
            used.append(str(rel.related_model._meta.verbose_name_plural))
    if Customer.objects.filter(Q(referred_by=customer) | Q(merged_into=customer)).exists():
        used.append(str(Customer._meta.verbose_name_plural))
    if used:
        raise ValidationError(_("This record has business history (%(what)s); archive it "
                                "instead of deleting it.") % {"what": ", ".join(sorted(set(used)))})
    tombstone = Tombstone.objects.create(
        customer_id=customer.pk, code=customer.code, name=customer.name, reason=reason[:300],
        deleted_by=actor,
        snapshot=snapshot(customer, customer_services.CUSTOMER_FIELDS))
    audit_record(action=AuditEvent.Action.DELETED, actor=actor, object_type="customer",
                 row_count=1, channel=channel,
                 detail={"customer": customer.code, "name": customer.name, "reason": reason[:300]})
    customer.tags.clear()
    customer.delete()
    return tombstone
