"""The customer timeline: higher apps (visits, orders, complaints) add entries here."""

import datetime

from django.utils import timezone

from outletcrm.core.models import TimelineEntry


def timeline_add(
    *, customer_id: int, kind: str, title: str, body: str = "", actor=None,
    at: datetime.datetime | None = None, source=None,
) -> TimelineEntry:
    """Add an entry to a customer's timeline."""
    return TimelineEntry.objects.create(
        customer_id=customer_id, kind=kind, title=title[:200], body=body,
        actor=actor if getattr(actor, "pk", None) else None, at=at or timezone.now(),
        source_type=source._meta.model_name if source is not None else "",
        source_id=source.pk if source is not None else None,
    )


def timeline_for(customer_id: int, *, limit: int = 50):
    """Latest timeline entries of a customer, newest first."""
    return TimelineEntry.objects.filter(customer_id=customer_id).select_related("actor")[:limit]
