"""The rep's to-do list (issue 7, §4): complete, postpone with a reason, add (for one of his
customers or general), through the API and the offline queue with idempotent replays; a
commitment's due date read from what the rep wrote; the supervisor sees open and overdue tasks."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.core.models import TimelineEntry
from outletcrm.visits import services
from outletcrm.visits.choices import TaskKind
from outletcrm.visits.models import FollowUpTask, SyncReceipt, TaskPostponement
from tests.factories import CustomerFactory


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def task(cast):
    task, _created = services.task_add(actor=cast.alice, rep=cast.alice, title="送海报",
                                       customer=cast.alice_customer, due_date=today())
    return task


def sync_post(client, *ops):
    response = client.post("/api/v1/sync", {"ops": list(ops)}, format="json")
    assert response.status_code == 200
    return response.json()["results"]


def op(name, payload, client_id=None):
    return {"op": name, "client_id": client_id or str(uuid.uuid4()), "payload": payload}


# --- services ----------------------------------------------------------------------------

def test_a_rep_adds_a_general_task_and_one_for_his_customer(cast):
    general, created = services.task_add(actor=cast.alice, rep=cast.alice, title="  交周报  ")
    assert created and general.customer is None and general.title == "交周报"
    assert general.kind == TaskKind.TODO and general.due_date == today()
    assert general.created_by == cast.alice
    for_shop, _ = services.task_add(actor=cast.alice, rep=cast.alice, title="送海报",
                                    customer=cast.alice_customer, due_date=days(2))
    assert for_shop.customer == cast.alice_customer and for_shop.due_date == days(2)


def test_a_task_without_a_date_is_due_when_its_title_says(cast):
    task, _ = services.task_add(actor=cast.alice, rep=cast.alice, title="后天交周报")
    assert task.due_date == days(2)


def test_a_task_for_another_reps_customer_is_refused(cast):
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=cast.alice, rep=cast.alice, title="x", customer=cast.bob_customer)
    assert "customer" in error.value.message_dict
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize(("title", "due", "field"), [
    ("", None, "title"), ("   ", None, "title"), ("x" * 201, None, "title"),
    ("ok", "2026-02-30", "due_date"), ("ok", "9999-12-31", "due_date"),
    ("ok", "1900-01-01", "due_date"), ("ok", "next tuesday", "due_date")])
def test_bad_task_input_is_refused_and_writes_nothing(cast, title, due, field):
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=cast.alice, rep=cast.alice, title=title, due_date=due)
    assert field in error.value.message_dict
    assert not FollowUpTask.objects.exists()


def test_only_the_rep_and_his_supervisor_change_his_tasks(cast, task):
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=cast.bob, task=task)
    with pytest.raises(PermissionDenied):
        services.task_add(actor=cast.charlie, rep=cast.alice, title="x")
    handed, _ = services.task_add(actor=cast.sup, rep=cast.alice, title="陪访准备")
    assert handed.rep == cast.alice and handed.created_by == cast.sup
    services.task_complete(actor=cast.sup, task=handed)


def test_completing_keeps_who_and_when_and_twice_is_once(cast, task):
    done = services.task_complete(actor=cast.alice, task=task)
    first = done.done_at
    assert first is not None and done.done_by == cast.alice
    again = services.task_complete(actor=cast.alice, task=task)
    assert again.done_at == first
    entry, = TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk, kind="task")
    assert "送海报" in entry.title and entry.actor == cast.alice


def test_postponing_moves_the_date_and_keeps_the_reason(cast, task):
    moved = services.task_postpone(actor=cast.alice, task=task, due_date=days(3),
                                   reason="老板出差")
    assert moved.due_date == days(3)
    kept = TaskPostponement.objects.get()
    assert (kept.from_date, kept.to_date, kept.reason, kept.by) == (today(), days(3), "老板出差",
                                                                    cast.alice)


@pytest.mark.parametrize(("due", "reason", "field"), [
    (0, "x", "due_date"),  # not later than it was
    (-1, "x", "due_date"), (400, "x", "due_date"), (3, "", "reason"), (3, "  ", "reason")])
def test_a_bad_postponement_changes_nothing(cast, task, due, reason, field):
    with pytest.raises(ValidationError) as error:
        services.task_postpone(actor=cast.alice, task=task, due_date=days(due), reason=reason)
    assert field in error.value.message_dict
    task.refresh_from_db()
    assert task.due_date == today() and not TaskPostponement.objects.exists()


def test_a_done_task_cannot_be_postponed(cast, task):
    services.task_complete(actor=cast.alice, task=task)
    with pytest.raises(ValidationError):
        services.task_postpone(actor=cast.alice, task=task, due_date=days(2), reason="x")


# --- a commitment's due date -------------------------------------------------------------

def test_a_commitment_is_due_on_the_day_its_text_says_from_the_visit(cast):
    shop = CustomerFactory(owner=cast.alice, latitude=Decimal("30.27"), longitude=Decimal("120.13"))
    visit, _ = services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                                       lat="30.27", lng="120.13")
    services.visit_record(actor=cast.alice, visit=visit,
                          commitments=["下周二送陈列架", "3天后回复价格", "送两箱样品"])
    due = dict(FollowUpTask.objects.filter(kind=TaskKind.COMMITMENT)
               .values_list("title", "due_date"))
    monday = visit.date - datetime.timedelta(days=visit.date.weekday())
    assert due["下周二送陈列架"] == monday + datetime.timedelta(days=8)
    assert due["3天后回复价格"] == visit.date + datetime.timedelta(days=3)
    assert due["送两箱样品"] == visit.date + datetime.timedelta(days=7)  # no date: in a week


# --- the offline queue -------------------------------------------------------------------

def test_add_complete_and_postpone_through_the_queue_each_apply_once(cast, api, task):
    client = api(cast.alice)
    new_id = str(uuid.uuid4())
    ops = [op("task_add", {"title": "补货", "customer": cast.alice_customer.pk,
                           "due_date": days(1).isoformat()}, new_id),
           op("task_postpone", {"task": str(task.client_id), "due_date": days(5).isoformat(),
                                "reason": "店休"}),
           op("task_done", {"task": new_id})]
    first = sync_post(client, *ops)
    assert [r["status"] for r in first] == ["applied"] * 3, first
    replay = sync_post(client, *ops)
    assert [r["status"] for r in replay] == ["duplicate"] * 3
    assert FollowUpTask.objects.count() == 2
    assert FollowUpTask.objects.get(client_id=new_id).done_at is not None
    task.refresh_from_db()
    assert task.due_date == days(5) and TaskPostponement.objects.count() == 1


def test_queued_task_ops_out_of_scope_or_bad_are_refused_one_by_one(cast, api, task):
    results = sync_post(
        api(cast.bob),
        op("task_done", {"task": str(task.client_id)}),  # alice's task: not found for bob
        op("task_add", {"title": "x", "customer": cast.alice_customer.pk}),
        op("task_add", {"title": ""}),
        op("task_postpone", {"task": "not-a-uuid", "due_date": "2026-13-01", "reason": "x"}),
        op("task_add", {"title": "ok", "due_date": "9999-12-31"}),
        op("task_add", {"title": "bob's own"}))
    assert [r["status"] for r in results] == ["error"] * 5 + ["applied"]
    assert "task" in results[0]["error"] and "customer" in results[1]["error"]
    assert "title" in results[2]["error"] and "due_date" in results[4]["error"]
    task.refresh_from_db()
    assert task.done_at is None
    assert FollowUpTask.objects.filter(rep=cast.bob).count() == 1


def test_a_task_client_id_of_another_record_is_refused(cast, api, task):
    results = sync_post(api(cast.bob), op("task_add", {"title": "x"}, str(task.client_id)))
    assert results[0]["status"] == "error" and "client_id" in results[0]["error"]
    assert FollowUpTask.objects.get().title == "送海报"
    # A completion's receipt is the rep's: another rep replaying its id is refused.
    done_id = sync_post(api(cast.alice), op("task_done", {"task": str(task.client_id)}))[0]
    bobs_task, _ = services.task_add(actor=cast.bob, rep=cast.bob, title="bob")
    results = sync_post(api(cast.bob), op("task_done", {"task": str(bobs_task.client_id)},
                                          done_id["client_id"]))
    assert results[0]["status"] == "error" and SyncReceipt.objects.count() == 1
    bobs_task.refresh_from_db()
    assert bobs_task.done_at is None


# --- the API -----------------------------------------------------------------------------

def test_the_api_lists_adds_completes_and_postpones(cast, api, task):
    client = api(cast.alice)
    listed = client.get("/api/v1/tasks").json()
    assert [t["title"] for t in listed["results"]] == ["送海报"]
    assert listed["results"][0]["customer"]["name"] == "联华超市"
    body = {"client_id": str(uuid.uuid4()), "title": "下周二交周报"}
    added = client.post("/api/v1/tasks", body, format="json")
    assert added.status_code == 201, added.json()
    assert added.json()["task"]["customer"] is None and added.json()["status"] == "applied"
    assert client.post("/api/v1/tasks", body, format="json").status_code == 200
    moved = client.post(f"/api/v1/tasks/{task.client_id}/postpone",
                        {"due_date": days(2).isoformat(), "reason": "老板不在"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["task"]["postponed"] == 1
    assert moved.json()["task"]["postpone_reason"] == "老板不在"
    done = client.post(f"/api/v1/tasks/{task.client_id}/done", {}, format="json")
    assert done.status_code == 200 and done.json()["task"]["done"] is True
    assert [t["title"] for t in client.get("/api/v1/tasks").json()["results"]] == ["下周二交周报"]
    assert [t["title"] for t in client.get("/api/v1/tasks?status=done").json()["results"]] == [
        "送海报"]


@pytest.mark.parametrize("query", ["status=closed", "rep=abc", "rep=99999999999999999999999",
                                   "due_by=2026-02-30", "due_by=0001-01-01"])
def test_bad_task_filters_are_400(cast, api, query):
    assert api(cast.sup).get(f"/api/v1/tasks?{query}").status_code == 400


def test_the_supervisor_lists_his_reps_tasks_and_not_others(cast, api, task):
    services.task_add(actor=cast.charlie, rep=cast.charlie, title="宁波的任务")
    client = api(cast.sup)
    titles = [t["title"] for t in client.get("/api/v1/tasks").json()["results"]]
    assert titles == ["送海报"]
    assert client.get(f"/api/v1/tasks?rep={cast.charlie.pk}").status_code == 404
    assert client.post(f"/api/v1/tasks/{task.client_id}/done", {}, format="json").status_code == 200
    assert api(cast.charlie).post(f"/api/v1/tasks/{task.client_id}/done", {},
                                  format="json").status_code == 404


def test_the_phone_snapshot_carries_what_the_task_list_needs(cast, api, task):
    services.task_postpone(actor=cast.alice, task=task, due_date=days(1), reason="下雨")
    body = api(cast.alice).get("/api/v1/me/today").json()
    row, = body["tasks"]
    assert row["client_id"] == str(task.client_id) and row["postponed"] == 1
    assert row["postpone_reason"] == "下雨" and row["due_date"] == days(1).isoformat()


# --- the supervisor's day ----------------------------------------------------------------

def test_the_supervisors_day_shows_open_and_overdue_tasks_in_fixed_queries(cast, client, task):
    FollowUpTask.objects.filter(pk=task.pk).update(due_date=days(-2))
    services.task_add(actor=cast.bob, rep=cast.bob, title="今天的任务")
    services.task_add(actor=cast.bob, rep=cast.bob, title="下周的任务", due_date=days(7))
    services.task_add(actor=cast.charlie, rep=cast.charlie, title="宁波的任务")
    client.force_login(cast.sup)
    client.get("/visits/day/")  # the process's first page reads the company calendar once
    with CaptureQueriesContext(connection) as few:
        page = client.get("/visits/day/").content.decode()
    assert "送海报" in page and "今天的任务" in page
    assert "下周的任务" not in page and "宁波的任务" not in page
    assert 'data-figure="tasks_overdue"' in page
    for i in range(6):
        extra, _ = services.task_add(actor=cast.alice, rep=cast.alice, title=f"任务{i}")
        services.task_postpone(actor=cast.alice, task=extra, due_date=days(1), reason="r")
        FollowUpTask.objects.filter(pk=extra.pk).update(due_date=today())
    with CaptureQueriesContext(connection) as many:
        client.get("/visits/day/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_supervisors_day_without_tasks_says_so(cast, client):
    client.force_login(cast.sup)
    page = client.get("/visits/day/").content.decode()
    assert 'data-testid="day-tasks-empty"' in page
