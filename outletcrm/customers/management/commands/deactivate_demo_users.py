"""`outletcrm deactivate-demo-users`: retire the demo logins before going to production."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from outletcrm.demo.services import demo_users_deactivate


class Command(BaseCommand):
    help = (
        "Deactivate every demo login (they share a password printed on screen). A production "
        "server refuses to start while any is active."
    )

    def handle(self, *args, **options):
        count = demo_users_deactivate()
        self.stdout.write(
            self.style.SUCCESS(_("Deactivated %(count)s demo logins.") % {"count": count})
        )
