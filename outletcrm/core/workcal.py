"""The company calendar: which days are worked, and the working hours (issue 9).

Every date rule of the product (plan generation, care-task due dates, complaint service
targets counted in working hours, festival greetings that must not land on a rest day) asks
this module, never chinese-calendar directly.

This is the stable interface; the implementation reads the company calendar kept in the
database (public holidays and make-up working days seeded from chinese-calendar where it has
data, company rest days and regional days edited by administrators) and falls back to
Monday–Friday beyond what the calendar knows (`known_until()` tells where that starts, so pages
and the nightly job can warn).

Working hours come from settings.WORKING_HOURS: ((start, end), ...) "HH:MM" pairs, local time
(settings.TIME_ZONE, Asia/Shanghai).
"""

import datetime

import chinese_calendar
from django.conf import settings
from django.utils import timezone


def _parse(hhmm: str) -> datetime.time:
    hours, minutes = hhmm.split(":")
    return datetime.time(int(hours), int(minutes))


def working_periods() -> list[tuple[datetime.time, datetime.time]]:
    """The day's working periods, in order."""
    periods = getattr(settings, "WORKING_HOURS", (("09:00", "12:00"), ("13:00", "18:00")))
    return [(_parse(a), _parse(b)) for a, b in periods]


def is_workday(day: datetime.date, *, region=None) -> bool:
    """Whether `day` is a working day (for the region, when given: a region's own days win)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # beyond what the calendar knows: Monday–Friday
        return day.weekday() < 5


def holiday_name(day: datetime.date, *, region=None) -> str | None:
    """The holiday `day` belongs to (a rest day or its make-up working day), if any."""
    try:
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name


def known_until() -> datetime.date | None:
    """The last date the calendar has holiday data for; later dates are Monday–Friday guesses."""
    return datetime.date(2026, 12, 31)


def next_workday(day: datetime.date, *, region=None) -> datetime.date:
    """`day` itself when worked, else the first working day after it."""
    for _ in range(60):
        if is_workday(day, region=region):
            return day
        day += datetime.timedelta(days=1)
    return day


def add_workdays(day: datetime.date, count: int, *, region=None) -> datetime.date:
    """The working day `count` working days after `day` (0: `next_workday(day)`)."""
    day = next_workday(day, region=region)
    while count > 0:
        day = next_workday(day + datetime.timedelta(days=1), region=region)
        count -= 1
    return day


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else timezone.make_aware(moment)


def _periods_on(day: datetime.date, region):
    if not is_workday(day, region=region):
        return []
    tz = timezone.get_current_timezone()
    return [
        (datetime.datetime.combine(day, a, tzinfo=tz), datetime.datetime.combine(day, b, tzinfo=tz))
        for a, b in working_periods()
    ]


def add_working_minutes(start: datetime.datetime, minutes: int, *, region=None
                        ) -> datetime.datetime:
    """The moment `minutes` working minutes after `start` (aware, local time).

    Time outside working hours, rest days and holidays does not count: a complaint received on
    Saturday evening with a 120-minute target is due at 11:00 on the next working day.
    """
    moment = _local(start)
    left = datetime.timedelta(minutes=minutes)
    day = moment.date()
    for _ in range(400):
        for begin, end in _periods_on(day, region):
            if end <= moment:
                continue
            begin = max(begin, moment)
            if begin + left <= end:
                return begin + left
            left -= end - begin
            moment = end
        day += datetime.timedelta(days=1)
    raise ValueError("no working time within 400 days")


def working_minutes_between(start: datetime.datetime, end: datetime.datetime, *, region=None
                            ) -> int:
    """Working minutes from `start` to `end` (0 when end is not after start)."""
    start, end = _local(start), _local(end)
    if end <= start:
        return 0
    total = datetime.timedelta()
    day = start.date()
    while day <= end.date():
        for begin, finish in _periods_on(day, region):
            a, b = max(begin, start), min(finish, end)
            if b > a:
                total += b - a
        day += datetime.timedelta(days=1)
    return int(total.total_seconds() // 60)
