"""Background work of archive governance (settings.SCHEDULE "duplicates-scan",
"archive-retention")."""

from django.tasks import task

from outletcrm.core.jobs import run_job
from outletcrm.governance.services import archive_by_rules, duplicates_scan


@task()
def duplicates_scan_task(day: str | None = None) -> dict:
    """Refresh the custodian's desk: suspected duplicates across the whole archive."""
    return run_job("duplicates-scan", day, duplicates_scan)


@task()
def archive_retention_task(day: str | None = None) -> dict:
    """Archive lost customers by the retention rule of the archive policy."""
    return run_job("archive-retention", day, archive_by_rules)
