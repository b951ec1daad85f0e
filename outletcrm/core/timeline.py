"""The customer timeline: higher apps (visits, orders, complaints) add entries here."""

import datetime
from collections.abc import Mapping

from django.utils import timezone

from outletcrm.core import i18n
from outletcrm.core.models import TimelineEntry


def timeline_add(
    *, customer_id: int, kind: str, title, params: Mapping | None = None, body: str = "",
    actor=None, at: datetime.datetime | None = None, source=None,
) -> TimelineEntry:
    """Add an entry to a customer's timeline.

    `title` is the system's text: a lazy message (`gettext_lazy("Order %(code)s confirmed")`)
    with its `params` ({"code": order.code}; a choice label or another message as a parameter
    stays translatable). It is stored language-neutrally and each reader sees it in their own
    language. `body` is what a person typed (a reason, visit notes) and stays as typed.
    """
    text, message = i18n.store(title, params, max_length=200)
    return TimelineEntry.objects.create(
        customer_id=customer_id, kind=kind, title=text, title_message=message, body=body,
        actor=actor if getattr(actor, "pk", None) else None, at=at or timezone.now(),
        source_type=source._meta.model_name if source is not None else "",
        source_id=source.pk if source is not None else None,
    )


def timeline_for(customer_id: int, *, limit: int = 50):
    """Latest timeline entries of a customer, newest first."""
    return TimelineEntry.objects.filter(customer_id=customer_id).select_related("actor")[:limit]


def timeline_add_bulk(entries, *, batch_size: int = 2000) -> int:
    """Add many entries at once (a periodic job's): each a dict of `timeline_add`'s keywords.

    The caller owns the transaction (a job writes a batch's records and their entries together,
    so a crash leaves neither).
    """
    rows = []
    for entry in entries:
        text, message = i18n.store(entry["title"], entry.get("params"), max_length=200)
        source = entry.get("source")
        actor = entry.get("actor")
        rows.append(TimelineEntry(
            customer_id=entry["customer_id"], kind=entry["kind"], title=text,
            title_message=message, body=entry.get("body", ""),
            actor=actor if getattr(actor, "pk", None) else None,
            at=entry.get("at") or timezone.now(),
            source_type=source._meta.model_name if source is not None else "",
            source_id=source.pk if source is not None else None))
    TimelineEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
