"""Template helpers of archive governance."""

from django import template

from outletcrm.core import scoping
from outletcrm.customers.models import Customer

register = template.Library()


@register.filter
def shown_rows(change) -> list[dict]:
    """A held change's fields as label, old text, new text (labels in the reader's language)."""
    rows = []
    for name, old, new in change.shown:
        try:
            label = Customer._meta.get_field(name).verbose_name
        except Exception:  # noqa: BLE001 - a field removed since; show its name
            label = name
        rows.append({"name": name, "label": label, "old": old, "new": new})
    return rows


@register.filter
def can_work_desk(user) -> bool:
    return scoping.can_work_desk(user)
