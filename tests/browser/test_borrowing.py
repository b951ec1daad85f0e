"""Borrowing in the browser (issue 10 item 3): a rep asks to borrow a customer outside his
scope, the custodian approves it in the inbox, the rep reads the customer (read-only), and
once the period is over it is gone — the server's clock is moved past the period's end with
time-machine (the live server runs in this process), nothing sleeps and no job runs."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.core.models import BorrowRequest
from tests.browser.conftest import bounded, note_csp_violation

pytestmark = pytest.mark.browser


def _session(chromium, live_server, user):
    client = Client()
    client.force_login(user)
    context = bounded(chromium.new_context(base_url=live_server.url, locale="en-US",
                                           timezone_id="Asia/Shanghai",
                                           viewport={"width": 1280, "height": 900}))
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: note_csp_violation(message, errors))
    return context, page, errors


def test_rep_borrows_custodian_approves_and_it_ends_by_itself(chromium, live_server, cast,
                                                               screenshot):
    customer = cast.alice_customer
    rep_ctx, rep, rep_errors = _session(chromium, live_server, cast.charlie)
    assert rep.goto(f"/customers/{customer.pk}/").status == 404  # outside his scope

    # The rep finds the customer by its exact name and asks for today only.
    rep.goto("/access/borrow/")
    rep.locator("#borrow-q").fill(customer.name)
    rep.get_by_test_id("borrow-search").get_by_role("button").click()
    expect(rep.get_by_test_id("borrow-candidate")).to_have_text(f"{customer.code} · {customer.name}")
    expect(rep.locator("body")).not_to_contain_text(customer.address)
    form = rep.get_by_test_id("borrow-form")
    form.locator("#id_purpose").select_option("ride_along")
    today = timezone.localdate().isoformat()
    form.locator("#id_starts_on").fill(today)
    form.locator("#id_ends_on").fill(today)
    form.locator("#id_reason").fill("明天陪王丽随访")
    rep.get_by_test_id("borrow-submit").click()
    row = rep.get_by_test_id("my-borrow").first
    expect(row).to_have_attribute("data-status", "pending")
    expect(row.get_by_test_id("borrowed-link")).to_have_count(0)

    # The custodian approves it in the inbox.
    keeper_ctx, keeper, keeper_errors = _session(chromium, live_server, cast.custodian)
    keeper.goto("/access/borrow/inbox/")
    keeper.get_by_test_id("inbox-borrow").get_by_test_id("approve").click()
    expect(keeper.get_by_test_id("inbox-empty")).to_be_visible()
    screenshot(keeper, "borrowing-inbox-after-approval")

    # The rep now reads the customer, marked borrowed and read-only.
    rep.goto("/access/borrow/mine/")
    row = rep.get_by_test_id("my-borrow").first
    expect(row).to_have_attribute("data-active", "true")
    row.get_by_test_id("borrowed-link").click()
    expect(rep.get_by_test_id("borrowed-banner")).to_be_visible()
    expect(rep.locator("h1")).to_contain_text(customer.name)
    screenshot(rep, "borrowing-customer-borrowed")

    # After the period (midnight tonight) the customer is gone, with no job having run.
    ends_at = BorrowRequest.objects.get().ends_at
    with time_machine.travel(ends_at + datetime.timedelta(minutes=5), tick=True):
        next_ctx, next_day, next_errors = _session(chromium, live_server, cast.charlie)
        response = next_day.goto(f"/customers/{customer.pk}/")
        assert response.status == 404
        next_day.goto("/access/borrow/mine/")
        row = next_day.get_by_test_id("my-borrow").first
        expect(row).to_have_attribute("data-active", "false")
        expect(row).to_contain_text("Period over")
        next_ctx.close()
    rep_ctx.close()
    keeper_ctx.close()
    assert rep_errors == keeper_errors == next_errors == []
