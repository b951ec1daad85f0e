"""The custodian's desk in a real browser: a suspected duplicate merged field by field, then a
rep's rename approved from the inbox."""

import re

import pytest
from playwright.sync_api import expect

from outletcrm.customers import services as customer_services
from outletcrm.customers.models import Customer
from outletcrm.governance import services
from outletcrm.governance.models import GovernancePolicy
from tests.factories import PASSWORD, ContactFactory, CustomerFactory

pytestmark = pytest.mark.browser


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).to_have_url(re.compile(r"/customers/$"))


def test_custodian_merges_field_by_field_and_approves_a_rename(cast, browser_page, screenshot):
    tab = browser_page
    a = CustomerFactory(name="世纪联华超市", owner=cast.alice, phone="057188880001",
                        address="莫干山路1号", channel="modern")
    b = CustomerFactory(name="世纪联华(莫干山店)", owner=cast.bob, phone="057188880001",
                        address="莫干山路1号B座", channel="traditional")
    ContactFactory(customer=b, name="周店长")
    services.duplicates_scan()
    policy = GovernancePolicy.current()
    policy.key_changes_need_approval = True
    policy.save()
    customer_services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                                      name="联华超市(文三店)")

    log_in(tab, "custodian")
    tab.get_by_test_id("nav-governance").locator(".dropdown-toggle").click()
    tab.get_by_test_id("nav-desk").click()
    expect(tab.get_by_test_id("pair-row")).to_have_count(1)
    tab.get_by_test_id("open-pair").click()
    # Keep A's number and address, take B's name and channel.
    tab.get_by_test_id("pick-b-name").check()
    tab.get_by_test_id("pick-a-address").check()
    tab.get_by_test_id("pick-b-channel").check()
    screenshot(tab, "desk-merge")
    tab.get_by_test_id("merge-submit").click()
    expect(tab.locator(".alert-success")).to_contain_text(a.code)
    expect(tab.get_by_test_id("desk-empty")).to_be_visible()
    kept = Customer.objects.get(pk=a.pk)
    assert (kept.name, kept.address, kept.channel) == ("世纪联华(莫干山店)", "莫干山路1号",
                                                       "traditional")
    assert kept.contacts.filter(name="周店长").exists()
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk

    # The rep's rename waits in the inbox; the custodian approves it.
    tab.goto("/governance/approvals/")
    item = tab.get_by_test_id("inbox-item")
    expect(item).to_contain_text("联华超市(文三店)")
    item.get_by_test_id("approve").click()
    expect(tab.locator(".alert-success")).to_be_visible()
    expect(tab.get_by_test_id("inbox-empty")).to_be_visible()
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市(文三店)"
