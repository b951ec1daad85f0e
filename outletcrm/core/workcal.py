"""The company calendar: which days are worked, and the working hours (issue 9).

Every date rule of the product (plan generation, care-task due dates, complaint service
targets counted in working hours, festival greetings that must not land on a rest day) asks
this module, never chinese-calendar directly.

This is the stable interface; the implementation reads the company calendar kept in the
database (public holidays and make-up working days seeded from chinese-calendar where it has
data, company rest days and regional days edited by administrators) and falls back to
Monday–Friday beyond what the calendar knows (`known_until()` tells where that starts, so pages
and the nightly job can warn).

Reads the tables core.CalendarDay and core.CalendarYear (edited on /calendar/ and with
`outletcrm calendar`), cached per process.

Working hours come from settings.WORKING_HOURS: ((start, end), ...) "HH:MM" pairs, local time
(settings.TIME_ZONE, Asia/Shanghai).
"""

import datetime
import threading
import time

from django.conf import settings
from django.utils import timezone

# The whole calendar (a few hundred rows a decade) is read once per process and kept: plan
# generation and working-hour targets ask about thousands of days. An edit through the
# calendar services (or any save, via the signals connected in CoreConfig.ready) clears it in
# this process; other processes (worker, scheduler) re-read it after WORKCAL_CACHE_SECONDS.
_lock = threading.Lock()
_cache: dict = {}


def invalidate(**_kwargs) -> None:
    """Forget the cached calendar (after an edit; receivers pass signal arguments)."""
    _cache.clear()


def _calendar() -> dict:
    state = _cache.get("state")
    ttl = getattr(settings, "WORKCAL_CACHE_SECONDS", 60)
    if state is not None and time.monotonic() - state["loaded"] < ttl:
        return state
    from outletcrm.core.models import CalendarDay, CalendarYear

    with _lock:
        days = {(date, region_id): (kind, name) for date, region_id, kind, name in
                CalendarDay.objects.values_list("date", "region_id", "kind", "name")}
        years = list(CalendarYear.objects.values_list("year", flat=True))
        # Known until the end of the unbroken run of known years from the first: a later year
        # confirmed after a gap does not make the gap known.
        last = min(years) if years else None
        while last is not None and last + 1 in years:
            last += 1
        state = {"loaded": time.monotonic(), "days": days,
                 "regional": any(region_id for _, region_id in days),
                 "years": frozenset(years), "known": last, "chains": {}}
        _cache["state"] = state
    return state


def _chain(state: dict, region) -> list[int]:
    """The region and its ancestors, nearest first (the nearest region's own day wins)."""
    if region is None or not state["regional"]:
        return []
    region_id = region if isinstance(region, int) else region.pk
    chain = state["chains"].get(region_id)
    if chain is None:
        path = getattr(region, "path", None)
        if path is None:
            from outletcrm.org.models import Region

            path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
        ids = [int(part) for part in (path or "").split("/") if part.isdigit()]
        chain = list(reversed(ids)) or [region_id]
        state["chains"][region_id] = chain
    return chain


def _entry(day: datetime.date, region) -> tuple[str, str] | None:
    state = _calendar()
    days = state["days"]
    for region_id in _chain(state, region):
        found = days.get((day, region_id))
        if found is not None:
            return found
    return days.get((day, None))


def has_regional_days() -> bool:
    """Whether any region has days of its own (else one calendar serves every region)."""
    return _calendar()["regional"]


def _parse(hhmm: str) -> datetime.time:
    hours, minutes = hhmm.split(":")
    return datetime.time(int(hours), int(minutes))


def working_periods() -> list[tuple[datetime.time, datetime.time]]:
    """The day's working periods, in order."""
    periods = getattr(settings, "WORKING_HOURS", (("09:00", "12:00"), ("13:00", "18:00")))
    return [(_parse(a), _parse(b)) for a, b in periods]


def is_workday(day: datetime.date, *, region=None) -> bool:
    """Whether `day` is a working day (for the region, when given: a region's own days win).

    `region` is an org.Region or its id. A day without an entry follows the week
    (Monday–Friday), which is also the guess beyond `known_until()`.
    """
    found = _entry(day, region)
    if found is None:
        return day.weekday() < 5
    return found[0] in ("makeup", "work")


def holiday_name(day: datetime.date, *, region=None) -> str | None:
    """The holiday `day` belongs to (a rest day or its make-up working day), if any."""
    found = _entry(day, region)
    return (found[1] or None) if found is not None else None


def known_until() -> datetime.date | None:
    """The last date the calendar has holiday data for; later dates are Monday–Friday guesses.

    A year is known once an administrator has marked it complete (or it was seeded from
    chinese-calendar): the end of the last such year. None when no year is known.
    """
    year = _calendar()["known"]
    return datetime.date(year, 12, 31) if year else None


def is_known(day: datetime.date) -> bool:
    """Whether the calendar knows `day`'s year (else its working days are a weekday guess)."""
    return day.year in _calendar()["years"]


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
