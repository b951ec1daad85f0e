"""Commands: generate-plans (nightly), reduce-positions (retention), kpi (table and errors)."""

import datetime
import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outletcrm.visits import routes, services
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit
from tests.factories import CustomerFactory


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def weekly_routes(cast):
    shops = [CustomerFactory(owner=cast.alice, name=f"店{i}") for i in range(3)]
    for weekday in range(7):
        routes.route_create(actor=cast.sup, rep=cast.alice, name=f"线{weekday}", weekday=weekday,
                            customer_ids=[s.pk for s in shops[:2]])
    routes.route_create(actor=cast.mgr_nb, rep=cast.charlie, name="宁波线", weekday=0,
                        customer_ids=[cast.charlie_customer.pk])
    return shops


def test_generate_plans_command_over_a_holiday_week(cast, weekly_routes):
    out = run("generate_plans", "--date", "2026-09-30", "--days", "11")
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert lines["2026-09-30"] == "1 plans, 2 stops"
    assert lines["2026-10-01"] == "0 plans, 0 stops (rest day or public holiday: no plans)"
    assert lines["2026-10-05"].startswith("0 plans")                # a Monday in the holiday
    assert lines["2026-10-10"] == ("1 plans, 2 stops "
                                   "(make-up working day: routes of Wed 2026-10-07)")
    assert lines["2026-10-08"] == lines["2026-10-09"] == "1 plans, 2 stops"
    assert list(DailyPlan.objects.order_by("date").values_list("date", flat=True)) == [
        datetime.date(2026, 9, 30), datetime.date(2026, 10, 8), datetime.date(2026, 10, 9),
        datetime.date(2026, 10, 10)]
    # Idempotent: the same night again writes nothing.
    again = run("generate_plans", "--date", "2026-09-30", "--days", "11")
    assert "1 plans" not in again and PlannedStop.objects.count() == 8


def test_generate_plans_for_one_rep_and_the_default_day(cast, weekly_routes):
    out = run("generate_plans", "--date", "2026-10-12", "--rep", "charlie")
    assert out.strip() == "2026-10-12: 1 plans, 1 stops"
    assert list(DailyPlan.objects.values_list("rep__username", flat=True)) == ["charlie"]
    out = run("generate_plans")
    assert out.startswith(timezone.localdate().isoformat())


def test_generate_plans_enqueue_runs_through_the_task_backend(cast, weekly_routes):
    out = run("generate_plans", "--date", "2026-10-12", "--enqueue")
    assert "queued task" in out and "SUCCESSFUL" in out
    assert DailyPlan.objects.filter(date="2026-10-12").count() == 2


@pytest.mark.parametrize("args, message", [
    (["--date", "2026-13-01"], "is not a date"), (["--date", "12/10/2026"], "is not a date"),
    (["--days", "0"], "--days"), (["--days", "400"], "--days"), (["--rep", "nobody"], "no user"),
])
def test_generate_plans_bad_arguments(cast, args, message):
    with pytest.raises(CommandError, match=message):
        run("generate_plans", *args)
    assert not DailyPlan.objects.exists()


def test_reduce_positions_command_keeps_the_distance(cast, settings):
    shop = CustomerFactory(owner=cast.alice, latitude="30.270000", longitude="120.150000")
    old, _ = services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                                     lat="30.271000", lng="120.150000", accuracy_m=10)
    services.visit_check_out(actor=cast.alice, visit=old)  # one visit in progress per outlet
    recent, _ = services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                                        lat="30.271000", lng="120.150000")
    Visit.objects.filter(pk=old.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(days=settings.POSITION_RETENTION_DAYS
                                                          + 1))
    assert run("reduce_positions").startswith("1 visits reduced")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.checkin_lat is None and old.checkin_accuracy_m is None
    assert old.checkin_distance_m is not None and old.positions_reduced_at is not None
    assert recent.checkin_lat is not None
    assert run("reduce_positions").startswith("0 visits")               # idempotent
    assert "queued task" in run("reduce_positions", "--days", "1", "--enqueue")
    with pytest.raises(CommandError):
        run("reduce_positions", "--days", "0")


def test_kpi_table_shows_figures_and_definitions(cast):
    today = timezone.localdate()
    shop = CustomerFactory(owner=cast.alice)
    services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today, customer=shop)
    services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                            lat="30.27", lng="120.15")
    out = run("kpi", "--from", today.isoformat(), "--to", today.isoformat(), "--group", "rep")
    assert "completion %" in out and "100.00" in out and "TOTAL" in out
    assert "numerator:" in out and "denominator:" in out and "excluded:" in out


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-01-40", "--to", "2026-02-01"], "--from"),
    (["--from", "2026-02-01", "--to", "2026-01-01"], "--to"),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--rep", "nobody"], "outside the data scope"),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--rep", "charlie", "--as", "sup"],
     "outside the data scope"),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--as", "ghost"], "no active user"),
])
def test_kpi_command_bad_arguments(cast, args, message):
    with pytest.raises(CommandError, match=message):
        run("kpi", *args)
