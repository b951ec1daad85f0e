"""Due dates read from what a rep writes (issue 7, §4): the obvious Chinese relative dates."""

import datetime

import pytest

from outletcrm.core.chinese_dates import due_date_in, number

WEDNESDAY = datetime.date(2026, 11, 25)
SUNDAY = datetime.date(2026, 11, 29)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天送货", "2026-11-26"),
    ("后天补货", "2026-11-27"),
    ("大后天来拿海报", "2026-11-28"),
    ("下周二送陈列架", "2026-12-01"),
    ("下星期三", "2026-12-02"),
    ("下礼拜五结款", "2026-12-04"),
    ("周五前回复价格", "2026-11-27"),
    ("这周五再来", "2026-11-27"),
    ("本周五", "2026-11-27"),
    ("星期一", "2026-11-30"),  # a bare weekday is the next one, never a past one
    ("周三送", "2026-12-02"),  # the same weekday as the visit: next week's
    ("周日", "2026-11-29"),
    ("下周末", "2026-12-05"),
    ("下个月3号结款", "2026-12-03"),
    ("下月15日", "2026-12-15"),
    ("本月30号", "2026-11-30"),
    ("月底前付清", "2026-11-30"),
    ("下个月底", "2026-12-31"),
    ("3天后", "2026-11-28"),
    ("两天后", "2026-11-27"),
    ("三天之后", "2026-11-28"),
    ("十天后", "2026-12-05"),
    ("一周后", "2026-12-02"),
    ("两周后", "2026-12-09"),
    ("两个星期后", "2026-12-09"),
    ("半个月后", "2026-12-10"),
    ("一个月后", "2026-12-25"),
    ("12月5日", "2026-12-05"),
    ("12月5号前", "2026-12-05"),
    ("1月8号", "2027-01-08"),  # passed this year: next year's
    ("2026年12月24日", "2026-12-24"),
    ("二十五号前", "2026-11-25"),
    ("3号前送货", "2026-12-03"),
    ("今天下午", "2026-11-25"),
    ("明天后送", "2026-11-26"),  # the first expression counts
    ("送两箱货，下周二前", "2026-12-01"),
    ("下周", None),  # a week, not a day
    ("尽快送到", None),
    ("送两箱货", None),
    ("补5号电池", None),  # a size, not a date
    ("日后再说", None),  # "some day"
    ("这周一", None),  # already past
    ("2月30日", None),
    ("下个月31号", "2026-12-31"),
    ("", None),
])
def test_commitment_texts_on_a_wednesday(text, expected):
    expected = datetime.date.fromisoformat(expected) if expected else None
    assert due_date_in(text, WEDNESDAY) == expected


def test_weeks_start_on_monday():
    # On a Sunday "next Tuesday" is in two days, the Tuesday of the week that starts tomorrow.
    assert due_date_in("下周二", SUNDAY) == datetime.date(2026, 12, 1)
    assert due_date_in("周二", SUNDAY) == datetime.date(2026, 12, 1)
    assert due_date_in("这周六", SUNDAY) is None  # yesterday


def test_month_ends_and_leap_years():
    assert due_date_in("下个月31号", datetime.date(2026, 10, 15)) is None  # November has 30
    assert due_date_in("一个月后", datetime.date(2027, 1, 31)) == datetime.date(2027, 2, 28)
    assert due_date_in("月底", datetime.date(2028, 2, 3)) == datetime.date(2028, 2, 29)


def test_nothing_further_than_a_year_ahead():
    assert due_date_in("99天后", WEDNESDAY) == WEDNESDAY + datetime.timedelta(days=99)
    assert due_date_in("2030年1月1日", WEDNESDAY) is None


@pytest.mark.parametrize(("text", "value"), [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25), ("两", 2), ("12", 12),
    ("３", 3), ("百", None), ("二十五六", None), ("", None)])
def test_numbers(text, value):
    assert number(text) == value
