"""One way to read ids and dates that arrive as text: query strings, form fields, API filters.

Every view, page or API, parses an id or a date from user input through these functions, so
no input can reach the database as an integer beyond 64 bits or as a date the database or
Python cannot hold (issue 7, §3). An empty value is "not given" (None); a value that is given
but wrong raises Django's ValidationError with a message in the user's language, which the
pages show as a message and the API answers with a 400.

Bounds (all of them, with the reasons, in docs/input-bounds.md):
  ids      – 1 … 2**63 - 1 (a BigAutoField); in URLs at most 18 digits (ID_PATTERN)
  dates    – EARLIEST_DATE … LATEST_DATE for business dates read from a query (plan pages,
             filters, KPI periods); writes have narrower windows (plan_window, …)
  numbers  – finite, within the caller's bounds (parse_int, parse_number)
"""

import datetime
import math

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date as _parse_iso_date
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1
# An id in a URL path: digits only (ASCII; `\d` would also match other scripts' digits), at
# most 18 of them, so it always fits a 64-bit column. A longer one is simply not found (404).
ID_PATTERN = r"[0-9]{1,18}"
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
# Windows for dates a user writes (docs/input-bounds.md says why each is what it is).
BIRTHDAY_EARLIEST = datetime.date(1900, 1, 1)
PLAN_PAST_DAYS = 31        # a plan may be extended or generated at most a month back…
PLAN_FUTURE_DAYS = 366     # …and at most a year ahead
DUE_MAX_DAYS = 366         # payment is due at most a year after the order date
MAX_PERIOD_DAYS = 366      # a KPI or report period is at most a year long
# Longest text accepted where an id or a date is expected; longer input is not even parsed.
_MAX_LEN = 32


def _text(raw) -> str:
    if raw is None:
        return ""
    return str(raw).strip()


def parse_id(raw, *, field: str = "id") -> int | None:
    """A positive database id, or None when the value is empty."""
    text = _text(raw)
    if not text:
        return None
    if len(text) > _MAX_LEN or not text.isascii() or not text.isdigit():
        raise ValidationError({field: _("Enter a valid id (a positive whole number).")})
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise ValidationError({field: _("Enter a valid id (a positive whole number).")})
    return value


class IdConverter:
    """URL converter `<id:pk>`: like `<int:pk>` but bounded by ID_PATTERN (see core.apps)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


# More ids than this in one parameter is not a filter a person made.
MAX_IDS = 1000


def parse_ids(raw_values, *, field: str = "id") -> list[int]:
    """Several ids (e.g. `?rep=1&rep=2` or "1,2"); empty items are skipped."""
    if isinstance(raw_values, str | int):
        raw_values = [raw_values]
    ids: list[int] = []
    for raw in raw_values or []:
        for part in _text(raw).split(",", MAX_IDS):
            value = parse_id(part, field=field)
            if value is not None:
                ids.append(value)
            if len(ids) > MAX_IDS:
                raise ValidationError({field: _("Choose at most %(count)s.") % {"count": MAX_IDS}})
    return ids


def parse_int(raw, *, field: str, minimum: int, maximum: int) -> int | None:
    """A whole number within [minimum, maximum], or None when the value is empty."""
    if isinstance(raw, bool):
        raise ValidationError({field: _("Enter a whole number.")})
    text = _text(raw)
    if not text:
        return None
    body = text[1:] if text[0] in "+-" else text
    if len(text) > _MAX_LEN or not body.isascii() or not body.isdigit():
        raise ValidationError({field: _("Enter a whole number.")})
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValidationError({field: _("Enter a number between %(minimum)s and %(maximum)s.")
                               % {"minimum": minimum, "maximum": maximum}})
    return value


def parse_number(raw, *, field: str, minimum: float, maximum: float) -> float | None:
    """A finite number within [minimum, maximum], or None when the value is empty."""
    if isinstance(raw, bool):
        raise ValidationError({field: _("Enter a number.")})
    if isinstance(raw, int | float):
        value = float(raw) if not isinstance(raw, int) or abs(raw) < 2**1000 else math.inf
    else:
        text = _text(raw)
        if not text:
            return None
        try:
            value = float(text) if len(text) <= _MAX_LEN else math.nan
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        raise ValidationError({field: _("Enter a number.")})
    if not minimum <= value <= maximum:
        raise ValidationError({field: _("Enter a number between %(minimum)s and %(maximum)s.")
                               % {"minimum": _plain(minimum), "maximum": _plain(maximum)}})
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def parse_date(raw, *, field: str = "date", earliest: datetime.date = EARLIEST_DATE,
               latest: datetime.date = LATEST_DATE) -> datetime.date | None:
    """A YYYY-MM-DD date within [earliest, latest], or None when the value is empty."""
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        value = raw
    else:
        text = _text(raw)
        if not text:
            return None
        try:
            value = _parse_iso_date(text) if len(text) <= _MAX_LEN else None
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            value = None
        if value is None:
            raise ValidationError({field: _("Enter a valid date (YYYY-MM-DD).")})
    check_date_bounds(value, field=field, earliest=earliest, latest=latest)
    return value


def check_date_bounds(value: datetime.date, *, field: str = "date",
                      earliest: datetime.date = EARLIEST_DATE,
                      latest: datetime.date = LATEST_DATE) -> datetime.date:
    """Refuse a date outside [earliest, latest] with a message that names the bounds."""
    if not earliest <= value <= latest:
        raise ValidationError({field: _date_bounds_message(earliest, latest)})
    return value


def _date_bounds_message(earliest: datetime.date, latest: datetime.date) -> str:
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": earliest.isoformat(), "latest": latest.isoformat()}


def date_window(*, past_days: int, future_days: int, today: datetime.date | None = None):
    """(earliest, latest) around today, never outside [EARLIEST_DATE, LATEST_DATE]."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return (max(EARLIEST_DATE, today - datetime.timedelta(days=past_days)),
            min(LATEST_DATE, today + datetime.timedelta(days=future_days)))


def plan_window(today: datetime.date | None = None):
    """The days for which a plan may be written (stops added, plans generated)."""
    return date_window(past_days=PLAN_PAST_DAYS, future_days=PLAN_FUTURE_DAYS, today=today)


def validate_business_date(value) -> None:
    """Model validator: a business date (plan, visit, order, payment day) in the app's range."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(_date_bounds_message(EARLIEST_DATE, LATEST_DATE),
                              code="date_out_of_range")


def validate_birthday(value) -> None:
    """Model validator: a birthday between 1900-01-01 and today."""
    from django.utils import timezone

    today = timezone.localdate()
    if isinstance(value, datetime.date) and not BIRTHDAY_EARLIEST <= value <= today:
        raise ValidationError(_date_bounds_message(BIRTHDAY_EARLIEST, today),
                              code="date_out_of_range")


def parse_period(raw_from, raw_to, *, max_days: int | None = None,
                 fields: tuple[str, str] = ("date_from", "date_to")):
    """A (from, to) pair: each bounded, from ≤ to, and at most `max_days` long if given."""
    start = parse_date(raw_from, field=fields[0])
    end = parse_date(raw_to, field=fields[1])
    if start and end and start > end:
        raise ValidationError({fields[1]: _("The end date is before the start date.")})
    if max_days and start and end and (end - start).days + 1 > max_days:
        raise ValidationError({fields[1]: _("Choose a period of at most %(days)s days.")
                               % {"days": max_days}})
    return start, end
