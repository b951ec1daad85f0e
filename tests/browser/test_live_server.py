"""The live server the browser tests use survives concurrent requests (issue 7, §4).

A page fires several requests at once (the service worker caching the shell, the sync queue,
the day's snapshot). With Django's in-memory SQLite test database the live server's request
threads all shared the test's single connection and broke it under load ("bad parameter or
other API misuse", "database table is locked"); tests/settings.py gives SQLite a file so each
thread opens its own connection. This test fails with the in-memory database.
"""

import concurrent.futures
import json
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from outletcrm.visits.models import Visit
from tests.factories import CustomerFactory

# No browser, but the browser tests' live server and their reference-row fixture (conftest).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REQUESTS = 60
THREADS = 8


def test_concurrent_writes_and_reads_on_the_live_server_all_succeed(live_server, cast):
    token = Token.objects.create(user=cast.alice).key
    shops = [CustomerFactory(owner=cast.alice, latitude=Decimal("30.270000"),
                             longitude=Decimal("120.130000")) for _ in range(REQUESTS // 2)]
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(i: int):
        if i % 2:
            body = json.dumps({"ops": [{"op": "check_in", "client_id": str(uuid.uuid4()),
                                        "payload": {"customer": shops[i // 2].pk,
                                                    "device_time": timezone.now().isoformat(),
                                                    "lat": 30.27, "lng": 120.13}}]}).encode()
            url, method = f"{live_server.url}/api/v1/sync", "POST"
        else:
            url, method, body = f"{live_server.url}/api/v1/me/today", "GET", None
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()[:200]

    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(call, range(REQUESTS)))
    assert answers == [200] * REQUESTS
    assert Visit.objects.count() == REQUESTS // 2
