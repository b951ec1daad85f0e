"""One to-do list (issue 9): what was done and how it went, the web list with its scope and
filters, the phone's offline completion with an outcome, the morning summary and the
escalation of overdue tasks to the supervisor (working days, idempotent)."""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from outletcrm.core.models import TimelineEntry
from outletcrm.notifications.models import Notification
from outletcrm.visits import choices, services
from outletcrm.visits.choices import DoneAction
from outletcrm.visits.models import FollowUpTask
from outletcrm.visits.tasks import tasks_due_task, tasks_escalate_task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str = "08:00"):
    """Pin the clock to a local (Asia/Shanghai) moment."""
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(
        tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def care_kind():
    """A higher app's kind whose completion needs an outcome (as care registers it)."""
    choices.register_task_kind("test_care", gettext_lazy("Care call"), needs_outcome=True)
    choices.register_task_source("customers.customer", lambda pk: f"/customers/{pk}/")
    yield "test_care"
    choices._TASK_KINDS.pop("test_care", None)
    choices._NEEDS_OUTCOME.discard("test_care")
    choices._TASK_SOURCES.pop("customers.customer", None)


MINE = object()  # the rep's own customer (alice's), unless a customer or None is given


def add(cast, rep=None, title="送海报", due=None, customer=MINE, kind="todo", source=None):
    rep = rep or cast.alice
    task, _ = services.task_add(actor=rep, rep=rep, title=title, kind=kind, source=source,
                                due_date=due or timezone.localdate(),
                                customer=customer if customer is not MINE else (
                                    cast.alice_customer if rep == cast.alice else None))
    return task


# --- recording what was done -----------------------------------------------------------

def test_completing_records_the_action_and_outcome_once(cast):
    task = add(cast)
    done = services.task_complete(actor=cast.alice, task=task, action="call",
                                  outcome="  老板说下周进货  ")
    assert (done.done_action, done.outcome) == ("call", "老板说下周进货")
    again = services.task_complete(actor=cast.alice, task=task, action="gift", outcome="x")
    assert (again.done_action, again.outcome, again.done_at) == ("call", "老板说下周进货",
                                                                 done.done_at)
    entry = TimelineEntry.objects.get(customer_id=cast.alice_customer.pk, kind="task")
    assert entry.body == "老板说下周进货"
    assert "Phone call" in entry.title_text or "电话" in entry.title_text


def test_a_kind_that_needs_an_outcome_is_not_done_without_one(cast, care_kind):
    task = add(cast, kind=care_kind)
    with pytest.raises(ValidationError) as error:
        services.task_complete(actor=cast.alice, task=task)
    assert set(error.value.message_dict) == {"action", "outcome"}
    task.refresh_from_db()
    assert task.done_at is None
    services.task_complete(actor=cast.alice, task=task, action="gift", outcome="送了月饼")
    # An ordinary to-do is done with neither (backwards compatible).
    assert services.task_complete(actor=cast.alice, task=add(cast, title="交周报")).is_done


def test_an_unknown_action_is_refused(cast):
    with pytest.raises(ValidationError) as error:
        services.task_complete(actor=cast.alice, task=add(cast), action="bribe")
    assert "action" in error.value.message_dict


# --- the web list -----------------------------------------------------------------------

def test_the_rep_sees_his_open_tasks_overdue_first_with_every_kind(cast, login, care_kind):
    today = timezone.localdate()
    add(cast, title="明天的", due=today + datetime.timedelta(days=1))
    add(cast, title="今天的", due=today)
    services.tasks_create_system([services.SystemTask(
        dedupe_key="t:1", rep_id=cast.alice.pk, kind=care_kind, title=gettext_lazy("Care call"),
        due_date=today - datetime.timedelta(days=1), customer_id=cast.alice_customer.pk,
        source=cast.alice_customer)])
    add(cast, rep=cast.bob, title="别人的")
    page = login(cast.alice).get("/visits/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "别人的" not in html
    order = [html.index(t) for t in ("客情电话", "今天的", "明天的")] \
        if "客情电话" in html else [html.index(t) for t in ("Care call", "今天的", "明天的")]
    assert order == sorted(order)
    assert f'href="/customers/{cast.alice_customer.pk}/"' in html  # source link (registry)
    assert 'data-state="overdue"' in html and 'data-testid="nav-tasks"' in html


def test_filters_kind_due_and_search(cast, login):
    today = timezone.localdate()
    add(cast, title="今天送海报", due=today)
    add(cast, title="下周交周报", due=today + datetime.timedelta(days=5), customer=None)
    client = login(cast.alice)
    html = client.get("/visits/tasks/?due=today").content.decode()
    assert "今天送海报" in html and "下周交周报" not in html
    html = client.get("/visits/tasks/?q=联华").content.decode()
    assert "今天送海报" in html and "下周交周报" not in html
    html = client.get("/visits/tasks/?kind=appointment").content.decode()
    assert "今天送海报" not in html
    for bad in ("?due=someday", "?kind=nope", "?rep=99999999999999999999", "?rep=abc",
                "?page=999", "?status=x"):
        assert client.get("/visits/tasks/" + bad).status_code == 200


def test_the_supervisor_sees_his_team_with_the_rep_column(cast, login):
    add(cast, title="丽的任务")
    add(cast, rep=cast.bob, title="波的任务")
    add(cast, rep=cast.charlie, title="宁波的任务")
    html = login(cast.sup).get("/visits/tasks/").content.decode()
    assert "丽的任务" in html and "波的任务" in html and "宁波的任务" not in html
    assert 'data-role="rep"' in html
    html = login(cast.sup).get(f"/visits/tasks/?rep={cast.bob.pk}").content.decode()
    assert "丽的任务" not in html and "波的任务" in html
    html = login(cast.mgr_nb).get("/visits/tasks/").content.decode()
    assert "宁波的任务" in html and "丽的任务" not in html


def test_the_web_list_completes_with_an_outcome_by_htmx(cast, login):
    task = add(cast)
    client = login(cast.alice)
    response = client.post(f"/visits/tasks/{task.pk}/complete/",
                           {"action": "visit", "outcome": "陈列已整改"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and 'data-state="done"' in html and "陈列已整改" in html
    task.refresh_from_db()
    assert (task.done_action, task.outcome, task.done_by) == ("visit", "陈列已整改", cast.alice)


def test_a_missing_outcome_shows_on_the_row_and_changes_nothing(cast, login, care_kind):
    task = add(cast, kind=care_kind)
    response = login(cast.alice).post(f"/visits/tasks/{task.pk}/complete/", {"action": "call"},
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_postpone_and_add_on_the_web(cast, login):
    task = add(cast)
    client = login(cast.alice)
    later = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(f"/visits/tasks/{task.pk}/postpone/",
                           {"due_date": later, "reason": "老板出差"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.due_date.isoformat() == later
    response = client.post("/visits/tasks/add/", {"title": "后天送样品",
                                                  "customer": cast.alice_customer.pk})
    assert response.status_code == 302
    assert FollowUpTask.objects.filter(title="后天送样品", rep=cast.alice).exists()
    client.post("/visits/tasks/add/", {"title": "x", "customer": cast.bob_customer.pk})
    assert not FollowUpTask.objects.filter(title="x").exists()


def test_a_rep_cannot_see_or_complete_anothers_task(cast, login):
    task = add(cast, rep=cast.bob, title="波的任务")
    client = login(cast.alice)
    assert client.post(f"/visits/tasks/{task.pk}/complete/", {"action": "call"}).status_code \
        == 404
    assert client.post(f"/visits/tasks/{task.pk}/postpone/",
                       {"due_date": "2099-01-01", "reason": "x"}).status_code == 404
    assert login(cast.charlie).post(f"/visits/tasks/{task.pk}/complete/").status_code == 404
    task.refresh_from_db()
    assert task.done_at is None
    # His supervisor may.
    assert login(cast.sup).post(f"/visits/tasks/{task.pk}/complete/").status_code == 302


def test_the_list_costs_a_bounded_number_of_queries(cast, login, care_kind,
                                                   django_assert_max_num_queries):
    client = login(cast.sup)
    for i in range(30):
        add(cast, title=f"任务{i}", kind=care_kind if i % 2 else "todo")
        add(cast, rep=cast.bob, title=f"波{i}")
    with django_assert_max_num_queries(7):  # session, user, count, page, reps, customers
        assert client.get("/visits/tasks/").status_code == 200


# --- the phone: offline completion with an outcome --------------------------------------

def test_the_phone_replays_an_offline_completion_with_its_outcome_once(cast, api, care_kind):
    task = add(cast, kind=care_kind)
    client = api(cast.alice)
    op = {"op": "task_done", "client_id": str(uuid.uuid4()),
          "payload": {"task": str(task.client_id), "action": "message",
                      "outcome": "微信问候，老板回复谢谢"}}
    first = client.post("/api/v1/sync", {"ops": [op]}, format="json").json()["results"][0]
    again = client.post("/api/v1/sync", {"ops": [op]}, format="json").json()["results"][0]
    assert first["status"] == "applied" and again["status"] == "duplicate"
    task.refresh_from_db()
    assert (task.done_action, task.outcome) == ("message", "微信问候，老板回复谢谢")
    assert TimelineEntry.objects.filter(kind="task").count() == 1
    missing = {"op": "task_done", "client_id": str(uuid.uuid4()),
               "payload": {"task": str(add(cast, kind=care_kind).client_id)}}
    result = client.post("/api/v1/sync", {"ops": [missing]}, format="json").json()["results"][0]
    assert result["status"] == "error" and "outcome" in result["error"]


# --- the morning summary ------------------------------------------------------------------

def test_each_rep_gets_one_summary_a_day(cast):
    with at("2026-12-07"):  # a Monday
        add(cast, due=datetime.date(2026, 12, 7))
        add(cast, due=datetime.date(2026, 12, 7), title="二")
        add(cast, rep=cast.bob, due=datetime.date(2026, 12, 7))
        add(cast, rep=cast.bob, due=datetime.date(2026, 12, 9), title="以后")
    with at("2026-12-09"):
        assert tasks_due_task.call("2026-12-09") == {"reps": 2, "notified": 2}
        # The recorded job runs once a day; the summary itself, run again, notifies nobody.
        assert tasks_due_task.call("2026-12-09") == {"skipped": "already succeeded"}
        assert services.tasks_notify_due(datetime.date(2026, 12, 9)) == {"reps": 2, "notified": 0}
    notes = Notification.objects.filter(kind="task.due")
    assert notes.count() == 2
    alice = notes.get(user=cast.alice)
    assert alice.dedupe_key == f"task-due:{cast.alice.pk}:2026-12-09"
    assert "2" in alice.title and alice.link == "/visits/tasks/"


def test_no_summary_on_a_rest_day(cast):
    with at("2026-12-04"):
        add(cast, due=datetime.date(2026, 12, 4))
    assert tasks_due_task.call("2026-12-05")["notified"] == 0  # a Saturday


# --- escalation ---------------------------------------------------------------------------

def test_an_overdue_task_escalates_after_two_working_days_across_a_weekend(cast, login):
    with at("2026-12-04"):  # a Friday
        task = add(cast, due=datetime.date(2026, 12, 4))
        add(cast, due=datetime.date(2026, 12, 4), title="做完的")
        services.task_complete(actor=cast.alice, task=FollowUpTask.objects.get(title="做完的"))
    for day in ("2026-12-05", "2026-12-06", "2026-12-07", "2026-12-08"):  # Sat … Tue
        with at(day, "06:30"):
            assert tasks_escalate_task.call(None)["escalated"] == 0, day
    with at("2026-12-09", "06:30"):  # Wednesday: Mon and Tue have passed
        assert tasks_escalate_task.call(None) == {"escalated": 1, "no_supervisor": 0}
        # Recorded once a day; the escalation itself, run again, escalates nothing twice.
        assert tasks_escalate_task.call(None) == {"skipped": "already succeeded"}
        assert services.tasks_escalate(datetime.date(2026, 12, 9)) == {
            "escalated": 0, "no_supervisor": 0}
    task.refresh_from_db()
    assert task.escalated_at is not None
    note = Notification.objects.get(kind="task.overdue")
    assert note.user == cast.sup and note.dedupe_key == f"task-overdue:{task.pk}:2026-12-04"
    with at("2026-12-09", "09:00"):
        html = login(cast.sup).get("/visits/tasks/?escalated=1").content.decode()
    assert 'data-role="escalated"' in html and "送海报" in html


def test_escalation_is_crash_safe_and_a_postponed_task_may_escalate_again(cast, monkeypatch):
    with at("2026-12-01"):
        first = add(cast, due=datetime.date(2026, 12, 1))
        second = add(cast, rep=cast.bob, due=datetime.date(2026, 12, 1))
    import outletcrm.notifications.services as notifications

    real = notifications.notify
    calls = {"n": 0}

    def crash_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(notifications, "notify", crash_on_second)
    with at("2026-12-07"), pytest.raises(RuntimeError):
        tasks_escalate_task.call(None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.escalated_at is not None and second.escalated_at is None
    assert Notification.objects.filter(kind="task.overdue").count() == 1
    monkeypatch.setattr(notifications, "notify", real)
    with at("2026-12-07"):
        assert tasks_escalate_task.call(None)["escalated"] == 1  # the rerun finishes the rest
    assert Notification.objects.filter(kind="task.overdue").count() == 2
    with at("2026-12-07"):
        services.task_postpone(actor=cast.alice, task=first, due_date="2026-12-08",
                               reason="客户出差")
    first.refresh_from_db()
    assert first.escalated_at is None
    with at("2026-12-11"):
        assert tasks_escalate_task.call(None)["escalated"] == 1
    assert Notification.objects.filter(kind="task.overdue", user=cast.sup).count() == 3


def test_a_rep_without_a_supervisor_is_left_for_later(cast):
    with at("2026-12-01"):
        task = add(cast, rep=cast.charlie, due=datetime.date(2026, 12, 1))
    with at("2026-12-07"):
        assert tasks_escalate_task.call(None) == {"escalated": 0, "no_supervisor": 1}
    task.refresh_from_db()
    assert task.escalated_at is None


def test_escalation_respects_the_setting(cast, settings):
    settings.TASK_ESCALATION_DAYS = 0
    with at("2026-12-04"):
        add(cast, due=datetime.date(2026, 12, 4))
    with at("2026-12-07"):  # Monday: overdue by one working day (> 0)
        assert tasks_escalate_task.call(None)["escalated"] == 1


def test_done_actions_are_the_briefs():
    assert set(DoneAction.values) == {"call", "visit", "gift", "message", "other"}


# --- API ------------------------------------------------------------------------------------

def test_api_lists_with_filters_retrieves_and_completes_by_id(cast, api, care_kind):
    today = timezone.localdate()
    mine = add(cast, kind=care_kind, title="客情电话")
    add(cast, title="下周", due=today + datetime.timedelta(days=3), customer=None)
    other = add(cast, rep=cast.bob, title="波的")
    client = api(cast.alice)
    body = client.get("/api/v1/tasks/?due=today").json()
    assert [t["title"] for t in body["results"]] == ["客情电话"]
    assert body["results"][0]["needs_outcome"] is True
    assert client.get(f"/api/v1/tasks/?kind={care_kind}&q=联华").json()["count"] == 1
    assert client.get("/api/v1/tasks/?due=week").json()["count"] == 2
    for bad in ("due=later", "kind=nope", "escalated=perhaps", "rep=abc", "due_by=2026-13-01"):
        assert client.get(f"/api/v1/tasks/?{bad}").status_code == 400, bad
    assert client.get(f"/api/v1/tasks/{mine.pk}/").json()["client_id"] == str(mine.client_id)
    assert client.get(f"/api/v1/tasks/{mine.client_id}/").json()["id"] == mine.pk
    assert client.get(f"/api/v1/tasks/{other.pk}/").status_code == 404
    assert client.get("/api/v1/tasks/999999999999999999/").status_code == 404
    refused = client.post(f"/api/v1/tasks/{mine.pk}/complete/", {"action": "call"},
                          format="json")
    assert refused.status_code == 400 and "outcome" in refused.json()
    done = client.post(f"/api/v1/tasks/{mine.pk}/complete/",
                       {"action": "call", "outcome": "老板很满意"}, format="json")
    assert done.status_code == 200
    assert done.json()["task"]["action"] == "call" and done.json()["task"]["outcome"] == "老板很满意"
    assert client.post(f"/api/v1/tasks/{other.pk}/complete/", {}, format="json"
                       ).status_code == 404
    assert client.post(f"/api/v1/tasks/{other.client_id}/done/", {}, format="json"
                       ).status_code == 404
    later = (today + datetime.timedelta(days=5)).isoformat()
    moved = client.post(f"/api/v1/tasks/{add(cast).pk}/postpone/",
                        {"due_date": later, "reason": "客户不在"}, format="json")
    assert moved.status_code == 200 and moved.json()["task"]["due_date"] == later
    created = client.post("/api/v1/tasks/", {"title": "明天回访"}, format="json")
    assert created.status_code == 201
    other.refresh_from_db()
    assert other.done_at is None


def test_api_supervisor_sees_escalated_tasks(cast, api):
    with at("2026-12-01"):
        add(cast, due=datetime.date(2026, 12, 1))
    with at("2026-12-07"):
        tasks_escalate_task.call(None)
        body = api(cast.sup).get("/api/v1/tasks/?escalated=true").json()
    assert body["count"] == 1 and body["results"][0]["escalated"] is True


# --- CLI ------------------------------------------------------------------------------------

def run(*args) -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("tasks", *args, stdout=out)
    return out.getvalue()


def test_cli_lists_in_the_users_scope_and_completes_with_an_outcome(cast, care_kind):
    from django.core.management import CommandError

    today = timezone.localdate()
    mine = add(cast, kind=care_kind, title="客情电话")
    add(cast, title="昨天的", due=today - datetime.timedelta(days=1))
    bobs = add(cast, rep=cast.bob, title="波的任务")
    out = run("--as", "alice")
    assert "客情电话" in out and "昨天的" in out and "波的任务" not in out
    assert "OVERDUE" in out and "2 task(s)" in out
    out = run("--as", "alice", "--due", "overdue")
    assert "昨天的" in out and "客情电话" not in out
    assert "客情电话" in run("--as", "alice", "--kind", care_kind, "--format", "json")
    assert "波的任务" in run("--as", "sup") and "波的任务" in run()  # the operator: everything
    with pytest.raises(CommandError, match="outcome"):
        run("done", str(mine.pk), "--as", "alice", "--action", "call")
    out = run("done", str(mine.pk), "--as", "alice", "--action", "call", "--outcome", "已问候")
    assert "done: #" in out and "已问候" in out
    mine.refresh_from_db()
    assert (mine.done_action, mine.outcome) == ("call", "已问候")
    with pytest.raises(CommandError, match="not found"):
        run("done", str(bobs.pk), "--as", "alice")
    with pytest.raises(CommandError, match="--as"):
        run("done", str(bobs.pk))
    with pytest.raises(CommandError):
        run("done", "99999999999999999999999", "--as", "alice")
    with pytest.raises(CommandError, match="kind"):
        run("--as", "alice", "--kind", "nope")
    later = (today + datetime.timedelta(days=4)).isoformat()
    assert "→" in run("postpone", str(bobs.pk), "--as", "sup", "--to", later, "--reason", "出差")
