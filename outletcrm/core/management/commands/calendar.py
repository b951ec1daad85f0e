"""`outletcrm calendar …`: the company calendar from the command line (issue 9).

    outletcrm calendar show 2027
    outletcrm calendar add 2027-01-01 --to 2027-01-03 --kind holiday --name 元旦
    outletcrm calendar workday 2027-02-07 --name 春节          # a make-up working day (调休)
    outletcrm calendar add 2027-06-18 --kind rest --name 公司庆典 --region hangzhou
    outletcrm calendar remove 2027-01-03
    outletcrm calendar confirm 2027                            # 2027's holidays are complete

Bad input ends with an error and writes nothing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from outletcrm.core import calendar, workcal
from outletcrm.core.models import CalendarDay
from outletcrm.org.models import Region


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD)") from None


def _year(value: str) -> int:
    if not value.isdigit():
        raise CommandError(f"“{value}” is not a year")
    return int(value)


class Command(BaseCommand):
    help = "Show and edit the company calendar (holidays, make-up working days, rest days)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="list a year's entries")
        show.add_argument("year")
        for action, text in (("add", "mark days (a range with --to)"),
                             ("workday", "mark a make-up working day (调休)"),
                             ("remove", "remove entries (the days follow the week again)")):
            p = sub.add_parser(action, help=text)
            p.add_argument("date")
            p.add_argument("--to", help="last day of the range (inclusive)")
            p.add_argument("--region", help="a region's code: that region's own day")
            if action != "remove":
                p.add_argument("--name", default="", help="the holiday (元旦, 春节…)")
            if action == "add":
                p.add_argument("--kind", required=True,
                               choices=["holiday", "makeup", "rest", "work"])
        for action, text in (("confirm", "mark a year's holidays complete"),
                             ("unconfirm", "take the mark back")):
            p = sub.add_parser(action, help=text)
            p.add_argument("year")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "show":
                return self.show(_year(options["year"]))
            if action in ("confirm", "unconfirm"):
                year = _year(options["year"])
                if action == "confirm":
                    calendar.calendar_year_confirm(year=year)
                else:
                    calendar.calendar_year_unconfirm(year=year)
                self.stdout.write(f"{year}: {'known' if action == 'confirm' else 'not known'}; "
                                  f"calendar known until {workcal.known_until() or '-'}")
                return
            region = None
            if options["region"]:
                region = Region.objects.filter(code=options["region"]).first()
                if region is None:
                    raise CommandError(f"--region: no region with code “{options['region']}”")
            start = _date(options["date"])
            end = _date(options["to"]) if options["to"] else start
            if action == "remove":
                count = calendar.calendar_days_remove(start=start, end=end, region=region)
                self.stdout.write(f"{count} entries removed")
                return
            kind = "makeup" if action == "workday" else options["kind"]
            count = calendar.calendar_days_set(start=start, end=end, kind=kind,
                                               name=options["name"], region=region)
            self.stdout.write(f"{count} days marked {kind}"
                              + (f" ({options['name']})" if options["name"] else "")
                              + (f" for {region.code}" if region else ""))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def show(self, year: int):
        view = calendar.calendar_year(year=year)
        self.stdout.write(f"{year}: {'known' if view.known else 'NOT KNOWN (Monday–Friday guess)'}"
                          f", {view.holidays} holidays, {view.makeup_days} make-up working days")
        for entry in view.entries:
            worked = "worked" if entry.kind in CalendarDay.WORKED_KINDS else "rest"
            self.stdout.write(f"  {entry.date.isoformat()} {entry.date:%a}  {entry.kind:8} "
                              f"{worked:6} {entry.name}"
                              + (f"  [{entry.region.code}]" if entry.region_id else ""))
