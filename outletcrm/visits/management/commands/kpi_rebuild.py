"""`outletcrm kpi-rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--rep U ...]`.

Recount the KPI summary (visits/kpi_summary.py) of a period from the planned stops and visits
themselves. The services keep the summary up to date as they write; run this after writing
around them (SQL by hand, a bulk load), after changing DEEP_VISIT_MINUTES, or to check: it
prints what it wrote. Without --from/--to: the whole history. Idempotent.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min

from outletcrm.org.models import User
from outletcrm.visits.kpi_summary import rebuild
from outletcrm.visits.models import PlannedStop, Visit


def parse_day(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name}: “{value}” is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Recount the visit KPI summary of a period from the stops and visits (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="first day; default: the first "
                                                             "day with a plan or a visit")
        parser.add_argument("--to", dest="date_to", help="last day; default: the last day "
                                                         "with a plan or a visit")
        parser.add_argument("--rep", action="append", default=[],
                            help="only this rep (username or id); repeatable")

    def handle(self, *args, **options):
        bounds = [qs.aggregate(first=Min("date"), last=Max("date"))
                  for qs in (PlannedStop.objects.all(), Visit.objects.all())]
        firsts = [b["first"] for b in bounds if b["first"]]
        lasts = [b["last"] for b in bounds if b["last"]]
        date_from = (parse_day(options["date_from"], "from") if options["date_from"]
                     else min(firsts, default=None))
        date_to = (parse_day(options["date_to"], "to") if options["date_to"]
                   else max(lasts, default=None))
        if date_from is None or date_to is None:
            self.stdout.write("No plans or visits: nothing to count.")
            return
        if date_to < date_from:
            raise CommandError("--to is before --from")
        rep_ids = None
        if options["rep"]:
            rep_ids = []
            for value in options["rep"]:
                rep = User.objects.filter(**({"pk": int(value)} if value.isdigit()
                                             else {"username": value})).first()
                if rep is None:
                    raise CommandError(f"--rep: no user “{value}”")
                rep_ids.append(rep.pk)
        written = rebuild(date_from=date_from, date_to=date_to, rep_ids=rep_ids,
                          log=lambda line: self.stderr.write(line))
        self.stdout.write(f"{date_from} … {date_to}: {written['rep_days']:,} rep-days, "
                          f"{written['visited_years']:,} customer-years, "
                          f"{written['shared']:,} shared visits")
