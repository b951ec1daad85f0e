"""The `outletcrm` console script: the project's manage.py.

Commands may be typed with hyphens (`outletcrm import-customers`), as the docs show them;
Django's command modules use underscores, so the first argument is translated.

A configuration error (a missing or wrong setting, a database that cannot be reached or has not
been migrated) prints one line that says what to set, in the operator's language, and exits
with 78 (EX_CONFIG); `--traceback` shows Python's traceback instead (outletcrm.configuration).
"""

import os
import sys

from outletcrm.configuration import EX_CONFIG, config_message, database_message


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(EX_CONFIG)


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with OutletCRM's settings."""
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    verbose = "--traceback" in argv

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError, connections

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, where configuration fails
    except ImproperlyConfigured as exc:
        if verbose:
            raise
        _fail(config_message(exc))
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        if verbose:
            raise
        _fail(config_message(exc))
    except DatabaseError as exc:
        # Only what the operator can fix: a database that does not answer or lacks tables.
        # Any other database error is a bug and keeps its traceback.
        from django.db import OperationalError

        from outletcrm.configuration import is_schema_error

        if verbose or not (isinstance(exc, OperationalError) or is_schema_error(exc)):
            raise
        _fail(database_message(exc, connections["default"].settings_dict))


if __name__ == "__main__":
    main()
