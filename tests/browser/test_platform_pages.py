"""The administrator's company calendar and job pages in a browser, in Chinese: 元旦 2027 is
entered as a holiday range, the year marked complete, the nightly plans job run now; no
English is left on the pages and the Content Security Policy holds."""

import datetime
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from outletcrm.core import workcal
from outletcrm.core.models import CalendarDay, JobRun
from outletcrm.org.models import Role
from tests.browser.conftest import bounded, note_csp_violation
from tests.browser.test_chinese_walkthrough import english_words
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_tab(chromium, live_server):
    context = bounded(chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                           base_url=live_server.url,
                                           viewport={"width": 1280, "height": 900}))
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    tab.on("console", lambda message: note_csp_violation(message, problems))
    yield tab
    context.close()
    assert problems == []


def chinese_only(tab, allowed: set[str]) -> None:
    text = tab.evaluate("document.querySelector('main').innerText")
    assert re.search(r"[\u4e00-\u9fff]", text)
    assert english_words(text, allowed) == {}


def test_an_administrator_enters_new_year_2027_and_runs_the_plans_job(admin_tab):
    admin = UserFactory(username="admin", role=Role.ADMIN, team=None, is_staff=True)
    tab = admin_tab
    tab.goto("/login/")
    tab.fill("#id_username", admin.username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))

    tab.goto("/calendar/?year=2027")
    expect(tab.get_by_test_id("year-state")).to_contain_text("尚未标记为完整")
    chinese_only(tab, set())
    form = tab.get_by_test_id("calendar-add")
    form.locator("[name=start]").fill("2027-01-01")
    form.locator("[name=end]").fill("2027-01-03")
    form.locator("[name=kind]").select_option("holiday")
    form.locator("[name=name]").fill("元旦")
    form.locator("button[value=add]").click()
    expect(tab.get_by_test_id("calendar-days").locator("tbody tr")).to_have_count(3)
    tab.get_by_test_id("confirm-year").click()
    expect(tab.get_by_test_id("year-state")).to_contain_text("已完整")
    chinese_only(tab, set())
    assert CalendarDay.objects.filter(date__year=2027, kind="holiday").count() == 3
    workcal.invalidate()  # the live server's thread cleared its own
    assert not workcal.is_workday(datetime.date(2027, 1, 1))

    tab.goto("/jobs/")
    tab.get_by_test_id("run-plans").click()
    expect(tab.get_by_test_id("job-runs").locator("[data-status=succeeded]")).to_have_count(1)
    # The job's name and its summary keys are codes, not words.
    chinese_only(tab, {"date", "stops"} | set(settings.SCHEDULE))
    assert JobRun.objects.get(name="plans").trigger == "page"
