"""Complaints in the browser (issue 9, item 2): a customer-service user logs a complaint on the
web, the rep resolves it on the phone page, the breach state is right on both sides, and
closing puts the satisfaction call on the rep's list.

The pages use the server's real clock (Chromium's cannot be moved); the complaint that has
missed its target is logged server-side with a receipt time two working days back, so the
states do not depend on the hour the test runs.
"""

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.complaints import services
from outletcrm.complaints.models import Complaint
from outletcrm.demo.complaints import working_minutes_ago
from outletcrm.org.models import Role
from outletcrm.visits.models import FollowUpTask
from tests.browser.conftest import bounded, note_csp_violation
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def _session(chromium, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = bounded(chromium.new_context(base_url=live_server.url, locale="en-US",
                                           timezone_id="Asia/Shanghai", **options))
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: note_csp_violation(message, errors))  # CSP too
    return context, page, errors


def test_customer_service_logs_the_rep_resolves_on_the_phone(chromium, live_server, cast,
                                                              screenshot):
    kefu = UserFactory(username="kefu", display_name="客服小周", role=Role.CUSTOMER_SERVICE,
                       team=None)
    # A complaint nobody answered for two working days: the breach job has marked it.
    late = services.complaint_intake(
        actor=kefu, customer=cast.alice_customer, channel="wechat", category="product",
        severity="normal", description="三瓶漏液",
        received_at=working_minutes_ago(timezone.now(), 2 * 480 + 60))
    services.scan_breaches()

    web, desk, desk_errors = _session(chromium, live_server, kefu,
                                      viewport={"width": 1280, "height": 900})
    desk.goto("/complaints/")
    expect(desk.locator(f"tr[data-complaint='{late.code}'] [data-testid=breached]")).to_be_visible()
    desk.get_by_test_id("new-complaint").click()
    desk.get_by_role("searchbox").fill("联华")
    desk.get_by_role("searchbox").press("Enter")
    desk.get_by_test_id("customer-choices").get_by_text(cast.alice_customer.name).click()
    form = desk.get_by_test_id("intake-form")
    form.locator("#id_channel").select_option("hotline")
    form.locator("#id_category").select_option("delivery")
    form.locator("#id_severity").select_option("high")
    form.locator("#id_description").fill("送货少了两箱，店里断货")
    form.get_by_role("button", name="Save").click()
    body = desk.locator("#complaint-body")
    expect(body).to_have_attribute("data-status", "open")
    expect(body).to_have_attribute("data-breached", "false")
    expect(desk.get_by_test_id("assignee")).to_contain_text("王丽")
    complaint = Complaint.objects.exclude(pk=late.pk).get()
    screenshot(desk, "complaint-logged")

    phone, mobile, phone_errors = _session(
        chromium, live_server, cast.alice, viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True)
    mobile.goto("/m/complaints/")
    expect(mobile.locator(f"a[data-complaint='{late.code}'] [data-overdue=true]")).to_be_visible()
    mobile.locator(f"a[data-complaint='{complaint.code}']").click()
    page = mobile.locator("#m-complaint")
    expect(page).to_have_attribute("data-status", "open")
    mobile.locator("#id_resolve-resolution_type").select_option("fixed")
    mobile.locator("#id_resolve-note").fill("补送两箱，已到店")
    mobile.get_by_test_id("m-resolve").click()
    expect(mobile.locator("#m-complaint")).to_have_attribute("data-status", "resolved")
    expect(mobile.locator("#m-complaint")).to_have_attribute("data-breached", "false")
    screenshot(mobile, "complaint-resolved-on-phone")

    desk.reload()
    expect(body).to_have_attribute("data-status", "resolved")
    desk.locator("details[data-action=close] summary").click()
    desk.get_by_test_id("do-close").click()  # htmx: the body is replaced in place
    expect(desk.get_by_test_id("done")).to_be_visible()
    expect(desk.locator("#complaint-body")).to_have_attribute("data-status", "closed")
    expect(desk.locator("#complaint-body")).to_have_attribute("data-breached", "false")

    complaint.refresh_from_db()
    late.refresh_from_db()
    assert not complaint.is_breached and late.is_breached
    task = FollowUpTask.objects.get(source_id=complaint.pk, kind="complaint_satisfaction")
    assert task.rep == cast.alice and task.customer == cast.alice_customer
    assert task.due_date > timezone.localdate()
    web.close(), phone.close()
    assert desk_errors == [] and phone_errors == []
