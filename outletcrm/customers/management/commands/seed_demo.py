"""`outletcrm seed-demo`: load the demo company and print its logins (demo mode only)."""

import sys
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outletcrm.customers.models import Customer
from outletcrm.demo.churn import churn_exists, seed_churn
from outletcrm.demo.evaluation import evaluation_exists, seed_evaluation
from outletcrm.demo.field import field_exists, seed_field
from outletcrm.demo.plan import TEAMS
from outletcrm.demo.services import (
    DemoDataExists,
    DemoNotAllowed,
    default_password,
    demo_exists,
    demo_reset,
    demo_seed,
    gather_planner_statistics,
    require_demo_allowed,
)
from outletcrm.org.models import Role, User

ROLE_ORDER = (Role.ADMIN, Role.CUSTODIAN, Role.CUSTOMER_SERVICE, Role.MANAGER,
              Role.SUPERVISOR, Role.REP)


def _columns(text: str) -> int:
    """Terminal width of `text`: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _runs(usernames: list[str]) -> str:
    """rep01, rep02, rep03 → rep01–rep03 (the demo numbers logins consecutively)."""
    return f"{usernames[0]}–{usernames[-1]}" if len(usernames) > 2 else ", ".join(usernames)


def login_lines(users) -> list[str]:
    """One line per role: who can log in, and where they sit in the company."""
    lines = []
    by_role: dict[str, list[User]] = {}
    for user in users:
        by_role.setdefault(user.role, []).append(user)
    width = max(_columns(str(label)) for label in Role.labels) + 2
    for role in ROLE_ORDER:
        people = sorted(by_role.get(role, []), key=lambda u: u.username)
        if not people:
            continue
        if role == Role.REP:
            groups: dict[str, list[str]] = {}
            for user in people:
                groups.setdefault(str(user.team or ""), []).append(user.username)
            who = "; ".join(f"{_runs(names)} ({team})" for team, names in groups.items())
        elif role in (Role.SUPERVISOR, Role.MANAGER):
            who = ", ".join(f"{u.username} ({u.team or u.region})" for u in people)
        else:
            who = ", ".join(u.username for u in people)
        label = str(Role(role).label)
        lines.append(f"  {label}{' ' * (width - _columns(label))}{who}")
    return lines


class Command(BaseCommand):
    help = (
        "Load the demo company (regions, teams, demo logins and outlets on real Hangzhou "
        "streets) and print the logins. Only with OUTLETCRM_ENV=demo (or test)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--outlets", type=int, default=2000, help="outlets to create (2000)")
        parser.add_argument("--reps", type=int, default=18, help="field reps, at least 6 (18)")
        parser.add_argument(
            "--seed", type=int, default=42, help="random seed: same seed, same company"
        )
        parser.add_argument(
            "--password",
            default=None,
            help="the one password every demo login shares (default: settings.DEMO_PASSWORD)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo rows already there and load them again",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if the database already has customers or demo data",
        )
        parser.add_argument(
            "--no-field",
            action="store_true",
            help="only the archive: no products, routes, plans, visits or orders",
        )

    def handle(self, *args, **options):
        try:
            require_demo_allowed()
        except DemoNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        if options["reps"] < len(TEAMS):
            raise CommandError(
                _("The demo company needs at least %(count)s reps, one per team.")
                % {"count": len(TEAMS)}
            )
        if options["outlets"] < 1:
            raise CommandError(_("Give at least one outlet."))
        if options["if_empty"] and (demo_exists() or Customer.objects.exists()):
            loaded = True
            # A demo company loaded before it had field work gets it now, so `make demo` on an
            # existing database shows routes and plans too.
            if not options["no_field"] and demo_exists() and not field_exists():
                self._field_line(seed_field(seed=options["seed"]))
                self._churn_line(seed_churn(seed=options["seed"]))
                self._evaluation_line(seed_evaluation(seed=options["seed"]))
            elif not options["no_field"] and demo_exists() and not churn_exists():
                self._churn_line(seed_churn(seed=options["seed"]))
                self._evaluation_line(seed_evaluation(seed=options["seed"]))
            elif not options["no_field"] and demo_exists() and not evaluation_exists():
                self._evaluation_line(seed_evaluation(seed=options["seed"]))
            else:
                loaded = False
                self.stdout.write(_("The database already has data; nothing was loaded."))
            if loaded:
                gather_planner_statistics()
            self._print_logins(User.objects.filter(is_demo=True, is_active=True), password=None)
            return
        if options["reset"] and demo_exists():
            deleted = demo_reset()
            self.stdout.write(
                _("Removed the demo company (%(customers)s customers, %(users)s logins).") % deleted
            )
        started = time.monotonic()
        try:
            result = demo_seed(
                outlets=options["outlets"],
                reps=options["reps"],
                seed=options["seed"],
                password=options["password"],
                progress=self._progress(options),
                field=not options["no_field"],
            )
        except (DemoDataExists, DemoNotAllowed, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Loaded the demo company: %(outlets)s outlets, %(contacts)s contacts, "
                    "%(competitors)s competitor entries in %(seconds).1f s."
                )
                % {
                    "outlets": result.outlets,
                    "contacts": result.contacts,
                    "competitors": result.competitors,
                    "seconds": time.monotonic() - started,
                }
            )
        )
        if result.field is not None:
            self._field_line(result.field)
            self._churn_line(seed_churn(seed=options["seed"]))
            # The year of orders came after demo_seed's statistics (bench/results/archive-notes.md).
            gather_planner_statistics()
            self._evaluation_line(seed_evaluation(seed=options["seed"]))
        self._print_logins(result.people, password=result.password)

    def _evaluation_line(self, summary: dict) -> None:
        self.stdout.write(_(
            "Evaluation: %(customers)s customers scored, %(proposed)s class changes waiting "
            "for approval.") % {"customers": summary["customers"],
                                 "proposed": summary["proposed"]})

    def _churn_line(self, summary: dict) -> None:
        if summary:
            self.stdout.write(_(
                "Churn watch: a year of orders (%(orders)s more), %(flags)s churn flags, "
                "%(dormant)s dormant, %(lost)s lost, %(won_back)s won back.") % {
                "orders": summary["orders"], "flags": summary["flags_raised"],
                "dormant": summary["dormant"], "lost": summary["lost"],
                "won_back": summary["won_back"]})

    def _field_line(self, summary) -> None:
        self.stdout.write(
            _(
                "Field data: %(products)s products, %(routes)s routes, %(plans)s daily plans "
                "with %(stops)s stops (%(today)s today), %(visits)s visits, %(orders)s orders, "
                "%(payments)s payments in %(seconds).1f s."
            )
            % {
                "products": summary.products,
                "routes": summary.routes,
                "plans": summary.plans,
                "stops": summary.planned_stops,
                "today": summary.today_stops,
                "visits": summary.visits,
                "orders": summary.orders,
                "payments": summary.payments,
                "seconds": summary.seconds,
            }
        )

    def _progress(self, options):
        if options["outlets"] < 10_000 or options["verbosity"] < 1:
            return None
        total = options["outlets"]

        def report(done: int) -> None:
            sys.stderr.write(f"\r  {done:,}/{total:,}")
            if done >= total:
                sys.stderr.write("\n")

        return report

    def _print_logins(self, users, *, password: str | None) -> None:
        lines = login_lines(users)
        if not lines:
            return
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for line in lines:
            self.stdout.write(line)
        if password:
            self.stdout.write(
                _("Password for every demo login: %(password)s") % {"password": password}
            )
        else:
            self.stdout.write(
                _(
                    "Password for every demo login: the one given when the demo was "
                    "loaded (default %(password)s)."
                )
                % {"password": default_password()}
            )
