"""outletcrm import-customers FILE: the Excel import from the command line (issue 2, item 8)."""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from outletcrm.customers.importexport import ImportFileError, duplicate_text, import_customers
from outletcrm.customers.management.acting import acting_user, add_actor_and_language


class Command(BaseCommand):
    help = (
        "Import customers from an .xlsx file (the layout of `outletcrm import-template`). Every "
        "row is checked first; by default nothing is imported if any row is bad or a duplicate. "
        "Exits non-zero when any row is rejected or the file cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx file to import.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the good rows even if others are rejected (see --rejected).",
        )
        parser.add_argument(
            "--rejected",
            metavar="OUT.xlsx",
            help="Write the rejected rows, with the reasons, to this file to fix and re-import "
            "(with --skip-invalid).",
        )
        add_actor_and_language(
            parser,
            default_help="Default: the first active administrator, who must then name the "
            "owner rep of every row in the column 负责业务员(用户名).",
        )

    def handle(self, *args, file, skip_invalid, rejected, username, lang, **options):
        with translation.override(lang or settings.LANGUAGE_CODE):
            self._import(
                Path(file), skip_invalid=skip_invalid, rejected=rejected, username=username
            )

    def _import(self, path: Path, *, skip_invalid: bool, rejected: str | None, username):
        actor = acting_user(username)
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        self.stdout.write(
            _("Importing %(file)s as %(user)s (%(role)s).")
            % {"file": path.name, "user": actor.username, "role": actor.get_role_display()}
        )
        with path.open("rb") as fileobj:
            try:
                result = import_customers(
                    actor=actor,
                    fileobj=fileobj,
                    filename=path.name,
                    skip_invalid=skip_invalid,
                    channel="cli",
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc

        for error in result.errors:
            self.stdout.write(
                _("Row %(row)s, %(column)s: %(message)s")
                % {"row": error.row, "column": error.column or "-", "message": error.message}
            )
        for duplicate in result.duplicates:
            for match in duplicate.matches:
                self.stdout.write(
                    _("Row %(row)s, duplicate: %(match)s")
                    % {"row": duplicate.row, "match": duplicate_text(match)}
                )
        rejected_rows = len({e.row for e in result.errors} | {d.row for d in result.duplicates})
        if result.rejected_workbook and rejected:
            Path(rejected).write_bytes(result.rejected_workbook)
            self.stdout.write(
                _("The rejected rows, with the reasons, are in %(path)s.") % {"path": rejected}
            )
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Customers imported: %(count)s.") % {"count": result.created_count}
                )
            )
            return
        if result.created_count:
            summary = _("Customers imported: %(created)s; rows rejected: %(rejected)s.")
        else:
            summary = _("Nothing was imported; rows rejected: %(rejected)s.")
        raise CommandError(summary % {"created": result.created_count, "rejected": rejected_rows})
