"""Periodic jobs (issue 9, item 5): each run recorded, a day's success not repeated, a crash
recorded and retried without duplicates, one running run per job and day, the scheduler's
slots remembered in the database, and the job page for administrators only."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.tasks import task

from outletcrm.core import jobs, scheduler
from outletcrm.core.models import JobRun, ScheduleSlot, TimelineEntry

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 12, 7)
CALLS: list[str] = []


def make_entries(day: datetime.date, *, fail_after: int | None = None) -> dict:
    """An idempotent job: one timeline row per unit, each unit its own transaction, a unit
    already made skipped (the shape every periodic job must have)."""
    made = 0
    for unit in range(4):
        if fail_after is not None and unit == fail_after:
            raise RuntimeError("crashed halfway")
        with transaction.atomic():
            _, created = TimelineEntry.objects.get_or_create(
                customer_id=unit, kind="job-test", source_type=day.isoformat(),
                defaults={"title": f"unit {unit}", "at": datetime.datetime(2026, 12, 7, tzinfo=TZ)})
            made += created
    return {"made": made}


CRASH = {"once": False}


@task()
def sample_task(day: str | None = None) -> dict:
    CALLS.append(day)

    def work(d):
        if CRASH["once"]:
            CRASH["once"] = False
            return make_entries(d, fail_after=2)
        return make_entries(d)

    return jobs.run_job("sample", day, work)


@task()
def pulse_task(day: str | None = None) -> dict:
    return jobs.run_job("pulse", day, lambda d: {"beat": 1})


@pytest.fixture
def sample_schedule(settings):
    CALLS.clear()
    CRASH["once"] = False
    settings.SCHEDULE = {"sample": {"task": "tests.core.test_jobs.sample_task", "at": "02:00"},
                         "pulse": {"task": "tests.core.test_jobs.pulse_task",
                                   "every_minutes": 15}}
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_RETRY_MINUTES = 5
    return settings.SCHEDULE


def runs(name="sample"):
    return list(JobRun.objects.filter(name=name).order_by("pk"))


def test_run_twice_the_second_is_skipped(db):
    assert jobs.run_job("sample", DAY, make_entries) == {"made": 4}
    assert jobs.run_job("sample", DAY, make_entries) == {"skipped": "already succeeded"}
    assert [r.status for r in runs()] == ["succeeded"]
    run = runs()[0]
    assert run.summary == {"made": 4} and run.duration is not None and run.attempt == 1
    forced = jobs.run_job("sample", DAY, make_entries, force=True)
    assert forced == {"made": 0}  # ran again, and created nothing twice
    assert TimelineEntry.objects.filter(kind="job-test").count() == 4


def test_a_crash_is_recorded_and_the_retry_completes_without_duplicates(db):
    with pytest.raises(RuntimeError):
        jobs.run_job("sample", DAY, lambda d: make_entries(d, fail_after=2))
    failed = runs()[0]
    assert failed.status == "failed" and "crashed halfway" in failed.error
    assert "Traceback" in failed.error and failed.finished_at is not None
    assert TimelineEntry.objects.filter(kind="job-test").count() == 2  # its committed units
    assert jobs.run_job("sample", DAY, make_entries) == {"made": 2}
    assert [(r.status, r.attempt) for r in runs()] == [("failed", 1), ("succeeded", 2)]
    assert TimelineEntry.objects.filter(kind="job-test").count() == 4


def test_two_workers_cannot_run_the_same_job_and_day(db):
    JobRun.objects.create(name="sample", for_date=DAY, status="running",
                          started_at=datetime.datetime.now(datetime.UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRun.objects.create(name="sample", for_date=DAY, status="running")
    assert jobs.run_job("sample", DAY, make_entries) == {"skipped": "already running"}
    assert not TimelineEntry.objects.filter(kind="job-test").exists()


def test_a_run_abandoned_by_a_killed_worker_does_not_block_for_ever(db, settings):
    settings.JOB_STALE_MINUTES = 60
    JobRun.objects.create(name="sample", for_date=DAY, status="running",
                          started_at=datetime.datetime.now(datetime.UTC)
                          - datetime.timedelta(hours=2))
    assert jobs.run_job("sample", DAY, make_entries) == {"made": 4}
    assert [r.status for r in runs()] == ["failed", "succeeded"]


def at(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def test_scheduler_enqueues_due_jobs_once(db, sample_schedule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.tick(at(1, 59)) == [("pulse", DAY, "scheduler")]
    with django_capture_on_commit_callbacks(execute=True):
        queued = scheduler.tick(at(2, 0))
    assert queued == [("sample", DAY, "scheduler"), ("pulse", DAY, "scheduler")]
    assert CALLS == [DAY.isoformat()]
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.tick(at(2, 5)) == []  # same slots: nothing twice
        assert scheduler.tick(at(2, 15)) == [("pulse", DAY, "scheduler")]
    assert [r.status for r in runs()] == ["succeeded"]
    # A job every N minutes runs at each slot (not once a day).
    assert [r.status for r in runs("pulse")] == ["succeeded"] * 3
    assert ScheduleSlot.objects.filter(name="sample").count() == 1


def test_a_missed_slot_runs_once_when_the_scheduler_starts(db, sample_schedule,
                                                            django_capture_on_commit_callbacks):
    # Down at 02:00, started at 02:30: the 02:00 slot runs once, a restart does not repeat it.
    with django_capture_on_commit_callbacks(execute=True):
        assert ("sample", DAY, "scheduler") in scheduler.tick(at(2, 30))
    with django_capture_on_commit_callbacks(execute=True):  # restarted
        assert ("sample", DAY, "scheduler") not in scheduler.tick(at(2, 31))
    assert len(runs()) == 1
    # The next day's slot is due again.
    with django_capture_on_commit_callbacks(execute=True):
        next_day = DAY + datetime.timedelta(days=1)
        assert ("sample", next_day, "scheduler") in scheduler.tick(at(3, 0, next_day))


def test_the_scheduler_command_once(db, sample_schedule, capsys):
    call_command("scheduler", "--once")
    out = capsys.readouterr().out
    assert "queued pulse" in out  # "every 15 minutes" is always due


def test_a_failed_run_is_retried_with_backoff_up_to_the_limit(db, sample_schedule,
                                                               django_capture_on_commit_callbacks):
    CRASH["once"] = True
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick(at(2, 0))
    assert [r.status for r in runs()] == ["failed"]
    assert TimelineEntry.objects.filter(kind="job-test").count() == 2
    failed_at = at(2, 0)
    JobRun.objects.filter(name="sample").update(finished_at=failed_at)
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick(failed_at + datetime.timedelta(minutes=4))
    assert len(runs()) == 1  # backoff: not before 5 minutes
    with django_capture_on_commit_callbacks(execute=True):
        retried = scheduler.tick(failed_at + datetime.timedelta(minutes=6))
    assert ("sample", DAY, "retry") in retried
    assert [(r.status, r.attempt, r.trigger) for r in runs()] == [
        ("failed", 1, "scheduler"), ("succeeded", 2, "retry")]
    assert TimelineEntry.objects.filter(kind="job-test").count() == 4


def test_retries_stop_at_the_limit(db, sample_schedule, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    now = datetime.datetime.now(datetime.UTC)
    for attempt in (1, 2):
        JobRun.objects.create(name="sample", for_date=DAY, status="failed", attempt=attempt,
                              finished_at=now - datetime.timedelta(hours=3))
    assert [q for q in scheduler.tick(at(2, 1)) if q[2] == "retry"] == []


def test_job_page_is_for_administrators(cast, login, sample_schedule,
                                        django_capture_on_commit_callbacks):
    assert login(cast.alice).get("/jobs/").status_code == 404
    assert login(cast.sup).post("/jobs/sample/run/").status_code == 404
    client = login(cast.admin)
    jobs.run_job("sample", DAY, make_entries)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/jobs/sample/run/", {"day": DAY.isoformat()})
    assert response.status_code == 302
    # Run now is forced: it runs although the day already succeeded.
    assert [(r.status, r.forced, r.trigger) for r in runs()] == [
        ("succeeded", False, ""), ("succeeded", True, "page")]
    body = client.get("/jobs/").content.decode()
    assert "sample" in body and 'data-status="succeeded"' in body
    assert client.post("/jobs/nope/run/").status_code == 404
    assert client.post("/jobs/sample/run/", {"day": "2026-99-01"}).status_code == 302
    # A NUL anywhere in a query string is refused before the page (core.errors).
    assert client.get("/jobs/?job=%00&failed=1").status_code == 400
    assert client.get("/jobs/?job=x&failed=1").status_code == 200


def test_cli_lists_and_runs(db, sample_schedule, capsys):
    call_command("jobs", "run", "sample", "--day", DAY.isoformat())
    call_command("jobs")
    out = capsys.readouterr().out
    assert "sample" in out and "succeeded" in out and "made=4" in out
    with pytest.raises(Exception, match="no job"):
        call_command("jobs", "run", "nope")


def test_the_nightly_plans_job_is_scheduled_and_recorded(cast, settings):
    from outletcrm.visits.tasks import plans_job

    assert settings.SCHEDULE["plans"]["task"] == "outletcrm.visits.tasks.plans_job"
    plans_job.call(day="2026-12-07")
    plans_job.call(day="2026-12-07")
    recorded = runs("plans")
    assert [r.status for r in recorded] == ["succeeded"]
    assert recorded[0].summary["date"] == "2026-12-07"


@pytest.mark.usefixtures("seed_rows")
def test_two_workers_racing_run_the_job_once():
    """Two worker threads start the same job and day together: one runs it, the other is
    skipped while it runs (the partial unique index on the running row)."""
    import threading

    from django.db import connection as main_connection

    started, release = threading.Event(), threading.Event()
    results = {}

    def slow(day):
        started.set()
        release.wait(10)
        return {"made": 1}

    def worker(key, fn):
        try:
            results[key] = jobs.run_job("race", DAY, fn)
        finally:
            from django.db import connection

            connection.close()

    first = threading.Thread(target=worker, args=("first", slow))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=worker, args=("second", lambda d: {"made": 99}))
    second.start()
    second.join(10)
    release.set()
    first.join(10)
    assert results == {"first": {"made": 1}, "second": {"skipped": "already running"}}
    assert [r.status for r in JobRun.objects.filter(name="race")] == ["succeeded"]
    main_connection.close()


def test_no_two_daily_jobs_share_a_time_and_the_night_keeps_its_order():
    """The nightly jobs are full scans of the archive on a two-core server: each gets its own
    slot (evaluation and the duplicate scan both at 03:00 fought for the cores). And the
    order the settings' comments give: churn statuses first, then the evaluation and the
    archiving of lost customers, then the duplicate scan of what is left live."""
    from django.conf import settings as conf

    daily = {name: (entry.get("day_offset", 0), scheduler.parse_at(entry["at"]))
             for name, entry in conf.SCHEDULE.items() if "at" in entry}
    by_slot: dict = {}
    for name, slot in daily.items():
        by_slot.setdefault(slot, []).append(name)
    shared = {f"{slot[1]:%H:%M}": names for slot, names in by_slot.items() if len(names) > 1}
    assert not shared, f"daily jobs sharing a time: {shared}"
    at = {name: slot[1] for name, slot in daily.items()}
    assert at["churn-scan"] < at["evaluation"] < at["duplicates-scan"]
    assert at["churn-scan"] < at["archive-retention"] < at["duplicates-scan"]
    # The night's day orders are searched for the plans the "plans" job has made.
    assert at["plans"] < at["day-orders"]


# --- a worker killed mid-job, a queue that does not answer (issue 11) ------------------------

class FakeQueue:
    """A task backend that can report results: "alive" running, "dead" failed (RQ moved the
    job of a dead worker to its failed jobs), anything else unknown to the queue (lost)."""

    supports_get_result = True

    def __init__(self, states: dict[str, str]):
        self.states = states

    def get_result(self, task_id):
        from types import SimpleNamespace

        from django.tasks.base import TaskResultStatus
        from django.tasks.exceptions import TaskResultDoesNotExist

        state = self.states.get(task_id)
        if state is None:
            raise TaskResultDoesNotExist(task_id)
        if state == "gone (django-tasks-rq)":  # it raises the django-tasks package's class
            from django_tasks.exceptions import TaskResultDoesNotExist as Backport

            raise Backport(task_id)
        return SimpleNamespace(status={"alive": TaskResultStatus.RUNNING,
                                       "dead": TaskResultStatus.FAILED}[state])


def fake_queue(monkeypatch, states: dict[str, str]) -> FakeQueue:
    import django.tasks

    queue = FakeQueue(states)
    monkeypatch.setattr(django.tasks, "default_task_backend", queue)
    return queue


def test_a_run_whose_worker_was_killed_fails_at_the_next_tick_and_is_retried(
        db, sample_schedule, monkeypatch, django_capture_on_commit_callbacks):
    fake_queue(monkeypatch, {"t-dead": "dead", "t-alive": "alive",
                             "t-gone-rq": "gone (django-tasks-rq)"})
    started = at(2, 0)
    yesterday, before = DAY - datetime.timedelta(days=1), DAY - datetime.timedelta(days=2)
    killed = JobRun.objects.create(name="sample", for_date=yesterday, status="running",
                                   started_at=started, summary={"task_id": "t-dead"})
    running = JobRun.objects.create(name="pulse", for_date=DAY, status="running",
                                    started_at=started, summary={"task_id": "t-alive"})
    lost = JobRun.objects.create(name="sample", for_date=before, status="queued",
                                 summary={"task_id": "t-gone-rq"})
    # The clock at the tick (a minute later, not JOB_STALE_MINUTES): pinned, else from the day
    # DAY is today or past, the run started at 02:00 is hours old by the suite's 11:00.
    with time_machine.travel(at(2, 1)), django_capture_on_commit_callbacks(execute=True):
        queued = scheduler.tick(at(2, 1))
    killed.refresh_from_db(), running.refresh_from_db(), lost.refresh_from_db()
    assert killed.status == "failed" and killed.error == jobs.ERROR_ABANDONED
    assert killed.finished_at is not None and killed.duration is not None
    assert lost.status == "failed" and lost.error == jobs.ERROR_LOST
    assert running.status == "running", running.error
    assert not any(why == "retry" for _name, _day, why in queued)
    # The failed run is retried like any failure (JOB_RETRY_MINUTES after it was failed).
    with time_machine.travel(at(2, 7)), django_capture_on_commit_callbacks(execute=True):
        queued = scheduler.tick(at(2, 7))
    assert {("sample", yesterday, "retry"), ("sample", before, "retry")} <= set(queued)
    retry = JobRun.objects.filter(name="sample", for_date=yesterday).latest("pk")
    assert (retry.status, retry.attempt, retry.trigger) == ("succeeded", 2, "retry")


def test_a_run_knows_its_task_while_it_runs(db, monkeypatch):
    monkeypatch.setattr(jobs, "current_task_id", lambda: "rq-123")
    seen = []
    jobs.run_job("sample", DAY, lambda d: seen.append(runs()[0].summary) or {"made": 0})
    assert seen == [{"task_id": "rq-123"}]
    assert runs()[0].summary == {"made": 0}


class _DownQueue:
    name = "sample_task"

    @staticmethod
    def func(day=None):
        return None

    @staticmethod
    def enqueue(**kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_job_that_cannot_be_queued_fails_with_the_reason(db, sample_schedule, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(jobs, "import_task", lambda path: _DownQueue)
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.job_enqueue(name="sample", day=DAY, trigger="scheduler")
    run.refresh_from_db()
    assert run.status == "failed" and run.error.startswith("not queued")
    assert "127.0.0.1" not in run.error


def test_run_now_with_the_queue_down_says_so_in_the_users_language(
        cast, login, sample_schedule, monkeypatch):
    monkeypatch.setattr(jobs, "import_task", lambda path: _DownQueue)
    client = login(cast.admin)
    response = client.post("/jobs/sample/run/", {"day": DAY.isoformat()}, follow=True)
    assert response.status_code == 200
    assert "任务队列没有响应" in response.content.decode()
    assert [r.status for r in runs()] == ["failed"]


# --- the database backend's runs: a killed db_worker (issue 11) ---------------------------------

needs_proc = pytest.mark.skipif(not jobs.worker_id(), reason="no /proc: worker ids say nothing")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SEEN: list[dict] = []


@task()
def seen_task(day: str | None = None) -> dict:
    return jobs.run_job("seen", day, lambda d: SEEN.append(
        JobRun.objects.get(name="seen", status="running").summary) or {"seen": 1})


def ended_process_id() -> int:
    import subprocess
    import sys

    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


@needs_proc
def test_worker_ids_say_whether_the_worker_still_runs():
    mine = jobs.worker_id()
    assert not jobs.worker_gone(mine)
    machine, pid, started = mine.split("-")[1:]
    assert jobs.worker_gone(f"oc-{machine}-{ended_process_id()}-{started}")  # ended
    assert jobs.worker_gone(f"oc-{machine}-{pid}-{int(started) + 1}")  # its id reused
    # Another machine (or PID namespace), RQ's or db_worker's own ids: never called gone.
    assert not jobs.worker_gone(f"oc-0123456789ab-{ended_process_id()}-{started}")
    assert not jobs.worker_gone("8c1f3e0a9b2d4c5e")
    assert not jobs.worker_gone("oc-not-a-pid-1")


@needs_proc
def test_a_db_worker_run_keeps_its_task_id_while_it_runs(db, settings):
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    SEEN.clear()
    queued = seen_task.enqueue(day=DAY.isoformat())
    row = DBTaskResult.objects.get(id=queued.id)
    row.claim(jobs.worker_id())
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id=jobs.worker_id(),
           excluded_queue_names=[]).run_task(row)
    assert SEEN == [{"task_id": str(queued.id)}]
    assert runs("seen")[0].summary == {"seen": 1}
    assert jobs.current_task_id() == ""  # cleared when the task finished


@needs_proc
def test_a_run_whose_db_worker_was_killed_fails_at_the_next_tick(
        db, sample_schedule, settings, django_capture_on_commit_callbacks):
    """django-tasks-db keeps a killed worker's task "running" for good: the reaper fails the
    run when that worker's process is gone, and leaves a live worker's run alone."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    machine, _pid, started = jobs.worker_id().split("-")[1:]
    dead_worker = f"oc-{machine}-{ended_process_id()}-{started}"
    claimed = {}
    for day, worker in ((DAY, dead_worker), (DAY - datetime.timedelta(days=1), jobs.worker_id()),
                        (DAY - datetime.timedelta(days=2), "db-worker-elsewhere")):
        with django_capture_on_commit_callbacks(execute=True):
            run = jobs.job_enqueue(name="sample", day=day, trigger="schedule")
        run.refresh_from_db()
        DBTaskResult.objects.get(id=run.summary["task_id"]).claim(worker)
        JobRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
        claimed[worker] = run.pk
    assert jobs.reap_abandoned() == 1
    killed = JobRun.objects.get(pk=claimed[dead_worker])
    assert killed.status == "failed" and killed.error == jobs.ERROR_ABANDONED
    assert JobRun.objects.get(pk=claimed[jobs.worker_id()]).status == "running"
    assert JobRun.objects.get(pk=claimed["db-worker-elsewhere"]).status == "running"
