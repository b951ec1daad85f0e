"""`outletcrm worker`: run queued background tasks for the configured TASK_BACKEND.

- database backend (default): django-tasks-db's `db_worker` (several may share the table);
- rq: RQ's worker through django-rq, with django-tasks-rq's job class (which runs
  `django.tasks` tasks); any number of workers on any number of machines read the same Redis.
  When Redis goes away the worker is started again, with a backoff, rather than exiting
  (`run_rq_worker`): RQ's own worker quits on a connection error that hits it outside its
  wait for a job (finishing a job, its heartbeat, its registration), which left a worker
  without a supervisor (two-machine layouts, the fault bench) down for good.

`--burst` works off what is queued and exits (tests, cron). SIGTERM lets the current task end
(docs/deploy.md; systemd's stop timeout should cover the longest task).
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

log = logging.getLogger("outletcrm.worker")

# The wait before starting RQ's worker again after Redis failed it: doubled each time up to the
# cap; a worker that ran this long without failing starts from the first wait again.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
HEALTHY_SECONDS = 60.0


class Command(BaseCommand):
    help = "Run the background task worker of the configured TASK_BACKEND (database or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", default=None,
                            help="queue to work (repeatable; default: default)")
        parser.add_argument("--burst", action="store_true",
                            help="work off the queued tasks, then exit")

    def handle(self, *args, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        queues = options["queues"] or ["default"]
        verbosity = options["verbosity"]
        if getattr(settings, "TASK_QUEUE_RQ", False):
            run_rq_worker(queues, burst=options["burst"], verbosity=verbosity)
        elif backend.startswith("django_tasks_db."):
            from outletcrm.core.jobs import worker_id

            # Named after this machine, process and its start time, so the scheduler's reaper
            # can tell a task left "running" by a killed worker (core.jobs.worker_gone).
            named = {"worker_id": worker_id()} if worker_id() else {}
            call_command("db_worker", queue_name=",".join(queues), batch=options["burst"],
                         reload=False, verbosity=verbosity, **named)
        else:
            raise CommandError(_("TASK_BACKEND %(backend)s runs tasks where they are queued: "
                                 "there is no worker to start.") % {"backend": backend})


def run_rq_worker(queues: list[str], *, burst: bool = False, verbosity: int = 1) -> None:
    """RQ's worker (django-tasks-rq's job class, with RQ's scheduler), started again whenever
    Redis fails it, until SIGTERM or SIGINT (or, with `burst`, until the queue is empty).

    RQ handles the signals itself while it works (a warm stop: the current job ends first);
    the worker subclass notes that a stop was asked for, so its ending is not taken for a
    failure. Outside RQ's loop (starting it, waiting to start it again) our own handlers note
    the stop and end the wait at once; a stop noted before RQ's loop began ends it before it
    takes a job."""
    import redis
    from django_rq.utils import reset_db_connections
    from django_rq.workers import get_worker, get_worker_class

    level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"
    stop = threading.Event()
    base = get_worker_class()

    class StoppableWorker(base):
        def request_stop(self, signum, frame):
            stop.set()
            super().request_stop(signum, frame)

        def _install_signal_handlers(self):
            super()._install_signal_handlers()
            if stop.is_set():  # the signal came while the worker was being set up
                self._stop_requested = True

        def teardown(self):
            try:
                super().teardown()
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                # Redis is gone: RQ's teardown stopped at recording the worker's death; stop
                # its pubsub thread anyway, or every restart would leave one behind.
                self.unsubscribe()
                raise

        def unsubscribe(self):
            # RQ's, but never waiting long for the pubsub thread, and without Redis: redis-py
            # joins that thread with no timeout, and the thread may sit out a 60-second wait
            # for a subscription first (a SIGTERM then took a minute). The thread closes its
            # connection itself when its loop ends.
            if not self.pubsub_thread:
                return
            try:
                self.pubsub.unsubscribe()
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                pass
            self.pubsub_thread.stop(timeout=1)
            if not self.pubsub_thread.is_alive():
                self.pubsub.close()
            self.pubsub_thread = None

    delay = RETRY_FIRST_SECONDS
    while not stop.is_set():
        _note_stop_signals(stop)
        started = time.monotonic()
        failure = ""
        try:
            worker = get_worker(*queues, job_class="django_tasks_rq.Job",
                                worker_class=StoppableWorker)
            reset_db_connections()  # no database connection shared with the forked horse
            worker.work(burst=burst, with_scheduler=True, logging_level=level)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            failure = str(exc)
        else:
            if burst or stop.is_set():
                return
            # RQ logged the reason ("found an unhandled exception", "Redis connection timeout")
            # and left its loop; nothing asked it to stop.
            failure = "the worker left its loop"
        if stop.is_set():
            return
        if time.monotonic() - started >= HEALTHY_SECONDS:
            delay = RETRY_FIRST_SECONDS
        log.warning("job queue worker stopped (%s); starting it again in %.0f s", failure,
                    delay, extra={"event": "worker_restart", "retry_seconds": delay,
                                  "reason": failure[:300]})
        stop.wait(delay)  # ends at once on SIGTERM or SIGINT (our handlers set it)
        delay = min(delay * 2, RETRY_MAX_SECONDS)
    log.info("job queue worker stopped on request", extra={"event": "worker_stop"})


def _note_stop_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop` (outside RQ's loop, which installs its own)."""

    def on_signal(signum, frame):
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
