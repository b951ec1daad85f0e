"""No input gives a 500 (issue 7, §3): ids beyond 64 bits, impossible or extreme dates and
numbers, in query strings, paths and bodies, on pages and in the API. The SQLite leg is where
an integer overflow shows; the PostgreSQL leg checks the same answers there.

Each bad value gets a clear answer: the API a 400 naming the parameter (404 for an id in the
path, or a rep/team given by id or username that is not in scope), a page a message or the
error next to its filter, and nothing is written.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from outletcrm.core.params import MAX_ID
from outletcrm.customers.models import Contact, Customer
from outletcrm.orders.models import Order, PriceList, PriceListItem
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit
from tests.factories import ProductFactory

BIG = "9" * 25
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BAD_DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "1900-01-01", "99999-01-01", "soon"]


@pytest.fixture
def sup_api(cast, api):
    return api(cast.sup)


@pytest.mark.parametrize("url, param", [
    ("/api/v1/customers/?{p}={v}", "owner"),
    ("/api/v1/customers/?{p}={v}", "outlet_type"),
    ("/api/v1/customers/?{p}={v}", "customer_class"),
    ("/api/v1/customers/?{p}={v}", "abc_class"),
    ("/api/v1/customers/?{p}={v}", "region"),
    ("/api/v1/customers/?{p}={v}", "tag"),
    ("/api/v1/customers/export/?{p}={v}", "owner"),
    ("/api/v1/orders/?{p}={v}", "customer"),
    ("/api/v1/orders/?{p}={v}", "rep"),
    ("/api/v1/returns/?{p}={v}", "customer"),
    ("/api/v1/returns/?{p}={v}", "order"),
    ("/api/v1/users/?{p}={v}", "team"),
    ("/api/v1/teams/?{p}={v}", "region"),
    ("/api/v1/regions/?{p}={v}", "parent"),
])
@pytest.mark.parametrize("value", [BIG, str(MAX_ID + 1), "-1", "1.5", "abc"])
def test_bad_ids_in_api_filters_are_a_400_naming_the_parameter(sup_api, url, param, value):
    response = sup_api.get(url.format(p=param, v=value), **EN)
    assert response.status_code == 400, response.content
    assert param in response.json()


@pytest.mark.parametrize("url", [
    "/api/v1/plans/?rep={v}", "/api/v1/routes/?rep={v}", "/api/v1/routes/frequency/?rep={v}",
    "/api/v1/kpis/visits/?from=2026-01-01&to=2026-01-31&rep={v}",
    "/api/v1/kpis/visits/?from=2026-01-01&to=2026-01-31&team={v}",
    "/api/v1/kpis/visits/?from=2026-01-01&to=2026-01-31&region={v}",
    "/api/v1/supervision/day/?team={v}",
])
def test_a_rep_team_or_region_not_in_scope_is_a_404(sup_api, url):
    response = sup_api.get(url.format(v=BIG), **EN)
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("path", ["customers", "orders", "users", "routes", "plans", "returns"])
def test_a_huge_id_in_an_api_path_is_a_json_404(sup_api, path):
    response = sup_api.get(f"/api/v1/{path}/{BIG}/", **EN)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json()["detail"]


def test_an_unknown_api_path_answers_json_and_a_page_html(sup_api, client, cast):
    assert sup_api.get("/api/v1/customers/abc/contacts/").json()["detail"]
    client.force_login(cast.sup)
    response = client.get("/customers/abc/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


@pytest.mark.parametrize("url", [
    "/api/v1/me/today/?date={v}", "/api/v1/plans/?date={v}", "/api/v1/visits/?date={v}",
    "/api/v1/visits/?date_from={v}", "/api/v1/visits/?date_to={v}",
    "/api/v1/orders/?date_from={v}", "/api/v1/orders/?date_to={v}",
    "/api/v1/supervision/day/?date={v}",
    "/api/v1/kpis/visits/?from={v}&to=2026-01-31",
    "/api/v1/kpis/visits/?from=2026-01-01&to={v}",
])
@pytest.mark.parametrize("value", BAD_DATES)
def test_impossible_or_extreme_dates_in_the_api_are_a_400(cast, api, url, value):
    response = api(cast.sup).get(url.format(v=value), **EN)
    assert response.status_code == 400, response.content
    assert response.json()


def test_out_of_range_dates_say_which_range(sup_api):
    body = sup_api.get("/api/v1/orders/?date_from=1900-01-01", **EN).json()
    assert "2000-01-01" in body["date_from"][0] and "2099-12-31" in body["date_from"][0]


@pytest.mark.parametrize("url", [
    "/visits/plan/?date={v}", "/visits/day/?date={v}", "/optimise/day/?date={v}",
    "/visits/kpis/?from={v}", "/visits/kpis/?to={v}",
])
@pytest.mark.parametrize("value", BAD_DATES)
def test_pages_show_a_message_for_a_bad_date_and_the_default_day(cast, client, url, value):
    client.force_login(cast.sup)
    response = client.get(url.format(v=value), **EN)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Enter a" in text and "default date is shown" in text


@pytest.mark.parametrize("query, field", [
    (f"customer={BIG}", "customer"), ("date_from=0001-01-01", "date_from"),
    ("date_to=9999-12-31", "date_to"), ("date_from=2026-02-30", "date_from"),
])
def test_the_order_page_reports_a_bad_filter_and_lists_without_it(cast, client, query, field):
    client.force_login(cast.sup)
    response = client.get(f"/orders/?{query}", **EN)
    assert response.status_code == 200
    assert field in response.context["form"].errors


@pytest.mark.parametrize("url", [
    f"/customers/?owner={BIG}", f"/customers/?tag={BIG}", f"/customers/export/?owner={BIG}",
    f"/visits/plan/?rep={BIG}", f"/visits/day/?team={BIG}", f"/visits/routes/?rep={BIG}",
    f"/optimise/day/?rep={BIG}", f"/optimise/design/?rep={BIG}",
    f"/optimise/territory/?team={BIG}", f"/visits/kpis/?rep={BIG}",
    f"/customers/{BIG}/", f"/orders/{BIG}/", f"/visits/visit/{BIG}/", f"/m/customers/?page={BIG}",
])
def test_pages_never_fail_on_huge_ids(cast, client, url):
    client.force_login(cast.sup)
    response = client.get(url, **EN)
    assert response.status_code in (200, 302, 404), (url, response.status_code)


# --- the ORM's last line of defence ----------------------------------------------------------

def test_relation_and_in_lookups_beyond_the_column_match_nothing(cast):
    huge = 2**70
    customers = Customer.objects.all()
    assert not customers.filter(owner=huge).exists()
    assert not customers.filter(owner_id=huge).exists()
    assert customers.exclude(owner=huge).count() == customers.count()
    assert list(customers.filter(pk__in=[huge, cast.alice_customer.pk])) == [cast.alice_customer]
    assert not customers.filter(owner__in=[huge, -huge]).exists()
    assert customers.filter(owner__in=[huge, cast.alice.pk]).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


# --- dates and numbers a user writes ---------------------------------------------------------

@pytest.mark.parametrize("day", ["1900-01-01", "9999-12-31", "2000-01-01"])
def test_plan_stops_far_from_today_are_refused_on_every_path(cast, api, client, day):
    before = (DailyPlan.objects.count(), PlannedStop.objects.count())
    customer = cast.alice_customer
    sup = api(cast.sup).post("/api/v1/plan-stops/", {"rep": cast.alice.pk, "date": day,
                                                     "customer": customer.pk}, format="json",
                             **EN)
    assert sup.status_code == 400 and "date" in sup.json()
    own = api(cast.alice).post("/api/v1/me/plan/stops/", {"date": day, "customer": customer.pk},
                               format="json", **EN)
    assert own.status_code == 400, own.content
    client.force_login(cast.sup)
    client.post(reverse("visits:plan_add"), {"rep": cast.alice.pk, "date": day,
                                             "customer": customer.pk})
    assert (DailyPlan.objects.count(), PlannedStop.objects.count()) == before


def test_a_plan_stop_next_month_is_still_fine(cast, api):
    day = timezone.localdate() + datetime.timedelta(days=30)
    response = api(cast.sup).post("/api/v1/plan-stops/", {
        "rep": cast.alice.pk, "date": day.isoformat(), "customer": cast.alice_customer.pk},
        format="json")
    assert response.status_code == 201, response.content


@pytest.fixture
def water(db):
    product = ProductFactory(code="W1", name="水")
    price_list = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=price_list, product=product, unit_price="10.00")
    return product


@pytest.mark.parametrize("extra, field", [
    ({"ordered_at": "1900-01-01T10:00:00+08:00"}, "ordered_at"),
    ({"ordered_at": "0001-01-01T00:00:00+14:00"}, "ordered_at"),
    ({"due_date": "9999-12-31"}, "due_date"),
    ({"due_date": "2099-12-31"}, "due_date"),
])
def test_orders_dated_far_back_or_due_far_ahead_are_refused(cast, api, water, extra, field):
    body = {"customer": cast.alice_customer.pk, "lines": [{"product": water.pk, "quantity": 1}],
            **extra}
    response = api(cast.alice).post("/api/v1/orders/", body, format="json", **EN)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Order.objects.exists()


def test_an_order_due_in_a_month_is_fine(cast, api, water):
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = api(cast.alice).post("/api/v1/orders/", {
        "customer": cast.alice_customer.pk, "due_date": due,
        "lines": [{"product": water.pk, "quantity": 1}]}, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("birthday", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_contact_birthdays_out_of_range_are_refused_in_the_api_and_the_form(cast, api, client,
                                                                         birthday):
    customer = cast.alice_customer
    response = api(cast.alice).post(f"/api/v1/customers/{customer.pk}/contacts/",
                                    {"name": "王老板", "birthday": birthday}, format="json", **EN)
    assert response.status_code == 400 and "birthday" in response.json()
    client.force_login(cast.alice)
    page = client.post(reverse("customers:contact_create", args=[customer.pk]),
                       {"name": "王老板", "role": "owner", "decision_role": "none",
                        "birthday": birthday}, HTTP_HX_REQUEST="true", **EN)
    assert page.status_code == 200 and "Enter a date between 1900-01-01" in page.content.decode()
    assert not Contact.objects.exists()


def check_in(client, customer, **extra):
    body = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "kind": "day",
            "device_time": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
            "lat": 30.2771, "lng": 120.1301, "accuracy_m": 12, "fix_age_s": 4, **extra}
    return client.post("/api/v1/visits/check-in/", body, format="json", **EN)


@pytest.mark.parametrize("extra, field", [
    ({"fix_age_s": 1e308}, "fix_age_s"), ({"fix_age_s": -1}, "fix_age_s"),
    ({"accuracy_m": 1e12}, "accuracy_m"), ({"accuracy_m": "inf"}, "accuracy_m"),
    ({"device_time": "9999-12-31T23:59:59-12:00"}, "device_time"),
    ({"device_time": "0001-01-01T00:00:00+14:00"}, "device_time"),
])
def test_check_in_numbers_and_times_are_bounded(cast, api, extra, field):
    response = check_in(api(cast.alice), cast.alice_customer, **extra)
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not Visit.objects.exists()


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01"])
def test_the_order_form_refuses_an_absurd_due_date(cast, client, water, due):
    client.force_login(cast.alice)
    data = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200", "client_id": str(uuid.uuid4()), "due_date": due,
            "notes": "", "lines-0-product": str(water.pk), "lines-0-quantity": "1"}
    response = client.post(f"/orders/new/{cast.alice_customer.pk}/", data, **EN)
    assert response.status_code == 400  # the form again, with the error next to the field
    assert "due_date" in response.context["form"].errors
    assert not Order.objects.exists()


@pytest.mark.parametrize("paid_on", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_the_payment_form_refuses_an_absurd_date(cast, client, water, paid_on):
    from outletcrm.orders.models import Payment
    from outletcrm.orders.services import order_create

    order, _ = order_create(actor=cast.alice, customer=cast.alice_customer,
                            lines=[{"product": water, "quantity": 1}])
    client.force_login(cast.alice)
    response = client.post(f"/orders/{order.pk}/payments/new/", {
        "amount": "5.00", "method": "cash", "paid_on": paid_on, "notes": "",
        "client_id": str(uuid.uuid4())}, **EN)
    assert response.status_code == 400
    assert "paid_on" in response.context["form"].errors
    assert not Payment.objects.exists()
