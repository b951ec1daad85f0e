"""The governance log (who exported or imported what, when)."""

from outletcrm.core.models import AuditEvent


def audit_record(
    *, action: str, actor, object_type: str, row_count: int = 0, detail: dict | None = None,
    channel: str = "web",
) -> AuditEvent:
    """Write one audit event."""
    return AuditEvent.objects.create(
        action=action, actor=actor if getattr(actor, "pk", None) else None,
        object_type=object_type, row_count=row_count, detail=detail or {}, channel=channel,
    )
