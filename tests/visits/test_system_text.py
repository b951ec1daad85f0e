"""The field work's own text reads in the reader's language, whatever language its writer
browsed in (core.i18n): visit and task entries on the timeline, the tasks it makes (return
visits, appointments), and why a planned stop was released (hand-over, archiving)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from outletcrm.core.models import TimelineEntry
from outletcrm.customers.services import customer_archive, customer_update
from outletcrm.visits import services
from outletcrm.visits.choices import TaskKind, VisitKind
from outletcrm.visits.models import FollowUpTask, PlannedStop
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(cast):
    return CustomerFactory(owner=cast.alice, name="联华超市文三店", latitude=Decimal("30.277000"),
                           longitude=Decimal("120.130000"))


def read(language: str, func):
    with translation.override(language):
        return func()


def visit(rep, customer, kind=VisitKind.DAY, minutes=25):
    checked_in = timezone.now() - datetime.timedelta(minutes=minutes)
    done, _created = services.visit_check_in(
        actor=rep, customer=customer, client_id=uuid.uuid4(), kind=kind,
        device_time=checked_in, lat="30.277100", lng="120.130100", accuracy_m=10)
    return done


def test_a_visit_on_the_timeline_reads_in_each_readers_language(cast, shop):
    with translation.override("en"):
        home = visit(cast.alice, shop, kind=VisitKind.HOME)
        services.visit_check_out(actor=cast.alice, visit=home)
    entry = TimelineEntry.objects.get(customer_id=shop.pk, kind="visit")
    assert read("zh-hans", lambda: entry.title_text) == "王丽 家访，25 分钟"
    assert read("en", lambda: entry.title_text) == "Home visit by 王丽, 25 min"


def test_the_tasks_the_visit_makes_read_in_each_readers_language(cast, shop, api):
    with translation.override("en"):
        home = visit(cast.alice, shop, kind=VisitKind.HOME)
        services.visit_record(actor=cast.alice, visit=home,
                              next_appointment_at=timezone.now() + datetime.timedelta(days=2))
        services.visit_check_out(actor=cast.alice, visit=home)
    assert {t.kind for t in FollowUpTask.objects.all()} == {TaskKind.APPOINTMENT,
                                                            TaskKind.RETURN_VISIT}
    horizon = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    for language, expected in (("zh-hans", {"约见联华超市文三店", "回访联华超市文三店"}),
                               ("en", {"Appointment with 联华超市文三店",
                                       "Return visit to 联华超市文三店"})):
        listed = api(cast.alice).get("/api/v1/tasks", {"until": horizon},
                                     HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        assert {t["title"] for t in listed} == expected


def test_a_task_done_reads_in_each_readers_language_typed_titles_as_typed(cast, shop):
    with translation.override("en"):
        home = visit(cast.alice, shop, kind=VisitKind.HOME)
        services.visit_check_out(actor=cast.alice, visit=home)
        return_visit = FollowUpTask.objects.get(kind=TaskKind.RETURN_VISIT)
        services.task_complete(actor=cast.alice, task=return_visit)
        typed, _ = services.task_add(actor=cast.alice, rep=cast.alice, title="送海报",
                                     customer=shop, due_date=timezone.localdate())
        services.task_complete(actor=cast.alice, task=typed)
    done = list(TimelineEntry.objects.filter(kind="task").order_by("pk"))
    assert read("zh-hans", lambda: [e.title_text for e in done]) == [
        "任务完成：回访联华超市文三店", "任务完成：送海报"]
    assert read("en", lambda: [e.title_text for e in done]) == [
        "Task done: Return visit to 联华超市文三店", "Task done: 送海报"]
    assert typed.title_message == {} and typed.title == "送海报"


def test_why_a_stop_was_released_reads_in_each_readers_language(cast, shop, api):
    other = CustomerFactory(owner=cast.alice, name="好又多便利店文二店")
    today = timezone.localdate()
    for customer in (shop, other):
        services.plan_add_stop(actor=cast.sup, rep=cast.alice, date=today, customer=customer)
    with translation.override("en"):
        customer_update(actor=cast.sup, customer=shop, owner=cast.bob)
        customer_archive(actor=cast.custodian, customer=other, reason="停业")
    stops = {s.customer_id: s for s in PlannedStop.objects.all()}
    assert read("zh-hans", lambda: stops[shop.pk].release_reason_text) == "客户已转给 李波"
    assert read("zh-hans", lambda: stops[other.pk].release_reason_text) == "客户已归档"
    assert read("en", lambda: stops[shop.pk].release_reason_text) == (
        "Customer handed over to 李波")
    plans = api(cast.sup).get("/api/v1/plans", {"rep": "alice", "date": today.isoformat()},
                              HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert {s["release_reason"] for s in plans[0]["stops"]} == {"客户已转给 李波", "客户已归档"}
    page = Client()
    page.force_login(cast.sup)
    body = page.get(f"/visits/plan/?rep={cast.alice.pk}&date={today.isoformat()}").content
    assert "客户已转给 李波".encode() in body and b"handed over" not in body
