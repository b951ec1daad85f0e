"""Property: no sequence of orders, payments, returns, decisions and cancellations makes the
credit figures exceed their bounds or the credit endpoint fail (issue 7 §2).

Hypothesis plays a rep (alice) and her supervisor against one customer with amounts from a
fen to the largest a column holds; every refused step must change nothing, and after each
sequence: per order and per customer, payments plus counted credits never exceed what was
ordered, and the credit API answers 200 with figures inside those bounds.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from outletcrm.orders.models import Order, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.selectors import customer_balance, customer_credit, order_balance
from outletcrm.orders.services import (
    order_cancel,
    order_confirm,
    order_create,
    payment_record,
    return_approve,
    return_create,
    return_refuse,
)

pytestmark = pytest.mark.django_db

# An amount is a percentage of what the step could take at that moment (so sequences reach
# the bounds from both sides), or one of the values an attacker types.
AMOUNTS = st.one_of(
    st.tuples(st.just("pct"), st.integers(min_value=1, max_value=130)),
    st.tuples(st.just("pct"), st.integers(min_value=95, max_value=105)),
    st.tuples(st.just("abs"), st.sampled_from([
        Decimal("999999999999.99"), Decimal("1000000000000"), Decimal("-5"), Decimal("0"),
        Decimal("1e400"), Decimal("0.01"), Decimal("500"), Decimal("500.01")])),
)
ORDER = st.tuples(st.just("order"), st.sampled_from([1, 3, 10, 25, 10**10]),
                  st.sampled_from([Decimal("10"), Decimal("25.50"), Decimal("0"),
                                   Decimal("9999.99")]))
PAY = st.tuples(st.just("pay"), st.integers(0, 5), AMOUNTS)
CREDIT = st.tuples(st.just("credit"), st.integers(-1, 5), AMOUNTS,
                   st.sampled_from(ReturnClaim.Kind.values), st.sampled_from(["alice", "sup"]))
DECIDE = st.tuples(st.just("decide"), st.integers(0, 5), st.booleans(),
                   st.sampled_from(["sup", "sup", "alice", "mgr_zj"]))
STEPS = st.tuples(ORDER, st.lists(st.one_of(
    ORDER, ORDER, PAY, PAY, CREDIT, CREDIT, CREDIT, DECIDE, DECIDE,
    st.tuples(st.just("cancel"), st.integers(0, 5), st.sampled_from(["alice", "sup"])),
    st.tuples(st.just("confirm"), st.integers(0, 5)),
), min_size=3, max_size=16)).map(lambda first_and_rest: [first_and_rest[0],
                                                         *first_and_rest[1]])


def pick(rows: list, index: int):
    return rows[index % len(rows)] if rows else None


def amount_of(spec, room: Decimal) -> Decimal:
    kind, value = spec
    if kind == "abs":
        return value
    return max((room * value / 100).quantize(Decimal("0.01")), Decimal("0.01"))


def apply(step, cast, catalogue, orders: list[Order]) -> str:
    people = {"alice": cast.alice, "sup": cast.sup, "mgr_zj": cast.mgr_zj}
    customer = cast.alice_customer
    kind = step[0]
    if kind == "order":
        order, _ = order_create(actor=cast.alice, customer=customer, lines=[
            {"product": catalogue.water, "quantity": step[1], "unit_price": step[2]}])
        orders.append(order)
    elif kind == "pay" and orders:
        order = pick(orders, step[1])
        payment_record(actor=cast.alice, order=order,
                       amount=amount_of(step[2], order_balance(order).outstanding))
    elif kind == "credit":
        order = None if step[1] < 0 else pick(orders, step[1])
        room = (order_balance(order) if order else customer_balance(customer.pk)).creditable
        return_create(actor=people[step[4]], customer=customer, order=order,
                      amount=amount_of(step[2], room), kind=step[3], reason="测试")
    elif kind == "decide":
        pending = list(ReturnClaim.objects.filter(status=ReturnClaim.Status.PENDING)
                       .order_by("pk"))
        claim = pick(pending, step[1])
        if claim is None:
            return "decide: nothing pending"
        else:
            if step[2]:
                return_approve(actor=people[step[3]], claim=claim)
            else:
                return_refuse(actor=people[step[3]], claim=claim, note="不符")
    elif kind == "cancel" and orders:
        order_cancel(actor=people[step[2]], order=pick(orders, step[1]), reason="改单")
    elif kind == "confirm" and orders:
        order_confirm(actor=cast.sup, order=pick(orders, step[1]))
    return f"{kind} applied"


def check_bounds(cast) -> None:
    for order in Order.objects.filter(customer=cast.alice_customer):
        balance = order_balance(order)
        if order.status == OrderStatus.CANCELLED:
            assert not order.payments.exists()
            assert not order.returns.exclude(status=ReturnClaim.Status.REFUSED).exists()
            continue
        # (a payment may take room a pending credit held: approving it re-checks the bound)
        assert balance.paid + balance.credited <= order.total
    account = customer_balance(cast.alice_customer.pk)
    assert account.paid + account.credited <= account.total
    credit = customer_credit(cast.alice_customer)
    assert credit.outstanding == account.total - account.paid - account.credited
    assert 0 <= credit.overdue_amount <= credit.outstanding
    assert credit.returned + credit.paid <= credit.ordered


@override_settings(RETURN_APPROVAL_AMOUNT=Decimal("10"))  # so that most credits wait
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
# The paths a short random run may miss: a credit waits, a payment takes its room, approving
# it is refused, a general discount, a refusal, a cancellation under a discount.
@example(steps=[("order", 10, Decimal("10")), ("credit", 0, ("pct", 80), "claim", "alice"),
                ("pay", 0, ("pct", 100)), ("decide", 0, True, "sup"),
                ("decide", 0, False, "sup"), ("order", 3, Decimal("25.50")),
                ("credit", -1, ("pct", 100), "discount", "sup"), ("decide", 0, True, "alice"),
                ("decide", 0, True, "mgr_zj"), ("cancel", 1, "alice"),
                ("credit", 1, ("abs", Decimal("999999999999.99")), "discount", "alice")])
@example(steps=[("order", 25, Decimal("9999.99")), ("credit", 0, ("pct", 50), "return", "sup"),
                ("credit", 0, ("pct", 101), "claim", "alice"), ("decide", 0, True, "sup"),
                ("decide", 0, True, "mgr_zj"), ("confirm", 0), ("cancel", 0, "sup"),
                ("pay", 0, ("pct", 100)), ("credit", -1, ("pct", 1), "discount", "alice")])
def test_no_sequence_breaks_the_credit_bounds(cast, catalogue, api, steps):
    client = api(cast.sup)
    with transaction.atomic():
        orders: list[Order] = []
        for step in steps:
            before = (Order.objects.count(), Payment.objects.count(),
                      list(ReturnClaim.objects.values_list("pk", "status").order_by("pk")),
                      list(Order.objects.values_list("pk", "status").order_by("pk")))
            try:
                with transaction.atomic():
                    event(apply(step, cast, catalogue, orders))
            except (ValidationError, PermissionDenied) as exc:
                event(f"{step[0]} refused: {type(exc).__name__}")
                after = (Order.objects.count(), Payment.objects.count(),
                         list(ReturnClaim.objects.values_list("pk", "status").order_by("pk")),
                         list(Order.objects.values_list("pk", "status").order_by("pk")))
                assert after == before  # a refusal writes nothing
            check_bounds(cast)
        response = client.get(f"/api/v1/customers/{cast.alice_customer.pk}/credit/")
        assert response.status_code == 200
        body = response.json()
        assert Decimal(body["paid"]) + Decimal(body["returned"]) <= Decimal(body["ordered"])
        transaction.set_rollback(True)
