"""`outletcrm care-rules [list | enable ID... | disable ID...]`: the care rules from a shell.

An operator's tool (like the admin site): it acts as the company, not as a user.
"""

from django.core.management.base import BaseCommand, CommandError

from outletcrm.care.models import CareRule
from outletcrm.care.selectors import care_rule_list


class Command(BaseCommand):
    help = "List the care rules, or switch rules on or off by id."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", default="list",
                            choices=["list", "enable", "disable"])
        parser.add_argument("ids", nargs="*", type=int, help="rule ids (enable, disable)")

    def handle(self, *args, **options):
        action, ids = options["action"], options["ids"]
        if action == "list":
            for rule in care_rule_list():
                classes = ",".join(c.code for c in rule.customer_classes.all()) or "*"
                extra = f" every {rule.every_days}d" if rule.every_days else ""
                self.stdout.write(
                    f"{rule.pk:>4} {'on ' if rule.is_active else 'off'} {rule.kind:<15}"
                    f"{rule.festival or '-':<13}{classes:<15}{rule.action:<8}"
                    f"lead {rule.lead_days}d{extra}  {rule.name}")
            return
        if not ids:
            raise CommandError("name the rule ids to switch")
        known = set(CareRule.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - known)
        if missing:
            raise CommandError(f"no care rule {', '.join(map(str, missing))}")
        changed = CareRule.objects.filter(pk__in=ids).update(is_active=action == "enable")
        self.stdout.write(f"{changed} rule(s) {'enabled' if action == 'enable' else 'disabled'}")
