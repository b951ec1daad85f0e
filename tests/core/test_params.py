"""core.params: one bounded parser for ids, numbers and dates from user input (issue 7, §3)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from outletcrm.core import params
from outletcrm.core.params import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_ID,
    parse_date,
    parse_id,
    parse_ids,
    parse_int,
    parse_number,
    parse_period,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def message(exc_info) -> str:
    return " ".join(exc_info.value.messages)


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), (" 42 ", 42), (7, 7), (str(MAX_ID), MAX_ID), ("", None), (None, None), ("  ", None),
])
def test_parse_id_reads_positive_ids_and_empty_as_not_given(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", [
    "0", "-1", str(MAX_ID + 1), "9" * 40, "1.5", "1e3", "abc", "١٢", "²", "+1", "1 2", "0x10",
    True, [1],
])
def test_parse_id_refuses_anything_else_naming_the_field(raw):
    with pytest.raises(ValidationError) as exc_info:
        parse_id(raw, field="owner")
    assert list(exc_info.value.message_dict) == ["owner"]
    assert "id" in message(exc_info)


@given(st.integers())
def test_parse_id_accepts_exactly_the_ids_a_bigint_holds(number):
    if 1 <= number <= MAX_ID:
        assert parse_id(str(number)) == number
    else:
        with pytest.raises(ValidationError):
            parse_id(str(number))


@given(st.text(max_size=40))
def test_parse_id_never_fails_otherwise_than_with_a_validation_error(text):
    try:
        value = parse_id(text)
    except ValidationError:
        return
    assert value is None or 1 <= value <= MAX_ID


def test_parse_ids_reads_lists_and_commas_and_bounds_their_number():
    assert parse_ids(["1", "2,3", ""]) == [1, 2, 3]
    assert parse_ids("4") == [4]
    assert parse_ids(None) == []
    with pytest.raises(ValidationError):
        parse_ids(["1", "x"])
    with pytest.raises(ValidationError):
        parse_ids([",".join(["1"] * (params.MAX_IDS + 1))])


@pytest.mark.parametrize("raw, expected", [
    ("2026-03-01", datetime.date(2026, 3, 1)), (" 2000-01-01 ", EARLIEST_DATE),
    ("2099-12-31", LATEST_DATE), ("", None), (None, None),
    (datetime.date(2030, 1, 2), datetime.date(2030, 1, 2)),
])
def test_parse_date_reads_iso_dates_in_range(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2026-02-30", "9999-12-31", "0001-01-01", "1999-12-31",
                                 "2100-01-01", "99999-01-01", "tomorrow", "2026-1-1x", "x" * 500])
def test_parse_date_refuses_impossible_or_out_of_range_dates(raw):
    with pytest.raises(ValidationError) as exc_info:
        parse_date(raw, field="date_from")
    assert list(exc_info.value.message_dict) == ["date_from"]


def test_out_of_range_message_names_the_bounds():
    with pytest.raises(ValidationError) as exc_info:
        parse_date("9999-12-31")
    assert "2000-01-01" in message(exc_info) and "2099-12-31" in message(exc_info)


@given(st.dates())
def test_parse_date_accepts_exactly_the_dates_in_range(day):
    if EARLIEST_DATE <= day <= LATEST_DATE:
        assert parse_date(day.isoformat()) == day
    else:
        with pytest.raises(ValidationError):
            parse_date(day.isoformat())


@given(st.text(max_size=40))
def test_parse_date_never_fails_otherwise_than_with_a_validation_error(text):
    try:
        value = parse_date(text)
    except ValidationError:
        return
    assert value is None or EARLIEST_DATE <= value <= LATEST_DATE


def test_parse_period_orders_and_bounds_its_length():
    assert parse_period("2026-01-01", "2026-01-31") == (datetime.date(2026, 1, 1),
                                                         datetime.date(2026, 1, 31))
    assert parse_period("", "") == (None, None)
    with pytest.raises(ValidationError) as exc_info:
        parse_period("2026-02-01", "2026-01-01")
    assert "date_to" in exc_info.value.message_dict
    with pytest.raises(ValidationError):
        parse_period("2026-01-01", "2027-01-02", max_days=params.MAX_PERIOD_DAYS)
    assert parse_period("2026-01-01", "2026-12-31", max_days=params.MAX_PERIOD_DAYS)


@pytest.mark.parametrize("raw, expected", [("3", 3), ("-2", -2), (" 0 ", 0), ("", None)])
def test_parse_int_reads_whole_numbers_in_bounds(raw, expected):
    assert parse_int(raw, field="n", minimum=-5, maximum=5) == expected


@pytest.mark.parametrize("raw", ["6", "-6", "1.0", "x", "9" * 40, True])
def test_parse_int_refuses_others(raw):
    with pytest.raises(ValidationError):
        parse_int(raw, field="n", minimum=-5, maximum=5)


@pytest.mark.parametrize("raw, expected", [("1.5", 1.5), (2, 2.0), ("0", 0.0), ("", None)])
def test_parse_number_reads_finite_numbers_in_bounds(raw, expected):
    assert parse_number(raw, field="x", minimum=0, maximum=10) == expected


@pytest.mark.parametrize("raw", ["1e308", 1e308, float("inf"), "nan", float("nan"), "-1", 11,
                                 10**400, "x", True])
def test_parse_number_refuses_infinite_huge_or_out_of_range(raw):
    with pytest.raises(ValidationError) as exc_info:
        parse_number(raw, field="fix_age_s", minimum=0, maximum=10)
    assert list(exc_info.value.message_dict) == ["fix_age_s"]


@given(st.one_of(st.floats(), st.integers(), st.text(max_size=30)))
def test_parse_number_answers_a_bounded_finite_number_or_a_validation_error(raw):
    try:
        value = parse_number(raw, field="x", minimum=-100, maximum=100)
    except ValidationError:
        return
    assert value is None or -100 <= value <= 100


def test_model_validators_refuse_dates_out_of_range():
    params.validate_business_date(datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        params.validate_business_date(datetime.date(1900, 1, 1))
    with pytest.raises(ValidationError):
        params.validate_business_date(datetime.datetime(9999, 12, 31, 12, tzinfo=datetime.UTC))
    params.validate_birthday(datetime.date(1960, 5, 4))
    for day in (datetime.date(1, 1, 1), datetime.date(9999, 1, 1), datetime.date(1899, 12, 31)):
        with pytest.raises(ValidationError):
            params.validate_birthday(day)


def test_plan_window_is_around_today():
    today = datetime.date(2026, 6, 1)
    earliest, latest = params.plan_window(today)
    assert earliest == today - datetime.timedelta(days=params.PLAN_PAST_DAYS)
    assert latest == today + datetime.timedelta(days=params.PLAN_FUTURE_DAYS)
