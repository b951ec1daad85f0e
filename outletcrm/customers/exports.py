"""Issuance of the archive (发放制度, brief §7; issue 10 item 4): who may take customers out.

Every export becomes a row of core.ExportRequest (the export list the custodian audits: who,
when, how many rows, the filter, who approved it). Up to settings.EXPORT_APPROVAL_ROWS rows it
runs at once; above that it waits in the custodian's inbox (the `access` app's pages and API),
and once approved the workbook is made as the requester sees the archive at that moment, kept
under MEDIA_ROOT/exports/, and downloaded once by the requester through a scoped view
(core/files.py); the file is removed after that download (or by the "access-purge" job when
never fetched). Every workbook carries the requester's watermark (importexport.watermark_text).
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import scoping
from outletcrm.core.accesslog import Action, access_record
from outletcrm.core.models import ExportRequest
from outletcrm.customers import importexport
from outletcrm.customers.selectors import CustomerFilters
from outletcrm.notifications.services import notify

EXPORT_DIR = "exports"


@dataclass
class ExportOutcome:
    """The export's row; `content` is the workbook when it ran at once, None when it waits."""

    export: ExportRequest
    content: bytes | None


def _filter_text(filters: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))[:500]


def export_start(*, request, user, filters: CustomerFilters, channel: str = "web") -> ExportOutcome:
    """Export now, or file the export for approval when it is larger than the limit."""
    kept = importexport.export_filters(filters)
    count = importexport.count_export(user=user, filters=filters)
    if scoping.export_needs_approval(user, count):
        with transaction.atomic():
            export = ExportRequest.objects.create(
                requester=user, channel=channel, filters=kept, filter_text=_filter_text(kept),
                row_count=count, status=ExportRequest.Status.PENDING)
            for keeper in scoping.keepers_of_region(scoping.home_region_id(user)):
                notify(user=keeper, kind="access.export_request",
                       title=gettext_lazy("%(user)s asks to export %(count)s customers"),
                       params={"user": str(user.display_name or user.username), "count": count},
                       link="/access/exports/", source=export)
        return ExportOutcome(export, None)
    content, count = importexport.export_customers(user=user, filters=filters, channel=channel)
    export = ExportRequest.objects.create(
        requester=user, channel=channel, filters=kept, filter_text=_filter_text(kept),
        row_count=count, status=ExportRequest.Status.DONE)
    access_record(request, user=user, action=Action.EXPORT, row_count=count)
    return ExportOutcome(export, content)


def export_decide(*, actor, export: ExportRequest, approve: bool) -> ExportRequest:
    """Approve (make the workbook, as the requester sees the archive now) or refuse."""
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().get(pk=export.pk)
        if not scoping.can_decide_export(actor, export):
            raise PermissionDenied(_("You may not decide on this export."))
        if export.status != ExportRequest.Status.PENDING:
            raise ValidationError(_("This export has already been decided."))
        export.decided_by, export.decided_at = actor, timezone.now()
        if approve:
            filters = CustomerFilters(**export.filters)
            content, count = importexport.export_customers(
                user=export.requester, filters=filters, channel=export.channel)
            relative = f"{EXPORT_DIR}/{export.requester_id}/{secrets.token_urlsafe(24)}.xlsx"
            path = Path(settings.MEDIA_ROOT) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            export.file, export.row_count = relative, count
            export.status = ExportRequest.Status.APPROVED
        else:
            export.status = ExportRequest.Status.REFUSED
        export.save()
        notify(user=export.requester, kind="access.export_decided",
               title=gettext_lazy("Your export of %(count)s customers was approved") if approve
               else gettext_lazy("Your export of %(count)s customers was refused"),
               params={"count": export.row_count}, link="/access/exports/mine/", source=export)
    return export


def export_fetch(*, request, user, pk: int) -> ExportRequest:
    """Hand an approved export to its requester, once; anyone else (or a second fetch) gets
    the 404 of a missing record."""
    from django.http import Http404

    with transaction.atomic():
        export = (ExportRequest.objects.select_for_update()
                  .filter(pk=pk, requester_id=user.pk, status=ExportRequest.Status.APPROVED)
                  .first())
        if export is None or not export.file:
            raise Http404
        export.status = ExportRequest.Status.DOWNLOADED
        export.downloaded_at = timezone.now()
        export.save(update_fields=["status", "downloaded_at"])
        access_record(request, user=user, action=Action.EXPORT, row_count=export.row_count)
    return export
