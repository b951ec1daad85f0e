"""Field validators with messages in the user's language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landline: optional area code (0 + 2-3 digits), 7-8 digit number, optional extension.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalise_phone(value: str) -> str:
    """Strip spaces, dashes around a mobile, and the +86 / 0086 prefix."""
    value = (value or "").strip().replace(" ", "").replace("\u3000", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix):].lstrip("-")
    if re.fullmatch(r"1\d{2}-?\d{4}-?\d{4}", value):
        value = value.replace("-", "")
    return value


def validate_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting 13–19."""
    if value and not MOBILE_RE.match(value):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland China mobile number (11 digits starting with 13–19)."),
            code="invalid_mobile", params={"value": value},
        )


def validate_phone(value: str) -> None:
    """A store phone: a mainland mobile or a landline with area code."""
    if value and not (MOBILE_RE.match(value) or LANDLINE_RE.match(value)):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number (a mobile, or a landline with area code)."),
            code="invalid_phone", params={"value": value},
        )


def validate_latitude(value) -> None:
    if value is not None and not (-90 <= float(value) <= 90):
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude_range")


def validate_longitude(value) -> None:
    if value is not None and not (-180 <= float(value) <= 180):
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude_range")
