"""Issuance (发放制度, issue 10 item 4): exports above the limit wait for the custodian, are
downloaded once by the requester, every workbook carries a watermark, and the export list
shows who, when, how many rows, the filter and who approved."""

import io

import openpyxl
import pytest

from outletcrm.core.models import AccessLog, ExportRequest
from outletcrm.customers.importexport import DATA_SHEET, WATERMARK_SHEET
from outletcrm.notifications.models import Notification
from tests.factories import CustomerFactory


@pytest.fixture
def low_limit(settings, tmp_path):
    settings.EXPORT_APPROVAL_ROWS = 2
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_small_export_runs_at_once_watermarked_and_listed(cast, login, low_limit):
    response = login(cast.alice).get("/customers/export/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert DATA_SHEET in book.sheetnames
    mark = book[WATERMARK_SHEET]["A1"].value
    assert "alice" in mark
    assert "alice" in book[DATA_SHEET].oddHeader.center.text
    export = ExportRequest.objects.get()
    assert (export.status, export.row_count, export.requester) == ("done", 1, cast.alice)
    assert AccessLog.objects.get().action == "export"


@pytest.mark.django_db
def test_export_above_the_limit_waits_then_downloads_once(cast, client, low_limit):
    for n in range(3):
        CustomerFactory(name=f"店{n}", owner=cast.alice)
    client.force_login(cast.alice)
    waiting = client.get("/customers/export/")
    assert waiting.status_code == 202
    assert b'data-testid="export-waiting"' in waiting.content
    export = ExportRequest.objects.get()
    assert (export.status, export.row_count) == ("pending", 4)
    assert not AccessLog.objects.exists()  # nothing left the building yet
    assert Notification.objects.filter(user=cast.custodian,
                                       kind="access.export_request").exists()
    assert client.get(f"/access/exports/{export.pk}/download").status_code == 404
    # A rep cannot approve; the custodian can.
    assert client.post(f"/access/exports/{export.pk}/decide",
                       {"decision": "approve"}).status_code == 404
    client.force_login(cast.custodian)
    listing = client.get("/access/exports/")
    assert b'data-testid="pending-export"' in listing.content
    client.post(f"/access/exports/{export.pk}/decide", {"decision": "approve"})
    export.refresh_from_db()
    assert (export.status, export.decided_by) == ("approved", cast.custodian)
    # Only the requester downloads, once.
    assert client.get(f"/access/exports/{export.pk}/download").status_code == 404
    client.force_login(cast.alice)
    download = client.get(f"/access/exports/{export.pk}/download")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book[DATA_SHEET].max_row == 5
    assert client.get(f"/access/exports/{export.pk}/download").status_code == 404
    export.refresh_from_db()
    assert export.status == "downloaded"
    assert AccessLog.objects.get().row_count == 4


@pytest.mark.django_db
def test_api_export_above_the_limit_answers_202(cast, api, low_limit):
    for n in range(3):
        CustomerFactory(name=f"店{n}", owner=cast.alice)
    response = api(cast.alice).get("/api/v1/customers/export/")
    assert response.status_code == 202
    pk = response.json()["id"]
    assert api(cast.alice).post(f"/api/v1/exports/{pk}/approve").status_code == 403
    assert api(cast.charlie).post(f"/api/v1/exports/{pk}/approve").status_code == 404
    assert api(cast.custodian).post(f"/api/v1/exports/{pk}/refuse").status_code == 200
    assert api(cast.alice).get(f"/api/v1/exports/{pk}/download").status_code == 404
    assert ExportRequest.objects.get().status == "refused"


@pytest.mark.django_db
def test_custodian_exports_without_asking(cast, login, low_limit):
    assert login(cast.custodian).get("/customers/export/").status_code == 200
    assert ExportRequest.objects.get().status == "done"
