"""The company calendar in the database (issue 9): seeded from chinese-calendar, edited by
administrators, read by every date rule (plans here), with a warning beyond what it knows."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outletcrm.core import calendar, workcal
from outletcrm.core.models import CalendarDay, CalendarYear
from outletcrm.notifications.models import Notification
from outletcrm.visits import routes
from outletcrm.visits.models import PlannedStop
from outletcrm.visits.planning import calendar_gap, generate_plans, nightly_plans, route_day_for
from tests.factories import CustomerFactory

NEW_YEAR_2027 = datetime.date(2027, 1, 1)  # a Friday


def plan_route(cast, weekday: int):
    customer = CustomerFactory(owner=cast.alice, name=f"门店{weekday}")
    routes.route_create(actor=cast.sup, rep=cast.alice, customer_ids=[customer.pk], name="线路",
                        cycle_weeks=1, week_of_cycle=1, weekday=weekday)
    return customer


def planned(rep, day):
    return PlannedStop.objects.filter(rep=rep, date=day).count()


def test_the_seed_holds_what_chinese_calendar_knows(db):
    assert workcal.known_until() == datetime.date(2026, 12, 31)
    assert not workcal.is_workday(datetime.date(2026, 10, 1))
    assert workcal.holiday_name(datetime.date(2026, 10, 1)) == "国庆节"
    assert workcal.is_workday(datetime.date(2026, 10, 10))  # make-up Saturday
    assert workcal.holiday_name(datetime.date(2026, 10, 10)) == "国庆节"
    assert CalendarYear.objects.filter(year=2004, source="chinese-calendar").exists()


def test_new_year_2027_is_not_planned_once_an_admin_enters_it(cast):
    plan_route(cast, weekday=4)
    assert workcal.is_workday(NEW_YEAR_2027) and not workcal.is_known(NEW_YEAR_2027)
    calendar.calendar_days_set(start=NEW_YEAR_2027, end=datetime.date(2027, 1, 3),
                               kind="holiday", name="元旦", actor=cast.admin)
    assert route_day_for(NEW_YEAR_2027) is None
    assert generate_plans(date=NEW_YEAR_2027)["plans"] == 0
    assert planned(cast.alice, NEW_YEAR_2027) == 0
    assert planned(cast.alice, datetime.date(2027, 1, 8)) == 0  # the next Friday still works
    generate_plans(date=datetime.date(2027, 1, 8))
    assert planned(cast.alice, datetime.date(2027, 1, 8)) == 1


def test_a_make_up_saturday_works_the_lost_weekdays_routes(cast):
    # 春节 2027 (illustrative): Thursday 11 Feb to Wednesday 17 Feb off, Sunday 7 Feb worked.
    calendar.calendar_days_set(start=datetime.date(2027, 2, 11), end=datetime.date(2027, 2, 17),
                               kind="holiday", name="春节")
    call_command("calendar", "workday", "2027-02-20", "--name", "春节")
    saturday = datetime.date(2027, 2, 20)
    lost = route_day_for(saturday)
    assert lost is not None and lost.weekday() < 5 and not workcal.is_workday(lost)
    plan_route(cast, weekday=lost.weekday())
    generate_plans(date=saturday)
    assert planned(cast.alice, saturday) == 1


def test_a_regional_rest_day_stops_only_that_regions_plans(cast):
    monday = datetime.date(2027, 3, 1)
    plan_route(cast, weekday=0)
    charlie_customer = CustomerFactory(owner=cast.charlie, name="宁波门店")
    routes.route_create(actor=cast.admin, rep=cast.charlie, customer_ids=[charlie_customer.pk],
                        name="宁波线路", cycle_weeks=1, week_of_cycle=1, weekday=0)
    calendar.calendar_days_set(start=monday, kind="rest", name="杭州公司活动",
                               region=cast.hangzhou)
    assert not workcal.is_workday(monday, region=cast.hangzhou)
    assert workcal.is_workday(monday, region=cast.ningbo.pk)
    assert workcal.is_workday(monday)
    generate_plans(date=monday)
    assert planned(cast.alice, monday) == 0
    assert planned(cast.charlie, monday) == 1


def test_a_region_inherits_its_parents_day_and_its_own_wins(cast):
    day = datetime.date(2027, 4, 5)
    calendar.calendar_days_set(start=day, kind="rest", name="省区休息", region=cast.zhejiang)
    calendar.calendar_days_set(start=day, kind="work", region=cast.ningbo)
    assert not workcal.is_workday(day, region=cast.hangzhou)
    assert workcal.is_workday(day, region=cast.ningbo)


def test_beyond_known_plans_follow_weekdays_and_warn_admins(cast, caplog):
    plan_route(cast, weekday=4)
    summary = nightly_plans(NEW_YEAR_2027)
    assert summary["plans"] == 1 and summary["calendar_unknown_year"] == 2027
    assert "2027" in caplog.text
    notes = Notification.objects.filter(kind="calendar.unknown")
    assert [n.user for n in notes] == [cast.admin]
    assert notes[0].dedupe_key == "calendar.unknown:2027"
    nightly_plans(datetime.date(2027, 1, 4))
    assert notes.count() == 1  # once per year
    # Once 2027 is entered and confirmed, no more warning (until the end of 2027 nears).
    calendar.calendar_year_confirm(year=2027, actor=cast.admin)
    assert calendar_gap(datetime.date(2027, 6, 1)) is None
    assert calendar_gap(datetime.date(2027, 12, 15)) == 2028


def test_the_plan_pages_warn_beyond_known(cast, login):
    body = login(cast.sup).get(f"/visits/plan/?rep={cast.alice.pk}&date=2027-01-04"
                               ).content.decode()
    assert 'data-testid="calendar-warning"' in body and "/calendar/?year=2027" not in body
    body = login(cast.admin).get("/visits/day/?date=2027-01-04").content.decode()
    assert "/calendar/?year=2027" in body
    body = login(cast.sup).get("/visits/day/?date=2026-06-01").content.decode()
    assert 'data-testid="calendar-warning"' not in body


def test_a_year_confirmed_after_a_gap_leaves_the_gap_unknown(db):
    calendar.calendar_year_confirm(year=2028)
    assert workcal.known_until() == datetime.date(2026, 12, 31)
    assert not workcal.is_known(NEW_YEAR_2027) and workcal.is_known(datetime.date(2028, 3, 1))
    assert calendar_gap(datetime.date(2026, 12, 20)) == 2027


def test_the_cache_sees_edits(db):
    day = datetime.date(2027, 5, 3)
    assert workcal.is_workday(day)
    CalendarDay.objects.create(date=day, kind="holiday", name="劳动节")
    assert not workcal.is_workday(day)


def test_working_minutes_skip_an_entered_holiday(db):
    calendar.calendar_days_set(start=NEW_YEAR_2027, kind="holiday", name="元旦")
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    thursday_evening = datetime.datetime(2026, 12, 31, 17, 0, tzinfo=tz)
    due = workcal.add_working_minutes(thursday_evening, 120)
    assert due == datetime.datetime(2027, 1, 4, 10, 0, tzinfo=tz)


@pytest.mark.parametrize("args", [
    ["add", "2027-01-03", "--to", "2027-01-01", "--kind", "holiday", "--name", "元旦"],
    ["add", "2027-13-01", "--kind", "holiday", "--name", "元旦"],
    ["add", "2027-01-01", "--kind", "holiday"],                  # a holiday needs its name
    ["add", "2027-01-01", "--to", "2027-03-01", "--kind", "rest"],  # too long a range
    ["add", "2027-01-01", "--kind", "rest", "--region", "nowhere"],
    ["show", "20x7"],
])
def test_bad_cli_input_is_refused_and_writes_nothing(db, args):
    before = CalendarDay.objects.count()
    with pytest.raises((CommandError, SystemExit)):
        call_command("calendar", *args)
    assert CalendarDay.objects.count() == before


def test_cli_adds_shows_and_confirms(db, capsys):
    call_command("calendar", "add", "2027-01-01", "--to", "2027-01-03", "--kind", "holiday",
                 "--name", "元旦")
    call_command("calendar", "confirm", "2027")
    call_command("calendar", "show", "2027")
    out = capsys.readouterr().out
    assert "3 days marked holiday" in out and "2027-01-01" in out and "元旦" in out
    assert workcal.known_until() == datetime.date(2027, 12, 31)


def test_calendar_page_is_for_administrators(cast, login):
    assert login(cast.sup).get("/calendar/").status_code == 404
    client = login(cast.admin)
    assert client.get("/calendar/?year=2027").status_code == 200
    response = client.post("/calendar/edit/", {"start": "2027-01-01", "end": "2027-01-03",
                                               "kind": "holiday", "name": "元旦", "year": "2027"})
    assert response.status_code == 302
    assert not workcal.is_workday(NEW_YEAR_2027)
    client.post("/calendar/edit/", {"start": "2027-01-09", "kind": "makeup", "name": "",
                                    "year": "2027"})
    assert not CalendarDay.objects.filter(date=datetime.date(2027, 1, 9)).exists()
    client.post("/calendar/confirm/", {"year": "2027", "action": "confirm"})
    assert workcal.known_until() == datetime.date(2027, 12, 31)
    client.post("/calendar/edit/", {"start": "2027-01-03", "action": "remove", "year": "2027"})
    assert workcal.is_workday(datetime.date(2027, 1, 4))
    assert CalendarDay.objects.filter(date__year=2027).count() == 2
    assert client.get("/calendar/?year=abc").status_code == 200
    assert client.post("/calendar/edit/", {"start": "x", "region": "99999999999999999999"}
                       ).status_code == 302
