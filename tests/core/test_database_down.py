"""The database restarting under a request (issue 11): a 503 to retry, in the reader's
language, not a 500 — the field app keeps its upload queued and sends it again."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_then_database_gone(cast, client, monkeypatch):
    """alice signed in; then every session read fails as on a restarting PostgreSQL."""
    client.force_login(cast.alice)
    client.raise_request_exception = False

    def load(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", load)
    return client


def test_an_api_call_while_the_database_restarts_is_a_503_to_retry(
        signed_in_then_database_gone):
    response = signed_in_then_database_gone.get("/api/v1/me/today")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["detail"].startswith("数据库暂时没有响应")


def test_a_page_while_the_database_restarts_is_a_503_to_retry(signed_in_then_database_gone):
    response = signed_in_then_database_gone.get("/m/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "try again in a few seconds" in response.content.decode()


def test_other_crashes_stay_a_500(cast, client, monkeypatch):
    def load(self):
        raise RuntimeError("a bug")

    client.force_login(cast.alice)
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", load)
    assert client.get("/api/v1/me/today").status_code == 500
