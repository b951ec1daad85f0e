"""`outletcrm reduce-positions [--days N] [--enqueue]`: the position retention (issue 3, §9).

Raw check-in and check-out positions older than POSITION_RETENTION_DAYS (default 180) are
reduced to the distance figure. Run it nightly from cron (or with --enqueue for the worker):

    45 0 * * *  outletcrm reduce-positions
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outletcrm.visits.services import reduce_old_positions
from outletcrm.visits.tasks import reduce_positions_task


class Command(BaseCommand):
    help = "Reduce raw positions older than the retention period to the distance figure."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help=f"retention in days (default {settings.POSITION_RETENTION_DAYS},"
                                 " the POSITION_RETENTION_DAYS setting)")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the task for the worker instead of running it here")

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        if options["enqueue"]:
            result = reduce_positions_task.enqueue(days=days)
            self.stdout.write(f"queued task {result.id} ({result.status})")
            return
        count = reduce_old_positions(days=days)
        shown = settings.POSITION_RETENTION_DAYS if days is None else days
        self.stdout.write(f"{count} visits reduced to the distance (older than {shown} days)")
