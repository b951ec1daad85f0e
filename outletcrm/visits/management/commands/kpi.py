"""`outletcrm kpi --from D --to D [--rep U | --team T | --region R] [--group G] [--format F]`.

The visit KPIs (issue 3, item 7), the same figures as `GET /api/v1/kpis/visits` and the KPI
page: one builder (visits.selectors.kpi_report) serves all three. Without --as the command
counts the whole company (the server operator); `--as USERNAME` applies that user's scope.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from outletcrm.org.models import User
from outletcrm.visits.kpis import GROUPS
from outletcrm.visits.selectors import kpi_report

TABLE_COLUMNS = [
    ("planned", "planned"), ("visited_on_plan", "visited"), ("completion_rate", "completion %"),
    ("visited_with_order", "w/ order"), ("success_rate", "success %"),
    ("phone_contacts", "phone"), ("ride_alongs", "ride-along"),
    ("unplanned", "unplanned"), ("visits", "visits"), ("rejected", "rejected"),
    ("off_site", "off-site"), ("deep_visits_per_day", "deep/day"),
    ("average_duration_minutes", "avg min"), ("order_amount", "amount"),
    ("order_amount_per_visited_customer", "amount/cust"), ("coverage", "coverage %"),
]


class Command(BaseCommand):
    help = "Visit KPIs (completion rate, success rate and the rest) for a period."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--rep", help="rep username or id")
        who.add_argument("--team", help="team id")
        who.add_argument("--region", help="region code or id")
        parser.add_argument("--group", choices=sorted(GROUPS),
                            help="one row per day, week, month, rep, team or region")
        parser.add_argument("--format", choices=("json", "table"), default="table")
        parser.add_argument("--as", dest="as_user",
                            help="apply this user's data scope (default: the whole company)")

    def handle(self, *args, **options):
        user = None
        if options["as_user"]:
            user = User.objects.filter(username=options["as_user"], is_active=True).first()
            if user is None:
                raise CommandError(f"--as: no active user “{options['as_user']}”")
        try:
            report = kpi_report(user=user, date_from=options["date_from"],
                                date_to=options["date_to"], rep=options["rep"],
                                team=options["team"], region=options["region"],
                                group=options["group"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{k}: {' '.join(v)}" if k != "non_field_errors"
                                         else " ".join(v)
                                         for k, v in exc.message_dict.items())) from exc
        except Http404:
            raise CommandError("not found or outside the data scope: "
                               + ", ".join(f"--{k} {options[k]}" for k in ("rep", "team", "region")
                                           if options[k])) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_table(report))


def render_table(report: dict) -> str:
    """The report as a plain-text table, followed by each KPI's definition."""
    headers = ["", *[label for _key, label in TABLE_COLUMNS]]
    rows = [[str(r["name"]), *[_cell(r[key]) for key, _label in TABLE_COLUMNS]]
            for r in report["rows"]]
    rows.append(["TOTAL", *[_cell(report["total"][key]) for key, _label in TABLE_COLUMNS]])
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [f"Visit KPIs {report['from']} … {report['to']} · {report['scope']['name']} "
             f"({report['scope']['reps']} reps with field work)", ""]
    for row in [headers, *rows]:
        lines.append("  ".join(str(cell).rjust(w) if i else str(cell).ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    if report["numeric_distribution"]:
        lines += ["", "Numeric distribution per product:"]
        lines += [f"  {d['product']}: {d['outlets']} / {d['visited']} = {_cell(d['rate'])} %"
                  for d in report["numeric_distribution"]]
    lines += ["", "Definitions:"]
    for d in report["definitions"]:
        lines += [f"  {d['name']}", f"    numerator:   {d['numerator']}",
                  f"    denominator: {d['denominator']}", f"    excluded:    {d['excludes']}"]
    lines += ["", "How the figures are counted:", *(f"  - {rule}" for rule in report["rules"])]
    return "\n".join(lines)


def _cell(value) -> str:
    return "—" if value is None else str(value)
