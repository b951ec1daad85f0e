"""`outletcrm jobs`: recent runs of the periodic jobs; `outletcrm jobs run <name> [--day D]`.

`jobs run` runs the job here and now, forced (even when it already succeeded for the day),
and records the run like the worker does; `--enqueue` hands it to the worker instead.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from outletcrm.core import jobs
from outletcrm.core.models import JobRun


class Command(BaseCommand):
    help = "List recent runs of the periodic jobs, or run one now."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", default="list", choices=["list", "run"])
        parser.add_argument("name", nargs="?", help="the job (a key of settings.SCHEDULE)")
        parser.add_argument("--day", help="the day to run it for (YYYY-MM-DD); default today")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--enqueue", action="store_true",
                            help="queue it for the worker instead of running it here")

    def handle(self, *args, **options):
        if options["action"] == "list":
            return self.list(options["name"], max(1, min(options["limit"], 500)))
        name = options["name"]
        if name not in settings.SCHEDULE:
            raise CommandError(f"no job “{name}”; jobs: {', '.join(settings.SCHEDULE) or '-'}")
        try:
            day = jobs.parse_day(options["day"])
        except ValueError:
            raise CommandError(f"--day: “{options['day']}” is not a date (YYYY-MM-DD)") from None
        if options["enqueue"]:
            with transaction.atomic():
                run = jobs.job_enqueue(name=name, day=day, force=True, trigger="cli")
            self.stdout.write(f"{name} for {day.isoformat()}: queued (run #{run.pk})")
            return
        run = jobs.job_run_here(name=name, day=day, trigger="cli")
        self.stdout.write(self.line(run))
        if run and run.status == JobRun.Status.FAILED:
            raise CommandError(run.error.strip().splitlines()[-1] if run.error else "failed")

    def list(self, name: str | None, limit: int):
        runs = JobRun.objects.all()
        if name:
            runs = runs.filter(name=name)
        for run in runs[:limit]:
            self.stdout.write(self.line(run))

    @staticmethod
    def line(run: JobRun | None) -> str:
        if run is None:
            return "no run recorded"
        took = f"{run.duration.total_seconds():.1f}s" if run.duration else "-"
        when = run.started_at or run.queued_at
        text = (f"{when.astimezone(datetime.UTC):%Y-%m-%d %H:%M}Z  {run.name:20} "
                f"{run.for_date.isoformat()}  #{run.attempt}  {run.status:9} {took:>8}  ")
        if run.status == JobRun.Status.FAILED and run.error:
            return text + run.error.strip().splitlines()[-1]
        return text + ", ".join(f"{k}={v}" for k, v in (run.summary or {}).items())
