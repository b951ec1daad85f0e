"""outletcrm export-customers FILE: the Excel export from the command line (issue 2, item 8)."""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from outletcrm.customers.choices import Channel, Status
from outletcrm.customers.importexport import export_customers
from outletcrm.customers.management.acting import acting_user, add_actor_and_language
from outletcrm.customers.models import CustomerClass, OutletType, Tag
from outletcrm.customers.selectors import ORDERINGS, CustomerFilters
from outletcrm.customers.text import normalise
from outletcrm.org.models import Region, User


class Command(BaseCommand):
    help = (
        "Export the customers a user sees (their data scope), with the list's filters, to an "
        ".xlsx file that `outletcrm import-customers` reads back. Every export is recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the .xlsx file.")
        add_actor_and_language(
            parser, default_help="Default: the first active administrator (every customer)."
        )
        parser.add_argument("--q", default="", help="Search: name, address, phone, pinyin.")
        parser.add_argument("--region", help="Region code or id (with the regions below it).")
        parser.add_argument("--owner", help="Owner rep: username or id.")
        parser.add_argument("--outlet-type", help="Outlet type: code, name or id.")
        parser.add_argument("--class", dest="customer_class", help="Class: code, name or id.")
        parser.add_argument("--abc-class", help="ABC class: code, name or id.")
        parser.add_argument("--status", help="Status: " + ", ".join(Status.values) + " (or name).")
        parser.add_argument(
            "--channel", help="Channel: " + ", ".join(Channel.values) + " (or name)."
        )
        parser.add_argument("--tag", help="Tag name or id.")
        parser.add_argument("--archived", choices=["live", "archived", "all"], default="live")
        parser.add_argument("--ordering", choices=sorted(ORDERINGS), default="name")

    def handle(self, *args, file, username, lang, **options):
        with translation.override(lang or settings.LANGUAGE_CODE):
            user = acting_user(username)
            filters = CustomerFilters(
                q=options["q"][:100],
                region=_pick(Region.objects.all(), options["region"], ["code", "name"], "--region"),
                owner=_pick(User.objects.all(), options["owner"], ["username"], "--owner"),
                outlet_type=_pick(
                    OutletType.objects.all(),
                    options["outlet_type"],
                    ["code", "name", "name_en"],
                    "--outlet-type",
                ),
                customer_class=_pick(
                    CustomerClass.objects.filter(scheme="importance"),
                    options["customer_class"],
                    ["code", "name", "name_en"],
                    "--class",
                ),
                abc_class=_pick(
                    CustomerClass.objects.filter(scheme="abc"),
                    options["abc_class"],
                    ["code", "name", "name_en"],
                    "--abc-class",
                ),
                status=_choice(Status, options["status"], "--status"),
                channel=_choice(Channel, options["channel"], "--channel"),
                tag=_pick(Tag.objects.all(), options["tag"], ["name"], "--tag"),
                archived=options["archived"],
                ordering=options["ordering"],
            )
            content, count = export_customers(user=user, filters=filters, channel="cli")
            Path(file).write_bytes(content)
            self.stdout.write(
                self.style.SUCCESS(
                    _("Customers exported: %(count)s, to %(path)s (as %(user)s).")
                    % {"count": count, "path": file, "user": user.username}
                )
            )


def _pick(queryset, value: str | None, fields: list[str], option: str) -> int | None:
    """The id of the one record `value` names (by id or by one of `fields`); else an error."""
    if not value:
        return None
    condition = Q(pk=int(value)) if value.isdigit() else Q()
    for name in fields:
        condition |= Q(**{f"{name}__iexact": value})
    found = list(queryset.filter(condition).values_list("pk", flat=True)[:2])
    if len(found) != 1:
        raise CommandError(
            _("%(option)s: nothing called “%(value)s”.") % {"option": option, "value": value}
        )
    return found[0]


def _choice(choices, value: str | None, option: str) -> str:
    """A choice value from its code or its name in either language."""
    if not value:
        return ""
    wanted = normalise(value)
    for code, label in choices.choices:
        names = {normalise(code), normalise(str(label))}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.add(normalise(str(label)))
        if wanted in names:
            return code
    raise CommandError(
        _("%(option)s: nothing called “%(value)s”.") % {"option": option, "value": value}
    )
