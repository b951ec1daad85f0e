"""Visit photos are field data: served only through a scoped view, never from a public URL.

Who sees a photo (core/scoping.py): the rep who took it, his supervisor, the manager of his
region and the administrator. Another rep, another team's supervisor, another region's
manager and the archive custodian get 404, like for a photo that does not exist. The
watermark carries no coordinates (they would outlive the position retention).
"""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from PIL import Image, ImageDraw

from outletcrm.org.models import Role
from outletcrm.visits import services
from outletcrm.visits.models import VisitPhoto
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ACCEL_REDIRECT = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def shop(cast):
    return CustomerFactory(owner=cast.alice, name="联华超市文三店", latitude=Decimal("30.277000"),
                           longitude=Decimal("120.130000"))


def jpeg(colour=(200, 30, 30), size=(640, 480)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return SimpleUploadedFile("shelf.jpg", buf.getvalue(), content_type="image/jpeg")


def check_in(rep, customer, lat="30.277100", lng="120.130100", **kw):
    visit, _ = services.visit_check_in(actor=rep, customer=customer, client_id=uuid.uuid4(),
                                       lat=lat, lng=lng, accuracy_m=10, **kw)
    return visit


def add_photo(rep, visit, client_id=None, **kw):
    photo, _ = services.visit_add_photo(actor=rep, visit=visit, upload=jpeg(),
                                        client_id=client_id or uuid.uuid4(), kind="display", **kw)
    return photo


@pytest.fixture
def photo(cast, shop):
    return add_photo(cast.alice, check_in(cast.alice, shop))


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_photo_url_is_the_scoped_view(photo):
    assert photo.url == f"/visits/photos/{photo.client_id}.jpg"


def test_nothing_under_media_has_a_route(photo):
    stored = f"/media/{photo.image.name}"
    with pytest.raises(Resolver404):
        resolve(stored)
    assert Client().get(stored).status_code == 404


def test_an_anonymous_browser_is_sent_to_the_login(photo):
    response = Client().get(photo.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/visits/photos/")


@pytest.mark.parametrize("headers", [
    {"HTTP_ACCEPT": "application/json"},
    {"HTTP_AUTHORIZATION": "Token not-a-real-token"},
])
def test_an_anonymous_api_client_gets_401(photo, headers):
    response = Client().get(photo.url, **headers)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert b"\xff\xd8" not in response.content  # no JPEG bytes


@pytest.mark.parametrize("who", ["bob", "charlie", "other_supervisor", "mgr_nb", "custodian"])
def test_nobody_outside_the_visits_scope_sees_the_photo(cast, photo, who):
    users = {"other_supervisor": UserFactory(username="sup_nb", role=Role.SUPERVISOR,
                                             team=cast.team_nb)}
    user = users.get(who) or getattr(cast, who)
    response = as_user(user).get(photo.url)
    assert response.status_code == 404
    assert response.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("who", ["alice", "sup", "mgr_zj", "admin"])
def test_the_rep_his_supervisor_his_manager_and_the_admin_see_the_photo(cast, photo, who):
    response = as_user(getattr(cast, who)).get(photo.url)
    assert response.status_code == 200
    data = body(response)
    assert data == photo.image.open("rb").read() and Image.open(io.BytesIO(data)).format == "JPEG"
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{photo.client_id}.jpg"'


def test_an_api_token_opens_the_photo(cast, api, photo):
    assert api(cast.alice).get(photo.url).status_code == 200
    assert api(cast.charlie).get(photo.url).status_code == 404


def test_an_unknown_photo_is_404_like_one_out_of_scope(cast, photo):
    assert as_user(cast.alice).get(f"/visits/photos/{uuid.uuid4()}.jpg").status_code == 404


def test_a_photo_whose_file_is_gone_is_404(cast, photo):
    photo.image.storage.delete(photo.image.name)
    assert as_user(cast.alice).get(photo.url).status_code == 404


def test_the_photo_view_costs_few_queries(cast, photo, django_assert_max_num_queries):
    client = as_user(cast.sup)
    with django_assert_max_num_queries(3):  # session, user, photo in scope
        assert client.get(photo.url).status_code == 200


def test_behind_nginx_the_view_answers_with_x_accel_redirect(cast, photo, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = as_user(cast.sup).get(photo.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert response.content == b""  # nginx sends the file, not Python
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Scope is still checked first: nginx's internal location is never reached from outside.
    assert as_user(cast.custodian).get(photo.url).status_code == 404
    assert "X-Accel-Redirect" not in as_user(cast.custodian).get(photo.url)


def test_the_visit_page_phone_and_api_point_at_the_view(cast, api, shop, photo):
    visit = photo.visit
    page = as_user(cast.sup).get(f"/visits/visit/{visit.pk}/").content.decode()
    assert f'src="{photo.url}"' in page and "/media/" not in page
    phone = as_user(cast.alice).get(f"/m/visit/{visit.client_id}/").content.decode()
    assert photo.url in phone and "/media/" not in phone
    detail = api(cast.alice).get(f"/api/v1/visits/{visit.client_id}").json()
    assert [p["url"] for p in detail["photos"]] == [photo.url]


def test_an_uploaded_photo_answers_the_scoped_url(cast, api, shop):
    client = api(cast.alice)
    visit = check_in(cast.alice, shop)
    response = client.post(f"/api/v1/visits/{visit.client_id}/photos", {
        "image": jpeg(), "kind": "display", "client_id": str(uuid.uuid4()),
        "captured_live": "true"}, format="multipart")
    assert response.status_code == 201
    url = response.json()["photo"]["url"]
    assert url.startswith("/visits/photos/") and client.get(url).status_code == 200


# --- reusing another rep's photo client id -------------------------------------------------

def test_another_reps_photo_client_id_is_refused_like_check_in_order_and_payment(
        cast, shop, photo):
    bob_shop = CustomerFactory(owner=cast.bob, latitude=Decimal("30.277"),
                               longitude=Decimal("120.13"))
    bobs_visit = check_in(cast.bob, bob_shop)
    with pytest.raises(ValidationError) as info:
        add_photo(cast.bob, bobs_visit, client_id=photo.client_id)
    assert set(info.value.message_dict) == {"client_id"}
    assert VisitPhoto.objects.get().visit == photo.visit  # nothing attached to bob's visit


def test_the_client_id_reuse_attack_leaks_nothing_through_the_api(cast, api, shop, photo):
    bob_shop = CustomerFactory(owner=cast.bob, latitude=Decimal("30.277"),
                               longitude=Decimal("120.13"))
    client = api(cast.bob)
    bobs_visit = check_in(cast.bob, bob_shop)
    response = client.post(f"/api/v1/visits/{bobs_visit.client_id}/photos", {
        "image": jpeg(), "kind": "display", "client_id": str(photo.client_id),
        "captured_live": "true"}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"client_id": ["This client id belongs to another record."]}
    assert "photos" not in response.content.decode()
    # Even knowing the URL, bob cannot fetch alice's photo.
    assert client.get(photo.url).status_code == 404


def test_the_same_rep_replaying_his_upload_gets_his_photo_back(cast, shop, photo):
    again, created = services.visit_add_photo(
        actor=cast.alice, visit=photo.visit, upload=jpeg(), client_id=photo.client_id,
        kind="display")
    assert not created and again.pk == photo.pk


# --- the watermark and the position retention ---------------------------------------------

def test_the_watermark_carries_no_coordinates(cast, shop):
    """Two check-ins at different places, equally far from the outlet, give the same photo."""
    taken_at = timezone.now() - datetime.timedelta(minutes=5)
    north = check_in(cast.alice, shop, lat="30.277200", lng="120.130000")
    south = check_in(cast.alice, CustomerFactory(
        owner=cast.alice, name=shop.name, code=shop.code + "x", latitude=shop.latitude,
        longitude=shop.longitude), lat="30.276800", lng="120.130000")
    assert round(north.checkin_distance_m) == round(south.checkin_distance_m) == 22
    south.customer.code = shop.code  # same outlet text on both photos
    first = add_photo(cast.alice, north, taken_at=taken_at)
    second = add_photo(cast.alice, south, taken_at=taken_at)
    assert first.image.open("rb").read() == second.image.open("rb").read()
    assert not first.position_in_watermark


def _dark(pixel) -> bool:
    return max(pixel) < 60


def test_retention_paints_the_coordinates_out_of_older_photos(cast, shop, settings):
    old_visit = check_in(cast.alice, shop)
    old = add_photo(cast.alice, old_visit)
    # A second outlet: one rep has one open visit per outlet and day.
    other_shop = CustomerFactory(owner=cast.alice, name="好邻居便利店",
                                 latitude=Decimal("30.277000"), longitude=Decimal("120.130000"))
    recent = add_photo(cast.alice, check_in(cast.alice, other_shop))
    # Photos stored before this change carry the coordinates on the watermark's last line.
    for legacy in (old, recent):
        with Image.open(legacy.image.path) as stored:
            image = stored.convert("RGB")
        ImageDraw.Draw(image).rectangle([(10, image.height - 28), (300, image.height - 12)],
                                        fill=(255, 255, 255))  # "30.277100, 120.130100"
        image.save(legacy.image.path, format="JPEG")
    VisitPhoto.objects.update(position_in_watermark=True)
    old_visit.checked_in_at -= datetime.timedelta(days=settings.POSITION_RETENTION_DAYS + 1)
    old_visit.save(update_fields=["checked_in_at"])

    assert services.reduce_old_positions() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.position_in_watermark and recent.position_in_watermark
    with Image.open(old.image.path) as redacted:
        image = redacted.convert("RGB")
        assert all(_dark(image.getpixel((x, image.height - 20))) for x in range(10, 300, 10))
        assert image.getpixel((5, 5))[0] > 150  # the photo itself is untouched
    with Image.open(recent.image.path) as kept:
        assert not _dark(kept.convert("RGB").getpixel((100, kept.height - 20)))
    assert services.reduce_old_positions() == 0  # done once
