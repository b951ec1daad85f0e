"""Orders in a real browser: a rep takes an order with two lines and collects a payment."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import Order, Payment
from tests.factories import PASSWORD
from tests.orders.conftest import catalogue  # noqa: F401 (the products and default price list)

# Transactional (the live server runs in another thread); the browser conftest puts the
# migrations' reference data back before each test (seed_rows).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def test_rep_takes_an_order_and_records_a_payment(cast, catalogue, browser_page, screenshot):  # noqa: F811
    tab = browser_page
    log_in(tab, "alice")

    # Find the customer, then take the order.
    tab.goto("/orders/new/")
    tab.get_by_placeholder(re.compile("pinyin")).fill("联华")
    tab.get_by_role("button", name="Search").click()
    tab.get_by_test_id("customer-choices").get_by_role("link", name=re.compile("联华超市")).click()
    expect(tab).to_have_url(re.compile(rf"/orders/new/{cast.alice_customer.pk}/$"))

    tab.select_option("#id_lines-0-product", str(catalogue.water.pk))
    tab.fill("#id_lines-0-quantity", "3")
    # The unit price field shows the default price it will use when left empty.
    expect(tab.locator("#id_lines-0-unit_price")).to_have_attribute("placeholder", "10.00")
    tab.select_option("#id_lines-1-product", str(catalogue.tea.pk))
    tab.fill("#id_lines-1-quantity", "2")
    tab.fill("#id_lines-1-discount_percent", "10")
    # Preview: 3 × 10.00 + 2 × 25.50 × 0.9 = 75.90
    expect(tab.locator("#order-total")).to_contain_text("75.90")
    tab.get_by_role("button", name="Add a line").click()
    expect(tab.locator("tr.order-line")).to_have_count(4)
    screenshot(tab, "order-new")
    tab.get_by_role("button", name="Save the order").click()

    expect(tab).to_have_url(re.compile(r"/orders/\d+/$"))  # saved: the order's page
    order = Order.objects.get()
    expect(tab).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    assert order.total == Decimal("75.90") and order.lines.count() == 2
    expect(tab.get_by_test_id("order-total")).to_have_text("¥75.90")
    expect(tab.get_by_test_id("outstanding")).to_have_text("¥75.90")
    expect(tab.locator(".alert-success")).to_contain_text(order.code)

    # Collect part of it (回款); the amount field proposes what is owed.
    amount = tab.locator("#record-payment input[name=amount]")
    expect(amount).to_have_value("75.90")
    amount.fill("50")
    tab.locator("#record-payment select[name=method]").select_option("wechat")
    tab.get_by_role("button", name="Record the payment").click()

    expect(tab).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    expect(tab.get_by_test_id("outstanding")).to_have_text("¥25.90")
    expect(tab.get_by_test_id("paid")).to_have_text("¥50.00")
    expect(tab.get_by_test_id("payments")).to_contain_text("WeChat Pay")
    screenshot(tab, "order-detail-after-payment")
    assert Payment.objects.get().amount == Decimal("50.00")
    assert TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk).count() == 2

    # Asking for more than is still owed changes nothing and says why.
    tab.locator("#record-payment input[name=amount]").fill("30")
    tab.get_by_role("button", name="Record the payment").click()
    expect(tab.locator(".invalid-feedback")).to_contain_text("more than the ¥25.90 still owed")
    assert Payment.objects.count() == 1

    # The list shows the order with its balance.
    tab.goto("/orders/")
    row = tab.get_by_test_id("order-table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("¥25.90")
    screenshot(tab, "order-list")
