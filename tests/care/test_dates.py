"""Care dates: lunar and solar birthdays, festivals, the emotional-call jitter (issue 9)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import LunarYear

from outletcrm.care import dates
from outletcrm.care.choices import Festival
from outletcrm.core import workcal

D = datetime.date


def test_leap_month_years_used_below():
    assert LunarYear.fromYear(2023).getLeapMonth() == 2
    assert LunarYear.fromYear(2025).getLeapMonth() == 6
    assert LunarYear.fromYear(2028).getLeapMonth() == 5


@pytest.mark.parametrize(("year", "solar"), [
    (2023, D(2023, 9, 22)),  # leap 2nd month that year
    (2025, D(2025, 9, 29)),  # leap 6th month: the 8th month comes later than usual
    (2026, D(2026, 9, 18)),
    (2027, D(2027, 9, 8)),
    (2028, D(2028, 9, 26)),  # leap 5th month
])
def test_born_on_the_8th_day_of_the_8th_lunar_month(year, solar):
    born = D(1968, 8, 8)  # stored as the lunar month and day
    assert dates.birthday_in_year(born, True, year) == solar


def test_lunar_birthday_in_the_leap_months_number_is_the_ordinary_month():
    # 2025 has a leap 6th month (闰六月, from 25 July); a 6-10 birthday is in the first one.
    assert dates.birthday_in_year(D(1970, 6, 10), True, 2025) == D(2025, 7, 4)


def test_lunar_30th_in_a_29_day_month_is_its_last_day():
    # The 12th month of lunar 2026 has 29 days: the 30th is kept on the 29th.
    assert dates.lunar_to_solar(2026, 12, 29) == D(2027, 2, 5)
    assert dates.lunar_to_solar(2026, 12, 30) == D(2027, 2, 5)


def test_late_12th_month_lunar_birthday_falls_in_the_next_solar_year():
    found = dates.occurrences(12, 20, True, D(2027, 1, 1), D(2027, 1, 31))
    assert found == [D(2027, 1, 27)]


def test_solar_birthday_and_29_february():
    assert dates.birthday_in_year(D(1980, 3, 4), False, 2027) == D(2027, 3, 4)
    assert dates.birthday_in_year(D(1980, 2, 29), False, 2027) == D(2027, 2, 28)
    assert dates.birthday_in_year(D(1980, 2, 29), False, 2028) == D(2028, 2, 29)


def test_occurrence_map_matches_single_lookups():
    start, end = D(2027, 1, 20), D(2027, 3, 10)
    lunar = dates.occurrence_map(start, end, is_lunar=True)
    assert lunar[(1, 1)] == [D(2027, 2, 6)]
    assert lunar[(12, 20)] == [D(2027, 1, 27)]
    solar = dates.occurrence_map(start, end, is_lunar=False)
    assert solar[(2, 29)] == [D(2027, 2, 28)]
    assert (5, 1) not in solar


@pytest.mark.parametrize(("festival", "expected"), [
    (Festival.SPRING, [D(2026, 2, 17), D(2027, 2, 6), D(2028, 1, 26)]),
    (Festival.LANTERN, [D(2026, 3, 3), D(2027, 2, 20), D(2028, 2, 9)]),
    (Festival.DRAGON_BOAT, [D(2026, 6, 19), D(2027, 6, 9), D(2028, 5, 28)]),
    (Festival.MID_AUTUMN, [D(2026, 9, 25), D(2027, 9, 15), D(2028, 10, 3)]),
    (Festival.DOUBLE_NINTH, [D(2026, 10, 18), D(2027, 10, 8), D(2028, 10, 26)]),
    (Festival.NEW_YEAR, [D(2026, 1, 1), D(2027, 1, 1), D(2028, 1, 1)]),
    (Festival.NATIONAL_DAY, [D(2026, 10, 1), D(2027, 10, 1), D(2028, 10, 1)]),
])
def test_festival_dates_2026_to_2028(festival, expected):
    assert [dates.festival_date(festival, y) for y in (2026, 2027, 2028)] == expected
    assert dates.festival_occurrences(festival, D(2026, 1, 1), D(2028, 12, 31)) == expected


def test_phase_date_is_stable_until_reached_and_spreads_customers():
    target = dates.phase_date(7, 28, D(2027, 3, 1))
    for offset in range((target - D(2027, 3, 1)).days + 1):
        assert dates.phase_date(7, 28, D(2027, 3, 1) + datetime.timedelta(days=offset)) == target
    spread = {dates.phase_date(c, 28, D(2027, 3, 1)) for c in range(1, 200)}
    assert len(spread) > 20


def weekdays_only(day):
    return day.weekday() < 5


def test_next_call_is_deterministic_and_irregular():
    kwargs = {"last": D(2027, 3, 3), "every_days": 42, "previous_interval": 40,
              "seed": "call:1:2027-03-03", "is_workday": weekdays_only}
    first = dates.next_emotional_call(**kwargs)
    assert first == dates.next_emotional_call(**kwargs)
    assert first.weekday() != D(2027, 3, 3).weekday()
    assert (first - D(2027, 3, 3)).days != 40
    assert 29 <= (first - D(2027, 3, 3)).days <= 55


@pytest.mark.django_db
def test_next_call_avoids_holidays_of_the_company_calendar():
    # Around 国庆 2026 (1–7 October rest days): never on one of them.
    for n in range(50):
        when = dates.next_emotional_call(last=D(2026, 8, 25), every_days=42,
                                         previous_interval=None, seed=f"s{n}",
                                         is_workday=workcal.is_workday)
        assert workcal.is_workday(when)


@settings(max_examples=300, deadline=None)
@given(last=st.dates(D(2020, 1, 1), D(2035, 12, 31)),
       weeks=st.integers(min_value=1, max_value=26),
       previous=st.one_of(st.none(), st.integers(min_value=1, max_value=250)),
       busy=st.sets(st.integers(min_value=0, max_value=6), max_size=3),
       seed=st.text(max_size=10))
def test_jitter_rule(last, weeks, previous, busy, seed):
    every = weeks * 7
    when = dates.next_emotional_call(last=last, every_days=every, previous_interval=previous,
                                     seed=seed, is_workday=weekdays_only, busy_weekdays=busy)
    gap = (when - last).days
    assert when.weekday() != last.weekday()
    assert gap != previous
    assert weekdays_only(when) and when.weekday() not in busy
    assert gap >= max(1, round(every * 0.7))
    # Within ±30 % whenever that window has a day the rules allow.
    window = [last + datetime.timedelta(days=g)
              for g in range(max(1, round(every * 0.7)), round(every * 1.3) + 1)]
    if any(d.weekday() != last.weekday() and (d - last).days != previous and d.weekday() < 5
           and d.weekday() not in busy for d in window):
        assert gap <= round(every * 1.3)
    assert when == dates.next_emotional_call(last=last, every_days=every,
                                             previous_interval=previous, seed=seed,
                                             is_workday=weekdays_only, busy_weekdays=busy)


def test_call_time_avoids_busy_hours():
    periods = [(datetime.time(9), datetime.time(12)), (datetime.time(13), datetime.time(18))]
    for n in range(40):
        at = dates.suggest_call_time(datetime.time(9), datetime.time(11, 30), periods,
                                     seed=str(n))
        assert not datetime.time(8, 31) <= at < datetime.time(11, 30)
        assert datetime.time(9) <= at <= datetime.time(17, 30)
    assert dates.suggest_call_time(None, None, periods, seed="x") >= datetime.time(9)
