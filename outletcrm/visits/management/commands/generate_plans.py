"""`outletcrm generate-plans [--date YYYY-MM-DD] [--days N] [--rep U ...] [--enqueue]`.

Plan generation by hand (issue 3, item 2). Every night the scheduler runs it as the job
"plans" (docs/jobs.md); from cron instead:

    30 0 * * *  outletcrm generate-plans              # today's plans, every rep
    30 0 * * *  outletcrm generate-plans --enqueue    # or hand it to `outletcrm db_worker`

Idempotent: a plan that exists is never regenerated, so the original plan stays the KPI's
denominator. Public holidays have no plan; a make-up working day (调休) works the routes of the
weekday lost to the same holiday (visits.planning.route_day_for).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from outletcrm.core import workcal
from outletcrm.org.models import User
from outletcrm.visits.planning import generate_plans, route_day_for
from outletcrm.visits.tasks import generate_plans_task


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: “{value}” is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Generate the daily visit plans from the routes (nightly; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="first day (YYYY-MM-DD); default: today")
        parser.add_argument("--days", type=int, default=1, help="number of days (default 1)")
        parser.add_argument("--rep", action="append", default=[],
                            help="only this rep (username or id); repeatable")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the task for the worker instead of running it here")

    def handle(self, *args, **options):
        first = parse_day(options["date"]) if options["date"] else timezone.localdate()
        if not 1 <= options["days"] <= 31:
            raise CommandError("--days must be between 1 and 31")
        rep_ids = None
        if options["rep"]:
            rep_ids = []
            for value in options["rep"]:
                rep = User.objects.filter(**({"pk": int(value)} if value.isdigit()
                                             else {"username": value})).first()
                if rep is None:
                    raise CommandError(f"--rep: no user “{value}”")
                rep_ids.append(rep.pk)
        for offset in range(options["days"]):
            day = first + datetime.timedelta(days=offset)
            if not workcal.is_known(day):
                self.stderr.write(f"{day.isoformat()}: the company calendar does not know "
                                  f"{day.year}; Monday–Friday are taken as working days "
                                  f"(enter its holidays: outletcrm calendar add …)")
            if options["enqueue"]:
                result = generate_plans_task.enqueue(date=day.isoformat(), rep_ids=rep_ids)
                self.stdout.write(f"{day.isoformat()}: queued task {result.id} ({result.status})")
                continue
            result = generate_plans(date=day, rep_ids=rep_ids)
            worked = route_day_for(day)
            note = ("rest day or public holiday: no plans" if worked is None else
                    f"make-up working day: routes of {worked:%a} {worked.isoformat()}"
                    if worked != day else "")
            self.stdout.write(f"{day.isoformat()}: {result['plans']} plans, "
                              f"{result['stops']} stops" + (f" ({note})" if note else ""))
