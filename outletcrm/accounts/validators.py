"""Our own password rule, beside Django's (settings.AUTH_PASSWORD_VALIDATORS)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotIdentityValidator:
    """A password may not contain the account's username or mobile number.

    Django's similarity rule compares the whole password with each attribute; this one catches
    "zhangwei2026" for the user zhangwei and "13812345678a" for that mobile, the first guesses
    of anyone who knows the person.
    """

    def validate(self, password, user=None):
        if user is None:
            return
        text = (password or "").lower()
        username = (getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in text:
            raise ValidationError(_("The password may not contain your username."),
                                  code="password_contains_username")
        mobile = re.sub(r"\D", "", getattr(user, "mobile", "") or "")
        if len(mobile) >= 6 and (mobile in text or mobile[-8:] in re.sub(r"\D", "", text)):
            raise ValidationError(_("The password may not contain your mobile number."),
                                  code="password_contains_mobile")

    def get_help_text(self):
        return _("Your password may not contain your username or mobile number.")
