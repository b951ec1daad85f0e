"""`outletcrm handover FROM --to A,B [--deactivate]`: hand a rep's customers over.

All his live customers, or those of --region/--class/--status/--customers, go to the reps
named by --to, split evenly (neighbouring outlets together), with their open tasks, planned
visits, route stops and open complaints; --deactivate also ends his account. --dry-run shows
what would move. Acts as --as USERNAME, or the first active administrator.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outletcrm.customers.management.acting import acting_user
from outletcrm.customers.models import Customer, CustomerClass
from outletcrm.handover import services
from outletcrm.org.models import Region, User


def _user(username: str) -> User:
    user = User.objects.select_related("team").filter(username=username).first()
    if user is None:
        raise CommandError(_("No user “%(name)s”.") % {"name": username})
    return user


class Command(BaseCommand):
    help = "Hand a rep's customers (and their open work) over to other reps."

    def add_arguments(self, parser):
        parser.add_argument("from_rep", help="Username of the departing or moving rep.")
        parser.add_argument("--to", required=True, help="Usernames of the receiving reps, "
                            "separated by commas.")
        parser.add_argument("--deactivate", action="store_true",
                            help="Deactivate the departing rep (sessions and API token end).")
        parser.add_argument("--region", help="Only customers of this region (name or id).")
        parser.add_argument("--class", dest="customer_class",
                            help="Only customers of this class (code, e.g. key).")
        parser.add_argument("--status", default="", help="Only customers with this status.")
        parser.add_argument("--customers", help="Only these customer numbers, comma-separated.")
        parser.add_argument("--reason", default="", help="Why (kept with the handover).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would move.")
        parser.add_argument("--as", dest="username", help="Act as this user.")

    def handle(self, *args, **options):
        actor = acting_user(options["username"])
        from_rep = _user(options["from_rep"])
        to_reps = [_user(name.strip()) for name in options["to"].split(",") if name.strip()]
        selection = {"status": options["status"], "mode": "even"}
        if options["region"]:
            region = Region.objects.filter(name=options["region"]).first() or (
                Region.objects.filter(pk=options["region"]).first()
                if options["region"].isdigit() else None)
            if region is None:
                raise CommandError(_("Unknown region."))
            selection["region"] = region.pk
        if options["customer_class"]:
            found = CustomerClass.objects.filter(code=options["customer_class"]).first()
            if found is None:
                raise CommandError(_("Unknown class."))
            selection["customer_class"] = found.pk
        if options["customers"]:
            codes = [c.strip().upper() for c in options["customers"].split(",") if c.strip()]
            ids = dict(Customer.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = [c for c in codes if c not in ids]
            if unknown:
                raise CommandError(_("Unknown customer numbers: %(codes)s")
                                   % {"codes": ", ".join(unknown[:10])})
            selection["customer_ids"] = [ids[c] for c in codes]
        try:
            if options["dry_run"]:
                plan = services.handover_plan(actor=actor, from_rep=from_rep, to_reps=to_reps,
                                              **selection)
                counts = plan.counts(deactivate=options["deactivate"])
            else:
                handover = services.handover_run(
                    actor=actor, from_rep=from_rep, to_reps=to_reps,
                    deactivate=options["deactivate"], reason=options["reason"], channel="cli",
                    **selection)
                counts = {"per_rep": [], "total": handover.counts}
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for rep, c in counts["per_rep"]:
            self.stdout.write(f"{rep.username}: {c['customers']}")
        total = counts["total"]
        self.stdout.write(
            _("%(customers)s customers, %(tasks)s open tasks, %(stops)s planned visits, "
              "%(routes)s route stops, %(complaints)s open complaints")
            % {k: total.get(k, 0) for k in ("customers", "tasks", "stops", "routes",
                                            "complaints")}
            + (" " + _("(dry run: nothing changed)") if options["dry_run"] else ""))
