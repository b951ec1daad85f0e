"""Order pages: list, detail, taking an order, payments, returns, catalogue, trading fragment."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.orders.models import Order, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.services import order_confirm, payment_record, return_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    """The test client, logged in as `user`, reading the pages in English."""

    def _page(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _page


def queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = func()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def line_data(rows: list[dict], *, client_id=None, **extra) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "200",
            "client_id": str(client_id or uuid.uuid4()), "due_date": "", "notes": "", **extra}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


# --- list ---------------------------------------------------------------------------------

def test_list_shows_only_orders_in_scope(cast, page, make_order):
    mine = make_order(cast.alice, cast.alice_customer)
    theirs = make_order(cast.charlie, cast.charlie_customer)
    body = page(cast.alice).get("/orders/").content.decode()
    assert mine.code in body and theirs.code not in body
    assert "联华超市" in body and "宁波海曙药房" not in body
    sup_body = page(cast.sup).get("/orders/").content.decode()
    assert mine.code in sup_body and theirs.code not in sup_body


def test_list_filters_and_bad_filter_input(cast, page, make_order):
    today = timezone.localdate()
    old = make_order(cast.alice, cast.alice_customer, day=today - datetime.timedelta(days=30))
    new = make_order(cast.alice, cast.alice_customer)
    bob = make_order(cast.bob, cast.bob_customer)
    client = page(cast.sup)

    def codes(**params):
        body = client.get("/orders/", params).content.decode()
        return {o.code for o in (old, new, bob) if o.code in body}

    assert codes(customer=cast.bob_customer.pk) == {bob.code}
    assert codes(rep=cast.alice.pk) == {old.code, new.code}
    assert codes(date_to=str(today - datetime.timedelta(days=1))) == {old.code}
    assert codes(status="confirmed") == set()
    assert codes(q="好又多") == {bob.code}
    response = client.get("/orders/", {"date_from": "soon", "rep": "999999", "page": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "(this filter was ignored)" in body
    assert {o.code for o in (old, new, bob) if o.code in body} == {old.code, new.code, bob.code}
    fragment = client.get("/orders/", {"rep": cast.bob.pk}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="order-results")
    assert b"<nav class=\"navbar" not in fragment.content and bob.code.encode() in fragment.content


def test_list_query_count_does_not_grow(cast, page, make_order):
    client = page(cast.alice)
    make_order(cast.alice, cast.alice_customer)
    one = queries(lambda: client.get("/orders/"))
    for _i in range(8):
        order = make_order(cast.alice, cast.alice_customer)
        payment_record(actor=cast.alice, order=order, amount="1")
    assert queries(lambda: client.get("/orders/")) == one


# --- detail -------------------------------------------------------------------------------

def test_detail_shows_lines_money_and_visit(cast, catalogue, page, make_order):
    from outletcrm.visits.models import Visit, VisitOrder

    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    payment_record(actor=cast.alice, order=order, amount="30")
    return_record(actor=cast.alice, customer=cast.alice_customer, order=order, amount="10",
                  reason="破损", kind=ReturnClaim.Kind.CLAIM)
    now = timezone.now()
    visit = Visit.objects.create(rep=cast.alice, customer=cast.alice_customer,
                                 date=timezone.localdate(), checked_in_at=now,
                                 checkin_received_at=now)
    VisitOrder.objects.create(visit=visit, order=order)
    body = page(cast.alice).get(f"/orders/{order.pk}/").content.decode()
    assert "天然矿泉水" in body and "¥100.00" in body
    assert "¥30.00" in body and "破损" in body
    assert 'data-testid="outstanding">¥60.00<' in body
    assert f"/visits/visit/{visit.pk}/" in body


def test_detail_out_of_scope_is_404(cast, page, make_order):
    theirs = make_order(cast.charlie, cast.charlie_customer)
    client = page(cast.alice)
    assert client.get(f"/orders/{theirs.pk}/").status_code == 404
    assert client.get("/orders/999999/").status_code == 404
    for url in (f"/orders/{theirs.pk}/cancel/", f"/orders/{theirs.pk}/confirm/",
                f"/orders/{theirs.pk}/payments/new/", f"/orders/{theirs.pk}/returns/new/"):
        assert client.post(url, {"reason": "x", "amount": "1"}).status_code == 404
    assert client.get(f"/orders/new/{cast.charlie_customer.pk}/").status_code == 404
    assert client.get(f"/orders/returns/new/{cast.charlie_customer.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.SUBMITTED
    assert not Payment.objects.exists() and not ReturnClaim.objects.exists()


def test_detail_query_count_does_not_grow(cast, catalogue, page, make_order):
    client = page(cast.alice)
    order = make_order(cast.alice, cast.alice_customer, quantity=100)
    payment_record(actor=cast.alice, order=order, amount="1")
    one = queries(lambda: client.get(f"/orders/{order.pk}/"))
    for _i in range(5):
        payment_record(actor=cast.alice, order=order, amount="1")
        return_record(actor=cast.alice, customer=cast.alice_customer, order=order, amount="1",
                      reason="破损")
    assert queries(lambda: client.get(f"/orders/{order.pk}/")) == one


# --- taking an order ----------------------------------------------------------------------

def test_new_order_form_offers_our_products_with_default_prices(cast, catalogue, page):
    response = page(cast.alice).get(f"/orders/new/{cast.alice_customer.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="client_id"' in body
    assert 'data-price="10.00"' in body and "天然矿泉水" in body
    assert "竞品矿泉水" not in body and "停产饮料" not in body


def test_create_an_order_with_two_lines_and_replay_it(cast, catalogue, page):
    client = page(cast.alice)
    client_id = uuid.uuid4()
    due = timezone.localdate() + datetime.timedelta(days=7)
    data = line_data([
        {"product": catalogue.water.pk, "quantity": "3"},
        {"product": catalogue.tea.pk, "quantity": "2", "unit_price": "24", "discount_percent": "12.5"},
    ], client_id=client_id, due_date=due.isoformat(), notes="下周送")
    response = client.post(f"/orders/new/{cast.alice_customer.pk}/", data)
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    assert order.total == Decimal("72.00")  # 3 × 10 + 2 × 24 × 0.875
    assert order.lines.count() == 2 and order.lines.last().discount == Decimal("0.125")
    assert order.due_date == due and order.rep == cast.alice
    again = client.post(f"/orders/new/{cast.alice_customer.pk}/", data)  # double submit
    assert again.status_code == 302 and again.url == response.url
    assert Order.objects.count() == 1


@pytest.mark.parametrize(("row", "message"), [
    ({"quantity": "-2"}, "greater than or equal to 0.01"),
    ({"quantity": "abc"}, "Enter a number"),
    ({"quantity": "1", "discount_percent": "100"}, "less than or equal to 99.99"),
    ({"quantity": "1", "unit_price": "-1"}, "greater than or equal to 0"),
])
def test_bad_lines_re_render_the_form_and_save_nothing(cast, catalogue, page, row, message):
    data = line_data([{"product": catalogue.water.pk, **row}])
    response = page(cast.alice).post(f"/orders/new/{cast.alice_customer.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Order.objects.count() == 0


def test_unknown_or_competitor_products_and_empty_orders_are_refused(cast, catalogue, page):
    client = page(cast.alice)
    url = f"/orders/new/{cast.alice_customer.pk}/"
    for product in (catalogue.rival.pk, 999999, "x"):
        response = client.post(url, line_data([{"product": product, "quantity": "1"}]))
        assert response.status_code == 400
        assert "Unknown or unavailable product." in response.content.decode()
    empty = client.post(url, line_data([{"product": "", "quantity": ""}]))
    assert empty.status_code == 400 and "at least one line" in empty.content.decode()
    unpriced = client.post(url, line_data([{"product": catalogue.unpriced.pk, "quantity": "1"}]))
    assert unpriced.status_code == 400
    assert "This product has no price; enter the unit price." in unpriced.content.decode()
    missing_id = line_data([{"product": catalogue.water.pk, "quantity": "1"}])
    missing_id["client_id"] = "not-a-uuid"
    assert client.post(url, missing_id).status_code == 400
    assert Order.objects.count() == 0


def test_archived_customers_take_no_orders(cast, catalogue, page):
    cast.alice_customer.archived_at = timezone.now()
    cast.alice_customer.save()
    response = page(cast.alice).post(f"/orders/new/{cast.alice_customer.pk}/",
                                     line_data([{"product": catalogue.water.pk, "quantity": "1"}]))
    assert response.status_code == 400 and "This customer is archived." in response.content.decode()
    assert Order.objects.count() == 0


def test_pick_a_customer_searches_within_scope(cast, page):
    client = page(cast.alice)
    body = client.get("/orders/new/", {"q": "联华"}).content.decode()
    assert f"/orders/new/{cast.alice_customer.pk}/" in body
    assert "宁波海曙药房" not in client.get("/orders/new/", {"q": "药房"}).content.decode()


# --- actions ------------------------------------------------------------------------------

def test_cancel_needs_a_reason(cast, page, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    client = page(cast.alice)
    assert client.post(f"/orders/{order.pk}/cancel/", {"reason": ""}).status_code == 400
    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "客户改单"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "客户改单"
    again = client.post(f"/orders/{order.pk}/cancel/", {"reason": "again"})
    assert again.status_code == 400 and "already cancelled" in again.content.decode()


def test_cancel_with_payments_is_refused(cast, page, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    payment_record(actor=cast.alice, order=order, amount="5")
    response = page(cast.alice).post(f"/orders/{order.pk}/cancel/", {"reason": "客户改单"})
    assert response.status_code == 400
    assert "An order with payments cannot be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED


def test_confirm_then_deliver(cast, page, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    client = page(cast.sup)
    refused = client.post(f"/orders/{order.pk}/deliver/", follow=True)
    assert "Only a confirmed order can be delivered." in refused.content.decode()
    client.post(f"/orders/{order.pk}/confirm/")
    client.post(f"/orders/{order.pk}/deliver/")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert client.get(f"/orders/{order.pk}/confirm/").status_code == 405


def test_record_a_payment_and_see_the_balance_drop(cast, page, make_order):
    order = make_order(cast.alice, cast.alice_customer)  # ¥100
    client = page(cast.alice)
    form = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'value="100.00"' in form  # the amount proposed is what is owed
    client_id = str(uuid.uuid4())
    data = {"amount": "40", "method": "wechat", "paid_on": str(timezone.localdate()),
            "notes": "", "client_id": client_id}
    assert client.post(f"/orders/{order.pk}/payments/new/", data).status_code == 302
    assert client.post(f"/orders/{order.pk}/payments/new/", data).status_code == 302  # replay
    assert Payment.objects.count() == 1
    body = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="outstanding">¥60.00<' in body
    too_much = client.post(f"/orders/{order.pk}/payments/new/",
                           {**data, "amount": "60.01", "client_id": str(uuid.uuid4())})
    assert too_much.status_code == 400
    assert "more than the ¥60.00 still owed" in too_much.content.decode()
    future = client.post(f"/orders/{order.pk}/payments/new/", {
        **data, "amount": "1", "client_id": str(uuid.uuid4()),
        "paid_on": str(timezone.localdate() + datetime.timedelta(days=3))})
    assert future.status_code == 400 and "cannot be in the future" in future.content.decode()
    assert Payment.objects.count() == 1


def test_record_returns_for_an_order_and_for_the_customer(cast, page, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    client = page(cast.alice)
    ok = client.post(f"/orders/{order.pk}/returns/new/", {
        "kind": "return", "amount": "15", "reason": "临期", "client_id": str(uuid.uuid4())})
    assert ok.status_code == 302 and ok.url == f"/orders/{order.pk}/"
    too_much = client.post(f"/orders/{order.pk}/returns/new/", {
        "kind": "return", "amount": "86", "reason": "临期", "client_id": str(uuid.uuid4())})
    assert too_much.status_code == 400
    general = client.post(f"/orders/returns/new/{cast.alice_customer.pk}/", {
        "kind": "discount", "amount": "5", "reason": "年度返利", "order": "",
        "client_id": str(uuid.uuid4())})
    assert general.status_code == 302
    other_order = client.post(f"/orders/returns/new/{cast.alice_customer.pk}/", {
        "kind": "claim", "amount": "5", "reason": "x", "order": str(order.pk + 1000),
        "client_id": str(uuid.uuid4())})
    assert other_order.status_code == 400
    assert list(ReturnClaim.objects.values_list("amount", flat=True).order_by("pk")) == [
        Decimal("15.00"), Decimal("5.00")]


# --- catalogue ----------------------------------------------------------------------------

def test_catalogue_ours_competitors_and_search(cast, catalogue, page):
    client = page(cast.alice)
    ours = client.get("/orders/products/").content.decode()
    assert "天然矿泉水" in ours and "¥10.00" in ours and "竞品矿泉水" not in ours
    assert "停产饮料" not in ours
    rivals = client.get("/orders/products/", {"kind": "competitor"}).content.decode()
    assert "竞品矿泉水" in rivals and "天然矿泉水" not in rivals
    found = client.get("/orders/products/", {"kind": "all", "q": "T250"}).content.decode()
    assert "冰红茶" in found and "天然矿泉水" not in found
    assert client.get("/orders/products/", {"kind": "bogus", "page": "-1"}).status_code == 200


def test_pages_need_a_login(client, cast):
    response = client.get("/orders/")
    assert response.status_code == 302 and "/login/" in response.url


# --- the customer page's trading categories -----------------------------------------------

def render_trading(customer, user) -> str:
    template = Template("{% load orders_tags %}{% customer_trading customer user %}")
    return template.render(Context({"customer": customer, "user": user}))


def test_trading_fragment_shows_the_five_categories_and_credit(cast, page, make_order):
    from django.utils import translation

    order = make_order(cast.alice, cast.alice_customer, due=timezone.localdate())
    order_confirm(actor=cast.sup, order=order)
    payment_record(actor=cast.alice, order=order, amount="100")
    make_order(cast.alice, cast.alice_customer)
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="5", reason="年度返利",
                  kind=ReturnClaim.Kind.DISCOUNT)
    with translation.override("en"):
        html = render_trading(cast.alice_customer, cast.alice)
    for title in ("Contracts and orders", "Receivables and repayments", "Trading history",
                  "Returns, claims and discounts", "Paid on time"):
        assert title in html
    assert order.code in html and "年度返利" in html
    assert 'data-testid="credit-outstanding">¥95.00<' in html  # 200 − 100 paid − 5 discount
    assert 'data-testid="credit-on-time">100.00%<' in html
    assert render_trading(cast.charlie_customer, cast.alice).strip() == ""


def test_trading_fragment_query_count_does_not_grow(cast, make_order):
    first = make_order(cast.alice, cast.alice_customer, due=timezone.localdate())
    payment_record(actor=cast.alice, order=first, amount="10")
    with CaptureQueriesContext(connection) as one:
        render_trading(cast.alice_customer, cast.alice)
    for _i in range(6):
        order = make_order(cast.alice, cast.alice_customer, due=timezone.localdate())
        payment_record(actor=cast.alice, order=order, amount="10")
    with CaptureQueriesContext(connection) as many:
        render_trading(cast.alice_customer, cast.alice)
    assert len(many.captured_queries) == len(one.captured_queries) <= 15


def test_date_pickers_get_iso_dates_in_chinese_too(cast, catalogue, client, make_order):
    """<input type=date> only understands YYYY-MM-DD; zh-hans formats dates as 2026/11/23."""
    order = make_order(cast.alice, cast.alice_customer)
    client.force_login(cast.alice)  # no Accept-Language: the default, Simplified Chinese
    today = timezone.localdate()
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'name="paid_on" value="{today.isoformat()}"' in detail
    new = client.get(f"/orders/new/{cast.alice_customer.pk}/").content.decode()
    assert f'value="{(today + datetime.timedelta(days=30)).isoformat()}"' in new
    listing = client.get("/orders/", {"date_from": "2026-01-05"}).content.decode()
    assert 'name="date_from" value="2026-01-05"' in listing
