"""Excel import and export of the archive: validation, all-or-nothing, garbage files, scope."""

import datetime as dt
import io
import itertools
import os
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outletcrm.core.models import AuditEvent, ChangeLog, TimelineEntry
from outletcrm.customers import importexport, services
from outletcrm.customers.importexport import (
    COLUMNS,
    ImportFileError,
    export_customers,
    import_customers,
    import_template,
)
from outletcrm.customers.models import Contact, Customer, Tag
from outletcrm.customers.selectors import CustomerFilters
from tests.factories import ContactFactory, CustomerFactory, customer_class, outlet_type

HEADERS = [c.header for c in COLUMNS]
_serial = itertools.count(1)


def row(**values) -> dict:
    """One customer row keyed by column key; unique name, address and phone by default."""
    n = next(_serial)
    base = {
        "name": f"测试便利店{n}号",
        "outlet_type": "便利店",
        "province": "浙江省",
        "city": "杭州市",
        "district": "拱墅区",
        "address": f"湖墅南路{n}号",
        "phone": f"0571-8{n:07d}",
    }
    base.update(values)
    return base


def xlsx(rows: list[dict], headers: list[str] | None = None) -> bytes:
    """A workbook with the template headers (or `headers`) and the given rows."""
    headers = headers or HEADERS
    keys = {c.header: c.key for c in COLUMNS}
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "客户档案"
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(keys.get(h, h)) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(actor, data: bytes, **kwargs):
    return import_customers(actor=actor, fileobj=io.BytesIO(data), filename="客户.xlsx", **kwargs)


def counts():
    return (
        Customer.objects.count(),
        Contact.objects.count(),
        ChangeLog.objects.count(),
        TimelineEntry.objects.count(),
        AuditEvent.objects.count(),
        Tag.objects.count(),
    )


def sheet_rows(data: bytes, sheet: str = "客户档案") -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in workbook[sheet].iter_rows(values_only=True)]


# --- the template ----------------------------------------------------------------------------


def test_template_has_the_chinese_headers_valid_values_dropdowns_and_an_example(db):
    workbook = openpyxl.load_workbook(io.BytesIO(import_template()))
    data, help_sheet = workbook.worksheets
    headers = [c.value for c in data[1]]
    assert headers[:5] == ["客户名称*", "终端类型*", "渠道", "省", "市"]
    for header in (
        "负责业务员(用户名)",
        "联系人手机",
        "农历生日(是/否)",
        "介绍人客户编号",
        "ABC分类",
    ):
        assert header in headers
    values = {c.value for r in help_sheet.iter_rows() for c in r if c.value}
    for expected in (
        "超市",
        "村卫生室",
        "既成客户",
        "扫街",
        "重点客户",
        "A类（关键）",
        "现代渠道（商超/连锁）",
        "老板",
        "联华超市（文三路店）",
    ):
        assert expected in values, expected
    outlet_list = next(v for v in data.data_validations.dataValidation if "B2" in str(v.sqref))
    assert outlet_list.type == "list" and "填写说明" in outlet_list.formula1


def test_the_empty_template_imports_nothing_and_says_so(cast):
    with pytest.raises(ImportFileError, match="no customer rows|没有客户"):
        run(cast.alice, import_template())


def test_the_example_row_of_the_template_imports(cast):
    help_sheet = openpyxl.load_workbook(io.BytesIO(import_template())).worksheets[1]
    rows = list(help_sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "客户名称*" and r[1] == "终端类型*")
    example = dict(zip(HEADERS, rows[header_at + 1], strict=False))
    keys = {c.header: c.key for c in COLUMNS}
    result = run(cast.alice, xlsx([{keys[h]: v for h, v in example.items()}]))
    assert result.ok, result.errors
    customer = Customer.objects.get(name="联华超市（文三路店）")
    assert customer.contacts.get().mobile == "13800138000"


# --- a good import -------------------------------------------------------------------------


def test_import_creates_customers_with_contacts_history_timeline_and_audit(cast):
    result = run(
        cast.alice,
        xlsx(
            [
                row(
                    name="世纪联华（古墩店）",
                    outlet_type="超市",
                    channel="现代渠道（商超/连锁）",
                    latitude=30.2871234,
                    longitude="120.1183",
                    phone="13912345678",
                    opens_at=dt.time(8, 0),
                    closes_at="22:30",
                    floor_area="350.5",
                    staff_count=12,
                    years_in_business="6",
                    brands="康师傅，农夫山泉、娃哈哈",
                    source="扫街",
                    status="既成客户",
                    customer_class="重点客户",
                    abc_class="A类（关键）",
                    tags="社区店, 24小时",
                    notes="门口可停车",
                    contact_name="王建国",
                    contact_role="店长",
                    contact_decision_role="决策者",
                    contact_mobile="139 1234 0000",
                    contact_birthday="1975/8/15",
                    contact_lunar="是",
                    contact_interests="钓鱼",
                ),
                row(name="老街药房", outlet_type="药店"),
            ]
        ),
    )
    assert result.ok and result.created_count == 2
    assert result.errors == [] and result.duplicates == [] and result.rejected_workbook is None
    c = Customer.objects.get(name="世纪联华（古墩店）")
    assert (c.outlet_type.code, c.channel, c.status, c.source) == (
        "supermarket",
        "modern",
        "active",
        "street_sweep",
    )
    assert (c.latitude, c.longitude) == (Decimal("30.287123"), Decimal("120.118300"))
    assert (c.opens_at, c.closes_at) == (dt.time(8, 0), dt.time(22, 30))
    assert (c.floor_area, c.staff_count, c.years_in_business) == (Decimal("350.5"), 12, 6)
    assert c.brands == ["康师傅", "农夫山泉", "娃哈哈"]
    assert sorted(t.name for t in c.tags.all()) == ["24小时", "社区店"]
    assert (c.customer_class.code, c.abc_class.code, c.owner) == ("key", "a", cast.alice)
    assert c.team == cast.team_hz and c.code.startswith("C")
    contact = c.contacts.get()
    assert (contact.name, contact.role, contact.decision_role, contact.mobile) == (
        "王建国",
        "store_manager",
        "decider",
        "13912340000",
    )
    assert contact.birthday == dt.date(1975, 8, 15) and contact.birthday_is_lunar
    assert contact.is_primary
    assert ChangeLog.objects.filter(customer_id=c.pk, action="create").exists()
    assert TimelineEntry.objects.filter(customer_id=c.pk).exists()
    assert not Customer.objects.get(name="老街药房").contacts.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.actor, event.row_count, event.channel) == (cast.alice, 2, "web")
    assert event.detail["filename"] == "客户.xlsx" and event.detail["created"] == 2


def test_english_names_short_forms_and_english_headers_are_accepted(cast):
    headers = [
        "Customer name",
        "Outlet type",
        "Channel",
        "Status",
        "Class",
        "ABC class",
        "Source",
        "Contact name",
        "Contact position",
        "Lunar birthday",
    ]
    data = xlsx(
        [
            {
                "Customer name": "Fresh Mart",
                "Outlet type": "Supermarket",
                "Channel": "Modern trade (supermarkets / chains)",
                "Status": "intent",
                "Class": "重点",
                "ABC class": "b",
                "Source": "Trade fair",
                "Contact name": "Li",
                "Contact position": "Buyer",
                "Lunar birthday": "no",
            }
        ],
        headers=headers,
    )
    result = run(cast.alice, data)
    assert result.ok, result.errors
    c = Customer.objects.get(name="Fresh Mart")
    assert (c.outlet_type.code, c.channel, c.status, c.source) == (
        "supermarket",
        "modern",
        "intent",
        "fair",
    )
    assert (c.customer_class.code, c.abc_class.code) == ("key", "b")
    assert c.contacts.get().role == "buyer"


def test_supervisor_may_give_rows_to_a_teammate(cast):
    result = run(cast.sup, xlsx([row(owner="bob"), row()]))
    assert result.ok
    owners = set(
        Customer.objects.filter(created_by=cast.sup).values_list("owner__username", flat=True)
    )
    assert owners == {"bob", "sup"}


# --- all-or-nothing and the row report ----------------------------------------------------


def test_one_bad_row_writes_nothing_and_reports_row_column_message_in_chinese(cast):
    before = counts()
    result = run(cast.alice, xlsx([row(), row(contact_name="张三", contact_mobile="1234"), row()]))
    assert not result.ok and result.created_count == 0
    assert counts() == before
    [error] = result.errors
    assert (error.row, error.column) == (3, "联系人手机")
    assert "不是有效的中国大陆手机号" in error.message
    assert result.rejected_workbook is None


def test_the_report_follows_the_users_language(cast):
    with translation.override("en"):
        result = run(cast.alice, xlsx([row(contact_name="张三", contact_mobile="1234")]))
    [error] = result.errors
    assert error.column == "联系人手机"  # the header as it stands in the file
    assert "is not a valid mainland China mobile number" in error.message


@pytest.mark.parametrize(
    "values, column",
    [
        ({"outlet_type": "火星店"}, "终端类型*"),
        ({"outlet_type": None}, "终端类型*"),
        ({"name": "  "}, "客户名称*"),
        ({"name": "名" * 101}, "客户名称*"),
        ({"channel": "网红渠道"}, "渠道"),
        ({"status": "半死不活"}, "客户状态"),
        ({"customer_class": "超级VIP"}, "客户级别"),
        ({"latitude": "abc", "longitude": 120}, "纬度"),
        ({"latitude": 95, "longitude": 30}, "纬度"),
        ({"latitude": 30}, "经度"),
        ({"latitude": 30, "longitude": 190}, "经度"),
        ({"phone": "12345"}, "门店电话"),
        ({"opens_at": "25:00"}, "营业开始"),
        ({"opens_at": "8:00", "closes_at": "8:00"}, "营业结束"),
        ({"floor_area": "很大"}, "营业面积"),
        ({"floor_area": -3}, "营业面积"),
        ({"staff_count": "3.5"}, "员工人数"),
        ({"years_in_business": 500}, "经营年限"),
        ({"source": "转介绍"}, "介绍人客户编号"),
        ({"referred_by": "C9999999"}, "介绍人客户编号"),
        ({"owner": "nobody"}, "负责业务员(用户名)"),
        ({"contact_mobile": "13800001111"}, "联系人姓名"),
        ({"contact_name": "李四", "contact_birthday": "下个月"}, "联系人生日"),
        ({"contact_name": "李四", "contact_birthday": "2999-01-01"}, "联系人生日"),
        ({"contact_name": "李四", "contact_lunar": "也许"}, "农历生日(是/否)"),
        ({"contact_name": "李四", "contact_role": "宇航员"}, "联系人职务"),
    ],
)
def test_each_kind_of_bad_cell_is_reported_on_its_column(cast, values, column):
    before = counts()
    result = run(cast.alice, xlsx([row(), row(**values)]))
    assert not result.ok and counts() == before
    assert [(e.row, e.column) for e in result.errors] == [(3, column)], result.errors
    assert result.errors[0].message


def test_every_bad_row_is_reported_not_just_the_first(cast):
    result = run(cast.alice, xlsx([row(phone="1"), row(), row(outlet_type="x", staff_count="y")]))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "门店电话"),
        (4, "终端类型*"),
        (4, "员工人数"),
    ]


def test_swapped_coordinates_get_a_hint(cast):
    with translation.override("en"):
        result = run(cast.alice, xlsx([row(latitude=120.1, longitude=30.2)]))
    assert "swapped" in result.errors[0].message


def test_excel_dates_times_and_numbers_in_any_reasonable_form(cast):
    result = run(
        cast.alice,
        xlsx(
            [
                row(
                    opens_at="8点半",
                    closes_at=0.75,
                    contact_name="甲",
                    contact_birthday=dt.date(1980, 1, 2),
                    phone=13912340001.0,
                    contact_mobile=13912340002,
                ),
                row(opens_at="07：30", contact_name="乙", contact_birthday="1981年3月4日"),
                row(contact_name="丙", contact_birthday=19820506),
            ]
        ),
    )
    assert result.ok, result.errors
    first = Customer.objects.get(phone="13912340001")
    assert (first.opens_at, first.closes_at) == (dt.time(8, 30), dt.time(18, 0))
    assert first.contacts.get().mobile == "13912340002"
    births = sorted(Contact.objects.values_list("birthday", flat=True))
    assert births == [dt.date(1980, 1, 2), dt.date(1981, 3, 4), dt.date(1982, 5, 6)]


def test_edge_values_are_handled_not_crashed_on(cast):
    result = run(cast.alice, xlsx([row(opens_at=0.9999999, staff_count="1e300")]))
    assert [(e.column) for e in result.errors] == ["员工人数"]
    result = run(cast.alice, xlsx([row(opens_at=0.9999999)]))
    assert result.ok
    assert Customer.objects.get(created_by=cast.alice).opens_at == dt.time(23, 59, 59)


CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.sampled_from(
        ["超市", "是", "13800138000", "08:30", "1e300", "0.9999999", "C0000001", "alice"]
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.fixed_dictionaries({}, optional={c.key: CELL_VALUES for c in COLUMNS}))
def test_no_cell_value_makes_the_import_crash(cast, values):
    try:
        data = xlsx([values])
    except (ValueError, TypeError):  # openpyxl cannot write it, so no user can send it either
        return
    try:
        result = run(cast.alice, data, skip_invalid=True)
    except ImportFileError:  # a row of nothing but blanks is "no customer rows"
        return
    assert (
        result.created_count
        + len({e.row for e in result.errors} | {d.row for d in result.duplicates})
        == 1
    )


# --- scope ---------------------------------------------------------------------------------


def test_owner_outside_scope_is_refused_exactly_like_an_unknown_user(cast):
    before = counts()
    result = run(cast.alice, xlsx([row(owner="charlie"), row(owner="ghost")]))
    assert counts() == before
    messages = [e.message for e in result.errors]
    assert [e.column for e in result.errors] == ["负责业务员(用户名)"] * 2
    assert messages[0].replace("charlie", "X") == messages[1].replace("ghost", "X")


def test_an_administrator_must_name_the_owner_rep(cast):
    result = run(cast.admin, xlsx([row()]))
    assert [e.column for e in result.errors] == ["负责业务员(用户名)"]
    result = run(cast.admin, xlsx([row(owner="charlie")]))
    assert result.ok and Customer.objects.filter(owner=cast.charlie).count() == 2


def test_a_referrer_outside_scope_reads_as_unknown(cast):
    theirs = run(cast.charlie, xlsx([row(source="转介绍", referred_by=cast.alice_customer.code)]))
    assert [e.column for e in theirs.errors] == ["介绍人客户编号"]
    ours = run(cast.bob, xlsx([row(source="转介绍", referred_by=cast.bob_customer.code.lower())]))
    assert ours.ok
    assert Customer.objects.get(referred_by=cast.bob_customer).owner == cast.bob


# --- duplicates ----------------------------------------------------------------------------


def test_duplicate_of_a_customer_on_file_is_reported_not_imported(cast):
    before = counts()
    result = run(cast.alice, xlsx([row(), row(phone="13800000001")]))
    assert not result.ok and counts() == before
    [dup] = result.duplicates
    assert dup.row == 3
    [match] = dup.matches
    assert (match.customer_id, match.code, match.reason) == (
        cast.alice_customer.pk,
        cast.alice_customer.code,
        "phone",
    )
    assert result.errors == []


def test_a_duplicate_outside_scope_is_reported_without_revealing_the_record(cast):
    result = run(
        cast.charlie,
        xlsx(
            [
                row(
                    name="联华超市",
                    province="浙江省",
                    city="杭州市",
                    district="西湖区",
                    address="文三路100号",
                    phone="",
                )
            ]
        ),
    )
    [dup] = result.duplicates
    [match] = dup.matches
    assert match.reason == "name_address"
    assert match.customer_id is None and match.code == "" and match.name == ""
    text = importexport.duplicate_text(match)
    assert "联华" not in text and cast.alice_customer.code not in text


def test_the_same_outlet_twice_in_one_file_is_caught(cast):
    result = run(
        cast.alice,
        xlsx(
            [
                row(phone="13700000001"),
                row(name="A店", address="X路1号"),
                row(phone="137-0000-0001"),
                row(name="A店", address="X路1号"),
            ]
        ),
    )
    assert not result.ok and Customer.objects.count() == 3
    assert [(d.row, d.matches[0].reason) for d in result.duplicates] == [
        (4, "phone"),
        (5, "name_address"),
    ]
    # The detail is written in the importer's language (Chinese by default).
    assert "本文件第 2 行" in importexport.duplicate_text(result.duplicates[0].matches[0])


def test_a_near_identical_name_close_by_within_the_file_is_caught_on_write(cast):
    result = run(
        cast.alice,
        xlsx(
            [
                row(name="华联超市湖墅店", latitude=30.30, longitude=120.15),
                row(
                    name="华联超市湖墅店.", latitude=30.3001, longitude=120.1501, address="别的地址"
                ),
            ]
        ),
        skip_invalid=True,
    )
    assert result.created_count == 1
    [dup] = result.duplicates
    assert dup.row == 3 and dup.matches[0].reason == "nearby_name"
    assert dup.matches[0].customer_id is None  # the first row of the file, not a stored record


def test_a_duplicate_found_while_writing_still_rolls_back_an_all_or_nothing_import(cast):
    before = counts()
    result = run(
        cast.alice,
        xlsx(
            [
                row(name="华联超市湖墅店", latitude=30.30, longitude=120.15),
                row(
                    name="华联超市湖墅店.", latitude=30.3001, longitude=120.1501, address="别的地址"
                ),
            ]
        ),
    )
    assert not result.ok and result.created_count == 0
    assert counts() == before
    assert [d.row for d in result.duplicates] == [3]


def test_a_row_is_no_duplicate_of_an_earlier_row_that_was_rejected(cast):
    result = run(
        cast.alice,
        xlsx(
            [
                row(phone="13700000009", staff_count="many"),
                row(phone="13700000009"),
            ]
        ),
        skip_invalid=True,
    )
    assert result.created_count == 1 and result.duplicates == []
    assert [e.row for e in result.errors] == [2]


# --- skip invalid rows and the rejected workbook -----------------------------------------


def test_skip_invalid_imports_good_rows_and_returns_the_rejected_ones_to_fix(cast):
    good1, bad, dup, good2 = (
        row(),
        row(contact_name="张三", contact_mobile="1234"),
        row(phone="13800000001"),
        row(),
    )
    result = run(cast.alice, xlsx([good1, bad, dup, good2]), skip_invalid=True)
    assert not result.ok and result.created_count == 2
    assert set(Customer.objects.filter(created_by=cast.alice).values_list("name", flat=True)) == {
        good1["name"],
        good2["name"],
    }
    rejected = sheet_rows(result.rejected_workbook)
    assert rejected[0] == [*HEADERS, "错误原因"]
    assert [r[0] for r in rejected[1:]] == [bad["name"], dup["name"]]
    assert "联系人手机" in rejected[1][-1] and "1234" in rejected[1][-1]
    assert cast.alice_customer.code in rejected[2][-1]
    assert AuditEvent.objects.get(action="import").row_count == 2

    # The user fixes the bad row, drops the duplicate and imports the same workbook again.
    workbook = openpyxl.load_workbook(io.BytesIO(result.rejected_workbook))
    sheet = workbook.active
    sheet.cell(row=2, column=HEADERS.index("联系人手机") + 1, value="13655556666")
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = run(cast.alice, buffer.getvalue(), skip_invalid=True)
    assert again.ok and again.created_count == 1 and again.rejected_workbook is None
    assert Customer.objects.get(name=bad["name"]).contacts.get().mobile == "13655556666"


# --- garbage files -------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return _zip(
        {n: change(source.read(n)) if n == name else source.read(n) for n in source.namelist()}
    )


def _formula_file() -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([row(), row()])))
    workbook.active["M3"] = "=1+2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_formula_file() -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([row()])))
    workbook.active["C1"] = '="渠"&"道"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _merged_file() -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([row(), row(), row()])))
    workbook.active.merge_cells("D3:E4")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _empty_workbook() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


GARBAGE = {
    "random bytes": (lambda: os.urandom(4096), "not an Excel .xlsx"),
    "csv renamed": (lambda: "客户名称*,终端类型*\n联华,超市\n".encode(), "not an Excel .xlsx"),
    "old xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old-format .xls"),
    "zip of text": (lambda: _zip({"a.txt": b"hello"}), "not an Excel .xlsx"),
    "broken sheet xml": (
        lambda: _rewrite(xlsx([row()]), "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2]),
        "could not be read",
    ),
    "empty file": (lambda: b"", "empty"),
    "empty workbook": (_empty_workbook, "empty"),
    "headers only": (lambda: xlsx([]), "no customer rows"),
    "missing required headers": (
        lambda: xlsx([{"省": "浙江省"}], headers=["省", "市"]),
        "客户名称*、终端类型*",
    ),
    "unknown header": (lambda: xlsx([row()], headers=[*HEADERS, "门店电化"]), "门店电化"),
    "formula": (_formula_file, "M3"),
    "formula in a header": (_header_formula_file, "C1"),
    "merged cells": (_merged_file, "D3:E4"),
}


@pytest.mark.parametrize("case", GARBAGE)
def test_garbage_files_get_a_clear_error_and_change_nothing(cast, case):
    make, expected = GARBAGE[case]
    before = counts()
    with translation.override("en"), pytest.raises(ImportFileError) as info:
        run(cast.custodian, make())
    assert expected in str(info.value)
    assert counts() == before


def test_garbage_errors_are_in_chinese_by_default(cast):
    with pytest.raises(ImportFileError) as info:
        run(cast.alice, xlsx([row()], headers=["省"]))
    assert "客户名称*" in str(info.value)


def test_an_oversize_file_is_refused_before_it_is_read(cast, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    junk = tmp_path / "junk.xlsx"
    with junk.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB, sparse: costs no disk
    with junk.open("rb") as fh:
        with pytest.raises(ImportFileError, match="50"):
            import_customers(actor=cast.alice, fileobj=fh, filename="junk.xlsx")
        assert fh.tell() == 0


def test_a_stream_without_size_is_not_read_past_the_limit(cast, settings):
    settings.IMPORT_MAX_BYTES = 2000

    class Stream:
        """A pipe-like upload: no size, no seek, and it tells how much was asked for."""

        asked = 0

        def read(self, n=-1):
            Stream.asked = n
            return b"PK\x03\x04" + b"x" * (n - 4)

    with pytest.raises(ImportFileError):
        import_customers(actor=cast.alice, fileobj=Stream(), filename="pipe.xlsx")
    assert Stream.asked == 2001


def test_a_file_over_the_size_setting_is_refused(cast, settings):
    data = xlsx([row() for _ in range(20)])
    settings.IMPORT_MAX_BYTES = len(data) - 1
    with pytest.raises(ImportFileError):
        run(cast.alice, data)
    assert not Customer.objects.filter(created_by=cast.alice).exists()


def test_too_many_rows_is_refused(cast, settings):
    settings.IMPORT_MAX_ROWS = 3
    assert run(cast.alice, xlsx([row() for _ in range(3)])).ok
    before = counts()
    with pytest.raises(ImportFileError, match="3"):
        run(cast.alice, xlsx([row() for _ in range(4)]))
    assert counts() == before


def test_too_many_rows_is_caught_even_when_the_sheet_hides_its_size(cast, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = _rewrite(
        xlsx([row() for _ in range(5)]),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b'<dimension ref="A1:AE6"/>', b"").replace(
            b'<dimension ref="A1:AE6" />', b""
        ),
    )
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with pytest.raises(ImportFileError):
        run(cast.alice, data)
    assert not Customer.objects.filter(created_by=cast.alice).exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cast, monkeypatch):
    monkeypatch.setattr(importexport, "MAX_UNPACKED_BYTES", 200_000)
    data = _rewrite(
        xlsx([row()]),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b"<sheetData>", b"<sheetData>" + b" " * 300_000),
    )
    assert len(data) < 50_000  # small on disk, large unpacked
    with translation.override("en"), pytest.raises(ImportFileError, match="unpacks"):
        run(cast.alice, data)


def test_an_excel_error_value_is_a_row_error(cast):
    data = _rewrite(
        xlsx([row(staff_count=5)]),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b'<c r="N2" t="n"><v>5</v></c>', b'<c r="N2" t="e"><v>#N/A</v></c>'),
    )
    result = run(cast.alice, data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "员工人数")]
    assert "#N/A" in result.errors[0].message


# --- export --------------------------------------------------------------------------------


def test_export_is_the_users_scope_and_filters_and_is_audited(cast):
    content, count = export_customers(user=cast.alice, filters=CustomerFilters())
    names = [r[1] for r in sheet_rows(content)[1:]]
    assert names == ["联华超市"] and count == 1
    content, count = export_customers(user=cast.sup, filters=CustomerFilters())
    assert sorted(r[1] for r in sheet_rows(content)[1:]) == sorted(["联华超市", "好又多便利店"])
    assert "宁波海曙药房" not in str(sheet_rows(content))
    content, count = export_customers(
        user=cast.sup, filters=CustomerFilters(q="lhcs"), channel="cli"
    )
    assert [r[1] for r in sheet_rows(content)[1:]] == ["联华超市"] and count == 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).first()
    assert (event.actor, event.row_count, event.channel) == (cast.sup, 1, "cli")
    assert event.detail["filters"] == {"q": "lhcs"}
    assert AuditEvent.objects.filter(action="export").count() == 3


def test_export_filters_by_owner_cannot_reach_outside_scope(cast):
    content, count = export_customers(
        user=cast.alice, filters=CustomerFilters(owner=cast.charlie.pk)
    )
    assert count == 0 and len(sheet_rows(content)) == 1


def test_archived_customers_are_exported_only_when_asked(cast):
    services.customer_archive(actor=cast.sup, customer=cast.bob_customer, reason="关店")
    _content, live = export_customers(user=cast.sup, filters=CustomerFilters())
    _content, every = export_customers(user=cast.sup, filters=CustomerFilters(archived="all"))
    assert (live, every) == (1, 2)


def test_export_lists_every_contact_on_its_own_sheet(cast):
    ContactFactory(customer=cast.alice_customer, name="甲", is_primary=False)
    ContactFactory(customer=cast.alice_customer, name="乙", is_primary=True)
    content, _count = export_customers(user=cast.alice, filters=CustomerFilters())
    main = sheet_rows(content)
    assert main[1][main[0].index("联系人姓名")] == "乙"  # the primary contact
    contacts = sheet_rows(content, "联系人")
    assert [r[2] for r in contacts[1:]] == ["乙", "甲"]


def test_round_trip_export_then_import_into_an_empty_archive(cast):
    services.customer_create(
        actor=cast.alice,
        name="物美超市",
        outlet_type=outlet_type("supermarket"),
        channel="modern",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="教工路18号",
        latitude=Decimal("30.281234"),
        longitude=Decimal("120.140001"),
        phone="0571-87654321",
        opens_at=dt.time(7, 30),
        closes_at=dt.time(21, 0),
        floor_area=Decimal("560.5"),
        staff_count=30,
        years_in_business=12,
        brands=["可口可乐", "统一"],
        source="fair",
        status="active",
        customer_class=customer_class("key"),
        abc_class=customer_class("a"),
        tags=["连锁", "商超"],
        notes="周一进货\n需提前预约",
        contacts=[
            {
                "name": "赵六",
                "role": "buyer",
                "decision_role": "decider",
                "mobile": "13611112222",
                "birthday": dt.date(1970, 2, 3),
                "birthday_is_lunar": True,
                "interests": "书法",
            }
        ],
    )
    CustomerFactory(
        name="乡村卫生室",
        owner=cast.charlie,
        outlet_type=outlet_type("village_clinic"),
        status="lost",
        province="",
        city="",
        district="",
        address="",
    )

    def snapshot():
        rows = []
        for c in Customer.objects.order_by("name"):
            contact = c.contacts.first()
            rows.append(
                (
                    c.name,
                    c.outlet_type_id,
                    c.channel,
                    c.province,
                    c.city,
                    c.district,
                    c.address,
                    c.latitude,
                    c.longitude,
                    c.phone,
                    c.opens_at,
                    c.closes_at,
                    c.floor_area,
                    c.staff_count,
                    c.years_in_business,
                    c.brands,
                    c.source,
                    c.status,
                    c.customer_class_id,
                    c.abc_class_id,
                    c.owner_id,
                    c.team_id,
                    c.region_id,
                    sorted(t.name for t in c.tags.all()),
                    c.notes,
                    contact
                    and (
                        contact.name,
                        contact.role,
                        contact.decision_role,
                        contact.mobile,
                        contact.birthday,
                        contact.birthday_is_lunar,
                        contact.interests,
                    ),
                )
            )
        return rows

    expected = snapshot()
    content, count = export_customers(user=cast.admin, filters=CustomerFilters())
    assert count == len(expected) == 5
    Customer.objects.all().delete()
    result = run(cast.admin, content)
    assert result.ok, (result.errors, result.duplicates)
    assert result.created_count == 5
    assert snapshot() == expected
