"""Complaint services: targets in working time, the log, breaches, reopen, closing."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.complaints import services
from outletcrm.complaints.choices import EventKind, Status
from outletcrm.complaints.models import Complaint, ComplaintEvent, ServiceTarget
from outletcrm.core.models import TimelineEntry
from outletcrm.notifications.models import Notification
from outletcrm.visits.models import FollowUpTask
from tests.factories import CompetitorFactory, ContactFactory, ProductFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def intake(cast, actor=None, *, severity="urgent", category="product", customer=None, **kw):
    return services.complaint_intake(
        actor=actor or cast.alice, customer=customer or cast.alice_customer, channel="phone",
        category=category, severity=severity, description="冰柜不制冷", **kw)


def test_default_targets_are_seeded(db):
    targets = {t.severity: (t.respond_minutes, t.resolve_minutes)
               for t in ServiceTarget.objects.all()}
    assert targets == {"urgent": (30, 120), "high": (120, 480), "normal": (240, 1440),
                       "low": (480, 2400)}


def test_targets_skip_the_weekend(cast):
    # Friday 17:30: 30 working minutes reach 18:00; the 2-hour target runs on to Monday.
    with time_machine.travel(at(2026, 11, 6, 17, 30), tick=False):
        complaint = intake(cast)
    assert complaint.respond_due_at == at(2026, 11, 6, 18, 0)
    assert complaint.resolve_due_at == at(2026, 11, 9, 10, 30)  # 30 min Fri + 90 min Monday


def test_targets_skip_the_national_day_holiday_and_count_the_make_up_saturday(cast):
    # 国庆 2026: 1–7 October off; Saturday 10 October is a make-up working day (调休).
    with time_machine.travel(at(2026, 9, 30, 17, 0), tick=False):
        urgent = intake(cast)
    assert urgent.respond_due_at == at(2026, 9, 30, 17, 30)
    assert urgent.resolve_due_at == at(2026, 10, 8, 10, 0)  # 60 min on the 30th, 60 on the 8th
    with time_machine.travel(at(2026, 10, 9, 16, 0), tick=False):
        normal = intake(cast, severity="normal")
    assert normal.respond_due_at == at(2026, 10, 10, 11, 0)  # the make-up Saturday counts


def test_intake_logs_assigns_the_owner_and_writes_the_timeline(cast, kefu):
    contact = ContactFactory(customer=cast.alice_customer)
    complaint = intake(cast, kefu, contact=contact)
    assert complaint.code.startswith("TS") and complaint.assignee == cast.alice
    assert complaint.received_by == kefu and complaint.status == Status.OPEN
    assert list(complaint.events.values_list("kind", flat=True)) == ["intake", "assign"]
    assert TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk, kind="complaint").exists()
    assert Notification.objects.filter(user=cast.alice, kind="complaint.assigned").count() == 1


def test_bad_intake_writes_nothing(cast):
    other_contact = ContactFactory(customer=cast.bob_customer)
    with pytest.raises(ValidationError) as caught:
        intake(cast, contact=other_contact, severity="apocalyptic")
    assert set(caught.value.message_dict) == {"contact", "severity"}
    with pytest.raises(ValidationError):
        services.complaint_intake(actor=cast.alice, customer=cast.alice_customer, channel="phone",
                                  category="price", severity="low", description="   ")
    with pytest.raises(PermissionDenied):
        intake(cast, cast.charlie)  # alice's customer is not in charlie's scope
    with pytest.raises(PermissionDenied):
        intake(cast, cast.custodian)
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()


def test_respond_resolve_close_reopen_keep_everything_in_the_log(cast, kefu):
    with time_machine.travel(at(2026, 11, 4, 10, 0), tick=False) as clock:
        complaint = intake(cast, kefu)
        clock.shift(datetime.timedelta(minutes=10))
        services.complaint_respond(actor=cast.alice, complaint=complaint, text="已电话联系")
        services.complaint_commit_date(actor=cast.alice, complaint=complaint,
                                       date=datetime.date(2026, 11, 5))
        clock.shift(datetime.timedelta(minutes=50))
        services.complaint_resolve(actor=cast.alice, complaint=complaint,
                                   resolution_type="returned", note="换了一台")
        services.complaint_close(actor=kefu, complaint=complaint)
        clock.shift(datetime.timedelta(hours=3))  # 14:00
        complaint = services.complaint_reopen(actor=kefu, complaint=complaint, reason="又坏了")
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.reopen_count == 1
    assert complaint.respond_breached_at is None and complaint.resolve_breached_at is None
    assert complaint.resolve_due_at == at(2026, 11, 4, 16, 0)  # 120 working minutes from 14:00
    assert list(complaint.events.values_list("kind", flat=True)) == [
        "intake", "assign", "respond", "commit", "resolve", "close", "reopen"]
    kinds = set(TimelineEntry.objects.filter(kind="complaint").values_list("title", flat=True))
    assert len(kinds) == 4  # logged, resolved, closed, reopened


def test_closing_puts_a_satisfaction_call_on_the_assignees_list_due_next_working_day(cast, kefu):
    with time_machine.travel(at(2026, 11, 6, 15, 0), tick=False):  # a Friday
        complaint = intake(cast, kefu)
        services.complaint_resolve(actor=cast.alice, complaint=complaint,
                                   resolution_type="fixed", note="修好了")
        services.complaint_close(actor=kefu, complaint=complaint)
    task = FollowUpTask.objects.get(source_id=complaint.pk)
    assert task.kind == "complaint_satisfaction" and task.rep == cast.alice
    assert task.due_date == datetime.date(2026, 11, 9)  # Monday
    assert task.customer == cast.alice_customer and complaint.code in task.title
    with pytest.raises(ValidationError):  # closed already
        services.complaint_close(actor=kefu, complaint=complaint)
    assert FollowUpTask.objects.filter(source_id=complaint.pk).count() == 1


def test_breach_scan_marks_once_and_notifies_assignee_and_supervisor(cast, kefu):
    with time_machine.travel(at(2026, 11, 4, 10, 0), tick=False) as clock:
        complaint = intake(cast, kefu)
        clock.shift(datetime.timedelta(minutes=29))
        assert services.scan_breaches() == {"respond": 0, "resolve": 0}
        clock.shift(datetime.timedelta(minutes=2))
        assert services.scan_breaches() == {"respond": 1, "resolve": 0}
        assert services.scan_breaches() == {"respond": 0, "resolve": 0}  # idempotent
        clock.shift(datetime.timedelta(hours=2))
        assert services.scan_breaches() == {"respond": 0, "resolve": 1}
        assert services.scan_breaches() == {"respond": 0, "resolve": 0}
    complaint.refresh_from_db()
    assert complaint.respond_breached_at == at(2026, 11, 4, 10, 30)
    assert complaint.resolve_breached_at == at(2026, 11, 4, 12, 0)
    assert complaint.events.filter(kind=EventKind.BREACH).count() == 2
    breach = Notification.objects.filter(kind="complaint.breach")
    assert sorted(breach.values_list("user__username", flat=True)) == [
        "alice", "alice", "sup", "sup"]


def test_a_late_response_is_a_breach_even_before_the_job_runs(cast, kefu):
    with time_machine.travel(at(2026, 11, 4, 10, 0), tick=False) as clock:
        complaint = intake(cast, kefu)
        clock.shift(datetime.timedelta(minutes=45))
        services.complaint_respond(actor=cast.alice, complaint=complaint, text="回电")
        assert services.scan_breaches() == {"respond": 0, "resolve": 0}
    complaint.refresh_from_db()
    assert complaint.respond_breached_at == at(2026, 11, 4, 10, 30)


def test_price_objection_of_a_steady_customer_asks_for_prices(cast):
    from outletcrm.orders.services import order_create

    product = ProductFactory()
    for _ in range(3):
        order_create(actor=cast.alice, customer=cast.alice_customer,
                     lines=[{"product": product, "quantity": 1,
                             "unit_price": Decimal("40")}])
    entry = CompetitorFactory(customer=cast.alice_customer, brand="康师傅")
    complaint = intake(cast, category="price", severity="normal")
    assert services.asks_price_check(complaint)
    with pytest.raises(ValidationError) as caught:
        services.complaint_resolve(actor=cast.alice, complaint=complaint,
                                   resolution_type="explained", note="说明了")
    assert "market_price" in caught.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == Status.OPEN
    services.complaint_resolve(actor=cast.alice, complaint=complaint, resolution_type="explained",
                               note="说明了", market_price=Decimal("45.00"),
                               competitor_quote=Decimal("42.50"), competitor_entry=entry)
    complaint.refresh_from_db()
    assert complaint.competitor_brand == "康师傅" and complaint.competitor_quote == Decimal("42.5")
    occasional = intake(cast, category="price", severity="normal", customer=cast.bob_customer,
                        actor=cast.bob)
    assert not services.asks_price_check(occasional)


def test_assign_is_limited_and_notifies(cast, kefu):
    complaint = intake(cast, kefu)
    with pytest.raises(ValidationError):
        services.complaint_assign(actor=cast.alice, complaint=complaint, assignee=cast.charlie)
    services.complaint_assign(actor=kefu, complaint=complaint, assignee=cast.bob)
    assert Notification.objects.filter(user=cast.bob, kind="complaint.assigned").exists()
    # bob sees it now (the assignee), though the customer is alice's
    from outletcrm.complaints.selectors import complaint_list
    assert list(complaint_list(user=cast.bob)) == [complaint]
    assert list(complaint_list(user=cast.charlie)) == []


def test_service_targets_are_for_administrators(cast):
    target = ServiceTarget.objects.get(severity="low")
    with pytest.raises(PermissionDenied):
        services.service_target_update(actor=cast.sup, target=target, respond_minutes=60,
                                       resolve_minutes=600)
    with pytest.raises(ValidationError):
        services.service_target_update(actor=cast.admin, target=target, respond_minutes=600,
                                       resolve_minutes=60)
    services.service_target_update(actor=cast.admin, target=target, respond_minutes=60,
                                   resolve_minutes=600)
    assert services.target_for("low") == (60, 600)


def test_a_breach_scan_that_crashes_midway_leaves_no_half_work_and_the_rerun_finishes(
        cast, kefu, monkeypatch):
    with time_machine.travel(at(2026, 11, 4, 10, 0), tick=False) as clock:
        first, second = intake(cast, kefu), intake(cast, kefu)
        clock.shift(datetime.timedelta(minutes=31))
        real_notify, calls = services.notify, []

        def flaky(**kwargs):
            calls.append(kwargs["source"].pk)
            if kwargs["source"].pk == second.pk:
                raise RuntimeError("mail server gone")
            return real_notify(**kwargs)

        monkeypatch.setattr(services, "notify", flaky)
        with pytest.raises(RuntimeError):
            services.scan_breaches()
        second.refresh_from_db()
        assert second.respond_breached_at is None  # its transaction rolled back whole
        assert not second.events.filter(kind=EventKind.BREACH).exists()
        monkeypatch.setattr(services, "notify", real_notify)
        assert services.scan_breaches() == {"respond": 1, "resolve": 0}
        assert services.scan_breaches() == {"respond": 0, "resolve": 0}
    for complaint in (first, second):
        assert complaint.events.filter(kind=EventKind.BREACH).count() == 1
        assert Notification.objects.filter(source_id=complaint.pk,
                                           kind="complaint.breach").count() == 2


def test_the_job_is_scheduled_every_five_minutes_and_runs_through_run_job(cast, settings):
    from outletcrm.complaints.tasks import scan_breaches_task

    entry = settings.SCHEDULE["complaint-breaches"]
    assert entry == {"task": "outletcrm.complaints.tasks.scan_breaches_task", "every_minutes": 5}
    result = scan_breaches_task.enqueue()
    assert result.return_value == {"respond": 0, "resolve": 0}


def test_report_counts_medians_in_working_time_breach_rate_and_satisfaction(cast, kefu):
    from outletcrm.complaints.selectors import complaint_report

    with time_machine.travel(at(2026, 11, 6, 17, 0), tick=False) as clock:  # Friday
        quick = intake(cast, kefu, severity="normal")
        slow = intake(cast, kefu, severity="urgent", category="delivery")
        clock.shift(datetime.timedelta(minutes=20))
        services.complaint_resolve(actor=cast.alice, complaint=quick, resolution_type="fixed",
                                   note="好了")
        services.complaint_close(actor=kefu, complaint=quick)
        services.complaint_record_satisfaction(actor=kefu, complaint=quick, score=4)
        clock.move_to(at(2026, 11, 9, 9, 40))  # Monday: the weekend does not count
        services.complaint_respond(actor=cast.alice, complaint=slow, text="致歉")
        report = complaint_report(user=cast.sup, since=datetime.date(2026, 11, 1),
                                  until=datetime.date(2026, 11, 30))
    total = report["total"]
    assert total["count"] == 2 and total["breached"] == 1 and total["breach_rate"] == 50
    assert total["median_respond"] == 60  # of 20 and 100 (60 on Friday + 40 on Monday)
    assert total["satisfaction"] == 4.0 and total["rated"] == 1
    delivery = next(r for r in report["by_category"] if r["key"] == "delivery")
    assert delivery["count"] == 1 and delivery["breach_rate"] == 100
    assert complaint_report(user=cast.charlie, since=datetime.date(2026, 11, 1),
                            until=datetime.date(2026, 11, 30))["total"]["count"] == 0
