"""Two-factor authentication (TOTP, django-otp) for managers, custodians and administrators.

Who: the roles in ROLES may enrol (an authenticator app scans a QR code); with
settings.TWO_FACTOR_REQUIRED they must. A login by password marks the session as waiting for
its second factor when the user has a confirmed device or must have one; until the session
is verified (django-otp's `otp_login`) the middleware lets it reach only the verify, enrolment
and logout pages (pages redirect there, the API answers 403 `code: otp_required`).

Backup codes: ten single-use codes (django-otp's static device) shown once at enrolment; one
replaces a TOTP code when the phone is lost. An administrator's reset deletes the devices; the
user enrols again at the next login (if required) or when they choose.
"""

import secrets

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent
from outletcrm.org.models import Role

ROLES = {Role.MANAGER, Role.CUSTODIAN, Role.ADMIN}
PENDING = "_acc_2fa_pending"
BACKUP_CODES = 10


def may_enrol(user) -> bool:
    return user.is_authenticated and (user.role in ROLES or user.is_superuser)


def required_for(user) -> bool:
    return bool(settings.TWO_FACTOR_REQUIRED) and may_enrol(user)


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_verification(user) -> bool:
    """At login: must this session pass a second factor before it may do anything?"""
    return required_for(user) or enrolled(user)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user; a new enrolment reuses it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG data URI (an <img>: no inline script or style, CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app without a camera."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _clean(code: str) -> str:
    return "".join((code or "").split()).lower()[:20]


@transaction.atomic
def enrol_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm an enrolment with a code from the app; returns the new backup codes."""
    if not device.verify_token(_clean(code)):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="backup codes")
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    otp_login(request, device)
    request.session.pop(PENDING, None)
    audit_record(action=AuditEvent.Action.TWO_FACTOR_ENROLLED, actor=user, object_type="user",
                 detail={"user": user.username})
    return codes


def verify(*, request, code: str) -> bool:
    """Check a TOTP or backup code for the request's user; on success the session is verified."""
    token = _clean(code)
    if not token:
        return False
    for device in devices_for_user(request.user, confirmed=True):
        if isinstance(device, (TOTPDevice, StaticDevice)) and device.verify_token(token):
            otp_login(request, device)
            request.session.pop(PENDING, None)
            return True
    return False


@transaction.atomic
def reset(*, actor, user) -> None:
    """An administrator's reset: the user's devices and backup codes are deleted."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action=AuditEvent.Action.TWO_FACTOR_RESET, actor=actor, object_type="user",
                 detail={"user": user.username, "user_id": user.pk})
