"""`outletcrm pipeline sync | board --as U | funnel --as U [--from --to --group] | move ID STAGE --as U`.

The same services and selectors as the board page and the API: `sync` puts every potential
or intent customer that was never developed into the first stage; `board` prints counts per
stage; `funnel` the funnel (json or table); `move` moves a prospect with the exit checks.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from outletcrm.core.params import MAX_PERIOD_DAYS, parse_period
from outletcrm.org.models import User
from outletcrm.pipeline import selectors, services
from outletcrm.pipeline.models import Prospect, Stage


class Command(BaseCommand):
    help = "The prospect pipeline: sync, board, funnel, move."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync", help="open prospects for undeveloped potential/intent customers")
        board = sub.add_parser("board", help="prospects per stage")
        board.add_argument("--as", dest="as_user", required=True)
        funnel = sub.add_parser("funnel", help="funnel analytics over a period")
        funnel.add_argument("--as", dest="as_user", required=True)
        funnel.add_argument("--from", dest="date_from")
        funnel.add_argument("--to", dest="date_to")
        funnel.add_argument("--group", choices=list(selectors.GROUPS))
        funnel.add_argument("--format", choices=("json", "table"), default="table")
        move = sub.add_parser("move", help="move a prospect (the exit checks apply)")
        move.add_argument("prospect", type=int)
        move.add_argument("stage", help="stage code or id")
        move.add_argument("--as", dest="as_user", required=True)

    def _user(self, username) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user “{username}”")
        return user

    def handle(self, *args, **options):
        action = options["action"]
        if action == "sync":
            self.stdout.write(f"{services.prospects_open_missing()} prospect(s) opened")
            return
        user = self._user(options["as_user"])
        if action == "board":
            for column in selectors.board(user=user, limit=0):
                self.stdout.write(f"{column.count:>7}  {column.stage}")
            return
        if action == "funnel":
            return self._funnel(user, options)
        prospect = selectors.prospect_queryset(user).filter(pk=options["prospect"]).first()
        if prospect is None:
            raise CommandError("No such prospect in your scope.")
        raw = options["stage"]
        stage = Stage.objects.filter(is_active=True, **(
            {"pk": int(raw)} if raw.isdigit() else {"code": raw})).first()
        if stage is None:
            raise CommandError("No such enabled stage.")
        try:
            services.prospect_move(actor=user, prospect=prospect, to_stage=stage)
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc
        self.stdout.write(f"{Prospect.objects.get(pk=prospect.pk).stage}")

    def _funnel(self, user, options):
        import datetime

        from django.utils import timezone

        try:
            date_from, date_to = parse_period(options["date_from"], options["date_to"],
                                              max_days=MAX_PERIOD_DAYS)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        date_to = date_to or timezone.localdate()
        date_from = date_from or date_to - datetime.timedelta(days=89)
        report = selectors.funnel(user=user, date_from=date_from, date_to=date_to,
                                  group=options["group"])
        total = report["total"]
        if options["format"] == "json":
            self.stdout.write(json.dumps({
                "from": str(date_from), "to": str(date_to),
                "stages": [{"stage": str(r["stage"]), **{k: v for k, v in r.items()
                                                          if k != "stage"}}
                           for r in report["stages"]],
                "won": total.won, "lost": total.lost, "win_rate": total.win_rate,
                "lost_reasons": {r["reason"]: r["count"] for r in report["lost_reasons"]},
                "groups": [{"label": g.label, "entered": g.entered, "reached": g.reached,
                            "won": g.won, "lost": g.lost, "win_rate": g.win_rate}
                           for g in report["groups"]],
            }, ensure_ascii=False, default=str))
            return
        for r in report["stages"]:
            self.stdout.write(f"{r['reached']:>7}  {r['conversion'] or '':>6}  "
                              f"{r['median_days'] or '':>6}  {r['stage']}")
        self.stdout.write(f"won {total.won}  lost {total.lost}  win rate {total.win_rate}")
