"""Borrowed access ends with its period (借阅制度, issue 10 item 3).

Written against the interface the borrowing work in core provides (skipped until it is
merged): `outletcrm.core.models.BorrowRequest(requester, purpose, reason, starts_at, ends_at,
status, decided_by, decided_at)` with `BorrowItem(request, customer_id, region_id)`; while an
APPROVED request's period holds, core/scoping.py lets the requester READ its customers (never
change them); before and after the period, or refused, pending or withdrawn, the customers
are outside the scope again (404 like any other).
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from outletcrm.core import models as core_models
from tests.security.checks import api_refused, page_refused
from tests.security.conftest import assert_unchanged, take_snapshot

pytestmark = pytest.mark.skipif(
    not hasattr(core_models, "BorrowRequest"),
    reason="outletcrm.core.models has no BorrowRequest yet (borrowing is built in issue 10, "
           "item 3): this test expects BorrowRequest/BorrowItem as its docstring says")


def _lend(w, *, starts, ends, status="approved"):
    borrow = core_models.BorrowRequest.objects.create(
        requester=w.alice, purpose="audit", reason="陪访", starts_at=starts, ends_at=ends,
        status=status, decided_by=w.custodian, decided_at=starts)
    core_models.BorrowItem.objects.create(request=borrow, customer_id=w.customer.pk,
                                          region_id=w.customer.region_id)
    return borrow


def _attempts(w, page_as, api_as):
    page, api = page_as(w.alice), api_as(w.alice)
    return page, api, reverse("customers:detail", kwargs={"pk": w.customer.pk}), \
        f"/api/v1/customers/{w.customer.pk}/"


def _assert_out_of_scope(w, page_as, api_as, context):
    page, api, url, path = _attempts(w, page_as, api_as)
    before = take_snapshot()
    page_refused(page.get(url), w, f"{context}: page")
    api_refused(api.get(path), w, f"{context}: API read")
    api_refused(api.patch(path, {"notes": "借阅后改"}, format="json"), w, f"{context}: API edit")
    listed = api.get("/api/v1/customers/", {"q": w.customer.name}).json()
    assert listed["count"] == 0, f"{context}: still in the list"
    assert_unchanged(before, take_snapshot(), context)


def test_while_the_period_holds_the_customer_is_readable_not_writable(w, page_as, api_as):
    now = timezone.now()
    _lend(w, starts=now - datetime.timedelta(hours=1), ends=now + datetime.timedelta(hours=1))
    page, api, url, path = _attempts(w, page_as, api_as)
    assert page.get(url).status_code == 200
    assert api.get(path).status_code == 200
    before = take_snapshot()
    response = api.patch(path, {"notes": "借阅时改"}, format="json")
    assert response.status_code in (403, 404), response.status_code
    assert_unchanged(before, take_snapshot(), "edit of a borrowed customer")


def test_after_the_period_the_borrowed_customer_is_gone(w, page_as, api_as):
    now = timezone.now()
    _lend(w, starts=now - datetime.timedelta(hours=1), ends=now + datetime.timedelta(hours=1))
    with time_machine.travel(now + datetime.timedelta(hours=2), tick=False):
        _assert_out_of_scope(w, page_as, api_as, "after the period")


def test_a_period_that_ended_yesterday_lends_nothing(w, page_as, api_as):
    now = timezone.now()
    _lend(w, starts=now - datetime.timedelta(days=3), ends=now - datetime.timedelta(days=1))
    _assert_out_of_scope(w, page_as, api_as, "ended yesterday")


def test_a_period_not_started_lends_nothing(w, page_as, api_as):
    now = timezone.now()
    _lend(w, starts=now + datetime.timedelta(days=1), ends=now + datetime.timedelta(days=2))
    _assert_out_of_scope(w, page_as, api_as, "not started")


@pytest.mark.parametrize("status", ["pending", "refused", "withdrawn"])
def test_an_undecided_or_refused_request_lends_nothing(w, page_as, api_as, status):
    now = timezone.now()
    _lend(w, starts=now - datetime.timedelta(hours=1), ends=now + datetime.timedelta(hours=1),
          status=status)
    _assert_out_of_scope(w, page_as, api_as, status)
