"""Stored files leave only through core/files.py: scoped views, sensible headers, nginx."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from outletcrm.core.files import media_path
from tests.customers.test_importexport import row, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ACCEL_REDIRECT = ""
    return settings.MEDIA_ROOT


def rejected_rows_url(client) -> str:
    response = client.post(reverse("customers:import"), {
        "file": SimpleUploadedFile("客户.xlsx", xlsx([row(), row(staff_count="lots")]),
                                   content_type=XLSX),
        "skip_invalid": "on"})
    return reverse("customers:import-rejected", args=[response.context["rejected_token"]])


def test_rejected_rows_are_a_private_attachment(login, cast):
    alice = login(cast.alice)
    response = alice.get(rejected_rows_url(alice))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_rejected_rows_go_through_nginx_when_configured(login, cast, settings, media):
    alice = login(cast.alice)
    url = rejected_rows_url(alice)
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media"
    response = alice.get(url)
    [stored] = (media / "imports").glob("*/*.xlsx")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == (
        f"/protected-media/imports/{cast.alice.pk}/{stored.name}")
    other = Client()
    other.force_login(cast.bob)
    assert other.get(url).status_code == 404


@pytest.mark.parametrize("relative", ["../outside.txt", "/etc/passwd", "visits/missing.jpg", ""])
def test_a_path_outside_media_root_or_missing_is_404(media, relative):
    media.mkdir(parents=True)
    (media.parent / "outside.txt").write_text("secret")
    with pytest.raises(Http404):
        media_path(relative)
