"""`outletcrm classify [--apply] [--full | --changes] [--as USER] [--no-run] [--format table|json]`

Scores the customers with the model in use (everyone with --full, those changed since the last
run with --changes, otherwise as the run decides) and prints the pending class proposals with
their reasons. --apply applies the pending proposals (within --as USER's scope when given, as
approved by that user; otherwise as a rule of the system), each kept in the customer's history.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from outletcrm.core import scoping
from outletcrm.evaluation import selectors, services
from outletcrm.evaluation.choices import ProposalStatus
from outletcrm.evaluation.models import ClassProposal
from outletcrm.evaluation.reasons import reason_lines
from outletcrm.org.models import User


class Command(BaseCommand):
    help = "Score customers, print the class proposals, optionally apply them."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="apply the pending proposals")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--full", action="store_true", help="score every customer")
        scope.add_argument("--changes", action="store_true",
                           help="score only customers changed since the last run")
        parser.add_argument("--no-run", action="store_true", help="print without scoring")
        parser.add_argument("--as", dest="as_user", help="apply this user's data scope")
        parser.add_argument("--format", choices=("json", "table"), default="table")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, **options):
        user = None
        if options["as_user"]:
            user = User.objects.filter(username=options["as_user"], is_active=True).first()
            if user is None:
                raise CommandError(f"--as: no active user “{options['as_user']}”")
        if not options["no_run"]:
            full = True if options["full"] else (False if options["changes"] else None)
            try:
                run = services.evaluate(full=full, actor=user)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stderr.write(f"{run.get_kind_display()}: {run.customers} customers scored in "
                              f"{run.seconds:.2f} s, {run.proposed} proposals, "
                              f"{run.applied} applied, {run.withdrawn} withdrawn")
        if user is not None:
            proposals = selectors.proposal_list(user=user)
        else:
            proposals = ClassProposal.objects.filter(status=ProposalStatus.PENDING).select_related(
                "customer", "customer__owner", "from_class", "to_class", "from_abc", "to_abc"
            ).order_by("-proposed_at", "-id")
        limit = max(1, min(options["limit"], 100_000))
        rows = [{"id": p.pk, "customer": p.customer.code, "name": p.customer.name,
                 "owner": p.customer.owner.username,
                 "class": [str(p.from_class or "–"), str(p.to_class or "–")]
                 if p.change_class else None,
                 "abc": [str(p.from_abc or "–"), str(p.to_abc or "–")] if p.change_abc else None,
                 "facts": p.facts, "reasons": reason_lines(p)} for p in proposals[:limit]]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, default=str))
        else:
            for row in rows:
                changes = []
                if row["class"]:
                    changes.append(" → ".join(row["class"]))
                if row["abc"]:
                    changes.append(" → ".join(row["abc"]))
                self.stdout.write(f"{row['id']:>7}  {row['customer']}  {row['name']}  "
                                  f"({row['owner']})  {'; '.join(changes)}")
                for line in row["reasons"]:
                    self.stdout.write(f"         {line}")
            self.stdout.write(f"{len(rows)} proposal(s)")
        if options["apply"]:
            if user is not None and not (user.is_superuser or user.role in {
                    "supervisor", "manager", "admin"}):
                raise CommandError(str(PermissionDenied("--as: this user may not decide class "
                                                        "changes")))
            queryset = (selectors.proposal_list(user=user) if user is not None else
                        ClassProposal.objects.filter(status=ProposalStatus.PENDING))
            if user is not None:
                allowed = [p.pk for p in queryset if scoping.can_approve_class_change(
                    user, p.customer)]
                queryset = ClassProposal.objects.filter(pk__in=allowed)
            applied = services.proposals_apply_all(actor=user, proposals=queryset)
            self.stdout.write(f"{applied} applied")
