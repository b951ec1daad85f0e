"""`outletcrm care-tasks [--day YYYY-MM-DD] [--enqueue]`: the nightly care tasks by hand.

settings.SCHEDULE runs it at 01:00 ("care-tasks"); cron alternative:

    0 1 * * *  outletcrm care-tasks

Idempotent: running it twice for a day creates nothing twice (care.services).
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from outletcrm.care.tasks import generate_care_tasks
from outletcrm.core.jobs import run_job


class Command(BaseCommand):
    help = "Put the care tasks due in the coming days on the reps' to-do lists (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the day to run for (YYYY-MM-DD); default: today")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the task for the worker instead of running it here")

    def handle(self, *args, **options):
        try:
            day = (datetime.date.fromisoformat(options["day"]) if options["day"]
                   else timezone.localdate())
        except ValueError:
            raise CommandError(f"--day: “{options['day']}” is not a date (YYYY-MM-DD)") from None
        if not datetime.date(2000, 1, 1) <= day <= datetime.date(2099, 12, 31):
            raise CommandError("--day must lie between 2000-01-01 and 2099-12-31")
        if options["enqueue"]:
            result = generate_care_tasks.enqueue(day.isoformat())
            self.stdout.write(f"{day.isoformat()}: queued task {result.id} ({result.status})")
            return
        from outletcrm.care.services import generate_care_tasks as generate

        summary = run_job("care-tasks", day, generate)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
