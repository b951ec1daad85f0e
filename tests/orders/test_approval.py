"""Returns, claims and discounts above RETURN_APPROVAL_AMOUNT wait for a supervisor (issue 7 §2).

Default limit ¥500 within 30 days per customer. The cast: alice and bob are reps of team_hz,
sup their supervisor, mgr_zj the manager above, charlie a rep of another team.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import ReturnClaim
from outletcrm.orders.selectors import customer_credit, order_balance
from outletcrm.orders.services import (
    order_cancel,
    payment_record,
    return_approve,
    return_record,
    return_refuse,
)
from outletcrm.org.models import Role
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/returns/"


@pytest.fixture
def big_order(cast, make_order):
    return make_order(cast.alice, cast.alice_customer, quantity=200)  # ¥2,000


def claim(cast, amount, *, order=None, actor=None, kind=ReturnClaim.Kind.CLAIM, customer=None):
    return return_record(actor=actor or cast.alice, customer=customer or cast.alice_customer,
                         order=order, amount=amount, reason="破损", kind=kind)


# --- what needs approval ------------------------------------------------------------------

def test_a_credit_within_the_limit_counts_at_once(cast, big_order):
    small = claim(cast, "500", order=big_order)
    assert small.status == ReturnClaim.Status.APPROVED and small.decided_by is None
    assert order_balance(big_order).outstanding == Decimal("1500.00")


def test_a_credit_above_the_limit_waits_and_does_not_count(cast, big_order):
    large = claim(cast, "500.01", order=big_order)
    assert large.status == ReturnClaim.Status.PENDING
    balance = order_balance(big_order)
    assert (balance.outstanding, balance.pending) == (Decimal("2000.00"), Decimal("500.01"))
    credit = customer_credit(cast.alice_customer)
    assert (credit.returned, credit.pending, credit.outstanding) == (
        Decimal("0.00"), Decimal("500.01"), Decimal("2000.00"))
    entry = TimelineEntry.objects.filter(kind="return").get()
    assert entry.source_id == large.pk and entry.actor == cast.alice
    assert entry.title_text == "索赔 ¥500.01（待审批）"


def test_splitting_a_large_discount_does_not_avoid_the_look(cast, big_order):
    parts = [claim(cast, "200", kind=ReturnClaim.Kind.DISCOUNT) for _i in range(3)]
    assert [p.status for p in parts] == ["approved", "approved", "pending"]
    # credits older than the window no longer add up
    ReturnClaim.objects.filter(pk__in=[parts[0].pk, parts[1].pk]).update(
        recorded_at=timezone.now() - datetime.timedelta(days=31))
    assert claim(cast, "200", kind=ReturnClaim.Kind.DISCOUNT).status == "approved"


@override_settings(RETURN_APPROVAL_AMOUNT=Decimal("0"))
def test_a_limit_of_zero_sends_every_credit_for_approval(cast, big_order):
    assert claim(cast, "0.01", order=big_order).status == ReturnClaim.Status.PENDING
    # the supervisor's own credit too: nobody approves their own
    assert claim(cast, "1", order=big_order, actor=cast.sup).status == "pending"


# --- who decides --------------------------------------------------------------------------

def test_the_supervisor_approves_and_it_counts_from_then_on(cast, big_order):
    large = claim(cast, "800", order=big_order)
    approved = return_approve(actor=cast.sup, claim=large, note="核实无误")
    assert approved.status == ReturnClaim.Status.APPROVED
    assert (approved.decided_by, approved.decision_note) == (cast.sup, "核实无误")
    assert approved.decided_at is not None
    assert order_balance(big_order).outstanding == Decimal("1200.00")
    decision = TimelineEntry.objects.filter(kind="return").order_by("pk").last()
    assert decision.actor == cast.sup and decision.body == "核实无误"
    with pytest.raises(ValidationError) as excinfo:  # decided once
        return_refuse(actor=cast.mgr_zj, claim=large, note="再议")
    assert "status" in excinfo.value.message_dict


def test_a_refused_credit_never_counts_and_frees_its_room(cast, big_order):
    large = claim(cast, "2000", order=big_order)
    with pytest.raises(ValidationError):  # its room is held while it waits
        claim(cast, "1", order=big_order)
    with pytest.raises(ValidationError) as excinfo:
        return_refuse(actor=cast.sup, claim=large, note="  ")
    assert "note" in excinfo.value.message_dict
    refused = return_refuse(actor=cast.sup, claim=large, note="无破损照片")
    assert refused.status == ReturnClaim.Status.REFUSED and refused.decided_by == cast.sup
    assert order_balance(big_order).outstanding == Decimal("2000.00")
    assert customer_credit(cast.alice_customer).pending == 0
    assert claim(cast, "100", order=big_order).status == "approved"  # the room is free again


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "custodian"])
def test_nobody_approves_their_own_and_only_a_supervisor_approves(cast, big_order, who):
    large = claim(cast, "800", order=big_order)
    with pytest.raises(PermissionDenied):
        return_approve(actor=getattr(cast, who), claim=large)
    with pytest.raises(PermissionDenied):
        return_refuse(actor=getattr(cast, who), claim=large, note="x")
    large.refresh_from_db()
    assert large.status == ReturnClaim.Status.PENDING and large.decided_by is None


def test_a_supervisors_credit_goes_to_a_peer_or_the_manager(cast, big_order):
    own = claim(cast, "800", order=big_order, actor=cast.sup)
    assert own.status == ReturnClaim.Status.PENDING
    with pytest.raises(PermissionDenied):
        return_approve(actor=cast.sup, claim=own)
    with pytest.raises(PermissionDenied):  # a rep never countersigns his supervisor
        return_approve(actor=cast.bob, claim=own)
    co_supervisor = UserFactory(username="sup2", role=Role.SUPERVISOR, team=cast.team_hz)
    return_approve(actor=co_supervisor, claim=own)
    manager_credit = claim(cast, "800", order=big_order, actor=cast.mgr_zj)
    with pytest.raises(PermissionDenied):  # not by someone below the one who recorded it
        return_approve(actor=cast.sup, claim=manager_credit)
    return_approve(actor=cast.admin, claim=manager_credit)


def test_a_manager_of_another_region_cannot_decide(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer, quantity=200)
    large = claim(cast, "800", order=order)
    with pytest.raises(PermissionDenied):
        return_approve(actor=cast.mgr_nb, claim=large)  # ningbo: alice's customer is hangzhou


# --- the API ------------------------------------------------------------------------------

def test_api_records_pending_and_the_supervisor_decides(cast, api, big_order):
    rep = api(cast.alice)
    created = rep.post(RETURNS, {"customer": cast.alice_customer.pk, "order": big_order.pk,
                                 "kind": "claim", "amount": "900", "reason": "整箱破损",
                                 "client_id": str(uuid.uuid4())}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["decided_by"], body["status_display"]) == (
        "pending", None, "待审批")
    pk = body["id"]
    assert [r["id"] for r in rep.get(RETURNS, {"status": "pending"}).json()["results"]] == [pk]
    assert rep.get(f"/api/v1/orders/{big_order.pk}/").json()["pending_amount"] == "900.00"
    credit = rep.get(f"/api/v1/customers/{cast.alice_customer.pk}/credit/").json()
    assert (credit["pending"], credit["returned"]) == ("900.00", "0.00")

    own = rep.post(f"{RETURNS}{pk}/approve/", {}, format="json")
    assert own.status_code == 403
    assert own.json() == {"detail": "退货、索赔或折让须由登记人的主管或经理审批，登记人本人不能审批。"}
    assert api(cast.charlie).post(f"{RETURNS}{pk}/approve/").status_code == 404
    assert api(cast.sup).post(f"{RETURNS}999999/approve/").status_code == 404
    no_note = api(cast.sup).post(f"{RETURNS}{pk}/refuse/", {"note": ""}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()
    assert ReturnClaim.objects.get(pk=pk).status == ReturnClaim.Status.PENDING

    approved = api(cast.sup).post(f"{RETURNS}{pk}/approve", {"note": "已核实"}, format="json")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved",
                                                                         cast.sup.pk)
    assert api(cast.sup).post(f"{RETURNS}{pk}/approve").status_code == 400  # already decided
    credit = rep.get(f"/api/v1/customers/{cast.alice_customer.pk}/credit/").json()
    assert (credit["pending"], credit["returned"], credit["outstanding"]) == (
        "0.00", "900.00", "1100.00")


# --- the pages ----------------------------------------------------------------------------

def test_the_supervisor_sees_and_decides_on_the_approvals_page(cast, page_client, big_order):
    large = claim(cast, "800", order=big_order)
    sup = page_client(cast.sup)
    listing = sup.get("/orders/approvals/").content.decode()
    assert f"/orders/returns/{large.pk}/" in listing and "联华超市" in listing
    assert big_order.code in listing  # also waiting to be confirmed
    assert f"/orders/returns/{large.pk}/" not in page_client(cast.alice).get(
        "/orders/approvals/").content.decode()
    # the rep sees it waiting, without the way to decide
    detail = page_client(cast.alice).get(f"/orders/returns/{large.pk}/")
    assert detail.status_code == 200 and 'data-testid="decision-form"' not in detail.content.decode()
    forbidden = page_client(cast.alice).post(f"/orders/returns/{large.pk}/",
                                             {"decision": "approve", "note": ""})
    assert forbidden.status_code == 403
    assert "never by that person" in forbidden.content.decode()
    refused = sup.post(f"/orders/returns/{large.pk}/", {"decision": "refuse", "note": ""})
    assert refused.status_code == 400 and "Give a reason for refusing." in refused.content.decode()
    response = sup.post(f"/orders/returns/{large.pk}/", {"decision": "approve", "note": "",
                                                          "next": "approvals"})
    assert response.status_code == 302 and response.url == "/orders/approvals/"
    large.refresh_from_db()
    assert large.status == ReturnClaim.Status.APPROVED and large.decided_by == cast.sup
    shown = sup.get(f"/orders/returns/{large.pk}/").content.decode()
    assert 'data-testid="decided-by"' in shown and str(cast.sup) in shown


def test_the_trading_tab_shows_what_waits_and_who_decided(cast, page_client, big_order):
    waiting = claim(cast, "800", order=big_order)
    decided = claim(cast, "700", order=big_order)
    return_approve(actor=cast.sup, claim=decided)
    url = f"/customers/{cast.alice_customer.pk}/"
    sup_page = page_client(cast.sup).get(url).content.decode()
    assert 'data-testid="pending-badge"' in sup_page
    assert 'data-testid="credit-pending">¥800.00 awaiting approval' in sup_page
    assert f'href="/orders/returns/{waiting.pk}/">Approve or refuse' in sup_page
    rep_page = page_client(cast.alice).get(url).content.decode()
    assert f'data-testid="approval-{waiting.pk}">Awaiting approval' in rep_page
    assert "Approve or refuse" not in rep_page
    assert f"/orders/returns/{decided.pk}/\">{cast.sup}" in rep_page


def test_the_approvals_page_query_count_does_not_grow(cast, page_client, make_order):
    sup = page_client(cast.sup)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert sup.get("/orders/approvals/").status_code == 200
        return len(ctx.captured_queries)

    order = make_order(cast.alice, cast.alice_customer, quantity=100)
    claim(cast, "600", order=order)
    one = count()
    for i in range(4):
        customer = CustomerFactory(name=f"客户{i}", owner=cast.bob)
        more = make_order(cast.bob, customer, quantity=100)
        claim(cast, "600", order=more, actor=cast.bob, customer=customer)
    assert count() == one


def test_cancelling_ignores_refused_credits_only(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer, quantity=100)
    waiting = claim(cast, "600", order=order)
    with pytest.raises(ValidationError):
        order_cancel(actor=cast.alice, order=order, reason="客户改单")
    return_refuse(actor=cast.sup, claim=waiting, note="不符")
    assert order_cancel(actor=cast.alice, order=order, reason="客户改单").status == "cancelled"
    with pytest.raises(ValidationError):  # nothing can be paid on it any more
        payment_record(actor=cast.alice, order=order, amount="1")


def test_the_trading_tab_shows_an_old_pending_credit_before_newer_ones(cast, page_client,
                                                                        big_order):
    old = claim(cast, "900", order=big_order)
    ReturnClaim.objects.filter(pk=old.pk).update(
        recorded_at=timezone.now() - datetime.timedelta(days=40))
    for _i in range(10):
        claim(cast, "10", order=big_order)  # within the limit, counted at once
    page = page_client(cast.sup).get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert f"/orders/returns/{old.pk}/" in page
    assert "The 10 shown are those awaiting approval, then the latest." in page
