"""Configuration errors said in one line, in the operator's language (issue 7, §4).

Settings are read from the environment when Django starts, before any translation machinery
runs, so a wrong or missing variable used to surface as a 50-line traceback. Settings raise
`ConfigError` (an ImproperlyConfigured with an English message id and its values); the console
script and the WSGI entry catch it, and database errors a command meets on its first query, and
print one line that says what to set, in Chinese when the locale says zh (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG, as gettext reads them), in English otherwise.

This module imports nothing from Django's settings-dependent parts: it must work when the
settings themselves are broken.
"""

import gettext as gettext_module
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# sysexits.h: "configuration error". Distinct from a command's own failure (1) and usage (2).
EX_CONFIG = 78
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def gettext_noop(message: str) -> str:
    """Marks a message for makemessages (Django's own would read the settings)."""
    return message


MSG_ENV = gettext_noop("OUTLETCRM_ENV must be production, demo or test.")
MSG_SECRET = gettext_noop("Set SECRET_KEY (or SECRET_KEY_FILE) for production.")
MSG_SECRET_WEAK = gettext_noop(
    "SECRET_KEY is too weak for production: use at least 50 random characters, for example "
    "from “python -c 'import secrets; print(secrets.token_urlsafe(50))'”.")
MSG_DEBUG = gettext_noop("DEBUG must be off in production (OUTLETCRM_ENV=production).")
MSG_FIELD_KEY = gettext_noop(
    "Set FIELD_ENCRYPTION_KEY (or FIELD_ENCRYPTION_KEY_FILE) for production: the key that "
    "encrypts contacts' personal data, for example from “python -c 'from cryptography.fernet "
    "import Fernet; print(Fernet.generate_key().decode())'”.")
MSG_FIELD_KEY_BAD = gettext_noop(
    "FIELD_ENCRYPTION_KEY must be one or more Fernet keys (44 characters of URL-safe base64), "
    "separated by commas, the newest first.")
MSG_FILE = gettext_noop("%(name)s_FILE names a file that cannot be read: %(path)s.")
MSG_NUMBER = gettext_noop("%(name)s must be a number, not “%(value)s”.")
MSG_DATABASE_URL = gettext_noop(
    "DATABASE_URL is not a database URL OutletCRM understands (for example "
    "postgresql://user:password@host/name or sqlite:////path/to/file.sqlite3).")
MSG_DEMO_HINT = gettext_noop(
    "For the demo database run bin/outletcrm, or set OUTLETCRM_ENV=demo.")
MSG_UNREACHABLE = gettext_noop(
    "The database %(where)s cannot be reached (%(detail)s): check DATABASE_URL and that the "
    "database server is running.")
MSG_UNMIGRATED = gettext_noop(
    "The database %(where)s has no tables or is behind this version (%(detail)s): run "
    "“outletcrm migrate”.")
MSG_PREFIX = gettext_noop("outletcrm: %(message)s")
# Production processes (docs/deploy.md).
MSG_CHOICE = gettext_noop("%(name)s must be one of %(choices)s, not “%(value)s”.")
MSG_NEEDS = gettext_noop("%(name)s=%(value)s needs %(needed)s to be set as well.")
MSG_CACHE_URL = gettext_noop(
    "CACHE_URL is not a cache address OutletCRM understands (redis://host:6379/1, "
    "rediss://…, locmem:// or dummy://).")


class ConfigError(ImproperlyConfigured):
    """A setting that is missing or wrong: an English message id and the values it names."""

    def __init__(self, message: str, **values):
        self.message = message
        self.values = values
        super().__init__(message % values if values else message)


def language() -> str:
    """'zh' when the operator's locale is Chinese, else 'en' (gettext's order of variables)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (os.environ.get(name) or "").strip()
        if value:
            first = value.split(":")[0].lower()
            return "zh" if first.startswith("zh") else "en"
    return "en"


def translate(message: str, lang: str | None = None) -> str:
    """The message in the operator's language, from the project's compiled catalogue."""
    if (lang or language()) != "zh":
        return message
    catalogue = gettext_module.translation("django", localedir=LOCALE_DIR,
                                           languages=["zh_Hans"], fallback=True)
    return catalogue.gettext(message)


def _say(message: str, values: dict | None = None, lang: str | None = None) -> str:
    text = translate(message, lang)
    return text % values if values else text


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def describe_database(database: dict) -> str:
    """Where a database is, without its password: "postgresql db@host:port" or a file path."""
    engine = str(database.get("ENGINE", "")).rsplit(".", 1)[-1]
    name = str(database.get("NAME", ""))
    if engine == "sqlite3":
        return name
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"{engine} {name}@{host}{port}"


def is_schema_error(exc: Exception) -> bool:
    """A query that failed because tables or columns are missing (migrations not applied)."""
    text = str(exc).lower()
    return any(marker in text for marker in (
        "no such table", "no such column", "does not exist", "undefined table",
        "undefined column"))


def config_message(exc: ImproperlyConfigured, *, lang: str | None = None) -> str:
    """One line for a settings error; the demo hint when no environment was chosen."""
    if isinstance(exc, ConfigError):
        text = _say(exc.message, exc.values, lang)
    else:
        text = translate(str(exc), lang)
    if isinstance(exc, ConfigError) and exc.message == MSG_SECRET \
            and not os.environ.get("OUTLETCRM_ENV"):
        text = f"{text} {_say(MSG_DEMO_HINT, lang=lang)}"
    return _one_line(_say(MSG_PREFIX, {"message": text}, lang))


def database_message(exc: Exception, database: dict, *, lang: str | None = None) -> str:
    """One line for a database that cannot be reached or has not been migrated."""
    detail = _one_line(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    values = {"where": describe_database(database), "detail": detail[:200]}
    message = MSG_UNMIGRATED if is_schema_error(exc) else MSG_UNREACHABLE
    return _one_line(_say(MSG_PREFIX, {"message": _say(message, values, lang)}, lang))
