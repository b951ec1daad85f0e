"""Writes to the customer archive. Pages, API, import and commands all come through here."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import scoping
from outletcrm.core.audit import audit_record
from outletcrm.core.history import diff, record_change, snapshot
from outletcrm.core.models import AuditEvent, ChangeLog, TimelineEntry
from outletcrm.core.timeline import timeline_add
from outletcrm.customers import gates, privacy, signals
from outletcrm.customers.dedupe import DuplicateMatch, find_duplicates
from outletcrm.customers.models import CompetitorEntry, Contact, Customer, Tag, VersionedModel
from outletcrm.customers.text import build_search_text, name_sort_key, normalise
from outletcrm.customers.validators import normalise_phone
from outletcrm.org.models import User

CUSTOMER_FIELDS = [
    "name", "outlet_type", "channel", "province", "city", "district", "address", "latitude",
    "longitude", "phone", "opens_at", "closes_at", "floor_area", "staff_count",
    "years_in_business", "brands", "source", "referred_by", "status", "customer_class",
    "abc_class", "owner", "notes",
    "marketing_consent", "marketing_consent_on", "marketing_consent_source",
]
CONTACT_FIELDS = [
    "name", "role", "decision_role", "mobile", "birthday", "birthday_is_lunar", "interests",
    "notes", "is_primary",
]
COMPETITOR_FIELDS = ["brand", "products", "satisfaction", "competitor_rep", "closeness", "notes"]
_EDITABLE = {Customer: CUSTOMER_FIELDS, Contact: CONTACT_FIELDS, CompetitorEntry: COMPETITOR_FIELDS}


class DuplicateCustomerError(Exception):
    """The data matches existing customers; nothing was written."""

    def __init__(self, matches: list[DuplicateMatch]):
        self.matches = matches
        super().__init__(_("This duplicates an existing customer record; nothing was saved."))


class StaleEditError(Exception):
    """The record changed (or went) since the editor read it; nothing was saved.

    `current` is the record as it is now (None if it was deleted meanwhile), so the caller can
    show what changed since the editor opened it.
    """

    def __init__(self, current: Model | None):
        self.current = current
        super().__init__(
            _("Someone else changed this record after you opened it; nothing was saved.")
            if current is not None
            else _("Someone else removed this record after you opened it; nothing was saved.")
        )


def _claim_version(model: type[Model], pk: int, expected: int | None) -> None:
    """Bump the record's version, but only while it is still `expected` (None: any).

    The check and the write are one conditional UPDATE, so of two saves that read the same
    version exactly one gets through, on PostgreSQL (the row lock makes the second wait and
    then see the new version) as on SQLite (one writer at a time). The caller's transaction
    then holds the row until it commits.
    """
    rows = model._base_manager.filter(pk=pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    if not rows.update(version=F("version") + 1):
        raise StaleEditError(model._base_manager.filter(pk=pk).first())


@dataclass
class _Changes:
    before: dict
    tracked: list[str]


def _check_owner(actor: User, owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Choose the owner rep.")})
    if not scoping.can_assign_owner(actor, owner):
        raise ValidationError({"owner": _("You cannot assign customers to someone outside your scope.")})


def _sync_owner_scope(customer: Customer) -> None:
    """Keep the denormalised team/region (used by data scope) equal to the owner's."""
    owner = customer.owner
    customer.team_id = owner.team_id
    customer.region_id = owner.team.region_id if owner.team_id else owner.region_id


def _refresh_keys(customer: Customer) -> None:
    # Only the store phone goes into the plain search text; contacts' mobiles are personal
    # data, encrypted at rest and found through their keyed hash (selectors, dedupe).
    phones = [customer.phone] if customer.phone else []
    customer.name_norm = normalise(customer.name)[:100]
    customer.name_sort = name_sort_key(customer.name)
    customer.address_norm = normalise(customer.full_address)[:200]
    customer.search_text = build_search_text(
        name=customer.name, address=customer.full_address, phones=phones, code=customer.code
    )


def _clean_input(fields: dict) -> dict:
    fields = dict(fields)
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields.get("phone") or "")
    if "brands" in fields and isinstance(fields["brands"], str):
        fields["brands"] = [b.strip() for b in fields["brands"].replace("，", ",").split(",")
                            if b.strip()]
    for key in ("name", "address", "province", "city", "district"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    return fields


def _set_tags(customer: Customer, tags) -> None:
    if tags is None:
        return
    objs = [t if isinstance(t, Tag) else Tag.objects.get_or_create(name=str(t).strip()[:30])[0]
            for t in tags if str(t).strip()]
    customer.tags.set(objs)


class _HoldForApproval(Exception):  # noqa: N818 - internal signal, never leaves this module
    """Validated but not written: the gate wants the new customer approved first."""


def customer_create(
    *, actor: User, tags=None, contacts: list[dict] | None = None,
    force_duplicate: bool = False, check_duplicates: bool = True, approval: bool = True,
    **fields,
) -> Customer:
    """Create a customer (with optional first contacts) unless it duplicates one on file.

    When the archive policy wants new customers approved (customers/gates.py) the validated
    data is stored for approval instead and ApprovalPending is raised; `approval=False` (the
    approver applying it, the system) files it at once.
    """
    try:
        return _customer_create(actor=actor, tags=tags, contacts=contacts,
                                force_duplicate=force_duplicate,
                                check_duplicates=check_duplicates, approval=approval, **fields)
    except _HoldForApproval as held:
        held_fields, held_tags, held_contacts = held.args
        with transaction.atomic():
            pending = gates.hold_create(actor=actor, fields=held_fields, tags=held_tags,
                                        contacts=held_contacts)
        raise gates.ApprovalPending(pending) from None


@transaction.atomic
def _customer_create(
    *, actor: User, tags=None, contacts: list[dict] | None = None,
    force_duplicate: bool = False, check_duplicates: bool = True, approval: bool = True,
    **fields,
) -> Customer:
    fields = _clean_input(fields)
    fields.setdefault("owner", actor)
    _check_owner(actor, fields.get("owner"))
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    customer = Customer(**fields, created_by=actor, code=f"TMP{timezone.now().timestamp()}")
    customer.full_clean(exclude=["code", "team", "region"])
    contact_rows = [_clean_contact(c) for c in (contacts or [])]
    if check_duplicates:
        phones = [customer.phone] + [c.get("mobile", "") for c in contact_rows]
        matches = find_duplicates(
            name=customer.name, address=customer.full_address, phones=phones,
            latitude=customer.latitude, longitude=customer.longitude,
        )
        if matches and not (force_duplicate and scoping.can_override_duplicate(actor)):
            raise DuplicateCustomerError(matches)
    if approval and gates.create_needs_approval(actor=actor, owner=customer.owner):
        # Nothing is written here; customer_create stores the request once this transaction
        # is gone (a request stored inside it would be rolled back with it).
        raise _HoldForApproval(fields, [str(t) for t in (tags or [])], contact_rows)
    _sync_owner_scope(customer)
    _refresh_keys(customer)
    customer.save()
    customer.code = f"C{customer.pk:07d}"
    # Built again with the real code: the temporary one must not stay searchable.
    _refresh_keys(customer)
    customer.save(update_fields=["code", "search_text"])
    _set_tags(customer, tags)
    for row in contact_rows:
        contact = Contact(customer=customer, **row)
        contact.full_clean()
        contact.save()
    note = (gettext_lazy("Created after the custodian confirmed it is not a duplicate")
            if force_duplicate else "")
    record_change(
        instance=customer, action=ChangeLog.Action.CREATE, actor=actor,
        changes={k: [None, v] for k, v in snapshot(customer, CUSTOMER_FIELDS).items()
                 if v not in (None, "", [])},
        customer_id=customer.pk, note=note,
    )
    timeline_add(customer_id=customer.pk, kind="archive",
                 title=gettext_lazy("Customer record created"), actor=actor)
    return customer


@transaction.atomic
def customer_update(
    *, actor: User, customer: Customer, tags=None, expected_version: int | None = None,
    approval: bool = True, **fields,
) -> Customer:
    """Change a customer's fields; every change is kept in its history.

    With `expected_version` (the version the editor read: a form's hidden field, an API
    client's If-Match) the save is refused with StaleEditError if anyone saved in between.
    Archived records are read-only (restore first). When the archive policy holds changes to
    key fields for approval (customers/gates.py), those are validated and stored as a pending
    change, the other fields applied; the returned customer carries the pending change as
    `held_change`. `approval=False`: the approver applying it, or the system.
    """
    fields = _clean_input(fields)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    scoping.ensure_writable(actor, customer)  # a borrowed customer is read-only
    _claim_version(Customer, customer.pk, expected_version)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_archived:
        raise ValidationError(_("This customer is archived and read-only; restore it first."))
    tracked = CUSTOMER_FIELDS + ["tags"]
    before = snapshot(customer, tracked)
    old_owner_id = customer.owner_id
    if "owner" in fields and fields["owner"] != customer.owner:
        _check_owner(actor, fields["owner"])
    stored = {key: getattr(customer, key) for key in gates.KEY_FIELDS}
    proposed = {key: value for key, value in fields.items()
                if key in gates.KEY_FIELDS and value != stored[key]}
    for key, value in fields.items():
        setattr(customer, key, value)
    customer.full_clean(exclude=["team", "region"])
    if "phone" in fields or "name" in fields or {"latitude", "longitude"} & set(fields):
        matches = find_duplicates(
            name=customer.name, address=customer.full_address,
            phones=[customer.phone] if "phone" in fields else [],
            latitude=customer.latitude, longitude=customer.longitude, exclude_id=customer.pk,
        )
        hard = [m for m in matches if m.reason != "nearby_name" or "name" in fields]
        if hard and not scoping.can_override_duplicate(actor):
            raise DuplicateCustomerError(hard)
    held = None
    if approval and proposed:
        # Validated as a whole above; now the key fields wait, as stored, for approval.
        held = gates.hold_update(actor=actor, customer=Customer.objects.get(pk=customer.pk),
                                 changes=proposed)
        if held is not None:
            for key in proposed:
                setattr(customer, key, stored[key])
    _sync_owner_scope(customer)
    _refresh_keys(customer)
    customer.save()
    _set_tags(customer, tags)
    changes = diff(before, snapshot(customer, tracked))
    if changes:
        record_change(instance=customer, action=ChangeLog.Action.UPDATE, actor=actor,
                      changes=changes, customer_id=customer.pk)
    if customer.owner_id != old_owner_id:
        signals.owner_changed.send(sender=Customer, customer=customer,
                                   old_owner_id=old_owner_id, actor=actor)
    customer.held_change = held
    return customer


@transaction.atomic
def customers_set_status_by_rule(*, changes, note, note_params=None) -> int:
    """Move customers between statuses by a rule of the system (the churn watch: active →
    dormant → lost, and back when they order again), in bulk and without an actor.

    `changes` holds (customer_id, old_status, new_status, name) tuples. One UPDATE per new
    status raises each version (an edit form opened before is refused as stale) and each
    customer gets a history entry with `note`. Returns the number of customers changed.
    """
    from outletcrm.core import i18n
    from outletcrm.customers.choices import Status

    changes = list(changes)
    labels = dict(Status.choices)
    by_status: dict[str, list[int]] = {}
    for customer_id, _old, new, _name in changes:
        by_status.setdefault(new, []).append(customer_id)
    now = timezone.now()
    changed = 0
    for status, ids in by_status.items():
        for start in range(0, len(ids), 2000):
            changed += Customer.objects.filter(pk__in=ids[start:start + 2000]).update(
                status=status, version=F("version") + 1, updated_at=now)
    text, message = i18n.store(note, note_params, max_length=300)
    ChangeLog.objects.bulk_create([
        ChangeLog(object_type="customer", object_id=customer_id, customer_id=customer_id,
                  object_repr=str(name)[:200], action=ChangeLog.Action.UPDATE,
                  changes={"status": [i18n.param(labels.get(old, old)),
                                      i18n.param(labels.get(new, new))]},
                  note=text, note_message=message)
        for customer_id, old, new, name in changes], batch_size=2000)
    return changed


@transaction.atomic
def customer_archive(*, actor: User, customer: Customer, reason: str) -> Customer:
    """Archive a former customer (never deleted, brief §3); it leaves lists but stays on file."""
    if not scoping.can_archive_customer(actor):
        raise PermissionDenied(_("You are not allowed to archive customers."))
    scoping.ensure_writable(actor, customer)
    if customer.is_archived:
        raise ValidationError(_("This customer is already archived."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for archiving.")})
    customer.archived_at = timezone.now()
    customer.archive_reason = reason[:200]
    customer.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    record_change(instance=customer, action=ChangeLog.Action.ARCHIVE, actor=actor,
                  customer_id=customer.pk, note=reason)
    signals.archived.send(sender=Customer, customer=customer, actor=actor)
    timeline_add(customer_id=customer.pk, kind="archive", title=gettext_lazy("Customer archived"),
                 body=reason, actor=actor)
    return customer


@transaction.atomic
def customer_archive_by_rule(*, customer_id: int, reason: str, note, note_params=None) -> bool:
    """Archive a customer by a retention rule of the system (governance, no actor): kept,
    read-only, out of the daily lists. `reason` is the text on the record, `note` the history
    and timeline message. False when it was archived meanwhile (the job is idempotent)."""
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None or customer.is_archived:
        return False
    customer.archived_at = timezone.now()
    customer.archive_reason = reason[:200]
    customer.version += 1  # an edit form opened before is now out of date
    customer.save(update_fields=["archived_at", "archive_reason", "version", "updated_at"])
    record_change(instance=customer, action=ChangeLog.Action.ARCHIVE, actor=None,
                  customer_id=customer.pk, note=note, note_params=note_params)
    signals.archived.send(sender=Customer, customer=customer, actor=None)
    timeline_add(customer_id=customer.pk, kind="archive", title=note, params=note_params)
    return True


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer) -> Customer:
    """Bring an archived customer back into daily work (win-back)."""
    if not scoping.can_archive_customer(actor):
        raise PermissionDenied(_("You are not allowed to restore customers."))
    scoping.ensure_writable(actor, customer)
    if not customer.is_archived:
        raise ValidationError(_("This customer is not archived."))
    if customer.merged_into_id:
        raise ValidationError(_("This record was merged into another customer and cannot be restored."))
    customer.archived_at = None
    customer.archive_reason = ""
    customer.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    record_change(instance=customer, action=ChangeLog.Action.RESTORE, actor=actor,
                  customer_id=customer.pk)
    timeline_add(customer_id=customer.pk, kind="archive", title=gettext_lazy("Customer restored"),
                 actor=actor)
    return customer


def _repoint_related(source: Customer, target: Customer) -> dict[str, int]:
    """Move every record that points at `source` to `target`, whatever app it belongs to."""
    moved = {}
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or rel.field.name in ("merged_into",):
            continue
        model = rel.related_model
        values = {rel.field.name: target}
        if issubclass(model, VersionedModel) and rel.field.name in _EDITABLE[model]:
            values["version"] = F("version") + 1  # the field shows in its edit form
        count = model._base_manager.filter(**{rel.field.name: source}).update(**values)
        if count:
            moved[model._meta.label] = count
    for model in (ChangeLog, TimelineEntry):
        moved[model._meta.label] = model.objects.filter(customer_id=source.pk).update(
            customer_id=target.pk
        )
    return moved


@transaction.atomic
def customer_merge(*, actor: User, keep: Customer, merge: Customer, channel: str = "web",
                   chosen: dict[str, str] | None = None) -> Customer:
    """Merge `merge` into `keep`: every related record and both histories end up on `keep`.

    Without `chosen`, `keep`'s values stand and its empty fields take `merge`'s (brands and
    notes are joined). `chosen` ({field: "keep" | "merge"}, the custodian's field-by-field
    choice on the desk) decides those fields exactly; latitude and longitude go together.
    """
    if not scoping.can_merge_customers(actor):
        raise PermissionDenied(_("Only the archive custodian can merge customer records."))
    if keep.pk == merge.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    _claim_version(Customer, keep.pk, None)  # an edit form open on `keep` is now out of date
    keep = Customer.objects.select_for_update().get(pk=keep.pk)
    merge = Customer.objects.select_for_update().get(pk=merge.pk)
    if keep.is_archived:
        raise ValidationError(_("The record to keep is archived; restore it first."))
    if merge.merged_into_id:
        raise ValidationError(_("The record to merge has already been merged."))
    chosen = _merge_choices(chosen)
    tracked = CUSTOMER_FIELDS + ["tags"]
    before = snapshot(keep, tracked)
    old_owner_id = keep.owner_id
    for name in CUSTOMER_FIELDS:
        value = getattr(keep, name)
        if value in (None, "", []) and getattr(merge, name) not in (None, "", []):
            setattr(keep, name, getattr(merge, name))
    if keep.referred_by_id == merge.pk:
        keep.referred_by = merge.referred_by if merge.referred_by_id != keep.pk else None
    keep.brands = sorted(set(keep.brands) | set(merge.brands))
    if merge.notes and merge.notes not in keep.notes:
        keep.notes = (keep.notes + "\n" + merge.notes).strip()
    for name, side in chosen.items():
        setattr(keep, name, getattr(merge if side == "merge" else _as_stored(keep), name))
    if keep.referred_by_id in (keep.pk, merge.pk):
        keep.referred_by = None
    if keep.owner_id != old_owner_id:
        _sync_owner_scope(keep)
    keep.full_clean(exclude=["team", "region", "code"])
    keep.tags.add(*merge.tags.all())
    moved = _repoint_related(merge, keep)
    _refresh_keys(keep)
    keep.save()
    signals.merged.send(sender=Customer, keep=keep, merge=merge, actor=actor)
    if keep.owner_id != old_owner_id:
        signals.owner_changed.send(sender=Customer, customer=keep, old_owner_id=old_owner_id,
                                   actor=actor)
    merge.archived_at = timezone.now()
    merge.archive_reason = _("Merged into %(code)s") % {"code": keep.code}
    merge.merged_into = keep
    merge.save(update_fields=["archived_at", "archive_reason", "merged_into", "updated_at"])
    changes = diff(before, snapshot(keep, tracked))
    note = gettext_lazy("Merged customer %(code)s %(name)s")
    merged = {"code": merge.code, "name": merge.name}
    record_change(instance=keep, action=ChangeLog.Action.MERGE, actor=actor, changes=changes,
                  customer_id=keep.pk, note=note, note_params=merged)
    timeline_add(customer_id=keep.pk, kind="archive", title=note, params=merged, actor=actor)
    audit_record(action=AuditEvent.Action.MERGE, actor=actor, object_type="customer",
                 row_count=1, channel=channel,
                 detail={"kept": keep.code, "merged": merge.code, "moved": moved})
    return keep


def _merge_choices(chosen: dict[str, str] | None) -> dict[str, str]:
    """Check the field-by-field choice of a merge; coordinates follow one choice."""
    chosen = dict(chosen or {})
    unknown = set(chosen) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if any(side not in ("keep", "merge") for side in chosen.values()):
        raise ValidationError(_("Choose each field's value from one of the two records."))
    for pair in (("latitude", "longitude"), ("longitude", "latitude")):
        if pair[0] in chosen:
            chosen[pair[1]] = chosen[pair[0]]
    return chosen


def _as_stored(customer: Customer) -> Customer:
    """The record as it was read (before the default fill-in of the merge)."""
    cached = getattr(customer, "_merge_stored", None)
    if cached is None:
        cached = Customer.objects.get(pk=customer.pk)
        customer._merge_stored = cached
    return cached


def _clean_contact(fields: dict) -> dict:
    fields = dict(fields)
    if "mobile" in fields:
        fields["mobile"] = normalise_phone(fields.get("mobile") or "")
    if isinstance(fields.get("name"), str):
        fields["name"] = fields["name"].strip()
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return fields


def _after_child_change(customer: Customer) -> None:
    _refresh_keys(customer)
    Customer.objects.filter(pk=customer.pk).update(
        search_text=customer.search_text, updated_at=timezone.now()
    )


def _child_save(
    *, actor, instance: Model, fields: dict, tracked: list[str], created: bool,
    expected_version: int | None = None,
):
    if not created:
        _claim_version(type(instance), instance.pk, expected_version)
        # As stored (a ModelForm has already written the new values onto the instance it got).
        instance = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    before = {} if created else snapshot(instance, tracked)
    for key, value in fields.items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    changes = diff(before, snapshot(instance, tracked))
    if created:
        changes = {k: v for k, v in changes.items() if v[1] not in (None, "", False)}
    if isinstance(instance, Contact):
        changes = privacy.mask_changes(changes)
    if changes or created:
        record_change(
            instance=instance, actor=actor, changes=changes, customer_id=instance.customer_id,
            action=ChangeLog.Action.CREATE if created else ChangeLog.Action.UPDATE,
        )
    return instance


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, **fields) -> Contact:
    """Add a contact person to a customer."""
    scoping.ensure_writable(actor, customer)
    fields = _clean_contact(fields)
    contact = _child_save(actor=actor, instance=Contact(customer=customer), fields=fields,
                          tracked=CONTACT_FIELDS, created=True)
    _after_child_change(customer)
    return contact


@transaction.atomic
def contact_update(
    *, actor: User, contact: Contact, expected_version: int | None = None, **fields
) -> Contact:
    """Change a contact; the change is kept in the customer's history.

    `expected_version` as for customer_update: a stale save raises StaleEditError.
    """
    scoping.ensure_writable(actor, contact.customer)
    fields = _clean_contact(fields)
    personal = [k for k in privacy.SENSITIVE_CONTACT_FIELDS
                if k in fields and fields[k] != getattr(contact, k)]
    if personal and not scoping.can_edit_personal_data(actor, contact.customer):
        raise PermissionDenied(_("Your role may not change this contact's personal details."))
    contact = _child_save(actor=actor, instance=contact, fields=fields, tracked=CONTACT_FIELDS,
                          created=False, expected_version=expected_version)
    _after_child_change(contact.customer)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    """Remove a contact; its last values stay in the customer's history."""
    scoping.ensure_writable(actor, contact.customer)
    values = snapshot(contact, CONTACT_FIELDS)
    record_change(instance=contact, action=ChangeLog.Action.DELETE, actor=actor,
                  customer_id=contact.customer_id,
                  changes=privacy.mask_changes(
                      {k: [v, None] for k, v in values.items() if v not in (None, "", False)}))
    customer = contact.customer
    contact.delete()
    _after_child_change(customer)


@transaction.atomic
def competitor_save(*, actor: User, customer: Customer, entry: CompetitorEntry | None = None,
                    expected_version: int | None = None, **fields) -> CompetitorEntry:
    """Add or change an entry of the customer's competitor file.

    `expected_version` as for customer_update: a stale change raises StaleEditError.
    """
    unknown = set(fields) - set(COMPETITOR_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    scoping.ensure_writable(actor, customer)
    created = entry is None
    entry = entry or CompetitorEntry(customer=customer)
    return _child_save(actor=actor, instance=entry, fields=fields, tracked=COMPETITOR_FIELDS,
                       created=created, expected_version=expected_version)


@transaction.atomic
def competitor_delete(*, actor: User, entry: CompetitorEntry) -> None:
    """Remove a competitor entry; its last values stay in the history."""
    scoping.ensure_writable(actor, entry.customer)
    values = snapshot(entry, COMPETITOR_FIELDS)
    record_change(instance=entry, action=ChangeLog.Action.DELETE, actor=actor,
                  customer_id=entry.customer_id,
                  changes={k: [v, None] for k, v in values.items() if v not in (None, "")})
    entry.delete()


@transaction.atomic
def customers_set_classes(*, actor: User | None, changes, note, note_params_of=None) -> int:
    """Change customers' class and ABC class (dynamic classification, brief §3: "classes change
    as the data changes"), approved by `actor` or applied by a rule of the system (actor None).

    `changes` holds (customer_id, {"customer_class": CustomerClass | None,
    "abc_class": CustomerClass | None}) pairs; a field left out keeps its value. The ABC class
    drives the visit frequency (CustomerClass.visit_every_weeks). One UPDATE per field and new
    class raises each version (an edit form opened before is refused as stale); each customer
    gets one history entry with old → new and `note` (a lazy message) with
    `note_params_of(customer_id)`. Returns the number of customers changed.
    """
    from outletcrm.customers.models import CustomerClass

    changes = [(cid, fields) for cid, fields in changes if fields]
    if not changes:
        return 0
    ids = [cid for cid, _fields in changes]
    current = {row["pk"]: row for row in Customer.objects.filter(pk__in=ids).values(
        "pk", "name", "customer_class_id", "abc_class_id")}
    classes = {c.pk: c for c in CustomerClass.objects.all()}
    groups: dict[tuple[str, int | None], list[int]] = {}
    entries = []
    for customer_id, fields in changes:
        row = current.get(customer_id)
        if row is None:
            continue
        diffs = {}
        for field, new in fields.items():
            if field not in ("customer_class", "abc_class"):
                raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": field})
            old_id = row[f"{field}_id"]
            new_id = new.pk if new is not None else None
            if old_id == new_id:
                continue
            groups.setdefault((field, new_id), []).append(customer_id)
            old = classes.get(old_id)
            diffs[field] = [i18n_name(old), i18n_name(new)]
        if diffs:
            params = note_params_of(customer_id) if note_params_of else None
            text, message = _store_note(note, params)
            entries.append(ChangeLog(
                object_type="customer", object_id=customer_id, customer_id=customer_id,
                object_repr=str(row["name"])[:200], action=ChangeLog.Action.UPDATE,
                changes=diffs, actor=actor, note=text, note_message=message))
    now = timezone.now()
    touched: set[int] = set()
    for (field, new_id), group in groups.items():
        for start in range(0, len(group), 2000):
            part = group[start:start + 2000]
            Customer.objects.filter(pk__in=part).update(**{f"{field}_id": new_id},
                                                        version=F("version") + 1,
                                                        updated_at=now)
            touched.update(part)
    ChangeLog.objects.bulk_create(entries, batch_size=2000)
    return len(touched)


def i18n_name(obj):
    from outletcrm.core import i18n

    return i18n.name(obj) if obj is not None else None


def _store_note(note, params):
    from outletcrm.core import i18n

    return i18n.store(note, params, max_length=300)
