"""Background work of the access log: the nightly summary and the purge (settings.SCHEDULE)."""

import datetime

from django.tasks import task

from outletcrm.access.services import access_purge, access_summarise_day
from outletcrm.core.jobs import run_job


def _summarise_yesterday(day: datetime.date) -> dict:
    """Summarise the day before `day` (the scheduler runs after midnight), and `day` so far."""
    done = access_summarise_day(day - datetime.timedelta(days=1))
    return {"yesterday": done, "today": access_summarise_day(day)}


@task()
def access_summary_task(day: str | None = None) -> dict:
    """Sum the access log of the day before `day` (ISO; default today) per user."""
    return run_job("access-summary", day, _summarise_yesterday)


@task()
def access_purge_task(day: str | None = None) -> dict:
    """Delete access-log rows older than settings.ACCESS_LOG_KEEP_DAYS."""
    return run_job("access-purge", day, access_purge)
