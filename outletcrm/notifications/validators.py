"""Robot webhook addresses: https only, so the robot's key and the message never travel in
clear text; plain http to loopback only where settings allow it (the tests' fake robot)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_robot_url(value: str) -> None:
    """Refuse a robot address that is not https (or loopback http where allowed)."""
    try:
        parts = urlsplit(value or "")
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValidationError(_("Enter the robot's webhook address (https://…)."),
                              code="invalid") from None
    if not host or parts.username or parts.password:
        raise ValidationError(_("Enter the robot's webhook address (https://…)."),
                              code="invalid")
    if parts.scheme == "https":
        return
    if (parts.scheme == "http" and _is_loopback(host)
            and getattr(settings, "NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS", False)):
        return
    raise ValidationError(_("A robot's webhook address must start with https://."),
                          code="scheme")
