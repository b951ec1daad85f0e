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

A worker killed mid-job (SIGKILL, out of memory, the machine lost) cannot record anything. Its
run is found by `reap_abandoned()`, which the scheduler calls every tick: the queued task of a
"queued" or "running" row (its id is kept in the row's summary while it waits or runs) that the
task queue reports failed (RQ moves a started job whose worker stopped sending heartbeats to
its failed jobs, within about 90 s) or no longer knows (Redis lost its data) marks the row
failed with the reason, and the scheduler's retry queues it again. On the database backend a
killed `db_worker` leaves its task "running" for good (it has no heartbeat), so the task's
worker is asked about instead: `outletcrm worker` names its db_worker after the machine (with
its PID namespace), its process id and that process's start time (`worker_id()`); a task still
"running" whose worker was on the reaper's machine and whose process is gone (or is another
process with a reused id) is abandoned (`worker_gone()`). A worker on another machine cannot
be asked, so its runs, and runs without a task id (`jobs run` in the shell), keep the
JOB_STALE_MINUTES rule. Apps with job rows of their own (the optimiser) reconcile them through
the `reapers` signal. A task that cannot be queued (Redis down) fails its row at once with the
reason, never a 500.
"""

import contextvars
import datetime
import hashlib
import logging
import os
import socket
import traceback
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

log = logging.getLogger(__name__)

ERROR_ABANDONED = ("abandoned: the worker stopped while the job ran (killed, restarted or out "
                   "of memory)")
ERROR_LOST = "abandoned: the task queue no longer knows the task (its data was lost)"
ERROR_NOT_QUEUED = "not queued: the task queue did not answer ({error})"

# Sent by reap_abandoned() with `lost` (task_lost below): apps reconcile their own job rows.
reapers = Signal()


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
    task_id = current_task_id()
    if task_id:  # so reap_abandoned() can ask the queue about it if this worker dies
        JobRun.objects.filter(pk=run.pk).update(summary={"task_id": task_id})
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
                actor=None, attempt: int = 1, send: bool = True):
    """Queue the job `name` of settings.SCHEDULE for `day`: a queued JobRun (shown at once on
    the job page, carrying `force`) and its task for the worker, sent after the commit.
    Returns the JobRun. With send=False the caller sends it with send_run() outside any
    transaction, and learns whether the queue took it."""
    from outletcrm.core.models import JobRun

    entry = settings.SCHEDULE.get(name)
    if entry is None:
        raise KeyError(name)
    task = import_task(entry["task"])
    run = JobRun.objects.create(name=name, for_date=day, status=JobRun.Status.QUEUED,
                                forced=force, trigger=trigger, requested_by=actor,
                                attempt=attempt)
    if send:
        # After commit: the worker must find the queued row (and the immediate backend of the
        # tests runs the task right here, outside the caller's transaction).
        transaction.on_commit(lambda: _send(task, day, run.pk))
    return run


def send_run(run) -> bool:
    """Send the task of a queued run made with job_enqueue(send=False); False (and the run
    failed with the reason) when the task queue did not answer."""
    from outletcrm.core.models import JobRun

    _send(import_task(settings.SCHEDULE[run.name]["task"]), run.for_date, run.pk)
    run.refresh_from_db(fields=["status"])
    return run.status != JobRun.Status.FAILED


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


def _send(task, day: datetime.date, run_pk: int | None = None) -> None:
    """Queue the task of the queued row `run_pk`; a queue that does not answer (Redis down)
    fails the row with the reason (the scheduler retries it) instead of raising after the
    commit (a 500 on the "run now" button, a row left "queued" for JOB_STALE_MINUTES)."""
    from outletcrm.core.models import JobRun

    try:
        result = task.enqueue(**_arguments(task, day))
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the run
        log.warning("job %s for %s could not be queued: %s", task.name, day, exc)
        if run_pk is not None:
            JobRun.objects.filter(pk=run_pk, status=JobRun.Status.QUEUED).update(
                status=JobRun.Status.FAILED, finished_at=timezone.now(),
                error=ERROR_NOT_QUEUED.format(error=type(exc).__name__))
        return
    if run_pk is not None and getattr(result, "id", None):
        JobRun.objects.filter(pk=run_pk, status=JobRun.Status.QUEUED).update(
            summary={"task_id": str(result.id)})


# --- abandoned runs: a worker killed mid-job (issue 11) --------------------------------------

# The id of the database backend's task running in this thread (task_started/task_finished,
# connected in core.apps): django-tasks-db passes it to no one else.
_running_task_id: contextvars.ContextVar[str] = contextvars.ContextVar("running_task_id",
                                                                       default="")


def note_task_started(sender, task_result, **kwargs) -> None:
    _running_task_id.set(str(task_result.id))


def note_task_finished(sender, task_result, **kwargs) -> None:
    _running_task_id.set("")


def _database_backend() -> bool:
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db.")


def current_task_id() -> str:
    """The id of the queued task this code runs in (RQ's worker, or the database backend's
    db_worker), else ""."""
    if _database_backend():
        return _running_task_id.get()
    if not getattr(settings, "TASK_QUEUE_RQ", False):
        return ""
    from rq import get_current_job

    job = get_current_job()
    return str(job.id) if job is not None else ""


def task_lost(task_id: str) -> str:
    """Why the queued task `task_id` can no longer finish its row, or "" when it still may
    (queued, running, done, or a backend that cannot tell): ERROR_ABANDONED when the queue
    reports it failed (a task that fails normally records its own failure first, so a row still
    open means its worker died) or reports it running on a worker that is gone
    (`worker_gone`, the database backend), ERROR_LOST when the queue no longer knows it."""
    from django.tasks import default_task_backend
    from django.tasks.base import TaskResultStatus

    if not task_id or not default_task_backend.supports_get_result:
        return ""
    try:
        result = default_task_backend.get_result(task_id)
    except _does_not_exist():
        return ERROR_LOST
    if result.status == TaskResultStatus.FAILED:
        return ERROR_ABANDONED
    workers = getattr(result, "worker_ids", None) or []
    if result.status == TaskResultStatus.RUNNING and workers and worker_gone(workers[-1]):
        return ERROR_ABANDONED
    return ""


# --- which worker runs a task (the database backend) -------------------------------------------

WORKER_ID_PREFIX = "oc"


def _pid_namespace() -> str:
    """This process's PID namespace ("pid:[4026531836]"), "" where /proc cannot say."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@cache
def _machine_key() -> str:
    """This machine and PID namespace, short: two containers with one host name differ."""
    return hashlib.sha256(f"{socket.gethostname()}|{_pid_namespace()}".encode()).hexdigest()[:12]


def _process_started(pid: int) -> str:
    """The start time of process `pid` (clock ticks since boot, /proc/PID/stat field 22), ""
    when there is no such process or /proc cannot say."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return fields[19] if len(fields) > 19 else ""


def worker_id() -> str:
    """The id `outletcrm worker` gives its db_worker (django-tasks-db records it on each task it
    runs): "oc-<machine>-<pid>-<start time>", or "" where /proc cannot say (db_worker's own
    random id then; its runs keep the JOB_STALE_MINUTES rule)."""
    started = _process_started(os.getpid())
    if not _pid_namespace() or not started:
        return ""
    return f"{WORKER_ID_PREFIX}-{_machine_key()}-{os.getpid()}-{started}"


def worker_gone(worker: str) -> bool:
    """True only when `worker` is a worker_id() of this machine and PID namespace whose process
    no longer runs (no such process id, or one started at another time: a reused id). A worker
    of another machine, or an id of another kind, is never called gone."""
    parts = worker.split("-")
    if len(parts) != 4 or parts[0] != WORKER_ID_PREFIX or not parts[2].isdecimal():
        return False
    if not _pid_namespace() or parts[1] != _machine_key():
        return False
    return _process_started(int(parts[2])) != parts[3]


def _does_not_exist() -> tuple[type[Exception], ...]:
    """"No such task" of Django's tasks and of the django-tasks package, whose exception
    django-tasks-rq raises (a different class)."""
    from django.tasks.exceptions import TaskResultDoesNotExist

    classes: list[type[Exception]] = [TaskResultDoesNotExist]
    try:
        from django_tasks.exceptions import TaskResultDoesNotExist as Backport
    except ImportError:
        pass
    else:
        classes.append(Backport)
    return tuple(classes)


def _expire_dead_workers_jobs() -> None:
    """RQ: move the started jobs whose worker stopped sending heartbeats to the failed jobs now
    (RQ's own workers do it only every 10 minutes)."""
    if not getattr(settings, "TASK_QUEUE_RQ", False):
        return
    import django_rq
    from rq.registry import StartedJobRegistry

    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name)
        StartedJobRegistry(queue=queue).cleanup()


def reap_abandoned() -> int:
    """Fail the job rows whose task can no longer finish them (see the module's docstring);
    the number of rows failed. Raises when the task queue does not answer."""
    from outletcrm.core.models import JobRun

    _expire_dead_workers_jobs()
    reaped = 0
    open_runs = JobRun.objects.filter(
        status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING], summary__has_key="task_id")
    for run in open_runs:
        reason = task_lost(str(run.summary.get("task_id", "")))
        if not reason:
            continue
        now = timezone.now()
        done = JobRun.objects.filter(pk=run.pk, status=run.status).update(
            status=JobRun.Status.FAILED, finished_at=now,
            duration=(now - run.started_at) if run.started_at else None, error=reason)
        if done:
            log.warning("job %s for %s: %s", run.name, run.for_date, reason)
            reaped += done
    for _receiver, count in reapers.send(sender=JobRun, lost=task_lost):
        reaped += count or 0
    return reaped


def import_task(path: str):
    """The django.tasks Task at a dotted path."""
    from django.utils.module_loading import import_string

    return import_string(path)
