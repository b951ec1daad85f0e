"""Photos and exports on object storage (MEDIA_STORAGE=s3, docs/deploy.md): stored in a private
bucket, handed out only after the same scope checks, by a short-lived signed URL or streamed
through the app. S3 is moto's in-process fake (skipped when moto is not installed)."""

import datetime
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from outletcrm.visits import services
from outletcrm.visits.models import Visit, VisitPhoto
from tests.core.test_files import rejected_rows_url
from tests.factories import CustomerFactory
from tests.visits.test_field_api import check_in, jpeg_bytes, now_iso, photo_url

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")

BUCKET = "outletcrm-media"
ENDPOINT = "https://oss.example.com"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def bucket(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # An S3-compatible service of its own address (OSS, MinIO…), as operators configure it.
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", ENDPOINT)
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=ENDPOINT,
                          aws_access_key_id="test", aws_secret_access_key="test")
        s3.create_bucket(Bucket=BUCKET)
        settings.MEDIA_STORAGE = "s3"
        settings.MEDIA_DELIVERY = "redirect"
        settings.S3_URL_EXPIRE_SECONDS = 300
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "access_key": "test", "secret_key": "test",
                        "endpoint_url": ENDPOINT, "region_name": "us-east-1",
                        "signature_version": "s3v4", "default_acl": None,
                        "querystring_auth": True, "querystring_expire": 300,
                        "file_overwrite": False, "addressing_style": "path"}}}
        yield s3


def keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def assert_private(s3, key):
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not any(g["Grantee"].get("URI") == ALL_USERS for g in grants)


def test_rejected_rows_go_to_the_bucket_and_out_by_a_short_signed_url(login, cast, bucket):
    alice = login(cast.alice)
    url = rejected_rows_url(alice)
    [key] = keys(bucket)
    assert key.startswith(f"imports/{cast.alice.pk}/") and key.endswith(".xlsx")
    assert_private(bucket, key)

    response = alice.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    signed = urlsplit(response["Location"])
    query = parse_qs(signed.query)
    assert f"{signed.scheme}://{signed.netloc}" == ENDPOINT and signed.path.endswith(key)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    assert query["response-content-disposition"][0].startswith("attachment")

    other = Client()
    other.force_login(cast.bob)
    assert other.get(url).status_code == 404  # the same scope check as on disk


def test_proxy_delivery_streams_the_object_through_the_app(login, cast, bucket, settings):
    settings.MEDIA_DELIVERY = "proxy"
    alice = login(cast.alice)
    url = rejected_rows_url(alice)
    [key] = keys(bucket)
    response = alice.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_a_visit_photo_is_stored_in_the_bucket_and_served_after_the_scope_check(
        cast, api, bucket):
    shop = CustomerFactory(owner=cast.alice, latitude="30.277000", longitude="120.130000")
    client = api(cast.alice)
    visit = check_in(client, shop).json()
    client_id = str(uuid.uuid4())
    from django.core.files.uploadedfile import SimpleUploadedFile
    response = client.post(photo_url(visit), {
        "image": SimpleUploadedFile("shelf.jpg", jpeg_bytes(), "image/jpeg"),
        "kind": "display", "client_id": client_id, "taken_at": now_iso(minutes=-1),
        "captured_live": "true"}, format="multipart")
    assert response.status_code == 201, response.json()
    photo = VisitPhoto.objects.get(client_id=client_id)
    assert photo.image.name in keys(bucket)
    assert_private(bucket, photo.image.name)

    answer = client.get(f"/visits/photos/{client_id}.jpg")
    assert answer.status_code == 302 and "X-Amz-Signature=" in answer["Location"]
    assert api(cast.charlie).get(f"/visits/photos/{client_id}.jpg").status_code == 404


def test_old_photos_lose_their_coordinates_in_the_bucket_too(cast, bucket, settings):
    from django.core.files.base import ContentFile

    shop = CustomerFactory(owner=cast.alice, latitude="30.270000", longitude="120.150000")
    visit, _ = services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                                       lat="30.271000", lng="120.150000", accuracy_m=10)
    photo = VisitPhoto(visit=visit, client_id=uuid.uuid4(), kind="display",
                       taken_at=timezone.now(), position_in_watermark=True)
    photo.image.save("old.jpg", ContentFile(jpeg_bytes((640, 480))), save=False)
    photo.save()
    before = default_storage.open(photo.image.name).read()
    Visit.objects.filter(pk=visit.pk).update(positions_reduced_at=timezone.now()
                                             - datetime.timedelta(days=1))
    assert services.redact_photo_positions() == 1
    after = bucket.get_object(Bucket=BUCKET, Key=photo.image.name)["Body"].read()
    assert after != before and after[:2] == b"\xff\xd8"  # still a JPEG, repainted


@pytest.mark.django_db
def test_healthz_asks_the_bucket(bucket):
    response = Client().get("/healthz")
    assert response.json()["checks"]["storage"] == {
        "backend": "s3", "ok": True, "ms": response.json()["checks"]["storage"]["ms"]}
    bucket.delete_bucket(Bucket=BUCKET)
    response = Client().get("/healthz")
    assert response.status_code == 503 and not response.json()["checks"]["storage"]["ok"]
