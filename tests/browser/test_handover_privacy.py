"""Privacy and handover in the browser (issue 10 items 5 and 6), the two main flows the
server-side tests cover but no page test did.

1. A manager reads a rep's customer: the contact's mobile is masked (139****5678, the full
   number nowhere on the page); the "显示" button swaps in the full number (htmx) and the
   unmasking is in the audit log.
2. A supervisor hands a departing rep's customers to another rep of his team from /handover/,
   previews, confirms with deactivation: the customers belong to the receiving rep and the
   departing rep's open session and his password are refused.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from outletcrm.core.models import AuditEvent
from outletcrm.customers import services as customer_services
from outletcrm.customers.models import Customer
from outletcrm.handover.models import Handover
from outletcrm.org.models import User
from tests.browser.conftest import signed_in
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.browser

MOBILE = "13912345678"
MASKED = "139****5678"


def _session(chromium, live_server, user, locale="en-US"):
    """A browser context signed in as `user`, on the field's clock zone."""
    return signed_in(chromium, live_server, user, locale=locale, timezone_id="Asia/Shanghai")


def test_manager_sees_a_masked_mobile_and_shows_it_logged(chromium, live_server, cast,
                                                          screenshot):
    customer = cast.alice_customer
    contact = customer_services.contact_create(
        actor=cast.alice, customer=customer, name="王老板", mobile=MOBILE,
        birthday=datetime.date(1975, 8, 15), interests="钓鱼、喝茶")
    context, page, errors = _session(chromium, live_server, cast.mgr_zj, locale="zh-CN")

    assert page.goto(f"/customers/{customer.pk}/").status == 200
    field = page.locator("#contacts [data-personal='mobile']")
    expect(field).to_contain_text(MASKED)
    expect(page.locator("body")).not_to_contain_text(MOBILE)
    assert MOBILE not in page.content()  # not in an attribute or a hidden element either
    expect(page.locator("body")).not_to_contain_text("钓鱼")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FIELD_SHOWN).exists()

    button = field.locator("[data-reveal='mobile']")
    expect(button).to_have_text("显示")
    button.click()
    # htmx swaps the field for the full number, a phone link, with no reveal button left.
    shown = page.locator("#contacts [data-personal='mobile']")
    expect(shown.locator(f"a[href='tel:{MOBILE}']")).to_have_text(MOBILE)
    expect(shown.locator("[data-reveal]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("钓鱼")  # only the one field
    screenshot(page, "privacy-mobile-shown")

    event = AuditEvent.objects.get(action=AuditEvent.Action.FIELD_SHOWN)
    assert event.actor == cast.mgr_zj
    assert event.detail["contact_id"] == contact.pk
    assert event.detail["field"] == "mobile"
    assert event.detail["customer"] == customer.code
    context.close()
    assert errors == []


def test_supervisor_hands_over_a_departing_rep_and_deactivates_him(chromium, live_server, cast,
                                                                  screenshot):
    second = CustomerFactory(name="世纪联华", owner=cast.alice, address="文一路5号")
    alice_ctx, alice, alice_errors = _session(chromium, live_server, cast.alice)
    assert alice.goto(f"/customers/{second.pk}/").status == 200  # his session works now

    sup_ctx, sup, sup_errors = _session(chromium, live_server, cast.sup)
    sup.goto("/handover/")
    sup.get_by_test_id("handover-new").click()
    expect(sup).to_have_url(re.compile(r"/handover/new/"))
    form = sup.get_by_test_id("handover-form")
    # The receivers' list never offers the departing rep, and follows a change of mind.
    receiver = {rep.pk: form.locator(f"#id_to_reps option[value='{rep.pk}']")
                for rep in (cast.alice, cast.bob)}
    form.locator("#id_from_rep").select_option(str(cast.bob.pk))
    expect(receiver[cast.bob.pk]).to_be_disabled()
    form.locator("#id_from_rep").select_option(str(cast.alice.pk))
    expect(receiver[cast.alice.pk]).to_be_disabled()
    expect(receiver[cast.alice.pk]).to_be_hidden()
    expect(receiver[cast.bob.pk]).to_be_enabled()
    form.locator("#id_to_reps").select_option([str(cast.bob.pk)])
    form.locator("#id_deactivate").check()
    form.locator("#id_reason").fill("王丽离职")
    sup.get_by_test_id("handover-preview").click()

    expect(sup.get_by_test_id("handover-total")).to_have_text("2")
    preview = sup.get_by_test_id("handover-confirm-form")
    expect(preview).to_contain_text(cast.alice_customer.name)
    expect(preview).to_contain_text(second.name)
    expect(preview).not_to_contain_text(cast.bob_customer.name)
    assert set(Customer.objects.filter(owner=cast.alice).values_list("pk", flat=True)) == {
        cast.alice_customer.pk, second.pk}  # the preview moved nothing
    screenshot(sup, "handover-preview")

    sup.get_by_test_id("handover-confirm").click()
    handover_url = re.compile(r"/handover/\d+/$")
    expect(sup).to_have_url(handover_url)
    handover = Handover.objects.get()
    assert sup.url.endswith(f"/handover/{handover.pk}/")
    expect(sup.get_by_test_id("handover-done")).to_contain_text(cast.alice.display_name)
    expect(sup.locator("table")).to_contain_text(second.name)
    screenshot(sup, "handover-done")

    assert handover.deactivated
    assert set(Customer.objects.filter(pk__in=[cast.alice_customer.pk, second.pk])
               .values_list("owner__username", flat=True)) == {"bob"}
    assert not User.objects.get(pk=cast.alice.pk).is_active
    assert AuditEvent.objects.filter(action=AuditEvent.Action.HANDOVER).exists()

    # His open session is refused: the next page sends him to the login page.
    alice.goto(f"/customers/{second.pk}/")
    expect(alice).to_have_url(re.compile(r"/login/"))
    # And his password no longer lets him in.
    alice.fill("#id_username", cast.alice.username)
    alice.fill("#id_password", PASSWORD)
    alice.click("button[type=submit]")
    expect(alice.locator("form .alert-danger[role=alert]")).to_be_visible()
    expect(alice).to_have_url(re.compile(r"/login/"))
    screenshot(alice, "handover-departed-rep-refused")

    sup_ctx.close()
    alice_ctx.close()
    assert sup_errors == alice_errors == []
