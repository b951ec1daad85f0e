"""Shared parts of the import/export commands: who acts, and in which language."""

from django.core.management import CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from outletcrm.org.models import Role, User

LANGUAGES = ["zh-hans", "en"]


def add_actor_and_language(parser, *, default_help: str) -> None:
    """--as USERNAME and --lang, the same on every command."""
    parser.add_argument(
        "--as",
        dest="username",
        metavar="USERNAME",
        help=f"Act as this user: their data scope and rights apply. {default_help}",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="Language of messages and reports (default: zh-hans, the UI default).",
    )


def acting_user(username: str | None) -> User:
    """The user named by --as, or else the first active administrator."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": username})
        return user
    admin = (
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
        .order_by("pk")
        .first()
    )
    if admin is None:
        raise CommandError(
            _("There is no active administrator; name the user to act as with --as USERNAME.")
        )
    return admin
