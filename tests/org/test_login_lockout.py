"""Password guessing: failed logins lock the account (and the address) on every login path.

The login page, the API token endpoint and the admin share django-axes' counters
(outletcrm/core/logins.py). A client's own X-Forwarded-For never moves them; an administrator
unlocks at once (`outletcrm unlock-login`, or the admin's "Access attempts").
"""

import datetime
import io

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from outletcrm.core.logins import client_ip
from tests.factories import PASSWORD

LOGIN = "/login/"
TOKEN = "/api/v1/auth/token"
WRONG = "not-the-password"
LOCKED_KEYS = {"detail", "code", "locked", "retry_after", "retry_after_seconds"}


def page_login(client, username="alice", password=WRONG, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def api_login(client, username="alice", password=WRONG, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, format="json",
                       **extra)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def unlock(*args) -> str:
    out = io.StringIO()
    call_command("unlock_login", *args, stdout=out)
    return out.getvalue()


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(cast):
    client = Client()
    for _attempt in range(30):
        page_login(client)
    response = page_login(client, password=PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert not logged_in(client)
    text = response.content.decode()
    assert 'data-testid="login-locked"' in text
    assert "this account is locked until" in text and "administrator" in text
    assert 'value="alice"' in text  # the page keeps its form, the username filled in


def test_the_lock_message_is_chinese_by_default(cast):
    client = Client()
    for _attempt in range(10):
        page_login(client)
    text = page_login(client, password=PASSWORD).content.decode()
    assert "登录失败次数过多" in text and "管理员" in text


def test_thirty_wrong_passwords_then_the_right_one_is_refused_by_the_api(cast):
    client = APIClient()
    answers = [api_login(client).status_code for _attempt in range(30)]
    # Wrong passwords are a plain 400 until the limit; the failure that reaches it locks.
    assert answers[:9] == [400] * 9 and set(answers[9:]) == {429}
    response = api_login(client, password=PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "token" not in response.json()


def test_the_api_lock_answer_has_its_documented_shape(cast):
    client = APIClient()
    for _attempt in range(10):
        api_login(client)
    response = api_login(client, password=PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    assert response.status_code == 429 and set(body) == LOCKED_KEYS
    assert body["code"] == "login_locked" and body["locked"] == "account"
    assert "administrator" in body["detail"]
    retry_at = parse_datetime(body["retry_after"])
    assert 29 * 60 <= (retry_at - timezone.now()).total_seconds() <= 30 * 60 + 5
    assert 29 * 60 <= body["retry_after_seconds"] <= 30 * 60
    assert response["Retry-After"] == str(body["retry_after_seconds"])
    assert "登录失败次数过多" in api_login(client, password=PASSWORD).json()["detail"]


def test_the_schema_documents_the_lock_answer(cast):
    schema = APIClient().get("/api/schema/?format=json").json()
    answers = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    ref = answers["429"]["content"]["application/json"]["schema"]["$ref"]
    shape = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(shape["properties"]) == LOCKED_KEYS


def test_both_paths_share_one_counter(cast):
    for _attempt in range(5):
        page_login(Client())
    for _attempt in range(5):
        api_login(APIClient())
    assert api_login(APIClient(), password=PASSWORD).status_code == 429
    assert page_login(Client(), password=PASSWORD).status_code == 429


def test_a_correct_login_before_the_limit_still_works(cast):
    client = Client()
    for _attempt in range(9):
        assert page_login(client).status_code == 200  # the form again, with its error
    response = page_login(client, password=PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    api = APIClient()
    assert api_login(api, username="bob").status_code == 400
    assert api_login(api, username="bob", password=PASSWORD).status_code == 200


def test_the_username_is_counted_whatever_its_case_or_spaces(cast):
    for variant in ["alice", "ALICE", " Alice ", "aLiCe"] * 3:
        page_login(Client(), username=variant)
    assert page_login(Client(), password=PASSWORD).status_code == 429


def test_a_spoofed_forwarded_for_does_not_reset_the_account_counter(cast):
    client = Client()
    for attempt in range(30):
        page_login(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
        api_login(APIClient(), HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
    assert page_login(client, password=PASSWORD,
                      HTTP_X_FORWARDED_FOR="192.0.2.77").status_code == 429
    assert api_login(APIClient(), password=PASSWORD,
                     HTTP_X_FORWARDED_FOR="192.0.2.78").status_code == 429
    # Every failure was counted against the connection's own address, not the header's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_guessing_many_accounts_from_one_address_blocks_the_address(cast, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    for attempt in range(20):  # one guess per made-up account: no account reaches its limit
        api_login(APIClient(), username=f"guess{attempt}",
                  HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    response = api_login(APIClient(), username="bob", password=PASSWORD,
                         HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and response.json()["locked"] == "address"
    assert "network address" in response.json()["detail"]
    # The same account from another address is not blocked.
    other = api_login(APIClient(), username="bob", password=PASSWORD, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200


@pytest.mark.parametrize("proxies, remote, forwarded, expected", [
    (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),                 # no proxy: header ignored
    (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),                # nginx appended the client
    (1, "10.0.0.2", "1.2.3.4, 203.0.113.9", "203.0.113.9"),       # the client's own entry ignored
    (2, "10.0.0.3", "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", None, "10.0.0.2"),
])
def test_forwarded_addresses_are_trusted_only_from_configured_proxies(
        settings, rf, proxies, remote, forwarded, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(rf.get("/", **meta)) == expected


def test_behind_a_trusted_proxy_a_prepended_address_does_not_reset_the_counter(cast, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 10
    for attempt in range(10):
        api_login(APIClient(), username=f"guess{attempt}", REMOTE_ADDR="10.0.0.2",
                  HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 203.0.113.5")
    blocked = api_login(APIClient(), username="bob", password=PASSWORD, REMOTE_ADDR="10.0.0.2",
                        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5")
    assert blocked.status_code == 429 and blocked.json()["locked"] == "address"
    another_client = api_login(APIClient(), username="bob", password=PASSWORD,
                               REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert another_client.status_code == 200


def test_the_command_unlocks_a_locked_account(cast):
    for _attempt in range(12):
        page_login(Client())
    assert page_login(Client(), password=PASSWORD).status_code == 429
    assert "alice" in unlock("--list")
    assert unlock("Alice ").startswith("alice")  # the counted form of the name
    client = Client()
    assert page_login(client, password=PASSWORD).status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_the_command_unlocks_an_address_and_needs_something_to_do(cast, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    for attempt in range(5):
        api_login(APIClient(), username=f"guess{attempt}")
    assert api_login(APIClient(), username="bob", password=PASSWORD).status_code == 429
    unlock("--address", "127.0.0.1")
    assert api_login(APIClient(), username="bob", password=PASSWORD).status_code == 200
    with pytest.raises(CommandError):
        unlock()


def test_the_administrator_unlocks_in_the_admin(cast):
    for _attempt in range(10):
        api_login(APIClient())
    assert api_login(APIClient(), password=PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(cast.admin)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert api_login(APIClient(), password=PASSWORD).status_code == 200


def test_the_lock_ends_by_itself_after_the_lockout_time(cast):
    for _attempt in range(10):
        page_login(Client())
    assert page_login(Client(), password=PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert page_login(Client(), password=PASSWORD).status_code == 302


def test_without_a_lockout_time_only_an_administrator_unlocks(cast, settings):
    settings.AXES_COOLOFF_TIME = None
    for _attempt in range(10):
        api_login(APIClient())
    body = api_login(APIClient(), password=PASSWORD, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["retry_after"] is None and body["retry_after_seconds"] is None
    assert "Ask your administrator" in body["detail"]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert api_login(APIClient(), password=PASSWORD).status_code == 429
