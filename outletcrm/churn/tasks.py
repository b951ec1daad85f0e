"""Background work of the churn watch: the nightly scan (settings.SCHEDULE "churn-scan")."""

from django.tasks import task

from outletcrm.churn.services import scan_churn
from outletcrm.core.jobs import run_job


@task()
def churn_scan_task(day: str | None = None) -> dict:
    """Scan the customers' ordering of `day` (ISO; default today): flags, dormant, lost."""
    return run_job("churn-scan", day, scan_churn)
