"""`outletcrm churn-scan [--day YYYY-MM-DD] [--force]`: the nightly churn scan, by hand.

The same service the scheduler's "churn-scan" job runs (outletcrm.churn.tasks); safe to run
twice: a second run the same day with nothing changed returns at once, and any rerun creates
nothing twice. Prints the summary as JSON.
"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from outletcrm.churn.services import scan_churn
from outletcrm.core.jobs import run_job


class Command(BaseCommand):
    help = "Scan the customers' ordering: churn flags, dormant and lost statuses, win-backs."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (default today)")
        parser.add_argument("--force", action="store_true",
                            help="recompute even when nothing changed since today's last scan")

    def handle(self, *args, **options):
        try:
            day = datetime.date.fromisoformat(options["day"]) if options["day"] else None
        except ValueError as exc:
            raise CommandError(f"--day: {exc}") from exc
        summary = run_job("churn-scan", day,
                          lambda d: scan_churn(d, force=options["force"]))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
