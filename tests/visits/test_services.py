"""Visit execution rules: evidence, idempotency, timing, photos, rejection, privacy."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from outletcrm.visits import services
from outletcrm.visits.models import FollowUpTask, Visit, VisitPhoto
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shop(cast):
    return CustomerFactory(owner=cast.alice, name="联华超市文三店", latitude=Decimal("30.277000"),
                           longitude=Decimal("120.130000"))


def check_in(rep, customer, **kw):
    data = {"client_id": uuid.uuid4(), "lat": "30.277100", "lng": "120.130100",
            "accuracy_m": 12, "fix_age_s": 3}
    data.update(kw)
    return services.visit_check_in(actor=rep, customer=customer, **data)


def jpeg(size=(640, 480)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="JPEG")
    return SimpleUploadedFile("shelf.jpg", buf.getvalue(), content_type="image/jpeg")


def test_check_in_keeps_evidence_and_flags_off_site(cast, shop, settings):
    near, created = check_in(cast.alice, shop)
    assert created and not near.off_site and near.checkin_distance_m < 20
    assert near.checkin_accuracy_m == 12 and near.checkin_fix_age_s == 3
    assert near.checkin_received_at is not None and not near.is_planned
    services.visit_check_out(actor=cast.alice, visit=near)  # one visit in progress per outlet
    far, _ = check_in(cast.alice, shop, lat="30.290000")
    assert far.off_site and far.checkin_distance_m > settings.CHECKIN_RADIUS_M


def test_replayed_check_in_creates_nothing(cast, shop):
    client_id = uuid.uuid4()
    first, created = check_in(cast.alice, shop, client_id=client_id)
    again, created_again = check_in(cast.alice, shop, client_id=client_id)
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.count() == 1
    with pytest.raises(ValidationError):
        check_in(cast.bob, shop, client_id=client_id)  # someone else's id


@pytest.mark.parametrize("bad", [
    {"lat": "91", "lng": "120"}, {"lat": "30", "lng": "-181"}, {"lat": "abc", "lng": "1"},
    {"lat": None, "lng": None}, {"client_id": "not-a-uuid"}, {"kind": "party"},
    {"device_time": "2999-01-01T10:00:00+08:00"}, {"device_time": "yesterday"},
])
def test_bad_check_in_is_refused_and_writes_nothing(cast, shop, bad):
    with pytest.raises(ValidationError):
        check_in(cast.alice, shop, **bad)
    assert Visit.objects.count() == 0


def test_check_out_before_check_in_is_refused(cast, shop):
    visit, _ = check_in(cast.alice, shop)
    with pytest.raises(ValidationError):
        services.visit_check_out(actor=cast.alice, visit=visit,
                                 device_time=visit.checked_in_at - datetime.timedelta(minutes=1))
    visit.refresh_from_db()
    assert visit.status == "open" and visit.duration_s is None


def test_check_out_keeps_duration_and_a_home_visit_books_a_return_visit(cast, shop):
    visit, _ = check_in(cast.alice, shop, kind="home",
                        device_time=timezone.now() - datetime.timedelta(minutes=25))
    services.visit_check_out(actor=cast.alice, visit=visit, lat="30.277", lng="120.13")
    assert 24 * 60 <= visit.duration_s <= 26 * 60
    task = FollowUpTask.objects.get(source_visit=visit)
    assert task.kind == "return_visit"
    assert 1 <= (task.due_date - visit.date).days <= 2
    with pytest.raises(ValidationError):
        services.visit_check_out(actor=cast.alice, visit=visit)  # already checked out


def test_only_the_rep_records_their_visit(cast, shop):
    visit, _ = check_in(cast.alice, shop)
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=cast.bob, visit=visit, notes="x")


def test_photo_is_watermarked_and_idempotent(cast, shop):
    visit, _ = check_in(cast.alice, shop)
    client_id = uuid.uuid4()
    photo, created = services.visit_add_photo(actor=cast.alice, visit=visit, upload=jpeg(),
                                              client_id=client_id, kind="display")
    again, created_again = services.visit_add_photo(actor=cast.alice, visit=visit, upload=jpeg(),
                                                    client_id=client_id, kind="display")
    assert created and not created_again and photo.pk == again.pk
    stored = Image.open(photo.image.path)
    assert stored.format == "JPEG"
    # The bottom band is darkened by the watermark, the top is the original red.
    assert stored.getpixel((5, 5))[0] > 150 and stored.getpixel((5, stored.height - 3))[0] < 150


@pytest.mark.parametrize("upload, live, message", [
    (SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"), True, "photo"),
    (SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg"), True, "empty"),
    (None, False, "camera"),
])
def test_bad_photos_are_refused(cast, shop, upload, live, message):
    visit, _ = check_in(cast.alice, shop)
    with pytest.raises(ValidationError) as info, translation.override("en"):
        services.visit_add_photo(actor=cast.alice, visit=visit, upload=upload or jpeg(),
                                 client_id=uuid.uuid4(), kind="display", captured_live=live)
    assert message in str(info.value).lower()
    assert VisitPhoto.objects.count() == 0


def test_oversize_photo_is_refused(cast, shop, settings):
    settings.PHOTO_MAX_BYTES = 1000
    visit, _ = check_in(cast.alice, shop)
    with pytest.raises(ValidationError):
        services.visit_add_photo(actor=cast.alice, visit=visit, upload=jpeg(), kind="display",
                                 client_id=uuid.uuid4())


def test_reject_needs_the_reps_supervisor_and_a_reason(cast, shop):
    visit, _ = check_in(cast.alice, shop)
    with pytest.raises(PermissionDenied):
        services.visit_reject(actor=cast.alice, visit=visit, reason="x")
    with pytest.raises(PermissionDenied):
        services.visit_reject(actor=cast.mgr_nb, visit=visit, reason="x")
    with pytest.raises(ValidationError):
        services.visit_reject(actor=cast.sup, visit=visit, reason="")
    services.visit_reject(actor=cast.sup, visit=visit, reason="定位异常")
    assert Visit.objects.get(pk=visit.pk).status == "rejected"


def test_old_positions_are_reduced_to_the_distance(cast, shop):
    visit, _ = check_in(cast.alice, shop)
    Visit.objects.filter(pk=visit.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(days=200))
    assert services.reduce_old_positions() == 1
    visit.refresh_from_db()
    assert visit.checkin_lat is None and visit.checkin_accuracy_m is None
    assert visit.checkin_distance_m is not None


def test_capture_coordinates_only_when_missing(cast):
    bare = CustomerFactory(owner=cast.alice)
    services.capture_coordinates(actor=cast.alice, customer=bare, lat="30.25", lng="120.16",
                                 accuracy_m=15)
    bare.refresh_from_db()
    assert bare.latitude == Decimal("30.250000")
    with pytest.raises(ValidationError):
        services.capture_coordinates(actor=cast.alice, customer=bare, lat="30.26", lng="120.16")
    with pytest.raises(ValidationError):
        services.capture_coordinates(actor=cast.alice, customer=CustomerFactory(owner=cast.alice),
                                     lat="30.25", lng="120.16", accuracy_m=500)
