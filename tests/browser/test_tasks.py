"""A rep's tasks on the phone (issue 7, §4): offline he completes one, postpones one with a
reason and adds one for a customer; back online, each change reaches the server once."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.visits import services
from outletcrm.visits.models import FollowUpTask, TaskPostponement
from tests.browser.conftest import bounded
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("FIELD_SCREENSHOTS", "/tmp/outletcrm-field-shots"))
HERE = {"latitude": 30.277000, "longitude": 120.130000}


@pytest.fixture
def tasks(transactional_db, cast):
    shop = CustomerFactory(owner=cast.alice, name="联华超市文三店",
                           latitude=Decimal("30.277000"), longitude=Decimal("120.130000"))
    today = timezone.localdate()
    poster, _ = services.task_add(actor=cast.alice, rep=cast.alice, title="送海报", customer=shop,
                                  due_date=today)
    report, _ = services.task_add(actor=cast.alice, rep=cast.alice, title="交周报",
                                  due_date=today)
    return {"shop": shop, "poster": poster, "report": report, "today": today}


@pytest.fixture
def phone(chromium, live_server, cast, tasks):
    client = Client()
    client.force_login(cast.alice)
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
        permissions=["geolocation"], geolocation=HERE, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    bounded(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield context, page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


# Mark every uploaded operation as waiting again, as if the server's answer had been lost.
REQUEUE = """async () => {
  const db = await new Promise((ok, fail) => {
    const open = indexedDB.open("outletcrm-field");
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
  const tx = db.transaction("ops", "readwrite");
  const store = tx.objectStore("ops");
  const all = await new Promise((ok) => { const r = store.getAll(); r.onsuccess = () => ok(r.result); });
  for (const op of all) store.put({ ...op, state: "pending" });
  await new Promise((ok) => { tx.oncomplete = ok; });
  db.close();
  return all.length;
}"""


def card(page, task):
    return page.locator(f"li[data-task='{task.client_id}']")


def test_offline_the_rep_completes_postpones_and_adds_tasks_and_each_syncs_once(phone, tasks):
    context, page = phone
    poster, report, today = tasks["poster"], tasks["report"], tasks["today"]
    later = today + datetime.timedelta(days=3)

    # Online once: the service worker keeps the pages for offline use.
    page.goto("/m/tasks/")
    page.wait_for_selector(f"#task-list li[data-task='{report.client_id}']")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto("/m/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_selector(f"#tasks-due li[data-task='{poster.client_id}']")

    context.set_offline(True)
    # 1. On the today page: the poster is delivered, and the rep says how it went.
    poster_card = card(page, poster)
    poster_card.locator("[data-action=task-done]").click()
    poster_card.locator("[data-role=done-action]").select_option("visit")
    poster_card.locator("[data-role=done-outcome]").fill("海报已贴在门口")
    poster_card.locator("[data-action=task-done-confirm]").click()
    page.wait_for_selector(f"#tasks-due li[data-task='{poster.client_id}'][data-state='done']")

    # 2. On the tasks page (from the phone's cache): postpone the report, add a task.
    page.goto("/m/tasks/")
    page.wait_for_selector(f"#task-list li[data-task='{poster.client_id}'][data-state='done']")
    report_card = card(page, report)
    report_card.locator("[data-action=task-postpone]").click()
    report_card.locator("[data-role=postpone-date]").fill(later.isoformat())
    report_card.locator("[data-action=task-postpone-confirm]").click()
    expect(report_card.locator("[data-role=note]")).to_be_visible()  # a reason is required
    report_card.locator("[data-role=postpone-reason]").fill("等月底数据")
    report_card.locator("[data-action=task-postpone-confirm]").click()
    page.wait_for_selector(f"li[data-task='{report.client_id}'] [data-due='{later.isoformat()}']")

    page.fill("#task-title", "下周二送陈列架")
    page.select_option("#task-customer", str(tasks["shop"].pk))
    page.click("[data-testid=task-add]")
    added = page.locator("#task-list li[data-state='pending']", has_text="下周二送陈列架")
    added.wait_for()
    assert "联华超市文三店" in added.inner_text()
    page.wait_for_selector("#sync-badge[data-state='offline'][data-pending='3']")
    page.screenshot(path=str(SHOTS / "tasks-offline.png"), full_page=True)
    assert FollowUpTask.objects.count() == 2 and not TaskPostponement.objects.exists()

    # 3. Back online: the queue uploads by itself, once.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # see test_field_day.back_online
    page.wait_for_selector("#sync-badge[data-state='synced']")
    poster.refresh_from_db()
    report.refresh_from_db()
    assert poster.done_at is not None and poster.done_by_id == poster.rep_id
    assert (poster.done_action, poster.outcome) == ("visit", "海报已贴在门口")
    assert report.due_date == later and report.done_at is None
    assert list(TaskPostponement.objects.values_list("reason", flat=True)) == ["等月底数据"]
    new = FollowUpTask.objects.get(title="下周二送陈列架")
    monday = today - datetime.timedelta(days=today.weekday())
    assert new.customer == tasks["shop"] and new.due_date == monday + datetime.timedelta(days=8)

    # The phone uploads the same queue again (a lost answer): the server changes nothing.
    page.goto("/m/sync/")
    page.wait_for_selector("#queue li[data-op='task_add'][data-state='synced']")
    page.evaluate(REQUEUE)
    page.reload()
    page.wait_for_selector("#queue li[data-op='task_add'][data-state='pending']")
    page.click("#sync-now")
    page.wait_for_selector("#sync-summary[data-state='synced']")
    assert FollowUpTask.objects.count() == 3 and TaskPostponement.objects.count() == 1
    assert page.locator("#queue li[data-state='synced']").count() >= 3
    page.goto("/m/tasks/")
    page.wait_for_selector(f"#task-list li[data-task='{new.client_id}'][data-state='open']")
    assert card(page, poster).count() == 0  # done: off the open list
    page.screenshot(path=str(SHOTS / "tasks-synced.png"), full_page=True)


def test_on_the_web_list_the_rep_completes_a_task_with_what_was_done(chromium, live_server,
                                                                    cast, tasks):
    """The desktop to-do list (/visits/tasks/): the rep opens the done form of a task, says
    what he did and how it went, and the row turns done in place (htmx)."""
    client = Client()
    client.force_login(cast.alice)
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                   base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    bounded(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    poster = tasks["poster"]
    page.goto("/visits/tasks/")
    row = page.locator(f"#task-{poster.pk}")
    row.locator("[data-action=done]").click()
    form = row.locator("[data-role=done-form]")
    expect(form).to_be_visible()
    form.locator("select[name=action]").select_option("call")
    form.locator("input[name=outcome]").fill("老板说海报下周一起贴")
    form.locator("[data-role=done-submit]").click()
    page.wait_for_selector(f"#task-{poster.pk}[data-state='done']")
    expect(page.locator(f"#task-{poster.pk} [data-role=outcome]")).to_have_text("老板说海报下周一起贴")
    page.screenshot(path=str(SHOTS / "tasks-web-done.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    poster.refresh_from_db()
    assert (poster.done_action, poster.outcome, poster.done_by) == ("call", "老板说海报下周一起贴",
                                                                    cast.alice)
