"""The access report in the browser: a custodian pages the anomalies and the per-user table,
each on its own, without leaving the page (htmx swaps one table; the address keeps both
pages). Waits for the page's own signals (the range line, the address), never a fixed time."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.access.views import ANOMALY_PAGE, REPORT_PAGE
from outletcrm.core.models import AccessDaily
from tests.browser.conftest import signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_custodian_pages_anomalies_and_users_apart(chromium, live_server, cast, screenshot):
    end = timezone.localdate() - datetime.timedelta(days=1)
    days = [end - datetime.timedelta(days=i) for i in range(2)]
    people = UserFactory.create_batch(REPORT_PAGE + 20 - 3, team=cast.team_hz)
    reps = [cast.alice, cast.bob, cast.charlie, *people]
    # An export at night each day: 2 × 120 = 240 anomalies; 120 users in the table.
    AccessDaily.objects.bulk_create([AccessDaily(day=day, user_id=rep.pk, views=500 - i,
                                                 off_hours_exports=1)
                                     for day in days for i, rep in enumerate(reps)])
    flagged = len(days) * len(reps)
    context, page, errors = signed_in(chromium, live_server, cast.custodian)
    page.goto(f"/access/report/?date_from={days[-1]:%Y-%m-%d}&date_to={end:%Y-%m-%d}")

    anomalies = page.locator("#anomalies")
    users = page.locator("#report-users")
    expect(anomalies.get_by_test_id("anomaly")).to_have_count(ANOMALY_PAGE)
    expect(users.get_by_test_id("report-row")).to_have_count(REPORT_PAGE)
    expect(users.get_by_test_id("report-user-count")).to_have_text(str(len(reps)))

    # The anomalies' next page: only that table changes.
    anomalies.get_by_role("link", name="Next").click()
    expect(anomalies.get_by_test_id("anomaly-range")).to_contain_text(
        f"Anomalies {ANOMALY_PAGE + 1}–{2 * ANOMALY_PAGE} of {flagged}")
    expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    expect(users.get_by_test_id("report-row")).to_have_count(REPORT_PAGE)

    # The users' next page: the rest of the users; the anomalies stay on their page 2.
    users.get_by_role("link", name="Next").click()
    expect(users.get_by_test_id("report-range")).to_contain_text(
        f"Users {REPORT_PAGE + 1}–{len(reps)} of {len(reps)}")
    expect(users.get_by_test_id("report-row")).to_have_count(len(reps) - REPORT_PAGE)
    expect(users.get_by_test_id("report-row").last).to_have_attribute(
        "data-user", reps[-1].username)
    expect(page).to_have_url(re.compile(r"[?&]users_page=2(&|$)"))
    expect(anomalies.get_by_test_id("anomaly-range")).to_contain_text(
        f"Anomalies {ANOMALY_PAGE + 1}–")

    # Reloading the address shows both tables where they were.
    page.reload()
    expect(page.locator("#anomalies").get_by_test_id("anomaly-range")).to_contain_text(
        f"Anomalies {ANOMALY_PAGE + 1}–")
    expect(page.locator("#report-users").get_by_test_id("report-row")).to_have_count(
        len(reps) - REPORT_PAGE)
    screenshot(page, "access-report-paged")
    context.close()
    assert errors == []
