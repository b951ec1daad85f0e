"""Background work of the visits app (django.tasks): nightly plans and position retention.

Tasks take plain values and call services, so the same code runs from the CLI, an API call
and the worker.

Every night `outletcrm scheduler` queues the job "plans" (settings.SCHEDULE, 00:30: that day's
plans for every rep, recorded on /jobs/, retried on failure, warning when the company calendar
does not know the dates) for the worker (`outletcrm db_worker`); docs/jobs.md. Without the
scheduler, cron can run the commands directly:

    30 0 * * *  outletcrm jobs run plans            # the recorded job
    45 0 * * *  outletcrm reduce-positions          # positions older than the retention

Both are safe to run twice: generate_plans never regenerates a plan that exists, and positions
already reduced are skipped.
"""

import datetime

from django.tasks import task
from django.utils import timezone

from outletcrm.core.jobs import run_job
from outletcrm.visits.planning import generate_plans
from outletcrm.visits.services import reduce_old_positions, tasks_escalate, tasks_notify_due


@task()
def generate_plans_task(date: str | None = None, rep_ids: list[int] | None = None) -> dict:
    """Generate the plans of `date` (ISO; default today) for the given reps (default all)."""
    day = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return generate_plans(date=day, rep_ids=rep_ids)


@task()
def reduce_positions_task(days: int | None = None) -> int:
    """Reduce raw positions older than the retention (default POSITION_RETENTION_DAYS)."""
    return reduce_old_positions(days=days)


@task()
def plans_job(day: str | None = None) -> dict:
    """The nightly job "plans" (settings.SCHEDULE): recorded, skipped once done, retried."""
    from outletcrm.core.jobs import run_job
    from outletcrm.visits.planning import nightly_plans

    return run_job("plans", day, nightly_plans)


@task()
def tasks_due_task(day: str | None = None) -> dict:
    """The "tasks-due" job: each rep's one summary of tasks due today and overdue."""
    return run_job("tasks-due", day, tasks_notify_due)


@task()
def tasks_escalate_task(day: str | None = None) -> dict:
    """The "tasks-escalate" job: overdue tasks past the delay go to the rep's supervisor."""
    return run_job("tasks-escalate", day, tasks_escalate)


@task()
def kpi_summary_task(day: str | None = None) -> dict:
    """The "kpi-summary" job: the last days of the KPI summary recounted (kpi_summary)."""
    from outletcrm.visits.kpi_summary import nightly_recount

    return run_job("kpi-summary", day, nightly_recount)
