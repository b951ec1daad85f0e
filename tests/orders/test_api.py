"""REST API v1: catalogue, orders, payments, returns and the credit record."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import Order, OrderLine, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.services import payment_record

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def lines(catalogue, **extra):
    return [{"product": catalogue.water.pk, "quantity": "2", **extra},
            {"product": catalogue.tea.pk, "quantity": "1", "unit_price": "20", "discount": "0.1"}]


def post_order(client, customer, catalogue, **body):
    payload = {"customer": customer.pk, "lines": lines(catalogue), **body}
    return client.post(ORDERS, payload, format="json")


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


# --- catalogue ----------------------------------------------------------------------------

def test_products_filter_ours_and_competitors_and_search(cast, catalogue, api):
    client = api(cast.alice)
    everything = client.get("/api/v1/products/").json()
    codes = [p["code"] for p in everything["results"]]
    assert set(codes) == {"W500", "T250", "N001", "X900"}  # the retired product is gone
    water = next(p for p in everything["results"] if p["code"] == "W500")
    assert water["default_price"] == "10.00" and water["is_competitor"] is False
    ours = client.get("/api/v1/products/", {"competitor": "false"}).json()["results"]
    assert {p["code"] for p in ours} == {"W500", "T250", "N001"}
    rivals = client.get("/api/v1/products/", {"competitor": "true"}).json()["results"]
    assert [p["code"] for p in rivals] == ["X900"]
    found = client.get("/api/v1/products", {"q": "矿泉水"}).json()["results"]
    assert {p["code"] for p in found} == {"W500", "X900"}
    assert client.get("/api/v1/products/", {"competitor": "perhaps"}).status_code == 400
    assert client.get(f"/api/v1/products/{catalogue.retired.pk}/").status_code == 404


def test_price_lists_carry_their_prices(cast, catalogue, api):
    body = api(cast.alice).get("/api/v1/price-lists/").json()
    standard = body["results"][0]
    assert standard["is_default"] is True
    assert {i["product_code"]: i["unit_price"] for i in standard["items"]} == {
        "W500": "10.00", "T250": "25.50", "X900": "9.00"}


def test_the_api_needs_a_login(cast, catalogue, api):
    assert api().get(ORDERS).status_code in (401, 403)
    assert api().get("/api/v1/products/").status_code in (401, 403)


# --- creating orders ----------------------------------------------------------------------

def next_month() -> str:
    return (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def test_create_an_order_computes_amounts(cast, catalogue, api):
    response = post_order(api(cast.alice), cast.alice_customer, catalogue,
                          due_date=next_month(), notes="月底前送货")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == "38.00"  # 2 × 10.00 + 1 × 20 × 0.9
    assert [line["amount"] for line in body["lines"]] == ["20.00", "18.00"]
    assert body["lines"][0]["unit_price"] == "10.00"  # from the default price list
    assert body["outstanding"] == "38.00" and body["status"] == "submitted"
    assert body["rep"] == cast.alice.pk and body["visit"] is None
    assert TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk, kind="order").exists()


def test_a_replayed_client_id_answers_200_with_the_same_order(cast, catalogue, api):
    client = api(cast.alice)
    client_id = str(uuid.uuid4())
    first = post_order(client, cast.alice_customer, catalogue, client_id=client_id)
    again = post_order(client, cast.alice_customer, catalogue, client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 2
    # someone else's id is refused, not answered with alice's order
    other = post_order(api(cast.bob), cast.bob_customer, catalogue, client_id=client_id)
    assert other.status_code == 400 and "client_id" in other.json()
    assert Order.objects.count() == 1


@pytest.mark.parametrize(("line", "field"), [
    ({"quantity": "-1"}, "quantity"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "1.005"}, "quantity"),
    ({"product": 999999}, "product"),
    ({"product": "water"}, "product"),
    ({"unit_price": "-3"}, "unit_price"),
    ({"discount": "1"}, "discount"),
])
def test_bad_lines_answer_400_and_write_nothing(cast, catalogue, api, line, field):
    payload = {"customer": cast.alice_customer.pk,
               "lines": [{"product": catalogue.water.pk, "quantity": "1"},
                         {"product": catalogue.tea.pk, "quantity": "1", **line}]}
    response = api(cast.alice).post(ORDERS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["lines"]["1"]  # errors keyed by the line's index
    assert Order.objects.count() == OrderLine.objects.count() == 0
    assert not TimelineEntry.objects.exists()


@pytest.mark.parametrize("product", ["rival", "retired"])
def test_competitor_and_retired_products_cannot_be_ordered(cast, catalogue, api, product):
    payload = {"customer": cast.alice_customer.pk,
               "lines": [{"product": getattr(catalogue, product).pk, "quantity": "1"}]}
    response = api(cast.alice).post(ORDERS, payload, format="json")
    assert response.status_code == 400 and "product" in response.json()["lines"]["0"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize("payload", [
    {},
    {"customer": "abc", "lines": []},
    {"lines": [{"product": 1, "quantity": 1}]},
    [1, 2, 3],
    {"customer": 1, "lines": "water"},
    {"customer": 1, "lines": [{"product": 1, "quantity": 1}], "due_date": "soon"},
])
def test_malformed_bodies_answer_400(cast, catalogue, api, payload):
    response = api(cast.alice).post(ORDERS, payload, format="json")
    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_business_rules_from_the_service_answer_400(cast, catalogue, api):
    client = api(cast.alice)
    unpriced = client.post(ORDERS, {"customer": cast.alice_customer.pk, "lines": [
        {"product": catalogue.unpriced.pk, "quantity": "1"}]}, format="json")
    assert unpriced.status_code == 400 and "lines[0].unit_price" in unpriced.json()
    past_due = post_order(client, cast.alice_customer, catalogue, due_date="2000-01-01")
    assert past_due.status_code == 400 and "due_date" in past_due.json()
    assert Order.objects.count() == 0


def test_an_order_for_a_customer_out_of_scope_is_404(cast, catalogue, api):
    response = post_order(api(cast.alice), cast.charlie_customer, catalogue)
    missing = api(cast.alice).post(ORDERS, {"customer": 999999, "lines": lines(catalogue)},
                                   format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert Order.objects.count() == 0


# --- reading orders -----------------------------------------------------------------------

@pytest.fixture
def orders(cast, catalogue, make_order):
    return {
        "alice": make_order(cast.alice, cast.alice_customer),
        "bob": make_order(cast.bob, cast.bob_customer),
        "charlie": make_order(cast.charlie, cast.charlie_customer),
    }


@pytest.mark.parametrize(("user", "visible"), [
    ("alice", {"alice"}), ("bob", {"bob"}), ("charlie", {"charlie"}),
    ("sup", {"alice", "bob"}), ("mgr_nb", {"charlie"}), ("mgr_zj", {"alice", "bob", "charlie"}),
    ("custodian", {"alice", "bob", "charlie"}),
])
def test_lists_show_only_orders_in_scope(cast, api, orders, user, visible):
    body = api(getattr(cast, user)).get(ORDERS).json()
    assert {row["id"] for row in body["results"]} == {orders[name].pk for name in visible}


def test_an_order_out_of_scope_is_404_like_a_missing_one(cast, api, orders):
    client = api(cast.alice)
    charlie = orders["charlie"].pk
    assert client.get(f"{ORDERS}{charlie}/").status_code == 404
    assert client.get(f"{ORDERS}{charlie}/").json() == client.get(f"{ORDERS}999999/").json()
    assert client.post(f"{ORDERS}{charlie}/cancel", {"reason": "x"}).status_code == 404
    assert client.post(f"{ORDERS}{charlie}/confirm").status_code == 404
    assert client.get(f"{ORDERS}{charlie}/payments").status_code == 404
    assert client.post(f"{ORDERS}{charlie}/payments", {"amount": "1"}).status_code == 404
    assert Order.objects.get(pk=charlie).status == OrderStatus.SUBMITTED
    assert not Payment.objects.exists()


def test_list_filters(cast, catalogue, api, make_order):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    old = make_order(cast.alice, cast.alice_customer, day=today - datetime.timedelta(days=40))
    new = make_order(cast.alice, cast.alice_customer)
    other = make_order(cast.bob, cast.bob_customer)
    client = api(cast.sup)

    def ids(**params):
        response = client.get(ORDERS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(customer=cast.alice_customer.pk) == {old.pk, new.pk}
    assert ids(rep=cast.bob.pk) == {other.pk}
    assert ids(date_from=str(today - datetime.timedelta(days=41)),
               date_to=str(today - datetime.timedelta(days=39))) == {old.pk}
    assert ids(date_from=str(today)) == {new.pk, other.pk}
    assert ids(q=new.code) == {new.pk}
    assert ids(q="联华") == {old.pk, new.pk}
    client_alice = api(cast.alice)
    client_alice.post(f"{ORDERS}{new.pk}/cancel", {"reason": "改单"})
    assert ids(status="cancelled") == {new.pk}
    assert client.get(ORDERS, {"status": "lost"}).status_code == 400
    assert client.get(ORDERS, {"date_from": "yesterday"}).status_code == 400
    bad_range = client.get(ORDERS, {"date_from": str(today), "date_to": "2000-01-01"})
    assert bad_range.status_code == 400 and "date_to" in bad_range.json()


def test_list_and_detail_query_counts_do_not_grow(cast, catalogue, api, make_order):
    client = api(cast.alice)
    order = make_order(cast.alice, cast.alice_customer)
    payment_record(actor=cast.alice, order=order, amount="5")
    list_one = count_queries(lambda: client.get(ORDERS))
    detail_one = count_queries(lambda: client.get(f"{ORDERS}{order.pk}/"))
    for _i in range(6):
        more = make_order(cast.alice, cast.alice_customer)
        payment_record(actor=cast.alice, order=more, amount="5")
        payment_record(actor=cast.alice, order=order, amount="1")
    assert count_queries(lambda: client.get(ORDERS)) == list_one
    assert count_queries(lambda: client.get(f"{ORDERS}{order.pk}/")) == detail_one
    assert list_one <= 6


def test_detail_shows_lines_payments_returns_and_balance(cast, catalogue, api, make_order):
    client = api(cast.alice)
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    client.post(f"{ORDERS}{order.pk}/payments", {"amount": "30", "method": "wechat"})
    client.post("/api/v1/returns/", {"customer": cast.alice_customer.pk, "order": order.pk,
                                     "kind": "claim", "amount": "10", "reason": "破损"})
    body = client.get(f"{ORDERS}{order.pk}").json()
    assert (body["paid_amount"], body["returned_amount"], body["outstanding"]) == (
        "30.00", "10.00", "60.00")
    assert [p["method"] for p in body["payments"]] == ["wechat"]
    assert [r["kind"] for r in body["returns"]] == ["claim"]


# --- status changes -----------------------------------------------------------------------

def test_confirm_deliver_and_cancel(cast, api, orders):
    client = api(cast.alice)
    supervisor = api(cast.sup)  # nobody confirms or delivers an order they took
    order = orders["alice"].pk
    assert supervisor.post(f"{ORDERS}{order}/deliver").status_code == 400
    confirmed = supervisor.post(f"{ORDERS}{order}/confirm/").json()
    assert (confirmed["status"], confirmed["confirmed_by"]) == ("confirmed", cast.sup.pk)
    delivered = supervisor.post(f"{ORDERS}{order}/deliver").json()
    assert (delivered["status"], delivered["delivered_by"]) == ("delivered", cast.sup.pk)
    refused = client.post(f"{ORDERS}{order}/cancel", {"reason": "晚了"})
    assert refused.status_code == 400 and "non_field_errors" in refused.json()
    bob = api(cast.bob)
    assert bob.post(f"{ORDERS}{orders['bob'].pk}/cancel", {}).status_code == 400
    cancelled = bob.post(f"{ORDERS}{orders['bob'].pk}/cancel", {"reason": "客户取消"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "客户取消"
    assert cancelled.json()["outstanding"] == "0.00"


# --- payments -----------------------------------------------------------------------------

def test_payments_record_list_and_replay(cast, api, orders):
    client = api(cast.alice)
    url = f"{ORDERS}{orders['alice'].pk}/payments"
    client_id = str(uuid.uuid4())
    first = client.post(url, {"amount": "40", "method": "cash", "client_id": client_id})
    again = client.post(url, {"amount": "40", "method": "cash", "client_id": client_id})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Payment.objects.count() == 1
    listed = client.get(url).json()
    assert [p["amount"] for p in listed] == ["40.00"]
    assert client.get(f"{ORDERS}{orders['alice'].pk}/").json()["outstanding"] == "60.00"


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "60.01"}, "amount"),   # more than the ¥60 still owed
    ({"amount": "0"}, "amount"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": "1", "method": "bitcoin"}, "method"),
    ({"amount": "1", "paid_at": "2999-01-01T10:00:00+08:00"}, "paid_at"),
    ({"amount": "1", "client_id": "nope"}, "client_id"),
])
def test_bad_payments_answer_400_and_write_nothing(cast, api, orders, body, field):
    payment_record(actor=cast.alice, order=orders["alice"], amount="40")
    response = api(cast.alice).post(f"{ORDERS}{orders['alice'].pk}/payments", body)
    assert response.status_code == 400 and field in response.json()
    assert Payment.objects.count() == 1


# --- returns ------------------------------------------------------------------------------

def test_returns_create_list_and_scope(cast, api, orders):
    client = api(cast.alice)
    client_id = str(uuid.uuid4())
    body = {"customer": cast.alice_customer.pk, "order": orders["alice"].pk, "kind": "return",
            "amount": "20", "reason": "临期退货", "client_id": client_id}
    first = client.post("/api/v1/returns/", body, format="json")
    again = client.post("/api/v1/returns", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert ReturnClaim.objects.count() == 1
    general = client.post("/api/v1/returns/", {"customer": cast.alice_customer.pk,
                                               "kind": "discount", "amount": "5",
                                               "reason": "年度返利"})
    assert general.status_code == 201 and general.json()["order"] is None
    # charlie's customer or order: 404 like missing; another customer's order: 400
    assert client.post("/api/v1/returns/", {**body, "client_id": None,
                                            "customer": cast.charlie_customer.pk},
                       format="json").status_code == 404
    assert client.post("/api/v1/returns/", {**body, "client_id": None,
                                            "order": orders["charlie"].pk},
                       format="json").status_code == 404
    mismatched = api(cast.sup).post("/api/v1/returns/", {
        **body, "client_id": None, "customer": cast.bob_customer.pk}, format="json")
    assert mismatched.status_code == 400 and "order" in mismatched.json()
    too_much = client.post("/api/v1/returns/", {**body, "client_id": None, "amount": "80.01"},
                           format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json()
    no_reason = client.post("/api/v1/returns/", {**body, "client_id": None, "reason": ""},
                            format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert ReturnClaim.objects.count() == 2
    assert {r["reason"] for r in client.get("/api/v1/returns/").json()["results"]} == {
        "临期退货", "年度返利"}
    assert api(cast.charlie).get("/api/v1/returns/").json()["results"] == []
    first_id = first.json()["id"]
    assert api(cast.charlie).get(f"/api/v1/returns/{first_id}/").status_code == 404


# --- credit -------------------------------------------------------------------------------

def test_credit_record(cast, api, orders):
    payment_record(actor=cast.alice, order=orders["alice"], amount="25")
    client = api(cast.alice)
    body = client.get(f"/api/v1/customers/{cast.alice_customer.pk}/credit").json()
    assert body["customer"] == cast.alice_customer.pk
    assert (Decimal(body["ordered"]), Decimal(body["paid"]), Decimal(body["outstanding"])) == (
        Decimal("100"), Decimal("25"), Decimal("75"))
    assert body["orders_due"] == 0 and body["on_time_rate"] is None
    assert client.get(f"/api/v1/customers/{cast.charlie_customer.pk}/credit/").status_code == 404
    assert client.get("/api/v1/customers/999999/credit").status_code == 404
