"""`outletcrm unlock-login USERNAME… [--address IP…] | --list`: an administrator's unlock.

Failed logins lock an account (and, at a higher count, a client address) for
LOGIN_LOCKOUT_MINUTES (docs/security.md). This clears the recorded failures at once, like
deleting them under "Access attempts" in the admin.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from outletcrm.core.logins import normalise_username


class Command(BaseCommand):
    help = "Unlock accounts or client addresses locked by failed logins, or list the failures."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="accounts to unlock")
        parser.add_argument("--address", action="append", default=[], metavar="IP",
                            help="also unlock this client address (repeatable)")
        parser.add_argument("--list", action="store_true",
                            help="list recorded failures per account and address")

    def handle(self, *args, **options):
        if options["list"]:
            self._list()
            return
        if not options["usernames"] and not options["address"]:
            raise CommandError(_("Name an account to unlock, --address IP, or --list."))
        for raw in options["usernames"]:
            username = normalise_username(raw)
            count = AxesProxyHandler.reset_attempts(username=username) if username else 0
            self.stdout.write(
                _("%(name)s: unlocked (%(count)d failure records removed).")
                % {"name": username, "count": count} if count else
                _("%(name)s: no failed logins recorded.") % {"name": raw})
        for address in options["address"]:
            count = AxesProxyHandler.reset_attempts(ip_address=address.strip())
            self.stdout.write(
                _("%(name)s: unlocked (%(count)d failure records removed).")
                % {"name": address, "count": count} if count else
                _("%(name)s: no failed logins recorded.") % {"name": address})

    def _list(self):
        rows = (AccessAttempt.objects.values("username", "ip_address")
                .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .order_by("-last"))
        if not rows:
            self.stdout.write(_("No failed logins recorded."))
            return
        for row in rows:
            self.stdout.write(f"{row['username'] or '-'}\t{row['ip_address'] or '-'}\t"
                              f"{row['failures']}\t{timezone.localtime(row['last']):%Y-%m-%d %H:%M}")
