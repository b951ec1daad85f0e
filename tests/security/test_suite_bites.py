"""The suite can fail: with the scope rule switched off, its checks catch the leak.

A security test that cannot fail is worse than none; this runs the same checks as
test_scope.py against an app whose customer scope lets everyone see everything.
"""

import pytest
from django.urls import reverse

from outletcrm.core import scoping
from tests.security.checks import api_refused, page_refused
from tests.security.conftest import assert_unchanged, take_snapshot


@pytest.fixture
def no_scope(monkeypatch):
    # The customer scope is written twice since borrowing (借阅制度): what a user may read
    # (customer_scope_q) and what they may change (customer_write_q, in_own_scope).
    monkeypatch.setattr(scoping, "customer_scope_q", lambda user, via="": None)
    monkeypatch.setattr(scoping, "customer_write_q", lambda user, via="": None)
    monkeypatch.setattr(scoping, "in_own_scope", lambda user, customer: True)


def test_a_leaking_page_is_caught(w, page_as, no_scope):
    response = page_as(w.alice).get(reverse("customers:detail", kwargs={"pk": w.customer.pk}))
    with pytest.raises(AssertionError, match="answered 200"):
        page_refused(response, w, "leak")


def test_a_leaking_api_read_is_caught(w, api_as, no_scope):
    response = api_as(w.alice).get(f"/api/v1/customers/{w.customer.pk}/")
    with pytest.raises(AssertionError, match="answered 200"):
        api_refused(response, w, "leak")


def test_a_change_is_caught(w, api_as, no_scope):
    before = take_snapshot()
    api_as(w.alice).patch(f"/api/v1/customers/{w.customer.pk}/", {"notes": "改了"},
                          format="json")
    with pytest.raises(AssertionError, match="changed"):
        assert_unchanged(before, take_snapshot(), "leak")


def test_a_refusal_page_showing_the_record_is_caught(w):
    class Shown:
        status_code = 404
        streaming = False
        headers = {}
        content = f"<h1>{w.customer.name}</h1>".encode()

    with pytest.raises(AssertionError, match="shows another scope's data"):
        page_refused(Shown(), w, "leak")
