"""One way to read ids and dates that arrive as text: query strings, form fields, API filters.

Every view, page or API, parses an id or a date from user input through these functions, so
no input can reach the database as an integer beyond 64 bits or as a date the database or
Python cannot hold (issue 7, §3). An empty value is "not given" (None); a value that is given
but wrong raises Django's ValidationError with a message in the user's language, which the
pages show as a message and the API answers with a 400.

Bounds (also in docs/architecture.md):
  ids   – 1 … 2**63 - 1 (a BigAutoField)
  dates – EARLIEST_DATE … LATEST_DATE for business dates (plans, visits, orders, KPI periods)
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date as _parse_iso_date
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
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


def parse_ids(raw_values, *, field: str = "id") -> list[int]:
    """Several ids (e.g. `?rep=1&rep=2` or "1,2"); empty items are skipped."""
    ids: list[int] = []
    for raw in raw_values or []:
        for part in _text(raw).split(","):
            value = parse_id(part, field=field)
            if value is not None:
                ids.append(value)
    return ids


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
        raise ValidationError({field: _("Enter a date between %(earliest)s and %(latest)s.")
                               % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}})
    return value


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
