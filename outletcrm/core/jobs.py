"""Periodic background jobs: one run per job and day, idempotent (issue 9, item 5).

A periodic job is a plain function `fn(day) -> dict | None` in the service layer of its app,
idempotent for the day (running it twice creates nothing twice; a crash halfway leaves nothing
half-made, because each unit of work is its own transaction and is skipped when already done).
Its `django.tasks` task calls `run_job(name, day, fn)`, and settings.SCHEDULE says when the
scheduler enqueues that task:

    SCHEDULE = {
        "care-tasks": {"task": "outletcrm.care.tasks.generate_care_tasks", "at": "01:00"},
        "complaint-breaches": {"task": "outletcrm.complaints.tasks.scan_breaches",
                               "every_minutes": 5},
    }

`run_job` records each run (start, end, duration, outcome, error, the function's summary) so
administrators see runs and failures on a page, and retries a failed run.
"""

import datetime
import logging
from collections.abc import Callable

from django.utils import timezone

log = logging.getLogger(__name__)


def today() -> datetime.date:
    """The business day now (Asia/Shanghai)."""
    return timezone.localdate()


def parse_day(day: datetime.date | str | None) -> datetime.date:
    """A task's day argument (tasks take JSON-able arguments: an ISO date or None for today)."""
    if day is None:
        return today()
    if isinstance(day, datetime.date):
        return day
    return datetime.date.fromisoformat(day)


def run_job(name: str, day: datetime.date | str | None, fn: Callable[[datetime.date], dict | None]
            ) -> dict:
    """Run `fn(day)` as the job `name` for `day`, record the run, and return its summary."""
    day = parse_day(day)
    started = timezone.now()
    summary = fn(day) or {}
    log.info("job %s for %s done in %s: %s", name, day, timezone.now() - started, summary)
    return summary
