"""Issue 7 §2: a rep could grant any discount and break a customer's credit page.

Each attack of the trial is replayed here and must now be refused, with a Chinese message, a
4xx in the API and nothing written; and no stored amount, however large, makes the credit
figures fail.
"""

import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import override_settings
from django.utils import timezone, translation

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import Order, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.selectors import customer_balance, customer_credit, order_balance
from outletcrm.orders.services import (
    order_cancel,
    payment_record,
    return_approve,
    return_create,
    return_record,
)

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/returns/"
HUGE = "999999999999.99"


def credit_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/credit/"


def nothing_credited():
    return not ReturnClaim.objects.exists() and not TimelineEntry.objects.filter(
        kind="return").exists()


# --- the trial's attack: a giant discount, then a 500 for everyone -------------------------

def test_a_rep_cannot_grant_a_giant_discount_and_the_credit_page_stays_up(cast, api,
                                                                          make_order):
    make_order(cast.alice, cast.alice_customer)  # ¥100 owed
    response = api(cast.alice).post(RETURNS, {"customer": cast.alice_customer.pk,
                                              "kind": "discount", "amount": HUGE,
                                              "reason": "年度返利"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["amount"]  # the documented shape: field → messages
    assert "客户总欠款中尚可冲减的 ¥100.00" in response.json()["amount"][0]
    assert nothing_credited()
    for user in (cast.alice, cast.sup, cast.mgr_zj, cast.custodian):
        credit = api(user).get(credit_url(cast.alice_customer))
        assert credit.status_code == 200
        assert credit.json()["outstanding"] == "100.00"


def test_no_stored_amount_makes_the_credit_figures_fail(cast, api, page_client, catalogue):
    """Rows written past the services (an old version, the admin, SQL) at the largest amount
    a column holds: every page and answer that sums them still works."""
    customer, now = cast.alice_customer, timezone.now()
    for i in range(3):
        order = Order.objects.create(code=f"BIG{i}", customer=customer, rep=cast.alice,
                                     ordered_at=now, total=Decimal(HUGE),
                                     due_date=timezone.localdate())
        Payment.objects.create(order=order, customer=customer, collected_by=cast.alice,
                               amount=Decimal(HUGE), paid_at=now)
        ReturnClaim.objects.create(customer=customer, order=order, amount=Decimal(HUGE),
                                   reason="旧数据", recorded_by=cast.alice)
        ReturnClaim.objects.create(customer=customer, amount=Decimal(HUGE), reason="旧数据",
                                   recorded_by=cast.alice, kind=ReturnClaim.Kind.DISCOUNT)
    for user in (cast.alice, cast.sup):
        body = api(user).get(credit_url(customer))
        assert body.status_code == 200
        assert Decimal(body.json()["ordered"]) > Decimal("2999999999999")
        assert Decimal(body.json()["returned"]) > Decimal("5999999999999")
        assert body.json()["outstanding"] == "0.00"  # never negative
        listing = api(user).get("/api/v1/orders/", {"customer": customer.pk})
        assert listing.status_code == 200 and len(listing.json()["results"]) == 3
        assert api(user).get(f"/api/v1/orders/{order.pk}/").status_code == 200
        client = page_client(user)
        assert client.get(f"/customers/{customer.pk}/").status_code == 200
        assert client.get(f"/orders/{order.pk}/").status_code == 200
        assert client.get("/orders/", {"customer": customer.pk}).status_code == 200


# --- a return may not credit more than is left after payments ------------------------------

def test_100_ordered_60_paid_100_returned_is_refused(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    payment_record(actor=cast.alice, order=order, amount="60")
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="100", reason="整单退货")
    message = excinfo.value.message_dict["amount"][0]
    assert "¥40.00 of this order" in message and "¥60.00 paid" in message
    assert nothing_credited()
    return_record(actor=cast.alice, customer=cast.alice_customer, order=order, amount="40",
                  reason="部分退货")
    with pytest.raises(ValidationError):
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="0.01", reason="再退")
    balance = order_balance(order)
    assert balance.paid + balance.credited == order.total == Decimal("100.00")
    credit = customer_credit(cast.alice_customer)
    assert (credit.paid, credit.returned, credit.outstanding) == (
        Decimal("60.00"), Decimal("40.00"), Decimal("0.00"))


def test_the_same_attack_through_the_api_and_the_page(cast, api, page_client, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    payment_record(actor=cast.alice, order=order, amount="60")
    body = {"customer": cast.alice_customer.pk, "order": order.pk, "kind": "return",
            "amount": "100", "reason": "整单退货"}
    response = api(cast.alice).post(RETURNS, body, format="json")
    assert response.status_code == 400
    assert "此订单尚可冲减的 ¥40.00" in response.json()["amount"][0]
    page = page_client(cast.alice, language=None)  # Chinese, the default
    form = page.post(f"/orders/{order.pk}/returns/new/", {
        "kind": "return", "amount": "100", "reason": "整单退货", "client_id": str(uuid.uuid4())})
    assert form.status_code == 400
    assert "此订单尚可冲减的 ¥40.00" in form.content.decode()
    assert nothing_credited()


def test_a_return_of_goods_names_its_order(cast, api, make_order):
    make_order(cast.alice, cast.alice_customer)
    response = api(cast.alice).post(RETURNS, {"customer": cast.alice_customer.pk,
                                              "kind": "return", "amount": "10",
                                              "reason": "退货"}, format="json")
    assert response.status_code == 400 and "退货须选择货物所属的订单" in response.json()["order"][0]
    assert nothing_credited()


# --- a discount or claim without an order: bounded by what the customer owes in all --------

def test_a_general_discount_is_bounded_by_the_open_receivable(cast, make_order):
    first = make_order(cast.alice, cast.alice_customer)  # ¥100
    make_order(cast.alice, cast.alice_customer, quantity=5)  # ¥50
    payment_record(actor=cast.alice, order=first, amount="100")
    with translation.override("en"), pytest.raises(ValidationError, match="¥50.00 the customer"):
        return_record(actor=cast.alice, customer=cast.alice_customer, amount="50.01",
                      reason="返利", kind=ReturnClaim.Kind.DISCOUNT)
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="50", reason="返利",
                  kind=ReturnClaim.Kind.CLAIM)
    assert customer_balance(cast.alice_customer.pk).outstanding == 0
    assert cast.bob_customer.orders.count() == 0
    with pytest.raises(ValidationError):  # a customer who owes nothing gets no credit
        return_record(actor=cast.bob, customer=cast.bob_customer, amount="1", reason="返利",
                      kind=ReturnClaim.Kind.DISCOUNT)


def test_a_general_credit_also_bounds_an_order_credit_and_payments(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="30", reason="返利",
                  kind=ReturnClaim.Kind.DISCOUNT)
    with pytest.raises(ValidationError):  # 30 + 100 would be credited for 100 ordered
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="100", reason="退货")
    with translation.override("en"), pytest.raises(ValidationError,
                                                   match="¥70.00 the customer still owes"):
        payment_record(actor=cast.alice, order=order, amount="100")
    payment_record(actor=cast.alice, order=order, amount="70")
    credit = customer_credit(cast.alice_customer)
    assert credit.paid + credit.returned == credit.ordered and credit.outstanding == 0
    # nor can the order be cancelled away from under the discount (it has a payment anyway):
    other = make_order(cast.alice, cast.alice_customer)
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="100", reason="返利",
                  kind=ReturnClaim.Kind.DISCOUNT)
    with pytest.raises(ValidationError, match="larger than what they owe"):
        with translation.override("en"):
            order_cancel(actor=cast.alice, order=other, reason="客户改单")
    assert Order.objects.get(pk=other.pk).status == OrderStatus.SUBMITTED


@override_settings(RETURN_APPROVAL_AMOUNT=Decimal("0"))
def test_credits_awaiting_approval_hold_their_room(cast, make_order):
    """Two pending discounts cannot together promise more than is owed."""
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    first = return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                          amount="70", reason="破损", kind=ReturnClaim.Kind.CLAIM)
    assert first.status == ReturnClaim.Status.PENDING
    with pytest.raises(ValidationError):
        return_record(actor=cast.alice, customer=cast.alice_customer, amount="31",
                      reason="返利", kind=ReturnClaim.Kind.DISCOUNT)
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="30", reason="返利",
                  kind=ReturnClaim.Kind.DISCOUNT)
    # a payment is welcome up to what counts, and then the pending claim no longer fits
    payment_record(actor=cast.alice, order=order, amount="100")
    with translation.override("en"), pytest.raises(ValidationError,
                                                   match="no longer be approved"):
        return_approve(actor=cast.sup, claim=first)
    first.refresh_from_db()
    assert first.status == ReturnClaim.Status.PENDING and first.decided_by is None


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.005", "NaN", "Infinity", "1e400",
                                    "1000000000000"])
def test_bad_amounts_are_refused_with_nothing_written(cast, make_order, amount):
    order = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(ValidationError) as excinfo:
        return_create(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount=amount, reason="x", kind=ReturnClaim.Kind.CLAIM)
    assert "amount" in excinfo.value.message_dict
    assert nothing_credited()


def test_the_credit_record_counts_a_credit_from_the_day_it_was_approved(cast, make_order):
    today = timezone.localdate()
    order = make_order(cast.alice, cast.alice_customer, day=today - datetime.timedelta(days=20),
                       due=today - datetime.timedelta(days=10))
    with override_settings(RETURN_APPROVAL_AMOUNT=Decimal("0")):
        claim = return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                              amount="100", reason="整单退货")
    ReturnClaim.objects.filter(pk=claim.pk).update(
        recorded_at=timezone.now() - datetime.timedelta(days=12))
    credit = customer_credit(cast.alice_customer)
    assert credit.still_overdue == 1 and credit.pending == Decimal("100.00")
    claim.refresh_from_db()
    return_approve(actor=cast.sup, claim=claim)
    ReturnClaim.objects.filter(pk=claim.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=7))
    credit = customer_credit(cast.alice_customer)
    assert (credit.still_overdue, credit.settled_late, credit.max_days_late) == (0, 1, 3)
    assert credit.pending == 0 and credit.outstanding == 0


# --- two at once ---------------------------------------------------------------------------

@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                    reason="SQLite runs one write transaction at a time anyway")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seed_rows")
@pytest.mark.parametrize("on_order", [True, False])
def test_two_credits_at_once_cannot_together_pass_the_bound(cast, make_order, on_order):
    """Each credit locks the customer (and its order) before it reads what is owed."""

    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    barrier, outcomes = threading.Barrier(2), []

    def credit():
        try:
            barrier.wait(timeout=10)
            return_record(actor=cast.alice, customer=cast.alice_customer,
                          order=order if on_order else None, amount="60", reason="同时",
                          kind=ReturnClaim.Kind.CLAIM)
            outcomes.append("recorded")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=credit) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["recorded", "refused"]
    assert customer_balance(cast.alice_customer.pk).credited == Decimal("60.00")
