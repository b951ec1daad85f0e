"""Token authentication: log in, use the token, log out; bad credentials and no credentials."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The login throttle counts attempts in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


def test_good_credentials_give_a_token_that_opens_the_api(cast):
    response = APIClient().post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=cast.alice).key == token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_form_encoded_login_and_trailing_slash_work_too(cast):
    response = APIClient().post(TOKEN_URL + "/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


def test_logging_in_twice_returns_the_same_token(cast):
    first = APIClient().post(TOKEN_URL, {"username": "bob", "password": PASSWORD}).json()
    second = APIClient().post(TOKEN_URL, {"username": "bob", "password": PASSWORD}).json()
    assert first == second


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "ALICE ", "password": "wrong"},
    ],
)
def test_bad_credentials_are_a_clear_400_without_a_token(cast, body):
    response = APIClient().post(TOKEN_URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_missing_password_names_the_field(cast):
    response = APIClient().post(TOKEN_URL, {"username": "alice"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_bad_credentials_answer_in_chinese_by_default(cast):
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["无法使用提供的认证信息登录。"]


def test_a_deactivated_user_cannot_log_in(cast):
    cast.alice.is_active = False
    cast.alice.save(update_fields=["is_active"])
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 400


def test_a_stale_token_header_does_not_block_logging_in(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token deadbeef")
    response = client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200


def test_password_guessing_is_throttled(cast):
    # More in tests/org/test_login_lockout.py: the 10th failure locks the account.
    client = APIClient()
    for _attempt in range(9):
        assert client.post(TOKEN_URL, {"username": "alice", "password": "guess"}).status_code == 400
    assert client.post(TOKEN_URL, {"username": "alice", "password": "guess"}).status_code == 429
    response = client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    # Another account from the same address is not locked out by alice's attacker.
    assert client.post(TOKEN_URL, {"username": "bob", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/",
        "/api/v1/me",
        "/api/v1/users/",
        "/api/v1/regions/",
        "/api/v1/customers/1/",
        "/api/v1/customers/1/contacts/",
    ],
)
def test_no_credentials_is_401(cast, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_401(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/customers/").status_code == 401


@pytest.mark.parametrize("method", ["post", "delete"])
def test_logout_revokes_the_token(cast, api, method):
    client = api(cast.alice)
    assert client.get("/api/v1/me").status_code == 200
    assert getattr(client, method)("/api/v1/auth/logout").status_code == 204
    assert not Token.objects.filter(user=cast.alice).exists()
    assert client.get("/api/v1/me").status_code == 401


def test_a_deactivated_users_token_stops_working(cast, api):
    client = api(cast.alice)
    cast.alice.is_active = False
    cast.alice.save(update_fields=["is_active"])
    assert client.get("/api/v1/customers/").status_code == 401


def test_me_tells_the_client_what_the_user_may_do(cast, api):
    alice = api(cast.alice).get("/api/v1/me").json()
    assert alice["role"] == "rep" and alice["team_name"] == "杭州一组"
    assert alice["can_archive"] is False and alice["can_merge"] is False
    custodian = api(cast.custodian).get("/api/v1/me/").json()
    assert custodian["can_merge"] is True and custodian["can_override_duplicate"] is True
    assert api(cast.mgr_nb).get("/api/v1/me").json()["region_name"] == "宁波办事处"
