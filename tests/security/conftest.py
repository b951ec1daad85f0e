"""Fixtures of the security suite: one world per module, a snapshot of the data, clients.

The world (tests/security/world.py) is built once per module inside a transaction that is
rolled back when the module ends, like Django's TestCase.setUpTestData; every test runs in a
savepoint of its own (pytest-django's `db`), so what one attempt changes, if anything, does not
leak into the next one.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.security.world import build_world

# Rows a refused attempt may legitimately add: the request's own traces (sessions, the audit
# and access logs, login throttling), never the records under attack.
NOT_SNAPSHOTTED = {"accounts.usersession", "core.auditevent", "sessions.session",
                   "authtoken.token", "core.jobrun"}
NOT_SNAPSHOTTED_WORDS = ("access", "audit", "axes", "session", "log_entry")


def _snapshotted_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.proxy or label in NOT_SNAPSHOTTED:
            continue
        if any(word in label for word in NOT_SNAPSHOTTED_WORDS):
            continue
        if not model._meta.app_config.name.startswith("outletcrm"):
            continue  # every app of ours, including ones added later
        yield model


def take_snapshot() -> dict:
    """Every row of every business table, field by field (the world is small)."""
    data = {}
    for model in _snapshotted_models():
        rows = list(model.objects.order_by("pk").values())
        if model._meta.label_lower == "core.exportrequest":
            # An export within the limit leaves its log row ("done", 发放制度): the request's
            # own trace; requests waiting for or past a decision are what attacks aim at.
            rows = [row for row in rows if row["status"] != "done"]
        if model._meta.label_lower == "org.user":
            for row in rows:  # signing in writes last_login; that is not the attack
                row.pop("last_login", None)
        data[model._meta.label_lower] = rows
    return data


def assert_unchanged(before: dict, after: dict, context: str) -> None:
    for label, rows in before.items():
        if rows != after[label]:
            old = {row["id"]: row for row in rows}
            new = {row["id"]: row for row in after[label]}
            changed = [pk for pk in old.keys() | new.keys() if old.get(pk) != new.get(pk)]
            detail = [(old.get(pk), new.get(pk)) for pk in sorted(changed)[:3]]
            raise AssertionError(f"{context} changed {label}: {detail}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    ten = datetime.datetime.combine(datetime.datetime.now(tz).date(), datetime.time(10),
                                    tzinfo=tz)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with time_machine.travel(ten, tick=True):
                built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
    media.disable()


@pytest.fixture
def w(world, db):
    """The world, in this test's own savepoint; the login throttle starts empty."""
    yield world
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def page_as(w):
    """A browser client signed in as `user` (CSRF checks off, like Django's test client)."""

    def _client(user, *, csrf=False):
        client = Client(enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def api_as(w):
    """An API client authenticated with `user`'s token."""
    from rest_framework.authtoken.models import Token

    def _client(user):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _client
