"""Session expiry (idle and absolute), the sessions list, ending sessions, deactivation."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from outletcrm.accounts.models import UserSession
from outletcrm.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
PAGE = "/account/"


def signed_in(user, **extra) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD,
                                              **extra})
    assert response.status_code == 302, response.content[:500]
    return client


def test_login_records_the_session_and_an_audit_event(cast):
    client = signed_in(cast.alice)
    row = UserSession.objects.get(user=cast.alice)
    assert row.ip == "127.0.0.1"
    assert row.key_hash != client.session.session_key  # only a hash is stored
    assert AuditEvent.objects.filter(action="login", actor=cast.alice, channel="web").exists()


def test_a_failed_login_is_audited(cast):
    Client().post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    event = AuditEvent.objects.get(action="login_failed")
    assert event.detail["username"] == "alice" and event.actor is None


def test_an_idle_session_is_signed_out(cast, settings):
    settings.SESSION_IDLE_MINUTES = 120
    client = signed_in(cast.alice)
    with time_machine.travel(datetime.timedelta(minutes=119), tick=False):
        assert client.get(PAGE).status_code == 200
    # Activity renewed the session: another 119 minutes later it still works.
    with time_machine.travel(datetime.timedelta(minutes=238), tick=False):
        assert client.get(PAGE).status_code == 200
    with time_machine.travel(datetime.timedelta(minutes=238 + 121), tick=False):
        response = client.get(PAGE)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not UserSession.objects.filter(user=cast.alice).exists()


def test_the_field_app_gets_the_longer_idle_time(cast, settings):
    settings.SESSION_IDLE_MINUTES = 120
    settings.SESSION_IDLE_MINUTES_MOBILE = 720
    client = signed_in(cast.alice, next="/m/")  # the phone's login page carries next=/m/
    with time_machine.travel(datetime.timedelta(hours=5), tick=False):
        assert client.get("/api/v1/me").status_code == 200
    with time_machine.travel(datetime.timedelta(hours=5 + 13), tick=False):
        assert client.get("/api/v1/me").status_code in (401, 403)


def test_opening_the_field_app_later_also_gives_the_longer_idle_time(cast, settings):
    settings.SESSION_IDLE_MINUTES = 120
    client = signed_in(cast.alice)
    with time_machine.travel(datetime.timedelta(minutes=5), tick=False):
        client.get("/m/")  # recorded with the once-a-minute write
    with time_machine.travel(datetime.timedelta(hours=5), tick=False):
        assert client.get("/api/v1/me").status_code == 200


def test_a_session_ends_after_its_absolute_lifetime(cast, settings):
    settings.SESSION_IDLE_MINUTES = 120
    settings.SESSION_ABSOLUTE_HOURS = 8
    client = signed_in(cast.alice)
    for hour in range(1, 8):
        with time_machine.travel(datetime.timedelta(hours=hour), tick=False):
            assert client.get(PAGE).status_code == 200
    with time_machine.travel(datetime.timedelta(hours=8, minutes=30), tick=False):
        assert client.get(PAGE).status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(cast, django_assert_max_num_queries):
    client = signed_in(cast.alice)
    client.get(PAGE)
    before = UserSession.objects.get(user=cast.alice).last_seen
    with time_machine.travel(datetime.timedelta(seconds=30), tick=False):
        client.get(PAGE)
    assert UserSession.objects.get(user=cast.alice).last_seen == before
    with time_machine.travel(datetime.timedelta(seconds=90), tick=False):
        client.get(PAGE)
    assert UserSession.objects.get(user=cast.alice).last_seen > before


def test_a_user_ends_their_other_session(cast):
    phone = signed_in(cast.alice)
    desk = signed_in(cast.alice)
    rows = list(UserSession.objects.filter(user=cast.alice))
    assert len(rows) == 2
    page = desk.get(PAGE)
    assert page.text.count('data-testid="session-row"') == 2
    phone_row = next(r for r in rows if r.key_hash != _hash(desk))
    assert desk.post(reverse("accounts:session_end", args=[phone_row.pk])).status_code == 302
    assert phone.get(PAGE).status_code == 302  # signed out
    assert desk.get(PAGE).status_code == 200
    assert AuditEvent.objects.filter(action="session_ended", actor=cast.alice).exists()


def test_a_user_cannot_end_anothers_session(cast):
    signed_in(cast.bob)
    bobs = UserSession.objects.get(user=cast.bob)
    client = signed_in(cast.alice)
    assert client.post(reverse("accounts:session_end", args=[bobs.pk])).status_code == 404
    assert UserSession.objects.filter(pk=bobs.pk).exists()


def test_an_administrator_ends_anyones_session(cast):
    bob = signed_in(cast.bob)
    admin = signed_in(cast.admin)
    page = admin.get(reverse("accounts:sessions_all"))
    assert "bob" in page.text
    row = UserSession.objects.get(user=cast.bob)
    admin.post(reverse("accounts:session_end", args=[row.pk]), {"back": "all"})
    assert bob.get(PAGE).status_code == 302


def test_deactivating_a_user_ends_sessions_and_revokes_tokens_at_once(cast, api):
    browser = signed_in(cast.alice)
    client_api = api(cast.alice)
    cast.alice.is_active = False
    cast.alice.save()
    assert not UserSession.objects.filter(user=cast.alice).exists()
    assert not Token.objects.filter(user=cast.alice).exists()
    assert browser.get(PAGE).status_code == 302
    assert client_api.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="user_deactivated").exists()


def test_a_session_from_before_is_tracked_from_its_next_request(cast, login):
    client = login(cast.alice)
    # As a session signed in before this middleware existed: no row, not marked as tracked.
    UserSession.objects.all().delete()
    session = client.session
    del session["_acc_tracked"]
    session.save()
    client.get(PAGE)
    assert UserSession.objects.filter(user=cast.alice).count() == 1


def _hash(client):
    from outletcrm.accounts.models import key_hash

    return key_hash(client.session.session_key)


def test_security_events_show_in_the_audit_log(cast):
    signed_in(cast.alice)
    Client().post(reverse("login"), {"username": "bob", "password": "wrong-password"})
    client = Client()
    client.force_login(cast.custodian)
    page = client.get(reverse("customers:audit"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "登录失败" in page.text and "账号 bob，来自 127.0.0.1" in page.text
