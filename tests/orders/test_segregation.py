"""Segregation of duties on orders (issue 7 §2; rules in core.scoping).

  take an order, record payments and credits: reps, supervisors, managers, administrators
    (not the archive custodian), for customers in their scope;
  confirm, mark delivered: someone other than the taker, with a supervising role, ranking at
    least as high as the taker, with the customer in scope;
  cancel: the taker while it is submitted; after that, whoever may confirm it.
"""

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from outletcrm.core import scoping
from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import Order, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.services import (
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    payment_record,
    return_record,
)
from outletcrm.org.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def status_of(order) -> str:
    return Order.objects.get(pk=order.pk).status


# --- the trial's case: a rep confirming and delivering his own order ----------------------

def test_a_rep_cannot_confirm_or_deliver_his_own_order(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    entries = TimelineEntry.objects.count()
    with pytest.raises(PermissionDenied):
        order_confirm(actor=cast.alice, order=order)
    assert status_of(order) == OrderStatus.SUBMITTED
    order_confirm(actor=cast.sup, order=order)
    with pytest.raises(PermissionDenied):
        order_deliver(actor=cast.alice, order=order)
    assert status_of(order) == OrderStatus.CONFIRMED
    order_deliver(actor=cast.sup, order=order)
    order = Order.objects.get(pk=order.pk)
    assert (order.confirmed_by, order.delivered_by) == (cast.sup, cast.sup)
    assert TimelineEntry.objects.count() == entries + 2
    assert list(TimelineEntry.objects.order_by("-pk").values_list("actor", flat=True)[:2]) == [
        cast.sup.pk, cast.sup.pk]


def test_the_api_answers_403_with_the_reason_and_changes_nothing(cast, api, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    rep = api(cast.alice)
    response = rep.post(f"{ORDERS}{order.pk}/confirm/")
    assert response.status_code == 403
    assert response.json() == {"detail": "订单须由下单人以外的人确认：下单人的主管或经理。"}
    assert status_of(order) == OrderStatus.SUBMITTED
    assert api(cast.sup).post(f"{ORDERS}{order.pk}/confirm/").status_code == 200
    response = rep.post(f"{ORDERS}{order.pk}/deliver/")
    assert response.status_code == 403 and "标记送达" in response.json()["detail"]
    assert status_of(order) == OrderStatus.CONFIRMED
    # a confirmed order is no longer the rep's to withdraw
    response = rep.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "客户改单"})
    assert response.status_code == 403 and "取消" in response.json()["detail"]
    assert status_of(order) == OrderStatus.CONFIRMED
    assert api(cast.sup).post(f"{ORDERS}{order.pk}/cancel/",
                              {"reason": "客户改单"}).status_code == 200


def test_the_page_hides_the_buttons_and_refuses_a_forged_post(cast, page_client, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    rep = page_client(cast.alice)
    body = rep.get(f"/orders/{order.pk}/").content.decode()
    assert f"/orders/{order.pk}/confirm/" not in body
    assert 'data-testid="awaits-countersign"' in body
    forged = rep.post(f"/orders/{order.pk}/confirm/", follow=True)
    assert "Someone other than the person who took the order confirms it" in (
        forged.content.decode())
    assert status_of(order) == OrderStatus.SUBMITTED
    sup = page_client(cast.sup)
    assert f"/orders/{order.pk}/confirm/" in sup.get(f"/orders/{order.pk}/").content.decode()
    assert sup.post(f"/orders/{order.pk}/confirm/", {"next": "approvals"}).url == (
        "/orders/approvals/")
    shown = sup.get(f"/orders/{order.pk}/").content.decode()
    assert f"/orders/{order.pk}/deliver/" in shown and str(cast.sup) in shown


def test_the_supervisor_finds_his_teams_orders_to_move_on(cast, page_client, make_order):
    mine = make_order(cast.sup, cast.alice_customer)  # the supervisor took this one himself
    alices = make_order(cast.alice, cast.alice_customer)
    bobs = make_order(cast.bob, cast.bob_customer)
    order_confirm(actor=cast.sup, order=bobs)
    charlies = make_order(cast.charlie, cast.charlie_customer)
    page = page_client(cast.sup).get("/orders/approvals/").content.decode()
    confirm = page.split('data-testid="orders-to-confirm"')[1].split("</table>")[0]
    deliver = page.split('data-testid="orders-to-deliver"')[1].split("</table>")[0]
    assert alices.code in confirm and mine.code not in confirm and charlies.code not in page
    assert bobs.code in deliver
    manager = page_client(cast.mgr_zj).get("/orders/approvals/").content.decode()
    assert mine.code in manager and charlies.code in manager


# --- who countersigns whom ---------------------------------------------------------------

@pytest.mark.parametrize(("taker", "confirmer", "allowed"), [
    ("alice", "alice", False),      # himself
    ("alice", "sup", True),         # his supervisor
    ("alice", "mgr_zj", True),      # the manager above
    ("alice", "mgr_nb", False),     # a manager of another region (out of scope)
    ("alice", "custodian", False),  # the archive custodian does not trade
    ("alice", "admin", True),
    ("sup", "sup", False),
    ("sup", "sup2", True),          # a peer supervisor of the team
    ("sup", "mgr_zj", True),
    ("mgr_zj", "sup", False),       # never someone below the taker
    ("mgr_zj", "admin", True),
])
def test_who_may_confirm_whose_order(cast, catalogue, taker, confirmer, allowed):
    UserFactory(username="sup2", role=Role.SUPERVISOR, team=cast.team_hz)
    people = {u.username: u for u in type(cast.alice).objects.all()}
    order, _ = order_create(actor=people[taker], customer=cast.alice_customer,
                            lines=[{"product": catalogue.water, "quantity": 1}])
    assert scoping.can_confirm_order(people[confirmer], order) is allowed
    assert scoping.can_deliver_order(people[confirmer], order) is allowed
    if allowed:
        assert order_confirm(actor=people[confirmer], order=order).confirmed_by == (
            people[confirmer])
    else:
        with pytest.raises(PermissionDenied):
            order_confirm(actor=people[confirmer], order=order)
        assert status_of(order) == OrderStatus.SUBMITTED


def test_the_taker_withdraws_only_until_confirmation(cast, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    assert scoping.can_cancel_order(cast.alice, order)
    assert order_cancel(actor=cast.alice, order=order, reason="客户改单").cancelled_by == (
        cast.alice)
    confirmed = make_order(cast.alice, cast.alice_customer)
    order_confirm(actor=cast.sup, order=confirmed)
    with pytest.raises(PermissionDenied):
        order_cancel(actor=cast.alice, order=confirmed, reason="客户改单")
    assert order_cancel(actor=cast.sup, order=confirmed, reason="缺货").cancelled_by == cast.sup


# --- the custodian keeps the archive and does not trade ----------------------------------

def test_the_custodian_cannot_trade(cast, api, page_client, catalogue, make_order):
    order = make_order(cast.alice, cast.alice_customer)
    with pytest.raises(PermissionDenied):
        order_create(actor=cast.custodian, customer=cast.alice_customer,
                     lines=[{"product": catalogue.water, "quantity": 1}])
    with pytest.raises(PermissionDenied):
        payment_record(actor=cast.custodian, order=order, amount="1")
    with pytest.raises(PermissionDenied):
        return_record(actor=cast.custodian, customer=cast.alice_customer, order=order,
                      amount="1", reason="x")
    client = api(cast.custodian)
    refused = [
        client.post(ORDERS, {"customer": cast.alice_customer.pk, "lines": [
            {"product": catalogue.water.pk, "quantity": "1"}]}, format="json"),
        client.post(f"{ORDERS}{order.pk}/payments/", {"amount": "1"}),
        client.post("/api/v1/returns/", {"customer": cast.alice_customer.pk, "order": order.pk,
                                         "kind": "claim", "amount": "1", "reason": "x"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[0].json() == {"detail": "您的角色不能下单，也不能登记回款、退货或折让。"}
    assert client.get(f"{ORDERS}{order.pk}/").status_code == 200  # reading is the archive's
    page = page_client(cast.custodian)
    assert page.get(f"/orders/new/{cast.alice_customer.pk}/").status_code == 403
    assert page.get(f"/orders/{order.pk}/payments/new/").status_code == 403
    assert page.post(f"/orders/{order.pk}/returns/new/", {
        "kind": "claim", "amount": "1", "reason": "x",
        "client_id": str(uuid.uuid4())}).status_code == 403
    detail = page.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="record-payment"' not in detail
    customer = page.get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert f"/orders/new/{cast.alice_customer.pk}/" not in customer
    assert Order.objects.count() == 1 and not Payment.objects.exists()
    assert not ReturnClaim.objects.exists()
