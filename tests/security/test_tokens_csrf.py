"""Expired and revoked API tokens are refused on every operation; a form posted without its
CSRF token is refused on every page, and a session-authenticated API write too.

Generated from the registry and the schema, like the scope tests: a new page or operation is
covered without being listed here.
"""

import datetime
import json
import re

from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.security import registry
from tests.security.conftest import assert_unchanged, take_snapshot
from tests.security.enumerate import api_operations


def _path(w, op):
    method, path = op.split(" ", 1)
    entry = registry.API[op]
    kwargs = {}
    if getattr(entry, "target", None):
        kwargs = entry.target(w)
    path = re.sub(r"\{(\w+)\}", lambda m: str(kwargs.get(m.group(1), 1)), path)
    body = entry.form(w) if getattr(entry, "form", None) else {}
    return method, path, body


def _every_operation_refuses(w, client, context):
    before = take_snapshot()
    for op in api_operations():
        if isinstance(registry.API[op], registry.Public):
            continue
        method, path, body = _path(w, op)
        response = client.generic(method, path, json.dumps(body, default=str),
                                  content_type="application/json")
        assert response.status_code == 401, f"{context}: {op} answered {response.status_code}"
    assert_unchanged(before, take_snapshot(), context)


def test_an_expired_token_is_refused_everywhere(w, settings):
    # The admin sees and may do everything: only the token's age can stop him.
    token = Token.objects.create(user=w.admin)
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - datetime.timedelta(days=settings.TOKEN_LIFETIME_DAYS, hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").json().get("code") == "token_expired"
    _every_operation_refuses(w, client, "expired token")


def test_a_token_revoked_by_logout_is_refused_everywhere(w):
    token = Token.objects.create(user=w.admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post("/api/v1/auth/logout/").status_code in (200, 204)
    _every_operation_refuses(w, client, "token revoked by logout")


def test_a_token_revoked_by_the_administrator_is_refused(w, page_as):
    key = w.charlie_token.key
    response = page_as(w.admin).post(reverse("accounts:token_revoke",
                                             kwargs={"user_id": w.charlie.pk}))
    assert response.status_code in (200, 302)
    assert not Token.objects.filter(key=key).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/customers/{w.customer.pk}/").status_code == 401


def _page_urls(w):
    for name, entry in registry.PAGES.items():
        try:
            kwargs = entry.target(w) if getattr(entry, "target", None) else {}
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: S112 - a route whose arguments are no record (icon size)
            continue
        query = getattr(entry, "query", None)
        form = getattr(entry, "form", None)
        yield name, url, (query(w) if query else {}), (form(w) if form else {})


def test_every_page_form_refuses_a_post_without_its_csrf_token(w, page_as):
    """As the administrator, who may do everything: only the missing token stops him."""
    client = page_as(w.admin, csrf=True)
    before = take_snapshot()
    accepted = []
    for name, url, query, form in _page_urls(w):
        target = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        response = client.post(target, form)
        if response.status_code != 403 or b"CSRF" not in response.content:
            accepted.append(f"{name} ({response.status_code})")
    assert not accepted, f"posted without a CSRF token: {accepted}"
    assert_unchanged(before, take_snapshot(), "posts without CSRF token")


def test_a_session_api_write_without_csrf_token_is_refused(w, page_as):
    client = page_as(w.admin, csrf=True)
    before = take_snapshot()
    accepted = []
    for op in api_operations():
        method, path, body = _path(w, op)
        if method == "GET" or isinstance(registry.API[op], registry.Public):
            continue
        response = client.generic(method, path, json.dumps(body, default=str),
                                  content_type="application/json")
        if response.status_code != 403:
            accepted.append(f"{op} ({response.status_code})")
    assert not accepted, f"session writes without a CSRF token: {accepted}"
    assert_unchanged(before, take_snapshot(), "API writes without CSRF token")
