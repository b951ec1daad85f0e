"""API tokens expire, can be listed and revoked; existing clients keep the same header."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from outletcrm.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_fresh_token_works(cast, api):
    assert api(cast.alice).get("/api/v1/me").status_code == 200


def test_an_expired_token_answers_401_with_a_clear_message(cast, api, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    client = api(cast.alice)
    Token.objects.filter(user=cast.alice).update(
        created=Token.objects.get(user=cast.alice).created - datetime.timedelta(days=31))
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This API token has expired: log in again (POST /api/v1/auth/token) for a "
                  "new one.", "code": "token_expired"}
    assert response["WWW-Authenticate"] == "Token"


def test_expiry_follows_the_clock(cast, api, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    client = api(cast.alice)
    with time_machine.travel(datetime.timedelta(days=29, hours=23), tick=False):
        assert client.get("/api/v1/me").status_code == 200
    with time_machine.travel(datetime.timedelta(days=30, minutes=1), tick=False):
        assert client.get("/api/v1/me").status_code == 401


def test_logging_in_again_replaces_an_expired_token(cast, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    client = APIClient()
    first = client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD},
                        format="json").json()["token"]
    # Within the lifetime the same token comes back (existing clients keep working).
    again = client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD},
                        format="json").json()["token"]
    assert again == first
    Token.objects.filter(user=cast.alice).update(
        created=Token.objects.get(user=cast.alice).created - datetime.timedelta(days=40))
    fresh = client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD},
                        format="json").json()["token"]
    assert fresh != first
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=cast.alice, channel="api").count() == 3


def test_a_user_lists_and_revokes_their_own_token(cast, api, login):
    client_api = api(cast.alice)
    page = login(cast.alice).get(reverse("accounts:security"))
    assert page.status_code == 200
    key = Token.objects.get(user=cast.alice).key
    assert key[:6] in page.text and key not in page.text  # only a prefix is shown
    response = login(cast.alice).post(reverse("accounts:token_revoke", args=[cast.alice.pk]))
    assert response.status_code == 302
    assert client_api.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", actor=cast.alice).exists()


def test_a_user_cannot_revoke_anothers_token(cast, api, login):
    client_api = api(cast.bob)
    response = login(cast.alice).post(reverse("accounts:token_revoke", args=[cast.bob.pk]))
    assert response.status_code == 404
    assert client_api.get("/api/v1/me").status_code == 200


def test_an_administrator_lists_and_revokes_everyones_tokens(cast, api, login):
    client_api = api(cast.bob)
    page = login(cast.admin).get(reverse("accounts:sessions_all"))
    assert page.status_code == 200 and "bob" in page.text
    login(cast.admin).post(reverse("accounts:token_revoke", args=[cast.bob.pk]),
                           {"back": "all"})
    assert client_api.get("/api/v1/me").status_code == 401


def test_the_all_sessions_page_is_for_administrators_only(cast, login):
    for user in (cast.alice, cast.sup, cast.mgr_zj, cast.custodian):
        assert login(user).get(reverse("accounts:sessions_all")).status_code == 404


def test_a_get_cannot_revoke(cast, api, login):
    client_api = api(cast.alice)
    assert login(cast.alice).get(
        reverse("accounts:token_revoke", args=[cast.alice.pk])).status_code == 405
    assert client_api.get("/api/v1/me").status_code == 200
