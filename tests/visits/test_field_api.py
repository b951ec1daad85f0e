"""The field API (issue 3, item 8): bad input gets a clear error and changes nothing."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIRequestFactory, force_authenticate

from outletcrm.orders.models import Order, OrderLine, Payment, PriceList, PriceListItem
from outletcrm.visits import api as field_api
from outletcrm.visits.choices import StopOrigin, VisitKind
from outletcrm.visits.models import (
    CompetitorSighting,
    DailyPlan,
    FollowUpTask,
    PlannedStop,
    StockCheck,
    Visit,
    VisitPhoto,
)
from tests.factories import CustomerFactory, ProductFactory

NEAR = {"lat": 30.277100, "lng": 120.130100}
FAR = {"lat": 30.290000, "lng": 120.130100}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


def now_iso(**delta) -> str:
    return (timezone.now() + datetime.timedelta(**delta)).isoformat()


def check_in(client, customer, **extra):
    body = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "kind": "day",
            "device_time": now_iso(minutes=-30), "accuracy_m": 12, "fix_age_s": 4, **NEAR}
    body.update(extra)
    return client.post("/api/v1/visits/check-in", body, format="json")


def jpeg_bytes(size=(320, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def test_check_in_keeps_evidence_and_answers_the_visit(cast, api, shop):
    response = check_in(api(cast.alice), shop)
    assert response.status_code == 201
    body = response.json()
    assert body["off_site"] is False and body["distance_m"] < 20
    assert body["is_planned"] is False and body["accuracy_m"] == 12 and body["fix_age_s"] == 4
    assert [s["title"] for s in body["steps"]][0] == "开场"
    visit = Visit.objects.get()
    assert visit.checkin_received_at is not None and str(visit.client_id) == body["client_id"]


def test_check_in_off_site_is_flagged(cast, api, shop):
    body = check_in(api(cast.alice), shop, **FAR).json()
    assert body["off_site"] is True and body["distance_m"] > 300


def test_replayed_check_in_answers_200_and_creates_nothing(cast, api, shop):
    client = api(cast.alice)
    client_id = str(uuid.uuid4())
    assert check_in(client, shop, client_id=client_id).status_code == 201
    assert check_in(client, shop, client_id=client_id).status_code == 200
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("who", ["charlie", "bob"])
def test_check_in_out_of_scope_is_404_and_writes_nothing(cast, api, shop, who):
    response = check_in(api(getattr(cast, who)), shop)
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_check_in_unknown_customer_is_404(cast, api):
    response = api(cast.alice).post("/api/v1/visits/check-in", {
        "client_id": str(uuid.uuid4()), "customer": 999999, "device_time": now_iso(), **NEAR},
        format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("position, field", [
    ({"lat": 91, "lng": 120}, "lat"), ({"lat": 30, "lng": 181}, "lng"),
    ({"lat": "north", "lng": 120}, "lat"), ({"lat": 30}, "lng"),
])
def test_check_in_coordinates_out_of_range_are_400(cast, api, shop, position, field):
    body = {"client_id": str(uuid.uuid4()), "customer": shop.pk, "device_time": now_iso(),
            **position}
    response = api(cast.alice).post("/api/v1/visits/check-in", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Visit.objects.count() == 0


def test_check_in_without_position_or_from_the_future_is_400(cast, api, shop):
    client = api(cast.alice)
    no_position = client.post("/api/v1/visits/check-in", {
        "client_id": str(uuid.uuid4()), "customer": shop.pk, "device_time": now_iso()},
        format="json")
    assert no_position.status_code == 400 and "lat" in no_position.json()
    future = check_in(client, shop, device_time=now_iso(hours=3))
    assert future.status_code == 400 and "device_time" in future.json()
    assert Visit.objects.count() == 0


def test_check_in_needs_a_token(api, cast, shop):
    assert check_in(api(), shop).status_code in (401, 403)


def test_record_steps_checklists_appointment_and_commitments(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    url = f"/api/v1/visits/{visit['client_id']}/record"
    response = client.post(url, {
        "notes": "店长同意下周陈列", "steps": {"1": True, "2": True},
        "hard_terminal": {"display": True, "poster": False}, "soft_terminal": {"promotion": True},
        "next_appointment_at": now_iso(days=3), "commitments": ["送海报两张"]}, format="json")
    assert response.status_code == 200, response.json()
    detail = response.json()["visit"]
    assert [s["done"] for s in detail["steps"]][:3] == [True, True, False]
    assert detail["hard_terminal"] == {"display": True, "poster": False}
    assert detail["notes"] == "店长同意下周陈列"
    assert {t.kind for t in FollowUpTask.objects.all()} == {"appointment", "commitment"}


def test_record_unknown_checklist_item_is_400_and_changes_nothing(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    response = client.post(f"/api/v1/visits/{visit['client_id']}/record", {
        "notes": "不应保存", "hard_terminal": {"rocket": True}}, format="json")
    assert response.status_code == 400 and "hard_terminal" in response.json()
    assert Visit.objects.get().notes == ""


def test_another_reps_visit_is_404(cast, api, shop):
    visit = check_in(api(cast.alice), shop).json()
    for who in (cast.bob, cast.charlie):
        client = api(who)
        assert client.get(f"/api/v1/visits/{visit['client_id']}").status_code == 404
        response = client.post(f"/api/v1/visits/{visit['client_id']}/record",
                               {"notes": "x"}, format="json")
        assert response.status_code == 404
    assert Visit.objects.get().notes == ""


def test_supervisor_sees_but_cannot_record_a_reps_visit(cast, api, shop):
    visit = check_in(api(cast.alice), shop).json()
    client = api(cast.sup)
    assert client.get(f"/api/v1/visits/{visit['client_id']}").status_code == 200
    response = client.post(f"/api/v1/visits/{visit['client_id']}/record", {"notes": "x"},
                           format="json")
    assert response.status_code == 403


def test_check_out_keeps_duration_and_refuses_a_time_before_check_in(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop, device_time=now_iso(minutes=-30)).json()
    url = f"/api/v1/visits/{visit['client_id']}/check-out"
    early = client.post(url, {"device_time": now_iso(minutes=-45), **NEAR}, format="json")
    assert early.status_code == 400 and "device_time" in early.json()
    assert Visit.objects.get().status == "open"
    done = client.post(url, {"device_time": now_iso(minutes=-5), **NEAR}, format="json")
    assert done.status_code == 200
    assert 24 * 60 <= done.json()["visit"]["duration_s"] <= 26 * 60


def test_stock_of_our_products_only(cast, api, shop, water):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    url = f"/api/v1/visits/{visit['client_id']}/stock"
    rival = ProductFactory(brand="竞品", is_competitor=True)
    bad = client.post(url, {"rows": [{"product": water.pk, "in_stock": True},
                                     {"product": rival.pk, "in_stock": True}]}, format="json")
    assert bad.status_code == 400 and "stock[1].product" in bad.json()
    negative = client.post(url, {"rows": [{"product": water.pk, "in_stock": True,
                                           "quantity": -1}]}, format="json")
    assert negative.status_code == 400 and "rows[0].quantity" in negative.json()
    assert StockCheck.objects.count() == 0
    ok = client.post(url, {"rows": [{"product": water.pk, "in_stock": True, "quantity": 6,
                                     "shelf_price": "2.50"}]}, format="json")
    assert ok.status_code == 200 and ok.json()["visit"]["stock"][0]["in_stock"] is True


def test_sighting_is_recorded_once_per_client_id(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    url = f"/api/v1/visits/{visit['client_id']}/sightings"
    body = {"client_id": str(uuid.uuid4()), "brand": "农夫山泉", "product_name": "550ml",
            "price": "1.80", "promotion": "买二送一"}
    assert client.post(url, body, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 200
    assert CompetitorSighting.objects.count() == 1
    bad = client.post(url, {"brand": "", "price": "-3"}, format="json")
    assert bad.status_code == 400 and {"brand", "price"} <= set(bad.json())


def test_order_defaults_price_and_applies_discount(cast, api, shop, water):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    order_id = str(uuid.uuid4())
    response = client.post(f"/api/v1/visits/{visit['client_id']}/orders", {
        "client_id": order_id, "lines": [{"product": water.pk, "quantity": 10,
                                          "discount": "0.05"}]}, format="json")
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert str(order.client_id) == order_id and order.total == Decimal("228.00")
    assert response.json()["visit"]["orders"][0]["lines"][0]["unit_price"] == "24.00"
    again = client.post(f"/api/v1/visits/{visit['client_id']}/orders", {
        "client_id": order_id, "lines": [{"product": water.pk, "quantity": 10}]}, format="json")
    assert again.status_code == 200 and Order.objects.count() == 1


@pytest.mark.parametrize("line, field", [
    ({"quantity": -2}, "lines[0].quantity"),
    ({"quantity": 0}, "lines[0].quantity"),
    ({"product": 999999, "quantity": 1}, "lines[0].product"),
    ({"quantity": 1, "discount": "1.5"}, "lines[0].discount"),
])
def test_bad_order_is_400_and_writes_nothing(cast, api, shop, water, line, field):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    row = {"product": water.pk, **line}
    response = client.post(f"/api/v1/visits/{visit['client_id']}/orders",
                           {"client_id": str(uuid.uuid4()), "lines": [row]}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_payment_against_the_visit_order(cast, api, shop, water):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    order_id = str(uuid.uuid4())
    client.post(f"/api/v1/visits/{visit['client_id']}/orders", {
        "client_id": order_id, "lines": [{"product": water.pk, "quantity": 1}]}, format="json")
    url = f"/api/v1/visits/{visit['client_id']}/payments"
    too_much = client.post(url, {"order": order_id, "amount": "100"}, format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json()
    paid = client.post(url, {"client_id": str(uuid.uuid4()), "order": order_id,
                             "amount": "24.00", "method": "wechat"}, format="json")
    assert paid.status_code == 201 and Payment.objects.get().amount == Decimal("24.00")
    assert paid.json()["visit"]["orders"][0]["paid"] == "24.00"


def photo_url(visit):
    return f"/api/v1/visits/{visit['client_id']}/photos"


def test_photo_is_watermarked_and_idempotent(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    client_id = str(uuid.uuid4())
    body = {"image": SimpleUploadedFile("shelf.jpg", jpeg_bytes(), "image/jpeg"),
            "kind": "display", "client_id": client_id, "taken_at": now_iso(minutes=-1),
            "captured_live": "true"}
    response = client.post(photo_url(visit), body, format="multipart")
    assert response.status_code == 201, response.json()
    body["image"] = SimpleUploadedFile("shelf.jpg", jpeg_bytes(), "image/jpeg")
    assert client.post(photo_url(visit), body, format="multipart").status_code == 200
    assert VisitPhoto.objects.count() == 1


def test_album_photo_refused_where_the_kind_requires_live(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()  # a day visit requires live photos
    response = client.post(photo_url(visit), {
        "image": SimpleUploadedFile("album.jpg", jpeg_bytes(), "image/jpeg"), "kind": "display",
        "client_id": str(uuid.uuid4()), "captured_live": "false"}, format="multipart")
    assert response.status_code == 400
    assert "camera" in response.json()["image"][0] or "相机" in response.json()["image"][0]
    assert VisitPhoto.objects.count() == 0


def test_album_photo_accepted_for_a_home_visit(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop, kind=VisitKind.HOME).json()
    response = client.post(photo_url(visit), {
        "image": SimpleUploadedFile("album.jpg", jpeg_bytes(), "image/jpeg"), "kind": "other",
        "client_id": str(uuid.uuid4()), "captured_live": "false"}, format="multipart")
    assert response.status_code == 201


def test_a_file_that_is_not_an_image_is_refused(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    response = client.post(photo_url(visit), {
        "image": SimpleUploadedFile("shelf.jpg", b"%PDF-1.4 not a photo", "image/jpeg"),
        "kind": "display", "client_id": str(uuid.uuid4())}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()
    assert VisitPhoto.objects.count() == 0


def test_a_photo_over_the_limit_is_refused(cast, api, shop, settings):
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    settings.PHOTO_MAX_BYTES = 2000
    data = jpeg_bytes((800, 600))
    assert len(data) > 2000
    response = client.post(photo_url(visit), {
        "image": SimpleUploadedFile("big.jpg", data, "image/jpeg"), "kind": "display",
        "client_id": str(uuid.uuid4())}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()
    assert VisitPhoto.objects.count() == 0


class EndlessUpload:
    """A 100 MB multipart body produced on demand, counting what the server reads."""

    def __init__(self, total: int, boundary: str):
        self.head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
                     f"filename=\"huge.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
        self.total = total
        self.read_bytes = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.total - self.read_bytes
        size = min(size, self.total - self.read_bytes)
        start = self.read_bytes
        self.read_bytes += size
        head = self.head[start:start + size]
        return head + b"\xff" * (size - len(head))

    def readline(self, size=-1):
        return self.read(min(size if size and size > 0 else 65536, 65536))


@pytest.mark.parametrize("declared", ["100MB", "small-limit"])
def test_a_100_mb_upload_is_refused_without_reading_it(cast, shop, settings, declared):
    from outletcrm.visits.services import visit_check_in

    visit, _ = visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                              lat="30.2771", lng="120.1301")
    total = 100 * 1024 * 1024
    if declared == "small-limit":
        # Content-Length within the allowance, the file itself over it: the upload handler stops.
        settings.PHOTO_MAX_BYTES = 1024 * 1024
        total = settings.PHOTO_MAX_BYTES + 60 * 1024
    boundary = "XyZ"
    body = EndlessUpload(total, boundary)
    request = APIRequestFactory().generic(
        "POST", f"/api/v1/visits/{visit.client_id}/photos", data=b"",
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(total), **{"wsgi.input": body})
    force_authenticate(request, user=cast.alice)
    response = field_api.PhotoView.as_view()(request, client_id=str(visit.client_id))
    assert response.status_code == 400 and "image" in response.data
    assert body.read_bytes < 3 * 1024 * 1024
    assert VisitPhoto.objects.count() == 0


def test_capture_coordinates_only_when_missing(cast, api):
    bare = CustomerFactory(owner=cast.alice, name="村口小卖部")
    client = api(cast.alice)
    url = f"/api/v1/customers/{bare.pk}/capture-coordinates"
    assert client.post(url, {"lat": 95, "lng": 120}, format="json").status_code == 400
    imprecise = client.post(url, {"lat": 30.1, "lng": 120.1, "accuracy_m": 500}, format="json")
    assert imprecise.status_code == 400 and "accuracy_m" in imprecise.json()
    assert client.post(url, {"lat": 30.1, "lng": 120.1, "accuracy_m": 8},
                       format="json").status_code == 200
    bare.refresh_from_db()
    assert bare.latitude == Decimal("30.100000")
    again = client.post(url, {"lat": 30.2, "lng": 120.2, "accuracy_m": 8}, format="json")
    assert again.status_code == 400
    assert api(cast.charlie).post(url, {"lat": 30.2, "lng": 120.2},
                                  format="json").status_code == 404


def plan_for(rep, customers, origin=StopOrigin.GENERATED):
    today = timezone.localdate()
    plan, _ = DailyPlan.objects.get_or_create(rep=rep, date=today)
    return [PlannedStop.objects.create(plan=plan, rep=rep, date=today, customer=c,
                                       position=i, origin=origin)
            for i, c in enumerate(customers, start=1)]


def test_today_lists_the_plan_visits_and_tasks_in_constant_queries(cast, api, shop, water):
    client = api(cast.alice)
    plan_for(cast.alice, [shop, cast.alice_customer])
    check_in(client, shop)
    FollowUpTask.objects.create(rep=cast.alice, customer=shop, kind="return_visit",
                                title="回访", due_date=timezone.localdate())
    with CaptureQueriesContext(connection) as small:
        body = client.get("/api/v1/me/today").json()
    assert [s["customer"]["name"] for s in body["stops"]] == ["联华超市文三店", "联华超市"]
    assert body["stops"][0]["visit"]["status"] == "open" and body["stops"][1]["visit"] is None
    assert body["stops"][0]["customer"]["lat"] == 30.277
    assert body["tasks"][0]["title"] == "回访"
    assert body["catalogue"]["products"][0]["price"] == "24.00"
    more = [CustomerFactory(owner=cast.alice) for _ in range(8)]
    plan = DailyPlan.objects.get(rep=cast.alice)
    for i, customer in enumerate(more, start=10):
        PlannedStop.objects.create(plan=plan, rep=cast.alice, date=plan.date, customer=customer,
                                   position=i)
        check_in(client, customer)
    FollowUpTask.objects.create(rep=cast.alice, customer=more[0], kind="appointment",
                                title="约见", due_date=timezone.localdate())
    with CaptureQueriesContext(connection) as large:
        body = client.get("/api/v1/me/today").json()
    assert len(body["stops"]) == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_today_shows_dropped_and_rep_added_stops(cast, api, shop):
    client = api(cast.alice)
    stop, = plan_for(cast.alice, [shop])
    dropped = client.post(f"/api/v1/me/plan/stops/{stop.pk}/drop", {"reason": "关门装修"},
                          format="json")
    assert dropped.status_code == 200
    added = client.post("/api/v1/me/plan/stops", {"customer": cast.alice_customer.pk},
                        format="json")
    assert added.status_code == 201
    body = client.get("/api/v1/me/today").json()
    assert body["stops"][0]["dropped"] and body["stops"][0]["drop_reason"] == "关门装修"
    assert body["stops"][1]["origin"] == "rep" and not body["stops"][1]["counts_as_planned"]
    no_reason = client.post(f"/api/v1/me/plan/stops/{stop.pk}/drop", {"reason": ""},
                            format="json")
    assert no_reason.status_code == 400
    assert api(cast.bob).post(f"/api/v1/me/plan/stops/{stop.pk}/drop", {"reason": "x"},
                              format="json").status_code == 404
    assert api(cast.alice).post("/api/v1/me/plan/stops", {"customer": cast.bob_customer.pk},
                                format="json").status_code == 404


def test_visit_list_is_own_visits_filtered_by_date(cast, api, shop):
    client = api(cast.alice)
    check_in(client, shop)
    check_in(client, shop, device_time=(timezone.now() - datetime.timedelta(days=2)).isoformat())
    check_in(api(cast.bob), cast.bob_customer)
    assert api(cast.alice).get("/api/v1/visits/").json()["count"] == 2
    today = timezone.localdate().isoformat()
    assert client.get(f"/api/v1/visits/?date={today}").json()["count"] == 1
    assert client.get("/api/v1/visits/?date=yesterday").status_code == 400
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/visits/")
    for _ in range(5):  # one visit in progress per outlet: five outlets
        check_in(client, CustomerFactory(owner=cast.alice))
    with CaptureQueriesContext(connection) as more:
        assert client.get("/api/v1/visits/").json()["count"] == 7
    assert len(more.captured_queries) == len(queries.captured_queries)


def test_positions_are_my_own_and_reduced_after_retention(cast, api, shop):
    from outletcrm.visits.services import reduce_old_positions

    client = api(cast.alice)
    old = check_in(client, shop, device_time=(timezone.now() - datetime.timedelta(days=5))
                   .isoformat()).json()
    check_in(client, shop)
    check_in(api(cast.bob), cast.bob_customer)
    reduce_old_positions(days=3)
    body = client.get("/api/v1/me/positions").json()
    assert body["count"] == 2 and body["retention_days"] == 180
    by_visit = {row["visit"]: row for row in body["results"]}
    reduced = by_visit[old["client_id"]]
    assert reduced["reduced"] and reduced["check_in"]["lat"] is None
    assert reduced["check_in"]["distance_m"] is not None
    fresh = next(row for row in body["results"] if not row["reduced"])
    assert fresh["check_in"]["lat"] == pytest.approx(30.2771)
