"""Failed logins: django-axes counts them, this module says how (settings, docs/security.md).

Every password check goes through Django's `authenticate()` (the login page, the API token
endpoint, the admin), where axes' backend refuses a locked account or address before the
password is even looked at, and its signal handler records each failure. This module gives
axes our rules:

- the client's address is `client_ip`: the connection's, or with TRUSTED_PROXY_COUNT = N the
  one the N-th trusted proxy saw; DRF's NUM_PROXIES rule, so a client's own X-Forwarded-For
  never moves the counter;
- usernames are counted case- and space-insensitively (`attempted_username`), so "Alice " is
  not a fresh account to guess at;
- an account is locked at LOGIN_FAILURE_LIMIT failures, an address at the higher
  LOGIN_FAILURE_LIMIT_PER_ADDRESS (`LoginAttemptHandler`);
- the lockout answer (`lockout_response`) is the login page with the reason and when to retry,
  or for the API a 429 with a documented JSON body (`LOCKED_SHAPE`).
"""

import datetime
import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

USERNAME_MAX = 150
LOCKED_CODE = "login_locked"
# The body of the API's lockout answer (HTTP 429), documented in the schema.
LOCKED_SHAPE = {
    "detail": "what happened and what to do, in the caller's language",
    "code": LOCKED_CODE,
    "locked": "account | address",
    "retry_after": "ISO 8601 time from which a login may succeed, or null: ask an administrator",
    "retry_after_seconds": "seconds until then, or null",
}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address by DRF's NUM_PROXIES rule (= TRUSTED_PROXY_COUNT).

    With no trusted proxy this is REMOTE_ADDR and X-Forwarded-For is ignored; with N proxies
    it is the N-th address from the right of X-Forwarded-For, the one our outermost proxy
    appended. Anything that is not an address falls back to REMOTE_ADDR.
    """
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


def normalise_username(value) -> str | None:
    text = str(value or "").strip().lower()[:USERNAME_MAX]
    return text or None


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username a login attempt is counted against."""
    if credentials:
        return normalise_username(credentials.get("username"))
    data = getattr(request, "data", None) or request.POST
    return normalise_username(data.get("username"))


def failure_counts(request: HttpRequest, credentials: dict | None) -> tuple[int, int]:
    """Recent failures (within the cool-off) for the attempted account and the client address."""
    attempts = AccessAttempt.objects.all()
    if get_cool_off(request) is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))

    def total(queryset) -> int:
        return queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0

    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    by_account = total(attempts.filter(username=username)) if username else 0
    by_address = total(attempts.filter(ip_address=address)) if address else 0
    return by_account, by_address


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per account and a higher one per address.

    Axes compares a single failure count with AXES_FAILURE_LIMIT (= LOGIN_FAILURE_LIMIT). The
    address's count is scaled onto that limit, so it reaches it exactly when the address
    reaches LOGIN_FAILURE_LIMIT_PER_ADDRESS: floor(n * A / P) >= A  <=>  n >= P.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = failure_counts(request, credentials)
        request.login_failures = (by_account, by_address)
        account_limit = settings.LOGIN_FAILURE_LIMIT
        return max(by_account,
                   by_address * account_limit // settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)


def _lock_kind(request: HttpRequest) -> str:
    by_account, _by_address = getattr(request, "login_failures", (0, 0))
    return "account" if by_account >= settings.LOGIN_FAILURE_LIMIT else "address"


def _retry_at(request: HttpRequest) -> datetime.datetime | None:
    """When the lock ends at the latest: the cool-off after this (last) failure."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    return (getattr(request, "axes_attempt_time", None) or timezone.now()) + cool_off


def lockout_message(kind: str, retry_at: datetime.datetime | None) -> str:
    """What the person at the login sees: why, until when, and whom to ask."""
    if retry_at is None:
        if kind == "account":
            return _("Too many failed logins: this account is locked. Ask your administrator "
                     "to unlock it.")
        return _("Too many failed logins from this network address: logins from it are "
                 "blocked. Ask your administrator to unlock it.")
    local = timezone.localtime(retry_at)
    when = f"{local:%H:%M}" if local.date() == timezone.localdate() else f"{local:%Y-%m-%d %H:%M}"
    if kind == "account":
        return _("Too many failed logins: this account is locked until %(time)s. Try again "
                 "then, or ask your administrator to unlock it now.") % {"time": when}
    return _("Too many failed logins from this network address: logins from it are blocked "
             "until %(time)s. Try again then, or ask your administrator to unlock it now."
             ) % {"time": when}


def lockout_response(request: HttpRequest, original_response=None,
                     credentials: dict | None = None) -> HttpResponse:
    """Axes' AXES_LOCKOUT_CALLABLE: the answer to a login refused by a lock (HTTP 429)."""
    kind = _lock_kind(request)
    retry_at = _retry_at(request)
    message = lockout_message(kind, retry_at)
    seconds = max(0, int((retry_at - timezone.now()).total_seconds())) if retry_at else None
    if request.path.startswith("/api/"):
        response = JsonResponse({
            "detail": message,
            "code": LOCKED_CODE,
            "locked": kind,
            "retry_after": retry_at.isoformat() if retry_at else None,
            "retry_after_seconds": seconds,
        }, status=429)
    else:
        from outletcrm.core.views import login_context

        username = (credentials or {}).get("username") or request.POST.get("username", "")
        response = render(request, "registration/login.html",
                          login_context(request, username=str(username)[:USERNAME_MAX],
                                        lockout=message), status=429)
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response
