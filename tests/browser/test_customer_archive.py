"""The customer archive in a real browser: the path a field rep walks every day."""

import re

import pytest
from playwright.sync_api import expect

from outletcrm.core.models import ChangeLog
from outletcrm.customers.models import Contact, Customer
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.browser


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).to_have_url(re.compile(r"/customers/$"))


def test_search_by_initials_open_edit_and_see_the_history(cast, browser_page, screenshot):
    tab = browser_page
    CustomerFactory(name="永辉超市", owner=cast.alice, address="古墩路1号")
    log_in(tab, "alice")
    rows = tab.locator("#results tbody tr")
    expect(rows).to_have_count(2)

    # htmx swaps the results while typing, and the address bar keeps the search.
    tab.fill("#id_q", "lhcs")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("联华超市")
    expect(tab).to_have_url(re.compile(r"\?q=lhcs$"))
    expect(tab.locator("#nav-export a")).to_have_attribute("href", re.compile(r"\?q=lhcs$"))
    screenshot(tab, "customer-list")

    tab.get_by_role("link", name="联华超市").click()
    expect(tab.get_by_test_id("customer-name")).to_have_text("联华超市")

    tab.get_by_role("link", name="Edit", exact=True).click()
    tab.select_option("#id_status", "intent")
    tab.fill("#id_notes", "每周二上午进货")
    tab.get_by_role("button", name="Save").click()
    expect(tab.locator(".alert-success")).to_contain_text("Your changes were saved.")

    tab.get_by_role("tab", name=re.compile("History")).click()
    history = tab.get_by_test_id("history")
    expect(history).to_have_class(re.compile(r"\bshow\b"))  # the tab has faded in
    status_change = history.locator("li", has_text="Status:")
    expect(status_change.locator(".old")).to_have_text("Potential")
    expect(status_change.locator(".new")).to_have_text("Intent")
    expect(history).to_contain_text("每周二上午进货")
    expect(history).to_contain_text("王丽")  # who made the change
    screenshot(tab, "customer-detail")
    assert (
        ChangeLog.objects.filter(customer_id=cast.alice_customer.pk, action="update").count() == 1
    )

    # The language switch in the navbar turns the same page to Chinese.
    tab.get_by_test_id("language-menu").click()
    tab.get_by_role("button", name="简体中文").click()
    expect(tab.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(tab.locator("body")).to_contain_text("负责业务员")
    expect(tab.locator("body")).to_contain_text("客户资料卡")
    screenshot(tab, "customer-detail-zh")
    tab.get_by_role("link", name="客户", exact=True).first.click()
    expect(tab.get_by_test_id("result-count")).to_contain_text("2")
    screenshot(tab, "customer-list-zh")


def test_creating_a_customer_already_on_file_shows_the_duplicate(cast, browser_page, screenshot):
    tab = browser_page
    log_in(tab, "alice")
    tab.get_by_role("link", name="New customer").first.click()
    tab.fill("#id_name", "联华超市")
    tab.select_option("#id_outlet_type", label="Supermarket")
    tab.fill("#id_province", "浙江省")
    tab.fill("#id_city", "杭州市")
    tab.fill("#id_district", "西湖区")
    tab.fill("#id_address", "文三路100号")
    tab.get_by_role("button", name="Save").click()

    warning = tab.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("already on file")
    expect(warning.get_by_role("link")).to_have_text(f"{cast.alice_customer.code} 联华超市")
    screenshot(tab, "customer-duplicate-warning")
    assert Customer.objects.filter(name="联华超市").count() == 1

    # The rep follows the link to the existing record instead of filing a second one.
    warning.get_by_role("link").click()
    expect(tab).to_have_url(re.compile(rf"/customers/{cast.alice_customer.pk}/$"))


def test_add_a_contact_in_the_dialog(cast, browser_page):
    tab = browser_page
    log_in(tab, "alice")
    tab.goto(f"/customers/{cast.alice_customer.pk}/")
    tab.get_by_role("link", name="Add contact").click()
    dialog = tab.locator("#modal")
    expect(dialog).to_be_visible()
    dialog.locator("#id_name").fill("王老板")
    dialog.locator("#id_mobile").fill("1380000")  # too short: the dialog shows the error
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_contain_text("not a valid mainland China mobile number")
    assert not Contact.objects.exists()

    dialog.locator("#id_mobile").fill("138 1234 5678")
    dialog.get_by_role("button", name="Save").click()
    expect(tab.locator("#contacts")).to_contain_text("13812345678")
    assert Contact.objects.get().name == "王老板"
