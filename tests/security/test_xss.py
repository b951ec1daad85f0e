"""Stored XSS, the server side: what a user typed comes back escaped on every page that shows
it (the raw HTML has the escaped text and no live tag). The browser's side, that no payload
runs in a real page, is tests/browser/test_stored_xss.py.

Each text field gets its own payload (written straight to the database, as an import or an
old client could have stored it), then every page registered for that field is read: the
escaped payload must be there (so the field really is shown: a wrong registration fails) and
the live tag must not.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outletcrm.care.services import family_event_add, gift_record
from outletcrm.complaints.services import complaint_intake, complaint_note
from outletcrm.customers.models import CompetitorEntry, Contact, Customer, Tag
from outletcrm.orders.models import Order, ReturnClaim
from outletcrm.orders.services import order_create, return_create
from outletcrm.visits.models import FollowUpTask, Route, Visit
from outletcrm.visits.routes import route_create
from outletcrm.visits.services import task_add, visit_check_in
from tests.factories import CompetitorFactory, ContactFactory


def payload(n: int) -> str:
    return f"<img src=x onerror=x{n}()>"


def escaped(n: int) -> str:
    return f"&lt;img src=x onerror=x{n}()&gt;"


@pytest.fixture(scope="module")
def mine(world, django_db_blocker):
    """Alice's own records of every kind, inside the module's transaction."""
    w = world
    with django_db_blocker.unblock(), transaction.atomic():
        shop = w.alice_customer
        contact = ContactFactory(customer=shop, name="王老板")
        competitor = CompetitorFactory(customer=shop)
        tag = Tag.objects.create(name="社区店")
        shop.tags.add(tag)
        order, _ = order_create(actor=w.alice, customer=shop,
                                lines=[{"product": w.product, "quantity": 10}])
        claim, _ = return_create(actor=w.alice, customer=shop, order=order,
                                 amount=Decimal("5"), reason="破损")
        visit, _ = visit_check_in(actor=w.alice, customer=shop, client_id=uuid.uuid4(),
                                  device_time=timezone.now() - datetime.timedelta(minutes=3),
                                  lat=Decimal("30.27"), lng=Decimal("120.15"), accuracy_m=10,
                                  fix_age_s=2)
        task, _ = task_add(actor=w.alice, rep=w.alice, title="贴海报", customer=shop,
                           due_date=timezone.localdate())
        complaint = complaint_intake(actor=w.alice, customer=shop, contact=contact,
                                     channel="phone", category="product", severity="low",
                                     description="瓶盖松动")
        event = complaint_note(actor=w.alice, complaint=complaint, text="已联系")
        route = route_create(actor=w.sup, rep=w.alice, name="周三路线", weekday=2,
                             customer_ids=[shop.pk])
        family = family_event_add(actor=w.alice, contact=contact, kind="wedding",
                                  date=timezone.localdate() + datetime.timedelta(days=10),
                                  note="女儿出嫁")
        gift, _ = gift_record(actor=w.alice, customer=shop, contact=contact,
                              date=timezone.localdate(), description="茶叶",
                              value=Decimal("100"), story="爱喝茶")
    return locals()


def _set(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


# field -> (how to store the payload, pages that show it: (url name, kwargs, user))
def _customer_pages(m, w):
    return [("customers:detail", {"pk": m["shop"].pk}, w.alice)]


FIELDS = {
    "customer.name": (lambda m, p: _set(Customer, m["shop"].pk, name=p),
                      lambda m, w: [*_customer_pages(m, w), ("customers:list", {}, w.alice),
                                    ("orders:detail", {"pk": m["order"].pk}, w.alice),
                                    ("visits:visit_detail", {"pk": m["visit"].pk}, w.sup),
                                    ("complaints:detail", {"pk": m["complaint"].pk},
                                     w.alice)]),
    "customer.address": (lambda m, p: _set(Customer, m["shop"].pk, address=p),
                         lambda m, w: [*_customer_pages(m, w),
                                       ("customers:list", {}, w.alice)]),
    "customer.notes": (lambda m, p: _set(Customer, m["shop"].pk, notes=p),
                       lambda m, w: [*_customer_pages(m, w),
                                     ("customers:edit", {"pk": m["shop"].pk}, w.alice)]),
    "customer.phone": (lambda m, p: _set(Customer, m["shop"].pk, phone=p), _customer_pages),
    "contact.name": (lambda m, p: _set(Contact, m["contact"].pk, name=p), _customer_pages),
    "contact.interests": (lambda m, p: _set(Contact, m["contact"].pk, interests=p),
                          _customer_pages),
    "contact.notes": (lambda m, p: _set(Contact, m["contact"].pk, notes=p),
                      lambda m, w: [("customers:contact_edit",
                                     {"pk": m["shop"].pk, "contact_pk": m["contact"].pk},
                                     w.alice)]),
    "competitor.brand": (lambda m, p: _set(CompetitorEntry, m["competitor"].pk, brand=p),
                         _customer_pages),
    "competitor.notes": (lambda m, p: _set(CompetitorEntry, m["competitor"].pk, notes=p),
                         _customer_pages),
    "tag.name": (lambda m, p: _set(Tag, m["tag"].pk, name=p), _customer_pages),
    "order.notes": (lambda m, p: _set(Order, m["order"].pk, notes=p),
                    lambda m, w: [("orders:detail", {"pk": m["order"].pk}, w.alice)]),
    "return.reason": (lambda m, p: _set(ReturnClaim, m["claim"].pk, reason=p),
                      lambda m, w: [("orders:return_detail", {"pk": m["claim"].pk},
                                     w.alice)]),
    "visit.notes": (lambda m, p: _set(Visit, m["visit"].pk, notes=p),
                    lambda m, w: [("visits:visit_detail", {"pk": m["visit"].pk}, w.sup)]),
    "task.title": (lambda m, p: _set(FollowUpTask, m["task"].pk, title=p),
                   lambda m, w: [("visits:tasks", {}, w.alice), ("visits:tasks", {}, w.sup)]),
    "complaint.description": (
        lambda m, p: _set(type(m["complaint"]), m["complaint"].pk, description=p),
        lambda m, w: [("complaints:detail", {"pk": m["complaint"].pk}, w.alice),
                      ("mobile-complaints:detail", {"pk": m["complaint"].pk}, w.alice)]),
    "complaint.note": (lambda m, p: _set(type(m["event"]), m["event"].pk, text=p),
                       lambda m, w: [("complaints:detail", {"pk": m["complaint"].pk},
                                      w.alice)]),
    "route.name": (lambda m, p: _set(Route, m["route"].pk, name=p),
                   lambda m, w: [("visits:route_detail", {"pk": m["route"].pk}, w.sup)]),
    "family_event.note": (lambda m, p: _set(type(m["family"]), m["family"].pk, note=p),
                          _customer_pages),
    "gift.description": (lambda m, p: _set(type(m["gift"]), m["gift"].pk, description=p),
                         _customer_pages),
    "gift.story": (lambda m, p: _set(type(m["gift"]), m["gift"].pk, story=p),
                   _customer_pages),
    "user.display_name": (lambda m, p: type(m["w"].alice).objects.filter(
        pk=m["w"].alice.pk).update(display_name=p),
        lambda m, w: [("customers:detail", {"pk": m["shop"].pk}, w.sup),
                      ("visits:tasks", {}, w.sup)]),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_typed_text_is_escaped_on_every_page_that_shows_it(w, mine, page_as, field):
    store, pages = FIELDS[field]
    n = sorted(FIELDS).index(field)
    store(mine, payload(n))
    for name, kwargs, user in pages(mine, w):
        user.refresh_from_db()
        response = page_as(user).get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert payload(n) not in html, f"{field} is live on {name}"
        assert escaped(n) in html, f"{field} is not shown on {name}: fix the registration"
