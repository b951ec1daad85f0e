"""Background work of the core: the nightly planner statistics (settings.SCHEDULE
"db-statistics", core/dbstats.py)."""

from django.tasks import task

from outletcrm.core.dbstats import refresh_statistics
from outletcrm.core.jobs import run_job


@task()
def db_statistics_task(day: str | None = None) -> dict:
    """Gather the SQLite planner statistics (ANALYZE); nothing on PostgreSQL."""
    return run_job("db-statistics", day, refresh_statistics)
