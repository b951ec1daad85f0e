"""The notification bell and centre in a real browser, under the Content Security Policy:
the bell loads its count by htmx, "mark read" updates the row and the bell, and the phone's
top bar shows the unread badge (browser_page fails the test on any CSP violation)."""

import re

import pytest
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import expect

from outletcrm.notifications.services import notify
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bell_count_and_mark_read(cast, browser_page):
    for key in ("a", "b"):
        notify(user=cast.alice, kind="task.overdue", title=_("A task is overdue"),
               link=f"/customers/{cast.alice_customer.pk}/", dedupe_key=key)
    notify(user=cast.bob, kind="task.overdue", title=_("A task is overdue"))
    tab = browser_page
    tab.goto("/login/")
    tab.fill("#id_username", "alice")
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))
    bell = tab.locator("#notification-bell [data-testid=notification-bell]")
    expect(bell).to_have_attribute("data-unread", "2")
    bell.click()
    expect(tab).to_have_url(re.compile(r"/notifications/$"))
    items = tab.locator("[data-testid=notification]")
    expect(items).to_have_count(2)
    items.first.locator("[data-testid=mark-read]").click()
    expect(items.first).to_have_attribute("data-unread", "0")
    expect(bell).to_have_attribute("data-unread", "1")
    tab.goto("/m/")
    expect(tab.locator("#m-bell")).to_have_attribute("data-unread", "1")
    expect(tab.locator("#m-bell .m-bell-count")).to_have_text("1")
