"""`outletcrm complaints --as USER [--open|--breached] [--scan]`: complaints in a user's scope.

The same selector as the page and the API (complaints.selectors.complaint_list), so the
console shows what that user would see. `--scan` runs the breach job once (what the scheduler
runs every 5 minutes).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from outletcrm.complaints import selectors, services
from outletcrm.complaints.choices import ACTIVE_STATUSES
from outletcrm.org.models import User


class Command(BaseCommand):
    help = "List complaints in a user's data scope (open or breached ones), or run the breach scan."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="as_user", help="whose data scope to apply")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--open", action="store_true", help="only those being handled")
        which.add_argument("--breached", action="store_true", help="only those that missed a target")
        parser.add_argument("--scan", action="store_true",
                            help="run the breach scan (job complaint-breaches) first")
        parser.add_argument("--format", choices=("json", "table"), default="table")

    def handle(self, *args, **options):
        if options["scan"]:
            self.stdout.write(json.dumps(services.scan_breaches()))
            if not options["as_user"]:
                return
        if not options["as_user"]:
            raise CommandError("--as USERNAME is required (whose data scope to apply)")
        user = User.objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user “{options['as_user']}”")
        rows = selectors.complaint_list(user=user, filters=selectors.ComplaintFilters(
            breached=options["breached"]))
        if options["open"]:
            rows = rows.filter(status__in=ACTIVE_STATUSES)
        now = timezone.now()
        out = []
        for complaint in rows[:500]:
            left = selectors.remaining(complaint, now=now)
            out.append({
                "code": complaint.code, "customer": complaint.customer.name,
                "category": complaint.category, "severity": complaint.severity,
                "status": complaint.status, "assignee": complaint.assignee.username,
                "received_at": timezone.localtime(complaint.received_at).isoformat(
                    timespec="minutes"),
                "breached": complaint.is_breached,
                "target": left["target"] if left else None,
                "working_minutes_left": left["minutes"] if left else None})
        if options["format"] == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for row in out:
            left = "" if row["target"] is None else f"{row['target']} {row['working_minutes_left']:+d} min"
            self.stdout.write(f"{row['code']}  {row['status']:<11} {row['severity']:<6} "
                              f"{'BREACHED ' if row['breached'] else ''}{left}  "
                              f"{row['customer']} → {row['assignee']}")
        self.stdout.write(f"{len(out)} complaint(s)")
