"""outletcrm import-template FILE: write the Excel import template (issue 2, item 8)."""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from outletcrm.customers.importexport import import_template
from outletcrm.customers.management.acting import LANGUAGES


class Command(BaseCommand):
    help = (
        "Write the customer import template (.xlsx): Chinese column headers, a sheet of "
        "instructions with the valid values, drop-down lists and an example row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the template.")
        parser.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=None,
            help="Language of the instructions (default: zh-hans).",
        )

    def handle(self, *args, file, lang, **options):
        with translation.override(lang or settings.LANGUAGE_CODE):
            Path(file).write_bytes(import_template())
            self.stdout.write(
                self.style.SUCCESS(_("Import template written to %(path)s.") % {"path": file})
            )
