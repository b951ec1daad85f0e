"""Order, payment and return services: arithmetic, validation, idempotency, status rules."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import Order, OrderLine, OrderStatus, Payment, PriceList, ReturnClaim
from outletcrm.orders.services import (
    default_price,
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    order_outstanding,
    payment_record,
    price_list_save,
    return_create,
    return_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the messages; the UI language is Chinese by default."""
    with translation.override("en"):
        yield


def create(cast, *lines, **kwargs):
    return order_create(actor=cast.alice, customer=cast.alice_customer, lines=list(lines),
                        **kwargs)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- amounts ------------------------------------------------------------------------------

def test_line_amounts_apply_discount_and_round_half_up_per_line(cast, catalogue):
    order, created = create(
        cast,
        {"product": catalogue.tea, "quantity": 3, "unit_price": "25.50", "discount": "0.1"},
        {"product": catalogue.water, "quantity": "3", "unit_price": "3.33", "discount": "0.15"},
        {"product": catalogue.water, "quantity": 1, "unit_price": "0.05", "discount": "0.5"},
    )
    assert created
    amounts = list(order.lines.values_list("amount", flat=True))
    # 68.85 exact; 8.4915 → 8.49; 0.025 → 0.03 (half up, not banker's 0.02)
    assert amounts == [Decimal("68.85"), Decimal("8.49"), Decimal("0.03")]
    assert order.total == Decimal("77.37") == sum(amounts)
    assert order.code.startswith("O") and order.status == OrderStatus.SUBMITTED


def test_unit_price_defaults_from_the_default_price_list(cast, catalogue):
    order, _ = create(cast, {"product": catalogue.tea.pk, "quantity": 2})
    line = order.lines.get()
    assert line.unit_price == Decimal("25.50") and order.total == Decimal("51.00")


def test_expired_default_list_gives_no_price(cast, catalogue):
    PriceList.objects.filter(is_default=True).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1))
    assert default_price(catalogue.water) is None
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": catalogue.water, "quantity": 1})
    assert "lines[0].unit_price" in errors_of(excinfo)


def test_only_one_default_price_list(catalogue):
    promo = price_list_save(price_list=PriceList(name="促销价", is_default=True))
    assert list(PriceList.objects.filter(is_default=True)) == [promo]
    with pytest.raises(ValidationError):
        price_list_save(price_list=PriceList(name="错", valid_from=datetime.date(2026, 5, 1),
                                             valid_to=datetime.date(2026, 4, 1)))


@pytest.mark.parametrize(("line", "field"), [
    ({"quantity": -1}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "NaN"}, "quantity"),
    ({"quantity": "1.005"}, "quantity"),
    ({"quantity": "1e15"}, "quantity"),
    ({"quantity": 1, "unit_price": "-0.01"}, "unit_price"),
    ({"quantity": 1, "unit_price": "1.234"}, "unit_price"),
    ({"quantity": 1, "discount": "1"}, "discount"),
    ({"quantity": 1, "discount": "-0.1"}, "discount"),
    ({"quantity": 1, "discount": "0.12345"}, "discount"),
])
def test_bad_lines_are_refused_and_nothing_is_written(cast, catalogue, line, field):
    good = {"product": catalogue.water, "quantity": 1}
    with pytest.raises(ValidationError) as excinfo:
        create(cast, good, {"product": catalogue.tea, **line})
    assert f"lines[1].{field}" in errors_of(excinfo)
    assert Order.objects.count() == OrderLine.objects.count() == TimelineEntry.objects.count() == 0


@pytest.mark.parametrize("product", ["competitor", "retired", "missing", "unpriced"])
def test_unknown_competitor_or_retired_products_are_refused(cast, catalogue, product):
    product_id = {"competitor": catalogue.rival.pk, "retired": catalogue.retired.pk,
                  "missing": 999999, "unpriced": catalogue.unpriced.pk}[product]
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": product_id, "quantity": 1})
    expected = "lines[0].unit_price" if product == "unpriced" else "lines[0].product"
    assert expected in errors_of(excinfo)
    assert Order.objects.count() == 0


def test_an_order_needs_lines_a_live_customer_and_sane_dates(cast, catalogue):
    with pytest.raises(ValidationError, match="at least one line"):
        create(cast)
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": catalogue.water, "quantity": 1},
               due_date=timezone.localdate() - datetime.timedelta(days=1))
    assert "due_date" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": catalogue.water, "quantity": 1},
               ordered_at=timezone.now() + datetime.timedelta(days=2))
    assert "ordered_at" in errors_of(excinfo)
    cast.alice_customer.archived_at = timezone.now()
    cast.alice_customer.save()
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": catalogue.water, "quantity": 1})
    assert "customer" in errors_of(excinfo)
    assert Order.objects.count() == 0


def test_replayed_client_id_returns_the_first_order(cast, catalogue):
    client_id = uuid.uuid4()
    first, created = create(cast, {"product": catalogue.water, "quantity": 2},
                            client_id=client_id)
    again, created_again = create(cast, {"product": catalogue.water, "quantity": 2},
                                  client_id=str(client_id))
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert TimelineEntry.objects.filter(kind="order").count() == 1
    with pytest.raises(ValidationError) as excinfo:  # someone else's id is not a replay
        order_create(actor=cast.bob, customer=cast.bob_customer, client_id=client_id,
                     lines=[{"product": catalogue.water, "quantity": 1}])
    assert "client_id" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        create(cast, {"product": catalogue.water, "quantity": 1}, client_id="not-a-uuid")
    assert "client_id" in errors_of(excinfo)


def test_everything_lands_on_the_customer_timeline(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    order_confirm(actor=cast.sup, order=order)
    order_deliver(actor=cast.sup, order=order)
    payment_record(actor=cast.alice, order=order, amount="40")
    return_record(actor=cast.alice, customer=cast.alice_customer, order=order, amount="10",
                  reason="破损", kind=ReturnClaim.Kind.CLAIM)
    other = make_order(cast.alice, cast.alice_customer)
    order_cancel(actor=cast.alice, order=other, reason="客户改单")
    entries = TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk).order_by("id")
    assert [e.kind for e in entries] == ["order", "order", "order", "payment", "return",
                                         "order", "order"]
    assert all(e.source_id for e in entries)
    assert entries.last().body == "客户改单"


# --- status -------------------------------------------------------------------------------

def test_status_moves_submitted_confirmed_delivered_only(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(ValidationError):
        order_deliver(actor=cast.sup, order=order)
    order = order_confirm(actor=cast.sup, order=order)
    assert order.status == OrderStatus.CONFIRMED and order.confirmed_at
    assert order.confirmed_by == cast.sup
    with pytest.raises(ValidationError):
        order_confirm(actor=cast.sup, order=order)
    order = order_deliver(actor=cast.sup, order=order)
    assert order.status == OrderStatus.DELIVERED and order.delivered_at
    assert order.delivered_by == cast.sup
    with pytest.raises(ValidationError, match="delivered order cannot be cancelled"):
        order_cancel(actor=cast.alice, order=order, reason="x")


def test_cancel_needs_a_reason_and_no_money_against_it(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(ValidationError) as excinfo:
        order_cancel(actor=cast.alice, order=order, reason="  ")
    assert "reason" in errors_of(excinfo)
    payment_record(actor=cast.alice, order=order, amount="1")
    with pytest.raises(ValidationError, match="payments cannot be cancelled"):
        order_cancel(actor=cast.alice, order=order, reason="客户取消")
    returned = make_order(cast.alice, cast.alice_customer)
    return_record(actor=cast.alice, customer=cast.alice_customer, order=returned, amount="5",
                  reason="破损")
    with pytest.raises(ValidationError):
        order_cancel(actor=cast.alice, order=returned, reason="客户取消")
    assert not Order.objects.filter(status=OrderStatus.CANCELLED).exists()
    plain = make_order(cast.alice, cast.alice_customer)
    plain = order_cancel(actor=cast.alice, order=plain, reason="客户取消")
    assert plain.status == OrderStatus.CANCELLED and plain.cancel_reason == "客户取消"
    with pytest.raises(ValidationError, match="already cancelled"):
        order_cancel(actor=cast.alice, order=plain, reason="again")
    with pytest.raises(ValidationError) as excinfo:
        payment_record(actor=cast.alice, order=plain, amount="1")
    assert "order" in errors_of(excinfo)
    assert order_outstanding(plain) == 0


# --- payments -----------------------------------------------------------------------------

def test_payments_reduce_what_is_owed_and_never_exceed_it(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer, quantity=10)  # ¥100
    payment_record(actor=cast.alice, order=order, amount="30.50",
                   method=Payment.Method.WECHAT)
    assert order_outstanding(order) == Decimal("69.50")
    with pytest.raises(ValidationError) as excinfo:
        payment_record(actor=cast.alice, order=order, amount="69.51")
    assert "69.50" in errors_of(excinfo)["amount"][0]
    return_record(actor=cast.alice, customer=cast.alice_customer, order=order, amount="9.50",
                  reason="破损退货")
    with pytest.raises(ValidationError):
        payment_record(actor=cast.alice, order=order, amount="60.01")
    payment_record(actor=cast.alice, order=order, amount="60")
    assert order_outstanding(order) == 0
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"amount": "0"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1.005"}, "amount"),
    ({"amount": "1", "method": "bitcoin"}, "method"),
    ({"amount": "1", "paid_at": "yesterday"}, "paid_at"),
    ({"amount": "1", "client_id": "nope"}, "client_id"),
])
def test_bad_payments_change_nothing(cast, catalogue, make_order, kwargs, field):
    order = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(ValidationError) as excinfo:
        payment_record(actor=cast.alice, order=order, **kwargs)
    assert field in errors_of(excinfo)
    assert Payment.objects.count() == 0
    assert not TimelineEntry.objects.filter(kind="payment").exists()


def test_payment_dates_must_be_after_the_order_and_not_in_the_future(cast, catalogue, make_order):
    today = timezone.localdate()
    order = make_order(cast.alice, cast.alice_customer, day=today - datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="before its order"):
        payment_record(actor=cast.alice, order=order, amount="1",
                       paid_at=today - datetime.timedelta(days=6))
    with pytest.raises(ValidationError, match="future"):
        payment_record(actor=cast.alice, order=order, amount="1",
                       paid_at=today + datetime.timedelta(days=1))
    payment, _ = payment_record(actor=cast.alice, order=order, amount="1",
                                paid_at=today - datetime.timedelta(days=2))
    assert timezone.localdate(payment.paid_at) == today - datetime.timedelta(days=2)


def test_payment_replay_is_a_no_op(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    client_id = uuid.uuid4()
    first, created = payment_record(actor=cast.alice, order=order, amount="50",
                                    client_id=client_id)
    again, created_again = payment_record(actor=cast.alice, order=order, amount="50",
                                          client_id=client_id)
    assert (created, created_again) == (True, False) and first.pk == again.pk
    assert order_outstanding(order) == Decimal("50.00")
    other = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(ValidationError) as excinfo:
        payment_record(actor=cast.alice, order=other, amount="50", client_id=client_id)
    assert "client_id" in errors_of(excinfo)


# --- returns ------------------------------------------------------------------------------

def test_returns_are_bounded_by_the_order_and_need_a_reason(cast, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    with pytest.raises(ValidationError) as excinfo:
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="10", reason=" ")
    assert "reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="100.01", reason="退货")
    assert "amount" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        return_record(actor=cast.alice, customer=cast.bob_customer, order=order,
                      amount="1", reason="退货")
    assert "order" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        return_record(actor=cast.alice, customer=cast.alice_customer, amount="1",
                      reason="x", kind="gift")
    assert "kind" in errors_of(excinfo)
    assert ReturnClaim.objects.count() == 0
    discount = return_record(actor=cast.alice, customer=cast.alice_customer, amount="8",
                             reason="年度返利", kind=ReturnClaim.Kind.DISCOUNT)
    assert discount.order is None
    # the general discount already took ¥8 of the ¥100 the customer owes
    with pytest.raises(ValidationError, match="¥92.00 the customer still owes"):
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                      amount="100", reason="整单退货")
    client_id = uuid.uuid4()
    first, created = return_create(actor=cast.alice, customer=cast.alice_customer, order=order,
                                   amount="92", reason="退货", client_id=client_id)
    again, created_again = return_create(actor=cast.alice, customer=cast.alice_customer,
                                         order=order, amount="92", reason="退货",
                                         client_id=client_id)
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert order_outstanding(order) == Decimal("8.00")


def test_a_product_is_found_by_any_id_including_1(cast):
    """Product id 1 once read as True and was refused (bool is an int in Python)."""
    from outletcrm.orders.models import Product
    from outletcrm.orders.services import _product

    Product.objects.filter(pk=1).delete()
    one = Product.objects.create(pk=1, code="ONE", name="一号", brand="本品")
    assert _product({"product": 1}) == one
    assert _product({"product": "1"}) == one
    assert _product({"product": True}) is None
