"""Care dates: birthdays (solar or lunar), festivals, and the emotional-call jitter.

Pure functions (no database), so they are tested directly and the nightly generator can call
them a hundred thousand times: conversions are cached per (lunar year, month, day), so a year's
lunar calendar is computed at most once per process.

Lunar dates come from lunar-python (`Lunar.fromYmd(year, month, day).getSolar()`). A lunar
birthday is stored in `Contact.birthday` as its lunar month and day (the year is the birth
year); in a given lunar year it falls on:
  * the ordinary (first) month of that number, also in a year whose leap month has the same
    number (闰月: the birthday is kept in the first month, as families do);
  * the month's last day when the birthday is the 30th and that month has only 29 days.
A solar 29 February falls on 28 February in common years.
"""

import datetime
import functools
import random
import zlib
from collections.abc import Callable, Iterable

from lunar_python import LunarMonth, Solar

from outletcrm.care.choices import Festival

ONE_DAY = datetime.timedelta(days=1)

# Festival → (lunar?, month, day).
FESTIVALS: dict[str, tuple[bool, int, int]] = {
    Festival.SPRING: (True, 1, 1),
    Festival.LANTERN: (True, 1, 15),
    Festival.DRAGON_BOAT: (True, 5, 5),
    Festival.MID_AUTUMN: (True, 8, 15),
    Festival.DOUBLE_NINTH: (True, 9, 9),
    Festival.NEW_YEAR: (False, 1, 1),
    Festival.NATIONAL_DAY: (False, 10, 1),
}


@functools.lru_cache(maxsize=512)
def _lunar_month(lunar_year: int, month: int) -> tuple[datetime.date, int]:
    """(solar date of the 1st, number of days) of the ordinary lunar month (not the leap one)."""
    lunar_month = LunarMonth.fromYm(lunar_year, month)
    first = Solar.fromJulianDay(lunar_month.getFirstJulianDay())
    return datetime.date(first.getYear(), first.getMonth(), first.getDay()), \
        lunar_month.getDayCount()


def lunar_to_solar(lunar_year: int, month: int, day: int) -> datetime.date:
    """The solar date of lunar `month`/`day` (the ordinary month, not the leap one) of
    `lunar_year`; day 30 of a 29-day month is that month's last day."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"no lunar date {month}-{day}")
    first, length = _lunar_month(lunar_year, month)
    return first + datetime.timedelta(days=min(day, length) - 1)


def solar_in_year(year: int, month: int, day: int) -> datetime.date:
    """A solar month/day in `year`: 29 February is the 28th in a common year."""
    if month == 2 and day == 29:
        try:
            return datetime.date(year, 2, 29)
        except ValueError:
            return datetime.date(year, 2, 28)
    return datetime.date(year, month, day)


def birthday_in_year(birthday: datetime.date, is_lunar: bool, year: int) -> datetime.date:
    """The day a birthday is celebrated in `year`: for a lunar birthday, in lunar year
    `year` (so a birthday late in the 12th lunar month may fall in January of `year + 1`)."""
    if is_lunar:
        return lunar_to_solar(year, birthday.month, birthday.day)
    return solar_in_year(year, birthday.month, birthday.day)


def occurrences(month: int, day: int, is_lunar: bool, start: datetime.date,
                end: datetime.date) -> list[datetime.date]:
    """Every solar date in [start, end] on which a yearly month/day (solar or lunar) falls."""
    found = []
    # A lunar year starts in late January or February: its 11th and 12th months reach into
    # the next solar year, so look one lunar year back too.
    for year in range(start.year - (1 if is_lunar else 0), end.year + 1):
        try:
            when = (lunar_to_solar(year, month, day) if is_lunar
                    else solar_in_year(year, month, day))
        except ValueError:
            continue
        if start <= when <= end:
            found.append(when)
    return found


def occurrence_map(start: datetime.date, end: datetime.date, *, is_lunar: bool
                   ) -> dict[tuple[int, int], list[datetime.date]]:
    """(month, day) → its dates in [start, end], for every month/day at once: the nightly
    generator looks a contact's birthday up here instead of converting it."""
    result = {}
    for month in range(1, 13):
        for day in range(1, 31 if is_lunar else 32):
            if not is_lunar:
                try:
                    datetime.date(2000, month, day)  # a leap year: 29 February exists
                except ValueError:
                    continue
            dates = occurrences(month, day, is_lunar, start, end)
            if dates:
                result[(month, day)] = dates
    return result


def festival_date(festival: str, year: int) -> datetime.date:
    """The solar date of a festival in `year`."""
    is_lunar, month, day = FESTIVALS[festival]
    return lunar_to_solar(year, month, day) if is_lunar else datetime.date(year, month, day)


def festival_occurrences(festival: str, start: datetime.date, end: datetime.date
                         ) -> list[datetime.date]:
    return [d for year in range(start.year, end.year + 1)
            if start <= (d := festival_date(festival, year)) <= end]


# --- emotional calls: about every N weeks, never regular ---------------------------------

JITTER = 0.3  # ±30 % around the rule's interval


def customer_phase(customer_id: int, period: int) -> int:
    """A stable offset in [0, period) per customer, so first tasks spread over the period."""
    return zlib.crc32(str(customer_id).encode()) % max(period, 1)


def phase_date(customer_id: int, period: int, day: datetime.date) -> datetime.date:
    """The first date on or after `day` in the customer's cycle of `period` days.

    Stable from one day to the next (until it is reached), so a nightly job run on any day
    before it names the same date, and customers with no history are spread over the period.
    """
    period = max(period, 1)
    offset = (customer_phase(customer_id, period) - day.toordinal()) % period
    return day + datetime.timedelta(days=offset)


def next_emotional_call(*, last: datetime.date, every_days: int, previous_interval: int | None,
                        seed: str, is_workday: Callable[[datetime.date], bool],
                        busy_weekdays: Iterable[int] = ()) -> datetime.date:
    """The next emotional call after the one on `last`.

    Chosen at random (seeded by `seed`, e.g. the customer and `last`, so every rerun agrees)
    among the days within ±30 % of `every_days` after `last` that are
      * not the weekday of `last` (never the same weekday twice running),
      * not `previous_interval` days after it (never the same interval twice running),
      * working days (the company calendar) and not the customer's busy weekdays.
    If the window has no such day (a very short interval), it widens a day at a time.
    """
    every_days = max(int(every_days), 1)
    low = max(1, round(every_days * (1 - JITTER)))
    high = max(low, round(every_days * (1 + JITTER)))
    busy = set(busy_weekdays)
    rng = random.Random(seed)
    for widen in range(0, 60):
        candidates = []
        for gap in range(low, high + widen + 1):
            when = last + datetime.timedelta(days=gap)
            if (when.weekday() != last.weekday() and gap != previous_interval
                    and when.weekday() not in busy and is_workday(when)):
                candidates.append(when)
        if candidates:
            return rng.choice(candidates)
    raise ValueError("no day for the next call")  # 60 days without a working day


def suggest_call_time(busy_from: datetime.time | None, busy_to: datetime.time | None,
                      periods: list[tuple[datetime.time, datetime.time]], *, seed: str
                      ) -> datetime.time:
    """A time within working hours (`periods`), on the half hour, outside the busy hours."""
    slots = []
    for start, end in periods:
        minute = start.hour * 60 + start.minute
        minute += (30 - minute % 30) % 30
        while minute + 30 <= end.hour * 60 + end.minute:
            slot = datetime.time(minute // 60, minute % 60)
            if busy_from is None or busy_to is None or not (
                    busy_from <= slot < busy_to
                    or busy_from < (datetime.datetime.combine(datetime.date.min, slot)
                                    + datetime.timedelta(minutes=30)).time() <= busy_to):
                slots.append(slot)
            minute += 30
    if not slots:
        return periods[0][0] if periods else datetime.time(10)
    return random.Random(seed).choice(slots)
