"""The fixed cast every test can use (after Healthchecks' Alice/Bob/Charlie).

  east (华东大区) > zhejiang (浙江省区) > hangzhou (杭州办事处), ningbo (宁波办事处)
  team_hz (杭州一组, hangzhou): alice, bob (reps), sup (supervisor)
  team_nb (宁波一组, ningbo): charlie (rep) — must never see alice's customers
  mgr_zj: manager of zhejiang (sees hangzhou and ningbo); mgr_nb: manager of ningbo only
  custodian, admin: see everything
  alice_customer (联华超市, owned by alice), bob_customer, charlie_customer
"""

import datetime
import json
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from outletcrm.org.models import Role
from tests.factories import PASSWORD, CustomerFactory, RegionFactory, TeamFactory, UserFactory

# Property tests check behaviour, not speed: CI's machine is shared, and hypothesis's default
# 200 ms deadline per example turned load into failures (tests/core/test_params.py under a load
# of 9 on 2 cores). Timings belong in bench/.
hypothesis_settings.register_profile(
    "outletcrm", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("outletcrm")


@pytest.fixture(autouse=True)
def daytime(request):
    """Run at 11:00 local time today, with the clock still ticking.

    Field work is dated in local time (Asia/Shanghai). Tests place check-ins "half an hour
    ago" and expect them today; just after midnight that is yesterday, and such a suite would
    pass or fail by the hour it runs. Browser tests keep the real clock: Chromium's own clock,
    which the pages use as device time, cannot be moved; nor can the clock of a server the
    test starts as a separate process (mark such tests `real_clock`).
    """
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker(
            "real_clock"):
        yield
        return
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = datetime.datetime.now(tz).date()
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(11), tzinfo=tz),
                             tick=True):
        yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language: a request in English (Accept-Language: en)
    leaves English active in the thread, and a later test calling a service directly would
    read its messages in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The company calendar is cached per process (core.workcal); a test's rows are rolled
    back without a signal, so each test starts with the cache empty."""
    from outletcrm.core import workcal

    workcal.invalidate()
    yield
    workcal.invalidate()


@pytest.fixture
def cast(db):
    east = RegionFactory(name="华东大区", code="east")
    zhejiang = RegionFactory(name="浙江省区", code="zhejiang", parent=east)
    hangzhou = RegionFactory(name="杭州办事处", code="hangzhou", parent=zhejiang)
    ningbo = RegionFactory(name="宁波办事处", code="ningbo", parent=zhejiang)
    team_hz = TeamFactory(name="杭州一组", region=hangzhou)
    team_nb = TeamFactory(name="宁波一组", region=ningbo)
    alice = UserFactory(username="alice", display_name="王丽", team=team_hz)
    bob = UserFactory(username="bob", display_name="李波", team=team_hz)
    charlie = UserFactory(username="charlie", display_name="陈超", team=team_nb)
    sup = UserFactory(username="sup", display_name="张主管", role=Role.SUPERVISOR, team=team_hz)
    mgr_zj = UserFactory(username="mgr_zj", role=Role.MANAGER, team=None, region=zhejiang)
    mgr_nb = UserFactory(username="mgr_nb", role=Role.MANAGER, team=None, region=ningbo)
    custodian = UserFactory(username="custodian", role=Role.CUSTODIAN, team=None)
    admin = UserFactory(username="admin", role=Role.ADMIN, team=None, is_staff=True,
                        is_superuser=True)
    alice_customer = CustomerFactory(name="联华超市", owner=alice, address="文三路100号",
                                     phone="13800000001")
    bob_customer = CustomerFactory(name="好又多便利店", owner=bob, address="文二路8号")
    charlie_customer = CustomerFactory(name="宁波海曙药房", owner=charlie, city="宁波市",
                                       district="海曙区", address="中山西路1号")
    return SimpleNamespace(**locals())


@pytest.fixture
def login(client):
    """Log the test client in as a user of the cast: `login(cast.alice)`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api():
    """An API client authenticated with a token: `api(cast.alice).get(...)`."""
    from rest_framework.authtoken.models import Token

    def _api(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


@pytest.fixture(scope="session")
def pristine_rows(django_db_setup, django_db_blocker) -> str:
    """The rows the migrations seed (outlet types, classes, checklists…), serialized.

    Django keeps them on the connection when the test database is built (for serialized
    rollback); taken here, before any Playwright loop runs, because a running asyncio loop
    makes Django hand out a different connection object in this thread (asgiref's Local).
    """
    from django.db import connection

    with django_db_blocker.unblock():
        stored = getattr(connection, "_test_serialized_contents", None)
        return stored or connection.creation.serialize_db_to_string()


@pytest.fixture
def seed_rows(pristine_rows, transactional_db):
    """Put back the migration-seeded rows before a transactional test.

    A transactional test (the live server, two threads racing, a migration run) starts from a
    flushed database, and the flush also removes what the data migrations inserted. Django's
    serialized_rollback would restore them, but it restores content types too, which a flush
    has already re-created under new ids: the suite then fails by test order.
    """
    from django.apps import apps
    from django.core import serializers
    from django.db import connection

    # Only the project's own rows: Django re-creates content types and permissions itself
    # after a flush (under new ids), so restoring those would collide.
    ours = {
        config.label for config in apps.get_app_configs() if config.name.startswith("outletcrm")
    }
    rows = [row for row in json.loads(pristine_rows) if row["model"].split(".")[0] in ours]
    with connection.constraint_checks_disabled():
        for row in serializers.deserialize("json", json.dumps(rows)):
            row.save()


__all__ = ["PASSWORD"]
