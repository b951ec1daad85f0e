"""`outletcrm churn-flags --as USER [--status open|handled|cleared|all] [--format table|json]`.

The churn flags the user sees on /churn/ and through GET /api/v1/churn-flags/ (one selector),
with their evidence.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from outletcrm.churn.choices import FlagStatus
from outletcrm.churn.selectors import flag_list
from outletcrm.org.models import User


class Command(BaseCommand):
    help = "Churn flags in a user's scope, with their evidence."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="as_user", required=True,
                            help="apply this user's data scope")
        parser.add_argument("--status", choices=[*FlagStatus.values, "all"], default="open")
        parser.add_argument("--format", choices=("json", "table"), default="table")
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user “{options['as_user']}”")
        status = None if options["status"] == "all" else options["status"]
        flags = flag_list(user=user, status=status)[:max(1, min(options["limit"], 10000))]
        rows = [{"id": f.pk, "customer": f.customer.code, "name": f.customer.name,
                 "owner": f.customer.owner.username, "raised_on": f.raised_on.isoformat(),
                 "reasons": f.reasons, "status": f.status, "evidence": f.evidence,
                 "evidence_text": f.evidence_lines} for f in flags]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, default=str))
            return
        for row in rows:
            self.stdout.write(f"{row['id']:>6}  {row['raised_on']}  {row['customer']}  "
                              f"{row['name']}  ({row['owner']})  {', '.join(row['reasons'])}")
            for line in row["evidence_text"]:
                self.stdout.write(f"        {line}")
        self.stdout.write(f"{len(rows)} flag(s)")
