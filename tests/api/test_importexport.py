"""Excel import and export over the API: template, all-or-nothing, skip invalid, scope."""

import base64
import io

import openpyxl
import pytest

from outletcrm.core.api import XLSX_MEDIA_TYPE
from outletcrm.core.models import AuditEvent
from outletcrm.customers.importexport import COLUMNS
from outletcrm.customers.models import Customer
from tests.factories import CustomerFactory

TEMPLATE = "/api/v1/customers/import-template"
IMPORT = "/api/v1/customers/import"
EXPORT = "/api/v1/customers/export"


def workbook(rows: list[dict]) -> io.BytesIO:
    """An upload with the template's headers and the given rows (keyed by column key)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户档案"
    sheet.append([c.header for c in COLUMNS])
    for values in rows:
        sheet.append([values.get(c.key) for c in COLUMNS])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "客户.xlsx"
    return upload


def shop(n: int, **values) -> dict:
    row = {
        "name": f"导入便利店{n}号",
        "outlet_type": "便利店",
        "city": "杭州市",
        "address": f"莫干山路{n}号",
        "phone": f"0571-8800{n:04d}",
    }
    row.update(values)
    return row


def exported(response) -> list[str]:
    """Customer names in an exported workbook (first sheet, below the header)."""
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    name_column = (
        headers.index("客户名称*") if "客户名称*" in headers else headers.index("客户名称")
    )
    return [row[name_column] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_template_downloads_as_xlsx(cast, api):
    response = api(cast.alice).get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response["Content-Disposition"]
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).active[1]]
    assert headers[0] == "客户名称*"


def test_template_also_answers_a_client_that_asks_for_xlsx(cast, api):
    response = api(cast.alice).get(TEMPLATE, HTTP_ACCEPT=XLSX_MEDIA_TYPE)
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_good_file_goes_in_with_the_importer_as_owner(cast, api):
    response = api(cast.alice).post(
        IMPORT, {"file": workbook([shop(1), shop(2)])}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "ok": True,
        "created_count": 2,
        "errors": [],
        "error_count": 0,
        "duplicates": [],
        "duplicate_count": 0,
        "rejected_count": 0,
        "rejected_workbook": None,
    }
    assert set(
        Customer.objects.filter(name__startswith="导入").values_list("owner", flat=True)
    ) == {cast.alice.pk}
    assert AuditEvent.objects.get(action="import").channel == "api"


def test_one_bad_row_rejects_the_whole_file_with_a_row_by_row_report(cast, api):
    before = Customer.objects.count()
    upload = workbook([shop(1), shop(2, phone="12345"), shop(3)])
    response = api(cast.alice).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    report = response.json()
    assert report["ok"] is False and report["created_count"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "门店电话")]
    assert report["errors"][0]["message"]
    assert Customer.objects.count() == before


def test_skip_invalid_imports_the_good_rows_and_returns_the_bad_ones(cast, api):
    upload = workbook([shop(1), shop(2, phone="12345"), shop(3)])
    response = api(cast.alice).post(
        IMPORT, {"file": upload, "skip_invalid": "true"}, format="multipart"
    )
    assert response.status_code == 200
    report = response.json()
    assert report["created_count"] == 2 and report["ok"] is False
    rejected = openpyxl.load_workbook(io.BytesIO(base64.b64decode(report["rejected_workbook"])))
    names = [r[0] for r in rejected.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names == ["导入便利店2号"]


def test_duplicates_of_records_outside_scope_stay_anonymous(cast, api):
    upload = workbook([shop(1, phone="13800000001")])  # alice_customer's phone
    response = api(cast.charlie).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    [duplicate] = response.json()["duplicates"]
    assert duplicate["row"] == 2
    assert [(m["id"], m["name"]) for m in duplicate["matches"]] == [(None, None)]
    assert "联华" not in response.content.decode()
    assert not Customer.objects.filter(name="导入便利店1号").exists()


def test_duplicates_in_scope_link_to_the_record(cast, api):
    upload = workbook([shop(1, phone="13800000001")])
    response = api(cast.alice).post(IMPORT, {"file": upload}, format="multipart")
    [match] = response.json()["duplicates"][0]["matches"]
    assert match["id"] == cast.alice_customer.pk and match["reason"] == "phone"


@pytest.mark.parametrize(
    "upload",
    [
        lambda: io.BytesIO("name,phone\n联华,1380000\n".encode()),
        lambda: io.BytesIO(b""),
        lambda: io.BytesIO(b"PK\x03\x04 this is not really a zip"),
    ],
    ids=["csv", "empty", "fake-zip"],
)
def test_garbage_files_are_a_clear_400_on_the_file_field(cast, api, upload):
    upload = upload()
    upload.name = "客户.xlsx"
    before = Customer.objects.count()
    response = api(cast.alice).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["file"] and response.json()["file"][0]
    assert Customer.objects.count() == before


def test_import_without_a_file_names_the_field(cast, api):
    response = api(cast.alice).post(IMPORT, {"skip_invalid": "true"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_import_needs_multipart(cast, api):
    response = api(cast.alice).post(IMPORT, {"file": "x"}, format="json")
    assert response.status_code == 415


@pytest.mark.parametrize(
    "user_name, expected",
    [
        ("alice", {"联华超市"}),
        ("charlie", {"宁波海曙药房"}),
        ("sup", {"联华超市", "好又多便利店"}),
        ("mgr_nb", {"宁波海曙药房"}),
        ("custodian", {"联华超市", "好又多便利店", "宁波海曙药房"}),
    ],
)
def test_export_is_exactly_the_callers_scope(cast, api, user_name, expected):
    response = api(getattr(cast, user_name)).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert set(exported(response)) == expected
    assert response["X-Row-Count"] == str(len(expected))
    event = AuditEvent.objects.get(action="export")
    assert event.actor == getattr(cast, user_name) and event.channel == "api"
    assert event.row_count == len(expected)


def test_export_applies_the_list_filters(cast, api):
    CustomerFactory(owner=cast.alice, name="华联超市", status="active")
    client = api(cast.alice)
    assert exported(client.get(EXPORT, {"status": "active"})) == ["华联超市"]
    assert exported(client.get(EXPORT, {"q": "lhcs"})) == ["联华超市"]
    # A filter naming something outside the scope still shows nothing outside it.
    assert exported(client.get(EXPORT, {"owner": cast.charlie.pk})) == []


def test_export_with_a_bad_filter_is_a_json_400_and_not_recorded(cast, api):
    response = api(cast.alice).get(EXPORT, {"ordering": "secret"}, HTTP_ACCEPT=XLSX_MEDIA_TYPE)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "ordering" in response.json()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_includes_archived_customers_only_when_asked(cast, api):
    Customer.objects.filter(pk=cast.alice_customer.pk).update(archived_at="2024-01-01T00:00Z")
    client = api(cast.alice)
    assert exported(client.get(EXPORT)) == []
    assert exported(client.get(EXPORT, {"archived": "all"})) == ["联华超市"]
