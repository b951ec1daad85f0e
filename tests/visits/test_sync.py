"""Offline sync (issue 3, item 4): a replayed batch creates nothing twice, a bad op loses nothing."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.orders.models import Order, OrderLine, Payment, PriceList, PriceListItem
from outletcrm.visits.models import (
    CompetitorSighting,
    DailyPlan,
    FollowUpTask,
    PlannedStop,
    StockCheck,
    SyncReceipt,
    Visit,
    VisitStep,
)
from tests.factories import CustomerFactory, ProductFactory

POSITION = {"lat": 30.2771, "lng": 120.1301, "accuracy_m": 9}


@pytest.fixture
def shop(cast):
    return CustomerFactory(owner=cast.alice, name="联华超市文三店", latitude=Decimal("30.277000"),
                           longitude=Decimal("120.130000"))


@pytest.fixture
def water():
    product = ProductFactory(name="矿泉水550ml")
    price_list = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=price_list, product=product, unit_price="24.00")
    return product


def at(minutes_ago: int) -> str:
    return (timezone.now() - datetime.timedelta(minutes=minutes_ago)).isoformat()


def op(name, payload, visit=None, client_id=None):
    row = {"op": name, "client_id": str(client_id or uuid.uuid4()), "payload": payload}
    if visit:
        row["visit_client_id"] = str(visit)
    return row


def a_day(shop, water):
    """What a rep queues at one outlet while offline, in capture order."""
    visit = uuid.uuid4()
    order = uuid.uuid4()
    return [
        op("check_in", {"customer": shop.pk, "kind": "day", "device_time": at(40),
                        "fix_age_s": 3, **POSITION}, client_id=visit),
        op("record", {"notes": "货架缺货", "steps": {"1": True, "2": True},
                      "hard_terminal": {"display": True}, "commitments": ["补海报"]}, visit),
        op("stock", {"rows": [{"product": water.pk, "in_stock": False}]}, visit),
        op("sighting", {"brand": "农夫山泉", "price": "1.80", "promotion": "买二送一"}, visit),
        op("order", {"lines": [{"product": water.pk, "quantity": 5}]}, visit, client_id=order),
        op("payment", {"order": str(order), "amount": "50.00", "method": "cash",
                       "paid_at": at(20)}, visit),
        op("check_out", {"device_time": at(10), **POSITION}, visit),
    ]


def counts():
    return {model.__name__: model.objects.count() for model in (
        Visit, VisitStep, StockCheck, CompetitorSighting, Order, OrderLine, Payment,
        FollowUpTask, SyncReceipt, PlannedStop)}


def sync(client, ops):
    response = client.post("/api/v1/sync", {"ops": ops}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_day_queued_offline_is_applied_in_order(cast, api, shop, water):
    ops = a_day(shop, water)
    results = sync(api(cast.alice), ops)
    assert [r["status"] for r in results] == ["applied"] * len(ops), results
    assert [r["client_id"] for r in results] == [o["client_id"] for o in ops]
    visit = Visit.objects.get()
    assert str(visit.client_id) == ops[0]["client_id"]
    # Time and position are the device's at capture; the server keeps when it received them.
    assert abs((visit.checked_in_at - timezone.now()).total_seconds() + 40 * 60) < 5
    assert visit.checkin_received_at > visit.checked_in_at
    assert visit.duration_s == pytest.approx(30 * 60, abs=5) and visit.status == "done"
    assert visit.notes == "货架缺货" and visit.hard_terminal == {"display": True}
    assert Order.objects.get().total == Decimal("120.00")
    assert Payment.objects.get().amount == Decimal("50.00")
    assert visit.visit_orders.count() == 1
    assert StockCheck.objects.get().in_stock is False


def test_a_replayed_batch_is_all_duplicate_and_creates_nothing(cast, api, shop, water):
    client = api(cast.alice)
    ops = a_day(shop, water)
    sync(client, ops)
    before = counts()
    replay = sync(client, ops)
    assert [r["status"] for r in replay] == ["duplicate"] * len(ops), replay
    assert counts() == before
    # And an interrupted upload retried as a bigger batch applies only the new part.
    extra = op("sighting", {"brand": "怡宝"}, ops[0]["client_id"])
    retried = sync(client, ops + [extra])
    assert [r["status"] for r in retried] == ["duplicate"] * len(ops) + ["applied"]
    assert CompetitorSighting.objects.count() == 2


def test_one_bad_op_never_loses_the_others(cast, api, shop, water):
    ops = a_day(shop, water)
    ops.insert(4, op("order", {"lines": [{"product": water.pk, "quantity": -3}]},
                     ops[0]["client_id"]))
    ops.insert(2, op("teleport", {}))
    ops.insert(2, {"op": "record", "payload": {}})  # no client id
    ops.append(op("order", {"lines": [{"product": 999999, "quantity": 1}]},
                  ops[0]["client_id"]))
    results = sync(api(cast.alice), ops)
    statuses = [r["status"] for r in results]
    assert statuses.count("error") == 4 and statuses.count("applied") == len(ops) - 4
    errors = [r for r in results if r["status"] == "error"]
    assert "client_id" in errors[0]["error"] and errors[0]["client_id"] is None
    assert "op" in errors[1]["error"]
    assert "lines[0].quantity" in errors[2]["error"]
    assert "lines[0].product" in errors[3]["error"]
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert Visit.objects.get().status == "done"


def test_bad_ops_change_nothing(cast, api, shop, water):
    client = api(cast.alice)
    visit = uuid.uuid4()
    results = sync(client, [
        op("check_in", {"customer": cast.charlie_customer.pk, "device_time": at(5),
                        **POSITION}),
        op("check_in", {"customer": shop.pk, "device_time": at(5), "lat": 91, "lng": 120}),
        op("check_in", {"customer": shop.pk, "device_time": at(30), **POSITION},
           client_id=visit),
        op("check_out", {"device_time": at(60)}, visit),
        op("record", {"notes": "x"}, uuid.uuid4()),
        op("record", {"hard_terminal": {"rocket": True}, "notes": "不应保存"}, visit),
    ])
    assert [r["status"] for r in results] == ["error", "error", "applied", "error", "error",
                                              "error"]
    assert "customer" in results[0]["error"]
    assert "lat" in results[1]["error"]
    assert "device_time" in results[3]["error"]
    assert "visit_client_id" in results[4]["error"]
    saved = Visit.objects.get()
    assert saved.status == "open" and saved.notes == "" and saved.checked_out_at is None
    assert SyncReceipt.objects.count() == 0


def test_a_refused_op_can_be_corrected_and_resent_with_its_id(cast, api, shop):
    client = api(cast.alice)
    visit = uuid.uuid4()
    sync(client, [op("check_in", {"customer": shop.pk, "device_time": at(30), **POSITION},
                     client_id=visit)])
    record_id = uuid.uuid4()
    bad = sync(client, [op("record", {"hard_terminal": {"rocket": True}}, visit, record_id)])
    assert bad[0]["status"] == "error"
    good = sync(client, [op("record", {"notes": "好了"}, visit, record_id)])
    assert good[0]["status"] == "applied"


def test_client_ids_are_personal(cast, api, shop):
    visit = uuid.uuid4()
    record_id = uuid.uuid4()
    sync(api(cast.alice), [
        op("check_in", {"customer": shop.pk, "device_time": at(30), **POSITION},
           client_id=visit),
        op("record", {"notes": "alice"}, visit, record_id)])
    stolen = sync(api(cast.bob), [
        op("check_in", {"customer": cast.bob_customer.pk, "device_time": at(5), **POSITION},
           client_id=visit),
        op("add_stop", {"customer": cast.bob_customer.pk}, client_id=record_id)])
    assert [r["status"] for r in stolen] == ["error", "error"]
    assert Visit.objects.count() == 1 and PlannedStop.objects.count() == 0


def test_plan_changes_and_coordinates_sync_once(cast, api, shop):
    client = api(cast.alice)
    today = timezone.localdate()
    plan = DailyPlan.objects.create(rep=cast.alice, date=today)
    stop = PlannedStop.objects.create(plan=plan, rep=cast.alice, date=today, customer=shop)
    bare = CustomerFactory(owner=cast.alice, name="村口小卖部")
    ops = [op("drop_stop", {"stop": stop.pk, "reason": "关门"}),
           op("add_stop", {"customer": cast.alice_customer.pk}),
           op("capture_coordinates", {"customer": bare.pk, "lat": 30.31, "lng": 120.2,
                                      "accuracy_m": 10})]
    assert [r["status"] for r in sync(client, ops)] == ["applied"] * 3
    assert [r["status"] for r in sync(client, ops)] == ["duplicate"] * 3
    stop.refresh_from_db()
    assert stop.drop_reason == "关门" and PlannedStop.objects.count() == 2
    assert Customer.objects.get(pk=bare.pk).latitude == Decimal("30.310000")
    foreign = sync(api(cast.charlie), [op("drop_stop", {"stop": stop.pk, "reason": "x"})])
    assert foreign[0]["status"] == "error"


def test_the_batch_itself_must_be_a_list_of_bounded_size(cast, api):
    client = api(cast.alice)
    assert client.post("/api/v1/sync", {"ops": "all"}, format="json").status_code == 400
    big = [op("record", {}, uuid.uuid4()) for _ in range(201)]
    assert client.post("/api/v1/sync", {"ops": big}, format="json").status_code == 400
    assert client.post("/api/v1/sync", [], format="json").json()["results"] == []
