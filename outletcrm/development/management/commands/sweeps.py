"""`outletcrm sweeps campaigns | coverage ID | answers ID --as USER [--format json|table]`.

Street-sweep campaigns (扫街调查) from the console, through the same selectors as the campaign
page and the API, so it shows what USER would see there: `campaigns` lists the campaigns in
his scope (`--running` only those running today); `coverage` prints a campaign's coverage
(outlets surveyed, forms complete, archive customers of the area not surveyed yet, grid cells
swept) and its figures per rep; `answers` lists the survey answers of its outlets
(`--rep`, `--complete`/`--incomplete`) and `--xlsx FILE` writes the same workbook as the
page's Excel export.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from outletcrm.core import params
from outletcrm.development import exports, labels, selectors
from outletcrm.org.models import User


class Command(BaseCommand):
    help = "Street-sweep campaigns: list them, show a campaign's coverage, list or export answers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        campaigns = sub.add_parser("campaigns", help="campaigns in the user's scope")
        campaigns.add_argument("--running", action="store_true", help="only those running today")
        coverage = sub.add_parser("coverage", help="a campaign's coverage, per rep")
        coverage.add_argument("campaign", help="campaign id")
        answers = sub.add_parser("answers", help="a campaign's survey answers")
        answers.add_argument("campaign", help="campaign id")
        answers.add_argument("--rep", help="only this rep's outlets (username)")
        which = answers.add_mutually_exclusive_group()
        which.add_argument("--complete", action="store_true", help="only complete forms")
        which.add_argument("--incomplete", action="store_true", help="only incomplete forms")
        answers.add_argument("--xlsx", metavar="FILE",
                             help="write the answers to this Excel file (as the page exports)")
        for command in (campaigns, coverage, answers):
            command.add_argument("--as", dest="as_user", required=True,
                                 help="whose data scope to apply")
            command.add_argument("--format", choices=("json", "table"), default="table")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user “{options['as_user']}”")
        action = options["action"]
        if action == "campaigns":
            return self._campaigns(user, options)
        campaign = self._campaign(user, options["campaign"])
        if action == "coverage":
            return self._coverage(user, campaign, options)
        return self._answers(user, campaign, options)

    def _campaign(self, user, raw):
        try:
            pk = params.parse_id(raw, field="campaign")
        except ValidationError:
            raise CommandError(f"campaign: “{raw}” is not a valid id (a positive whole "
                               "number)") from None
        try:
            return selectors.campaign_get(user=user, pk=pk)
        except Http404:
            raise CommandError(f"campaign {pk}: no such campaign in the scope of "
                               f"{user.username}") from None

    def _emit(self, options, data, lines):
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            for line in lines:
                self.stdout.write(line)

    def _campaigns(self, user, options):
        today = timezone.localdate()
        rows = [{"id": c.pk, "name": c.name, "team": c.team.name,
                 "region": c.region.name if c.region_id else "", "drawn_area": bool(c.area),
                 "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
                 "running": c.is_running(today), "outlets": c.outlet_count}
                for c in selectors.campaign_list(user=user)
                if not options["running"] or c.is_running(today)]
        lines = [f"{r['id']:>6}  {r['starts_on']} – {r['ends_on']}  "
                 f"{'running' if r['running'] else '       '}  {r['outlets']:>5} outlets  "
                 f"{r['name']} ({r['team']})" for r in rows]
        self._emit(options, rows, [*lines, f"{len(rows)} campaign(s)"])

    def _coverage(self, user, campaign, options):
        cover = selectors.coverage(user=user, campaign=campaign)
        data = {
            "campaign": campaign.pk, "name": campaign.name, "outlets": cover["total"],
            "complete": cover["complete"], "filed": cover["filed"],
            "flagged": len(cover["flagged"]), "intentions": cover["intentions"],
            # The area's archive customers and the grid: the campaign's managers only.
            "targets": cover["targets"] if cover["manager"] else None,
            "surveyed_targets": cover["surveyed_targets"] if cover["manager"] else None,
            "cells": len(cover["cells"]), "cells_swept": cover["cells_swept"],
            "reps": [{"rep": r["rep"].username, "outlets": r["outlets"],
                      "complete": r["complete"], "filed": r["filed"], "flagged": r["flagged"],
                      "intentions": r["intentions"], "average_completeness": r["average"]}
                     for r in cover["reps"]],
        }
        lines = [f"{campaign.name}: {data['outlets']} outlets surveyed, {data['complete']} "
                 f"forms complete, {data['filed']} filed new, {data['flagged']} possible "
                 f"duplicates, {data['intentions']} intentions"]
        if cover["manager"]:
            lines.append(f"archive customers of the area surveyed: {data['surveyed_targets']} "
                         f"of {data['targets']}")
        if data["cells"]:
            lines.append(f"grid cells swept: {data['cells_swept']} of {data['cells']}")
        lines += [f"{r['rep']:>16}  {r['outlets']:>5} outlets  {r['complete']:>5} complete  "
                  f"{r['average_completeness']:>3}% on average" for r in data["reps"]]
        self._emit(options, data, lines)

    def _answers(self, user, campaign, options):
        rep = None
        if options["rep"]:
            rep = User.objects.filter(username=options["rep"]).first()
            if rep is None:
                raise CommandError(f"--rep: no user “{options['rep']}”")
        complete = True if options["complete"] else (False if options["incomplete"] else None)
        found = selectors.campaign_answers(user=user, campaign=campaign, rep=rep,
                                           complete=complete)
        if options["xlsx"]:
            path = Path(options["xlsx"])
            if not path.parent.is_dir():
                raise CommandError(f"--xlsx: no directory {path.parent}")
            path.write_bytes(exports.campaign_workbook(campaign, found["outlets"],
                                                       found["questions"], found["answers"]))
            self.stderr.write(f"{len(found['outlets'])} outlet(s) written to {path}")
            return
        data = exports.answer_rows(found)
        lines = []
        for outlet in found["outlets"]:
            mine = found["answers"].get(outlet.pk, {})
            code = outlet.customer.code if outlet.customer_id else "-"
            lines.append(f"{outlet.name}  {code}  ({outlet.rep.username}, "
                         f"{outlet.met_on})  {outlet.completeness}%")
            lines += [f"    {q.text}: {labels.answer_text(mine[q.pk])}"
                      for q in found["questions"] if mine.get(q.pk) not in (None, "")]
        self._emit(options, data, [*lines, f"{len(found['outlets'])} outlet(s)"])
