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

The SCHEDULE key is the job's name (the one the task passes to `run_job`); the task takes
`day: str | None = None` (an ISO date; the scheduler passes the slot's local date).

`run_job` records each run in core.JobRun (start, end, duration, outcome, error with its
traceback, the function's summary) so administrators see runs and failures on /jobs/:
  * a daily job that already succeeded for the day is skipped unless forced (`force=True`, or a
    queued run asked for with force — the "run now" button, `outletcrm jobs run`);
  * two workers never run the same job and day at once (a partial unique index on the running
    row: the second one is skipped);
  * a failure is recorded and re-raised (the task fails too); the scheduler retries it up to
    settings.JOB_MAX_ATTEMPTS times with a growing pause (core/scheduler.py).
A job scheduled "every_minutes" runs at each slot (its next slot is its retry); it must be
idempotent all the same.
"""

import datetime
import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
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


def _stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=getattr(settings, "JOB_STALE_MINUTES", 180))


def _release_stale(name: str, day: datetime.date) -> None:
    """A run left "running" or "queued" by a killed process fails after JOB_STALE_MINUTES, so
    it neither blocks the job for ever nor escapes a retry."""
    from outletcrm.core.models import JobRun

    now = timezone.now()
    JobRun.objects.filter(name=name, for_date=day, status=JobRun.Status.RUNNING,
                          started_at__lt=_stale_before()).update(
        status=JobRun.Status.FAILED, finished_at=now,
        error="abandoned: still running after JOB_STALE_MINUTES (worker killed?)")
    JobRun.objects.filter(name=name, for_date=day, status=JobRun.Status.QUEUED,
                          queued_at__lt=_stale_before()).update(
        status=JobRun.Status.FAILED, finished_at=now,
        error="abandoned: queued for longer than JOB_STALE_MINUTES (no worker running?)")


def _start(name: str, day: datetime.date, force: bool):
    """Claim the run (a queued one the scheduler or a person asked for, else a new one) or
    say why not: (run, None) or (None, reason)."""
    from outletcrm.core.models import JobRun

    _release_stale(name, day)
    queued = (JobRun.objects.filter(name=name, for_date=day, status=JobRun.Status.QUEUED)
              .order_by("queued_at", "pk").first())
    force = force or (queued is not None and queued.forced)
    # A job run every N minutes (a scan) runs at each slot: "once per day" is for daily jobs.
    recurring = bool(settings.SCHEDULE.get(name, {}).get("every_minutes"))
    if not (force or recurring) and JobRun.objects.filter(name=name, for_date=day,
                                           status=JobRun.Status.SUCCEEDED).exists():
        if queued is not None:
            JobRun.objects.filter(pk=queued.pk).update(
                status=JobRun.Status.SKIPPED, finished_at=timezone.now(),
                summary={"skipped": "already succeeded"})
        return None, "already succeeded"
    attempt = JobRun.objects.filter(name=name, for_date=day,
                                    status=JobRun.Status.FAILED).count() + 1
    now = timezone.now()
    try:
        # The partial unique index allows one running row per job and day: a second worker
        # starting the same job gets IntegrityError here and leaves it to the first.
        with transaction.atomic():
            if queued is not None and JobRun.objects.filter(
                    pk=queued.pk, status=JobRun.Status.QUEUED).update(
                    status=JobRun.Status.RUNNING, started_at=now, attempt=attempt):
                queued.refresh_from_db()
                return queued, None
            return JobRun.objects.create(name=name, for_date=day, attempt=attempt,
                                         status=JobRun.Status.RUNNING, forced=force,
                                         started_at=now), None
    except IntegrityError:
        if queued is not None:
            JobRun.objects.filter(pk=queued.pk, status=JobRun.Status.QUEUED).update(
                status=JobRun.Status.SKIPPED, finished_at=timezone.now(),
                summary={"skipped": "already running"})
        return None, "already running"


def run_job(name: str, day: datetime.date | str | None, fn: Callable[[datetime.date], dict | None],
            *, force: bool = False) -> dict:
    """Run `fn(day)` as the job `name` for `day`, record the run, and return its summary.

    Skipped (`{"skipped": reason}`, nothing run) when the job already succeeded for the day
    (unless forced) or is running elsewhere. `fn` owns its transactions: run_job holds none
    while it runs, so each unit of work `fn` commits stays when a later one fails, and the
    retry skips it.
    """
    from outletcrm.core.models import JobRun

    day = parse_day(day)
    run, reason = _start(name, day, force)
    if run is None:
        log.info("job %s for %s skipped: %s", name, day, reason)
        return {"skipped": reason}
    try:
        summary = fn(day) or {}
    except BaseException as exc:  # SystemExit/KeyboardInterrupt too: a stopped worker
        finished = timezone.now()
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED, finished_at=finished,
            duration=finished - run.started_at,
            error="".join(traceback.format_exception(exc))[-20000:])
        log.exception("job %s for %s failed (attempt %s)", name, day, run.attempt)
        raise
    finished = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED, finished_at=finished,
        duration=finished - run.started_at, summary=_jsonable(summary))
    log.info("job %s for %s done in %s: %s", name, day, finished - run.started_at, summary)
    return summary


def _jsonable(value):
    """The summary as JSON can store it (dates as ISO text)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def job_enqueue(*, name: str, day: datetime.date, force: bool = False, trigger: str = "",
                actor=None, attempt: int = 1):
    """Queue the job `name` of settings.SCHEDULE for `day`: a queued JobRun (shown at once on
    the job page, carrying `force`) and its task for the worker. Returns the JobRun."""
    from outletcrm.core.models import JobRun

    entry = settings.SCHEDULE.get(name)
    if entry is None:
        raise KeyError(name)
    task = import_task(entry["task"])
    run = JobRun.objects.create(name=name, for_date=day, status=JobRun.Status.QUEUED,
                                forced=force, trigger=trigger, requested_by=actor,
                                attempt=attempt)
    # After commit: the worker must find the queued row (and the immediate backend of the
    # tests runs the task right here, outside the caller's transaction).
    transaction.on_commit(lambda: _send(task, day))
    return run


def job_run_here(*, name: str, day: datetime.date, trigger: str = "cli", actor=None):
    """Run the job `name` for `day` in this process, forced, recorded like a worker's run
    (the CLI's `jobs run`). Returns the JobRun; a failure is recorded, not raised."""
    from outletcrm.core.models import JobRun

    entry = settings.SCHEDULE.get(name)
    if entry is None:
        raise KeyError(name)
    task = import_task(entry["task"])
    run = JobRun.objects.create(name=name, for_date=day, status=JobRun.Status.QUEUED,
                                forced=True, trigger=trigger, requested_by=actor)
    try:
        task.call(**_arguments(task, day))
    except Exception:  # recorded on the run by run_job
        log.debug("job %s failed", name, exc_info=True)
    run.refresh_from_db()
    return run


def _arguments(task, day: datetime.date) -> dict:
    import inspect

    parameters = inspect.signature(task.func).parameters
    for name in ("day", "date"):
        if name in parameters:
            return {name: day.isoformat()}
    return {}


def _send(task, day: datetime.date) -> None:
    task.enqueue(**_arguments(task, day))


def import_task(path: str):
    """The django.tasks Task at a dotted path."""
    from django.utils.module_loading import import_string

    return import_string(path)
