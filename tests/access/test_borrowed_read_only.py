"""A borrowed customer is read-only (借阅制度, issue 10 item 3) in orders and visits too: the
borrower can read the card but cannot take an order, record a return, check in, plan a stop or
put a task on it — through the services, the API and the phone alike — and nothing is written.
The owner still can (so the refusal is the borrowing's, not a broken service)."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from outletcrm.access import services as access_services
from outletcrm.orders import services as order_services
from outletcrm.orders.models import Order, ReturnClaim
from outletcrm.visits import services as visit_services
from outletcrm.visits.models import FollowUpTask, PlannedStop, Visit
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lent(cast):
    """Alice's customer lent to Charlie (another team) from today to tomorrow."""
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.charlie, customer_ids=[cast.alice_customer.pk], purpose="ride_along",
        reason="随访", starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    return cast.alice_customer


@pytest.fixture
def water(db):
    return ProductFactory(code="W500", name="天然矿泉水")


def order_lines(product):
    return [{"product": product.pk, "quantity": "2", "unit_price": "10"}]


def test_borrower_reads_but_cannot_take_an_order_or_record_a_return(cast, lent, water, api):
    client = api(cast.charlie)
    assert client.get(f"/api/v1/customers/{lent.pk}/").status_code == 200
    with pytest.raises(PermissionDenied):
        order_services.order_create(actor=cast.charlie, customer=lent,
                                    lines=order_lines(water))
    response = client.post("/api/v1/orders/", {"customer": lent.pk, "lines": order_lines(water)},
                           format="json")
    assert response.status_code == 403
    assert "只读" in response.json()["detail"]  # "lent to you read-only"
    with pytest.raises(PermissionDenied):
        order_services.return_create(actor=cast.charlie, customer=lent, amount="5",
                                     reason="破损", kind=ReturnClaim.Kind.CLAIM)
    assert not Order.objects.exists() and not ReturnClaim.objects.exists()
    # The owner still trades with the customer.
    order, created = order_services.order_create(actor=cast.alice, customer=lent,
                                                 lines=order_lines(water))
    assert created and order.customer_id == lent.pk


def test_borrower_cannot_pay_confirm_or_cancel_an_order_of_the_customer(cast, lent, water):
    order, _ = order_services.order_create(actor=cast.alice, customer=lent,
                                           lines=order_lines(water))
    with pytest.raises(PermissionDenied):
        order_services.payment_record(actor=cast.charlie, order=order, amount="5")
    with pytest.raises(PermissionDenied):
        order_services.order_cancel(actor=cast.charlie, order=order, reason="试试")
    order.refresh_from_db()
    assert order.status == "submitted" and not order.payments.exists()


def test_borrower_cannot_check_in_plan_or_add_a_task(cast, lent, api):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        visit_services.visit_check_in(actor=cast.charlie, customer=lent,
                                      client_id=str(uuid.uuid4()), lat=30.2771, lng=120.1301)
    response = api(cast.charlie).post("/api/v1/visits/check-in", {
        "client_id": str(uuid.uuid4()), "customer": lent.pk, "kind": "day",
        "device_time": timezone.now().isoformat(), "lat": 30.2771, "lng": 120.1301,
        "accuracy_m": 10, "fix_age_s": 3}, format="json")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        visit_services.plan_add_stop(actor=cast.charlie, rep=cast.charlie, date=today,
                                     customer=lent)
    with pytest.raises(PermissionDenied):
        visit_services.task_add(actor=cast.charlie, rep=cast.charlie, title="回访", customer=lent)
    assert not Visit.objects.exists() and not PlannedStop.objects.exists()
    assert not FollowUpTask.objects.filter(customer=lent).exists()
    # Without a customer, or on his own customer, Charlie's list takes the task.
    task, created = visit_services.task_add(actor=cast.charlie, rep=cast.charlie, title="回访",
                                            customer=cast.charlie_customer)
    assert created
    stop = visit_services.plan_add_stop(actor=cast.charlie, rep=cast.charlie, date=today,
                                        customer=cast.charlie_customer)
    assert stop.customer_id == cast.charlie_customer.pk
