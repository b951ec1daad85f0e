"""Import amplification (issue 7, §2): a small file cannot make the import do a lot of work.

A 177 KB workbook whose header row held 1.5 million cells used to cost 22 s of CPU and 380 MB
and earn a 6 MB answer. These tests build such files (tests/customers/xlsx_bombs.py) and assert
on behaviour — a clear, short error and nothing imported; bench/import_bomb.py measures the
time and memory.
"""

import copy
import io
import zipfile

import jsonschema
import openpyxl
import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from outletcrm.customers import importexport
from outletcrm.customers.importexport import (
    COLUMNS,
    MAX_COLUMNS,
    MAX_ECHO,
    MAX_REPORTED,
    ImportFileError,
    import_customers,
)
from outletcrm.customers.models import Customer
from tests.customers.test_importexport import HEADERS, counts, row, xlsx
from tests.customers.xlsx_bombs import (
    shared_strings_bomb,
    tall_sheet_bomb,
    template_file,
    wide_row_bomb,
)

IMPORT = "/api/v1/customers/import/"
FIRST_ROW = ["联华超市(文三路店)", "便利店"]
# A refusal is one or two sentences; a whole answer fits in a few kilobytes.
SHORT = 1000


def run(actor, data: bytes, **kwargs):
    return import_customers(actor=actor, fileobj=io.BytesIO(data), filename="客户.xlsx", **kwargs)


def refused(actor, data: bytes) -> str:
    before = counts()
    with translation.override("en"), pytest.raises(ImportFileError) as info:
        run(actor, data)
    assert counts() == before
    message = str(info.value)
    assert len(message) < SHORT, message[:1000]
    return message


def _rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.namelist():
            content = source.read(entry)
            target.writestr(entry, change(content) if entry == name else content)
    return buffer.getvalue()


# --- the trial's bomb and its variants -----------------------------------------------------


@pytest.mark.parametrize(
    "dimension",
    [None, "A1:AE2", "A1:XFD2"],
    ids=["no declared size", "declared too small", "declared honestly"],
)
def test_a_header_row_of_one_and_a_half_million_cells_is_refused(cast, dimension):
    data = wide_row_bomb(HEADERS, [FIRST_ROW], dimension=dimension)
    assert len(data) < 250_000  # the trial's file was 177 KB
    message = refused(cast.alice, data)
    assert f"more than {MAX_COLUMNS} columns" in message


def test_a_data_row_of_one_and_a_half_million_cells_is_refused(cast):
    data = wide_row_bomb(HEADERS, [FIRST_ROW, FIRST_ROW], row=3)
    assert "columns" in refused(cast.alice, data)


def test_one_cell_far_to_the_right_is_refused(cast):
    # openpyxl would fill every row out to that column: 16,384 cells a row.
    data = _rewrite(
        xlsx([row()]),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1),
    )
    assert "columns" in refused(cast.alice, data)


def test_a_million_empty_rows_without_a_declared_size_are_refused(cast, settings):
    data = tall_sheet_bomb(HEADERS, [FIRST_ROW], empty_rows=1_000_000)
    assert len(data) < 2_000_000
    message = refused(cast.alice, data)
    assert f"{settings.IMPORT_MAX_ROWS}" in message and "rows" in message


def test_a_bomb_on_another_sheet_is_refused_when_opening_the_file_would_read_it(cast):
    def add_sheet(dimension: str | None) -> bytes:
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx([row()])))
        workbook.create_sheet("说明").append(["x"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        huge = '<c t="inlineStr"><is><t>x</t></is></c>' * 1_500_000

        def change(xml: bytes) -> bytes:
            text = xml.decode()
            start = text.index("<dimension")
            text = text[:start] + text[text.index("/>", start) + 2 :]
            if dimension:
                text = text.replace("<sheetViews>", f'<dimension ref="{dimension}"/><sheetViews>')
            return text.replace("</row>", huge + "</row>", 1).encode()

        return _rewrite(buffer.getvalue(), "xl/worksheets/sheet2.xml", change)

    # Without a declared size, opening the workbook reads the whole sheet: refused.
    assert "columns" in refused(cast.alice, add_sheet(None))
    # With one, the sheet is never read: the customers on the customer sheet go in.
    result = run(cast.alice, add_sheet("A1:A1"))
    assert result.ok and result.created_count == 1


def test_a_table_of_a_million_and_a_half_shared_texts_is_refused(cast):
    data = shared_strings_bomb(HEADERS, [FIRST_ROW])
    assert len(data) < 250_000
    assert "texts" in refused(cast.alice, data)


def test_a_shared_text_longer_than_a_cell_may_hold_is_refused(cast):
    data = shared_strings_bomb(HEADERS, [FIRST_ROW], strings=1, text="联华" * 20_000)
    assert "characters" in refused(cast.alice, data)


def test_a_cell_longer_than_excel_allows_is_refused(cast):
    # openpyxl cuts long texts to Excel's limit when it writes, so write the cell by hand.
    long_cell = '<c r="A2" t="inlineStr"><is><t>' + "联华" * 20_000 + "</t></is></c>"
    data = _rewrite(
        template_file(HEADERS, [["", "便利店"]]),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b'<row r="2">', b'<row r="2">' + long_cell.encode()),
    )
    assert "characters" in refused(cast.alice, data)


# --- short answers -------------------------------------------------------------------------


def test_a_file_full_of_bad_rows_gets_a_short_report_and_every_row_in_the_workbook(cast):
    bad = [row(outlet_type="不存在" * 1000, customer_class="x" * 5000) for _ in range(150)]
    with translation.override("en"):
        result = run(cast.alice, xlsx(bad), skip_invalid=True)
    assert result.created_count == 0 and not result.ok
    assert len(result.errors) == MAX_REPORTED and result.error_count == 300
    assert result.rejected_count == 150
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    for error in result.errors:
        # The typed value is quoted, cut short; the valid choices are the archive's own list.
        quoted = error.message.split("“")[1].split("”")[0]
        assert len(quoted) <= MAX_ECHO
    rejected = openpyxl.load_workbook(io.BytesIO(result.rejected_workbook)).active
    assert rejected.max_row == 151  # every rejected row comes back, with its reasons


def test_unknown_headers_are_named_short(cast):
    headers = [*HEADERS, *(f"自定义列{n}" + "长" * 3000 for n in range(20))]
    message = refused(cast.alice, xlsx([row()], headers=headers))
    assert "自定义列0" in message and "and 10 more" in message


def test_the_api_answers_a_bomb_with_a_short_400_on_the_file_field(cast, api):
    data = wide_row_bomb(HEADERS, [FIRST_ROW])
    upload = io.BytesIO(data)
    upload.name = "bomb.xlsx"
    response = api(cast.alice).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert len(response.content) < 1000
    assert list(response.json()) == ["file"]
    assert not Customer.objects.filter(created_by=cast.alice).exists()


# --- the import's 400 is what the schema says ----------------------------------------------


def _openapi_to_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's type list (jsonschema does not know it)."""
    if isinstance(node, dict):
        node = {k: _openapi_to_json_schema(v) for k, v in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_openapi_to_json_schema(v) for v in node]
    return node


@pytest.fixture
def refusal_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/customers/import/"]["post"]
    body = operation["responses"]["400"]["content"]["application/json"]["schema"]
    root = _openapi_to_json_schema({**copy.deepcopy(body), "components": schema["components"]})
    return jsonschema.Draft7Validator(root)


def test_every_400_of_the_import_matches_its_documented_shape(cast, api, refusal_schema):
    def post(payload, **kwargs):
        response = api(cast.alice).post(IMPORT, payload, format="multipart", **kwargs)
        assert response.status_code == 400, response.content
        errors = list(refusal_schema.iter_errors(response.json()))
        assert not errors, (response.json(), errors[0].message)
        return response.json()

    def upload(data: bytes):
        handle = io.BytesIO(data)
        handle.name = "客户.xlsx"
        return handle

    twice = row()
    bad_rows = [row(outlet_type="不存在") for _ in range(120)] + [twice, twice]
    report = post({"file": upload(xlsx(bad_rows))})
    assert report["ok"] is False and len(report["errors"]) == MAX_REPORTED
    assert report["error_count"] == 120 and report["rejected_count"] == 121
    assert report["duplicate_count"] == 1 and report["duplicates"][0]["row"] == 123
    assert len(str(report)) < 30_000
    assert "file" in post({"file": upload(wide_row_bomb(HEADERS, [FIRST_ROW]))})
    assert "file" in post({"file": upload(b"not a workbook")})
    assert "file" in post({})
    assert "non_field_errors" in post({"file": upload(xlsx([row()])), "skipinvalid": "1"})
    assert "skip_invalid" in post({"file": upload(xlsx([row()])), "skip_invalid": "perhaps"})


def test_the_template_is_well_within_the_bounds(db):
    assert len(COLUMNS) + 7 <= MAX_COLUMNS  # an export (6 more) with its reason column
    assert importexport.MAX_CELL_CHARS == 32_767
