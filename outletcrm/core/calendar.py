"""Writes and reads of the company calendar (core.CalendarDay, core.CalendarYear).

Administrators keep it on /calendar/ and with `outletcrm calendar`; every date rule reads it
through core.workcal. Each write is one transaction and validates everything first, so bad
input writes nothing.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from outletcrm.core import workcal
from outletcrm.core.models import CalendarDay, CalendarYear

MAX_RANGE_DAYS = 31
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check_range(start: datetime.date, end: datetime.date | None) -> datetime.date:
    end = end or start
    if end < start:
        raise ValidationError(_("The last day comes before the first."))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(_("At most %(days)d days at a time.") % {"days": MAX_RANGE_DAYS})
    if not (FIRST_YEAR <= start.year <= LAST_YEAR and FIRST_YEAR <= end.year <= LAST_YEAR):
        raise ValidationError(_("Choose a date between %(first)d and %(last)d.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return end


def check_year(year: int) -> int:
    """`year` when the calendar may hold it, else ValidationError."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(_("Choose a year between %(first)d and %(last)d.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return year


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def calendar_days_set(*, start: datetime.date, end: datetime.date | None = None, kind: str,
                      name: str = "", region=None, actor=None) -> int:
    """Mark every day from `start` to `end` (inclusive) as `kind` (a holiday range, a make-up
    working day…), company-wide or for `region`; an existing entry of the same day and region
    is replaced. Returns the number of days written."""
    end = _check_range(start, end)
    if kind not in CalendarDay.Kind.values:
        raise ValidationError(_("Unknown kind of day: %(kind)s.") % {"kind": kind})
    name = (name or "").strip()
    if len(name) > 50:
        raise ValidationError(_("The name is too long (at most 50 characters)."))
    if kind in (CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.MAKEUP) and not name:
        # A make-up day finds the weekday it replaces through its holiday's name.
        raise ValidationError(_("Name the holiday (e.g. 春节)."))
    with transaction.atomic():
        for day in _days(start, end):
            CalendarDay.objects.update_or_create(
                date=day, region=region,
                defaults={"kind": kind, "name": name, "updated_by": actor})
    transaction.on_commit(workcal.invalidate)
    workcal.invalidate()
    return (end - start).days + 1


def calendar_days_remove(*, start: datetime.date, end: datetime.date | None = None,
                         region=None) -> int:
    """Remove the entries from `start` to `end` of `region` (company-wide when None): those
    days follow the week again. Returns the number removed."""
    end = _check_range(start, end)
    removed, _by_model = CalendarDay.objects.filter(date__range=(start, end), region=region).delete()
    transaction.on_commit(workcal.invalidate)
    workcal.invalidate()
    return removed


def calendar_year_confirm(*, year: int, actor=None) -> CalendarYear:
    """Mark `year` known: its public holidays are entered (plans stop warning about it)."""
    check_year(year)
    confirmed, _created = CalendarYear.objects.get_or_create(
        year=year, defaults={"confirmed_by": actor, "source": "admin"})
    workcal.invalidate()
    return confirmed


def calendar_year_unconfirm(*, year: int) -> None:
    """Take back the mark: `year`'s holidays are incomplete again."""
    CalendarYear.objects.filter(year=year).delete()
    workcal.invalidate()


@dataclass
class YearView:
    year: int
    known: bool
    confirmed: CalendarYear | None
    entries: list
    holidays: int
    makeup_days: int


def calendar_year(*, year: int) -> YearView:
    """A year of the calendar: every entry (company-wide and regional) and whether it is known."""
    check_year(year)
    entries = list(CalendarDay.objects.filter(date__year=year).select_related("region", "updated_by")
                   .order_by("date", "region__path"))
    confirmed = CalendarYear.objects.filter(year=year).first()
    return YearView(
        year=year, known=confirmed is not None, confirmed=confirmed, entries=entries,
        holidays=sum(1 for e in entries if e.kind == CalendarDay.Kind.HOLIDAY),
        makeup_days=sum(1 for e in entries if e.kind == CalendarDay.Kind.MAKEUP))
