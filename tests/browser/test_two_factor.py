"""Two-factor authentication in the browser: a manager enrols by the QR page, logs out, and
logs in again with a TOTP code computed from the device's key (issue 10 item 8)."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def password_login(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def test_a_manager_enrols_logs_out_and_logs_in_with_a_code(cast, browser_page):
    tab = browser_page
    password_login(tab, "mgr_zj")
    tab.goto("/account/")
    tab.get_by_test_id("two-factor-link").click()
    expect(tab.get_by_test_id("otp-qr")).to_be_visible()
    device = TOTPDevice.objects.get(user=cast.mgr_zj, confirmed=False)
    tab.fill("#otp-code", code(device))
    tab.get_by_test_id("otp-confirm").click()
    expect(tab.get_by_test_id("backup-codes").locator("li")).to_have_count(10)

    tab.goto("/customers/")
    tab.locator("form[action='/logout/'] button").click()
    expect(tab).to_have_url(re.compile(r"/login/"))

    password_login(tab, "mgr_zj")
    expect(tab).to_have_url(re.compile(r"/account/2fa/verify/"))
    # A code is accepted once per time step: use the next step's (within the tolerance).
    device.refresh_from_db()
    tab.fill("#otp-code", code(device, drift=1))
    tab.click("[data-testid=otp-verify] button[type=submit]")
    expect(tab).to_have_url(re.compile(r"/customers/"))
    expect(tab.get_by_test_id("current-user")).to_be_visible()
