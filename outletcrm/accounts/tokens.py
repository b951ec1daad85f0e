"""API tokens that expire TOKEN_LIFETIME_DAYS after they were issued (docs/security.md).

DRF's token model is kept (existing clients keep their header `Authorization: Token …`); a
token older than the lifetime answers 401 with `code: token_expired`, and
`POST /api/v1/auth/token` then issues a fresh one.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from outletcrm.accounts.services import token_expired

EXPIRED = _("This API token has expired: log in again (POST /api/v1/auth/token) for a new one.")


class TokenExpired(exceptions.AuthenticationFailed):
    """401 `{"detail": "…", "code": "token_expired"}`: the client can tell it from a bad token."""

    default_code = "token_expired"

    def __init__(self):
        super().__init__({"detail": EXPIRED, "code": "token_expired"})


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise TokenExpired()
        return user, token
