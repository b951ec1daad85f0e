"""Background work of complaints (django.tasks): the breach scan, every 5 minutes
(settings.SCHEDULE "complaint-breaches"). Idempotent: see services.scan_breaches."""

from django.tasks import task

from outletcrm.complaints.services import scan_breaches
from outletcrm.core.jobs import run_job


@task()
def scan_breaches_task(day: str | None = None) -> dict:
    """Mark the service targets missed by now and notify (job "complaint-breaches")."""
    return run_job("complaint-breaches", day, lambda d: scan_breaches(d))
