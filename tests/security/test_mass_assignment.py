"""Mass assignment through the API: a rep sending fields they may not set is refused (400) or
ignored, and the record keeps its values.

Fields a rep may not set on their own customer: the owner (only people in their own scope),
the team and region (copied from the owner), the code, the author, the version, the search
text, the archive state, and the custodian's "file it although it looks like a duplicate".
Class, ABC class and status are the rep's to keep on their own customer today (the brief's
supervisor approval of class changes is the governance gate of issue 10, item 1), but only
with a real, active choice of the right scheme.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from outletcrm.customers.models import ClassScheme, Contact, Customer, CustomerClass
from outletcrm.orders.models import Order
from outletcrm.orders.services import order_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _fields(instance, names):
    """The watched values; `version` only as "raised at most once" (an accepted save of the
    other fields raises it by one, which is not the attacker's doing)."""
    instance.refresh_from_db()
    values = {name: getattr(instance, name) for name in names}
    if "version" in values:
        values["version"] = (values["version"] + 1) // 2
    return values


CUSTOMER_PROTECTED = {
    "owner": lambda w: w.charlie.pk,
    "owner@teammate": lambda w: w.bob.pk,
    "team": lambda w: w.team_nb.pk,
    "region": lambda w: w.ningbo.pk,
    "code": lambda w: "HACKED-1",
    "created_by": lambda w: w.charlie.pk,
    "created_at": lambda w: "2001-01-01T00:00:00Z",
    "version": lambda w: 999,
    "search_text": lambda w: "hacked",
    "archived_at": lambda w: "2001-01-01T00:00:00Z",
    "id": lambda w: 999999,
    "force_duplicate": lambda w: True,
}
WATCHED = ["owner_id", "team_id", "region_id", "code", "created_by_id", "created_at",
           "version", "search_text", "archived_at", "pk", "name", "customer_class_id",
           "abc_class_id", "status"]


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("field", sorted(CUSTOMER_PROTECTED))
def test_rep_cannot_mass_assign_a_protected_customer_field(w, api_as, field, method):
    customer = w.alice_customer
    before = _fields(customer, WATCHED)
    body = {field.split("@")[0]: CUSTOMER_PROTECTED[field](w)}
    if method == "put":
        body.update(name=customer.name, outlet_type=customer.outlet_type_id,
                    latitude=str(customer.latitude), longitude=str(customer.longitude))
    response = getattr(api_as(w.alice), method)(f"/api/v1/customers/{customer.pk}/", body,
                                               format="json")
    assert response.status_code in (200, 400), response.content
    assert _fields(customer, WATCHED) == before


@pytest.mark.parametrize("field", ["owner", "team", "region", "created_by", "code"])
def test_rep_cannot_create_a_customer_for_someone_else(w, api_as, field):
    count = Customer.objects.count()
    value = CUSTOMER_PROTECTED[field](w)
    response = api_as(w.alice).post("/api/v1/customers/", {
        "name": "新开便利店", "outlet_type": w.alice_customer.outlet_type_id,
        "latitude": "30.28", "longitude": "120.16", field: value}, format="json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        created = Customer.objects.get(pk=response.json()["id"])
        assert created.owner_id == w.alice.pk and created.team_id == w.team_hz.pk
        assert created.code != "HACKED-1" and created.created_by_id == w.alice.pk
    else:
        assert Customer.objects.count() == count


@pytest.mark.parametrize("field,value", [
    # an ABC class in the importance class's place, and the other way round
    ("customer_class", lambda w: CustomerClass.objects.filter(scheme=ClassScheme.ABC)
     .first().pk),
    ("abc_class", lambda w: CustomerClass.objects.filter(scheme=ClassScheme.IMPORTANCE)
     .first().pk),
    ("customer_class", lambda w: 999999),
    ("status", lambda w: "vip"),
])
def test_class_and_status_take_only_real_choices(w, api_as, field, value):
    customer = w.alice_customer
    before = _fields(customer, WATCHED)
    response = api_as(w.alice).patch(f"/api/v1/customers/{customer.pk}/",
                                     {field: value(w)}, format="json")
    assert response.status_code == 400, response.content
    assert _fields(customer, WATCHED) == before


def test_an_inactive_class_cannot_be_chosen(w, api_as):
    retired = CustomerClass.objects.filter(scheme=ClassScheme.IMPORTANCE).first()
    CustomerClass.objects.filter(pk=retired.pk).update(is_active=False)
    customer = w.alice_customer
    before = _fields(customer, WATCHED)
    response = api_as(w.alice).patch(f"/api/v1/customers/{customer.pk}/",
                                     {"customer_class": retired.pk}, format="json")
    assert response.status_code == 400, response.content
    assert _fields(customer, WATCHED) == before


@pytest.mark.parametrize("field,value", [
    ("customer", lambda w: w.customer.pk),  # move the contact to another scope's customer
    ("id", lambda w: 999999),
    ("version", lambda w: 999),
    ("created_at", lambda w: "2001-01-01T00:00:00Z"),
])
def test_rep_cannot_move_or_rewrite_a_contact(w, api_as, field, value):
    contact = ContactFactory(customer=w.alice_customer, name="王老板")
    names = ["customer_id", "pk", "version", "created_at", "name"]
    before = _fields(contact, names)
    response = api_as(w.alice).patch(
        f"/api/v1/customers/{w.alice_customer.pk}/contacts/{contact.pk}/",
        {field: value(w)}, format="json")
    assert response.status_code in (200, 400), response.content
    assert _fields(contact, names) == before
    assert not Contact.objects.filter(customer=w.customer, name="王老板").exists()


@pytest.mark.parametrize("field,value", [
    ("status", "confirmed"), ("rep", None), ("code", "HACKED"), ("confirmed_by", None),
    ("total", "0.01"),
])
def test_an_order_is_taken_as_submitted_by_its_taker(w, api_as, field, value):
    value = w.sup.pk if value is None else value
    response = api_as(w.alice).post("/api/v1/orders/", {
        "customer": w.alice_customer.pk, "lines": [{"product": w.product.pk,
                                                     "quantity": 2}],
        field: value}, format="json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        order = Order.objects.get(pk=response.json()["id"])
        assert order.status == "submitted" and order.rep_id == w.alice.pk
        assert order.code != "HACKED" and order.confirmed_by_id is None
        assert order.total == Decimal("20")
    else:
        assert not Order.objects.filter(customer=w.alice_customer).exists()


@pytest.mark.parametrize("field,value", [("status", "approved"), ("recorded_by", None),
                                         ("decided_by", None)])
def test_a_credit_above_the_limit_waits_whatever_the_body_says(w, api_as, field, value):
    order, _ = order_create(actor=w.alice, customer=w.alice_customer,
                            lines=[{"product": w.product, "quantity": 100}])
    value = w.sup.pk if value is None else value
    response = api_as(w.alice).post("/api/v1/returns/", {
        "customer": w.alice_customer.pk, "order": order.pk, "kind": "return",
        "amount": "600", "reason": "过期", field: value}, format="json")
    assert response.status_code in (201, 400), response.content
    from outletcrm.orders.models import ReturnClaim

    for claim in ReturnClaim.objects.filter(order=order):
        assert claim.status == "pending" and claim.recorded_by_id == w.alice.pk
        assert claim.decided_by_id is None


@pytest.mark.parametrize("field,value", [("done_at", "2030-01-01T10:00:00+08:00"),
                                         ("done_by", None), ("created_by", None),
                                         ("escalated", True), ("rep", "charlie")])
def test_a_task_is_added_open_on_the_reps_own_list(w, api_as, field, value):
    from outletcrm.visits.models import FollowUpTask

    value = w.sup.pk if value is None else w.charlie.pk if value == "charlie" else value
    client_id = uuid.uuid4()
    response = api_as(w.alice).post("/api/v1/tasks/", {
        "title": "贴海报", "client_id": str(client_id),
        "due_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        field: value}, format="json")
    assert response.status_code in (200, 201, 400, 404), response.content
    task = FollowUpTask.objects.filter(client_id=client_id).first()
    if task is not None:
        assert task.rep_id == w.alice.pk and task.done_at is None
        assert task.done_by_id is None and task.created_by_id == w.alice.pk
        assert not getattr(task, "escalated_at", None)


@pytest.mark.parametrize("field,value", [("status", "closed"), ("assignee", None),
                                         ("received_by", None), ("code", "HACKED")])
def test_a_complaint_is_logged_as_received_whatever_the_body_says(w, api_as, field, value):
    from outletcrm.complaints.models import Complaint

    value = w.charlie.pk if value is None else value
    response = api_as(w.alice).post("/api/v1/complaints/", {
        "customer": w.alice_customer.pk, "channel": "phone", "category": "product",
        "severity": "low", "description": "瓶盖松动", field: value}, format="json")
    assert response.status_code in (201, 400), response.content
    for complaint in Complaint.objects.filter(customer=w.alice_customer):
        assert complaint.status != "closed" and complaint.code != "HACKED"
        assert complaint.received_by_id == w.alice.pk
        assert complaint.assignee_id != w.charlie.pk


def test_a_supervisor_cannot_hand_a_route_to_another_office(w, api_as):
    from outletcrm.visits.routes import route_create

    route = route_create(actor=w.sup, rep=w.alice, name="周二路线", weekday=1,
                         customer_ids=[w.alice_customer.pk])
    response = api_as(w.sup).patch(f"/api/v1/routes/{route.pk}/", {"rep": w.charlie.pk},
                                   format="json")
    assert response.status_code in (200, 400, 403, 404), response.content
    route.refresh_from_db()
    assert route.rep_id == w.alice.pk
