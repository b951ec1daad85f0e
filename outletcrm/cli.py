"""The `outletcrm` console script: the project's manage.py.

Commands may be typed with hyphens (`outletcrm import-customers`), as the docs show them;
Django's command modules use underscores, so the first argument is translated.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with OutletCRM's settings."""
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
