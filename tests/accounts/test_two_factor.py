"""Two-factor authentication (TOTP): enrolment, the login's second step, required roles,
backup codes, an administrator's reset."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from outletcrm.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def password_login(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user) -> list[str]:
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200 and "data:image/svg+xml" in page.text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:two_factor"), {"code": code_for(device)})
    assert response.status_code == 200 and 'data-testid="backup-codes"' in response.text
    return re.findall(r"<li>(\d{8})</li>", response.text)


def test_a_manager_enrols_and_must_then_give_a_code_at_login(cast):
    client = password_login(cast.mgr_zj)
    codes = enrol(client, cast.mgr_zj)
    assert len(codes) == 10
    assert AuditEvent.objects.filter(action="2fa_enrolled", actor=cast.mgr_zj).exists()
    client.post(reverse("logout"))

    client = password_login(cast.mgr_zj)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert client.get("/api/v1/me").json()["code"] == "otp_required"
    assert client.post(reverse("accounts:two_factor_verify"), {"code": "000000"}).status_code == 200
    # The next time step (a code is accepted once) and past the throttle of the failure.
    with time_machine.travel(datetime.timedelta(seconds=60)):
        device = TOTPDevice.objects.get(user=cast.mgr_zj, confirmed=True)
        response = client.post(reverse("accounts:two_factor_verify"),
                               {"code": code_for(device), "next": "/customers/"})
        assert response.status_code == 302 and response["Location"] == "/customers/"
        assert client.get("/customers/").status_code == 200


def test_a_backup_code_works_once(cast):
    client = password_login(cast.custodian)
    codes = enrol(client, cast.custodian)
    client.post(reverse("logout"))
    client = password_login(cast.custodian)
    assert client.post(reverse("accounts:two_factor_verify"),
                       {"code": codes[0]}).status_code == 302
    client.post(reverse("logout"))
    client = password_login(cast.custodian)
    assert client.post(reverse("accounts:two_factor_verify"),
                       {"code": codes[0]}).status_code == 200  # used up
    assert client.get("/customers/").status_code == 302


def test_when_required_a_manager_without_a_device_must_enrol_first(cast, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client = password_login(cast.mgr_zj)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    enrol(client, cast.mgr_zj)
    assert client.get("/customers/").status_code == 200


def test_reps_are_not_asked_even_when_required(cast, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client = password_login(cast.alice)
    assert client.get("/customers/").status_code == 200
    assert client.get(reverse("accounts:two_factor")).status_code == 404


def test_an_administrator_resets_a_lost_phone(cast):
    client = password_login(cast.mgr_zj)
    enrol(client, cast.mgr_zj)
    admin = Client()
    admin.force_login(cast.admin)
    page = admin.get(reverse("accounts:sessions_all"))
    assert "mgr_zj" in page.text
    admin.post(reverse("accounts:two_factor_reset", args=[cast.mgr_zj.pk]))
    assert not TOTPDevice.objects.filter(user=cast.mgr_zj).exists()
    assert AuditEvent.objects.filter(action="2fa_reset", actor=cast.admin).exists()
    again = password_login(cast.mgr_zj)
    assert again.get("/customers/").status_code == 200  # not required: plain login again


def test_only_administrators_reset(cast):
    client = password_login(cast.mgr_zj)
    enrol(client, cast.mgr_zj)
    other = Client()
    other.force_login(cast.custodian)
    assert other.post(reverse("accounts:two_factor_reset",
                              args=[cast.mgr_zj.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=cast.mgr_zj, confirmed=True).exists()
