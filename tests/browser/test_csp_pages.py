"""Pages not written by us still work under the Content Security Policy (issue 7 §2): the
Django admin and the API docs (Swagger UI from drf-spectacular-sidecar). The browser_page
fixture fails the test on any CSP violation the browser reports."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def test_the_admin_works_under_the_policy(cast, browser_page):
    tab = browser_page
    log_in(tab, "admin")
    tab.goto("/admin/")
    expect(tab.locator("#site-name")).to_be_visible()
    tab.goto("/admin/org/user/")
    expect(tab.locator("#result_list")).to_contain_text("alice")
    # The change form's widgets (filter_horizontal, date pickers, related-object popups).
    tab.goto(f"/admin/org/user/{cast.alice.pk}/change/")
    expect(tab.locator("#id_username")).to_have_value("alice")
    tab.goto("/admin/customers/customerclass/")
    expect(tab.locator("#result_list")).to_be_visible()
    tab.goto("/admin/customers/outlettype/add/")
    expect(tab.locator("#id_name")).to_be_visible()


def test_the_api_docs_render_under_the_policy(cast, browser_page):
    tab = browser_page
    log_in(tab, "alice")
    tab.goto("/api/docs/")
    # The schema of ~90 operations is generated on request: slow on a busy machine.
    expect(tab.locator(".swagger-ui .info .title")).to_contain_text("OutletCRM API",
                                                                     timeout=30_000)
    # Swagger UI draws only the operations on screen: the filter box finds a group by tag.
    tab.locator(".operation-filter-input").fill("auth")
    # Open one operation: its parameters and the "Try it out" button render.
    tab.locator(".opblock-summary", has_text="/api/v1/auth/token").first.click()
    expect(tab.get_by_role("button", name="Try it out").first).to_be_visible()


def test_alpine_widgets_work_with_its_csp_build(cast, browser_page):
    """Alpine's CSP build parses x-data/@click/x-show expressions without eval: the
    "capture my position" button on the customer form still fills the coordinates."""
    tab = browser_page
    tab.context.grant_permissions(["geolocation"])
    tab.context.set_geolocation({"latitude": 30.2795, "longitude": 120.1285})
    log_in(tab, "alice")
    tab.goto("/customers/new/")
    tab.get_by_role("button", name="Capture my position").click()
    expect(tab.locator("#id_latitude")).to_have_value("30.279500")
    expect(tab.locator("#id_longitude")).to_have_value("120.128500")
