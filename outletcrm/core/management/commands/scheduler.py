"""`outletcrm scheduler`: one process that enqueues the periodic jobs of settings.SCHEDULE.

Every SCHEDULER_TICK_SECONDS it queues what is due (core/scheduler.py: each slot once, a slot
missed while it was down once at start, failed runs retried) for the worker
(`outletcrm db_worker`). `--once` runs one tick and exits. SIGTERM or Ctrl-C ends it after the
current tick. Running it twice by mistake enqueues nothing twice (the slots are remembered in
the database).
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from outletcrm.core import scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of settings.SCHEDULE at their time (run beside db_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument("--interval", type=int, default=None,
                            help="seconds between ticks (default SCHEDULER_TICK_SECONDS)")

    def handle(self, *args, **options):
        if options["once"]:
            self.report(scheduler.tick())
            return
        interval = max(1, options["interval"] or settings.SCHEDULER_TICK_SECONDS)
        stop = threading.Event()

        def finish(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        if options["verbosity"]:
            self.stdout.write(f"scheduler: {len(settings.SCHEDULE)} jobs "
                              f"({', '.join(settings.SCHEDULE)}), a tick every {interval}s")
        ticks = 0
        while not stop.is_set():
            close_old_connections()
            try:
                self.report(scheduler.tick())
                if ticks % 2880 == 0:
                    scheduler.prune()
            except Exception as exc:  # a database hiccup must not end the scheduler
                self.stderr.write(f"scheduler: tick failed: {exc}")
            ticks += 1
            stop.wait(interval)
        if options["verbosity"]:
            self.stdout.write("scheduler: stopped")

    def report(self, queued):
        for name, day, why in queued:
            self.stdout.write(f"queued {name} for {day.isoformat()} ({why})")
