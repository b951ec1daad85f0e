"""Field-level privacy of the archive (issue 10 item 5; brief §7: strictly confidential).

Contacts' mobiles, birthdays and interests (and their family events, in care) are personal
data. Who sees them in full is one rule in core/scoping.py (`personal_data_access`); everyone
else sees them masked on every page, in the API, in exports and on the phone: a mobile as
138****5678, a birthday as its month only (****-08-**), interests hidden. A user the rule
allows to ask may unmask one field of one contact (`reveal`); each unmasking is written to
the audit log (core.audit) with who, which field of whose contact, and from where.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from outletcrm.core import scoping
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent

SENSITIVE_CONTACT_FIELDS = ("mobile", "birthday", "interests")
HIDDEN = "***"


def mask_phone(number: str | None) -> str:
    """138****5678: the carrier prefix and last four digits, enough to tell numbers apart."""
    if not number:
        return ""
    number = str(number)
    if len(number) < 8:
        return "****"
    return f"{number[:3]}****{number[-4:]}"


def mask_birthday(birthday: datetime.date | str | None) -> str:
    """The month only: enough to plan a greeting, not enough to identify a person."""
    if not birthday:
        return ""
    if isinstance(birthday, str):
        try:
            birthday = datetime.date.fromisoformat(birthday[:10])
        except ValueError:
            return HIDDEN
    return f"****-{birthday.month:02d}-**"


def mask_text(text: str | None) -> str:
    return HIDDEN if text else ""


MASKS = {"mobile": mask_phone, "birthday": mask_birthday, "interests": mask_text}


def mask_value(field: str, value):
    """`value` of contact field `field` as someone without full access sees it."""
    return MASKS[field](value) if field in MASKS else value


def mask_changes(changes: dict) -> dict:
    """A contact's history entry keeps personal values masked: the history is read by
    everyone who sees the customer, and the log would otherwise hold them in plain text."""
    return {key: [mask_value(key, old), mask_value(key, new)] if key in MASKS else [old, new]
            for key, (old, new) in changes.items()}


class PersonalDataView:
    """What one user sees of contacts' personal data, customer by customer, asked once per
    customer per request (pages render many contacts of few customers)."""

    def __init__(self, user):
        self.user = user
        self._access: dict[int, str] = {}

    def access(self, customer) -> str:
        key = customer.pk
        if key not in self._access:
            self._access[key] = scoping.personal_data_access(self.user, customer)
        return self._access[key]

    def full(self, customer) -> bool:
        return self.access(customer) == scoping.PERSONAL_FULL

    def may_reveal(self, customer) -> bool:
        return self.access(customer) == scoping.PERSONAL_ON_REQUEST

    def value(self, contact, field: str, *, customer=None):
        value = getattr(contact, field)
        if self.full(customer or contact.customer):
            return value
        return mask_value(field, value)

    def display(self, contact, field: str, *, customer=None) -> str:
        value = self.value(contact, field, customer=customer)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value or ""


def personal_view(request_or_user) -> PersonalDataView:
    """The request's PersonalDataView (kept on the request), or a new one for a user."""
    user = getattr(request_or_user, "user", request_or_user)
    if hasattr(request_or_user, "user"):
        cached = getattr(request_or_user, "_personal_view", None)
        if cached is None or cached.user is not user:
            cached = PersonalDataView(user)
            request_or_user._personal_view = cached
        return cached
    return PersonalDataView(user)


def reveal(*, actor, contact, field: str, channel: str = "web", ip: str = "") -> str:
    """Unmask one personal field of one contact for `actor`, and log that it was shown.

    The caller has fetched `contact` inside the actor's scope. Raises PermissionDenied when
    the actor's role is not allowed to see it, ValueError for a field that is not personal.
    """
    if field not in SENSITIVE_CONTACT_FIELDS:
        raise ValueError(field)
    access = scoping.personal_data_access(actor, contact.customer)
    if access == scoping.PERSONAL_MASKED:
        raise PermissionDenied(_("Your role may not see this contact's personal details."))
    value = getattr(contact, field)
    audit_record(action=AuditEvent.Action.FIELD_SHOWN, actor=actor, object_type="contact",
                 row_count=1, channel=channel,
                 detail={"customer": contact.customer.code, "customer_id": contact.customer_id,
                         "contact_id": contact.pk, "field": field, "ip": ip})
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""
