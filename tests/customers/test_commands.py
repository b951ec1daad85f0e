"""import-customers, export-customers and import-template on the command line."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from outletcrm import cli
from outletcrm.core.models import AuditEvent
from outletcrm.customers.models import Customer
from tests.customers.test_importexport import HEADERS, counts, row, sheet_rows, xlsx


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def console(capsys, monkeypatch):
    """Run the real `outletcrm` entry point, hyphenated command names and all: (code, out, err)."""
    # run_from_argv closes every connection when done, which would end the test's transaction
    # on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*argv) -> tuple[int, str, str]:
        try:
            cli.main(["outletcrm", *argv])
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_import_template_writes_the_template(db, tmp_path):
    target = tmp_path / "模板.xlsx"
    output = command("import_template", str(target))
    assert str(target) in output
    assert sheet_rows(target.read_bytes())[0] == HEADERS


def test_import_as_a_rep_creates_their_customers_and_exits_zero(cast, tmp_path, console):
    source = tmp_path / "客户.xlsx"
    source.write_bytes(xlsx([row(name="甲店"), row(name="乙店")]))
    code, out, err = console("import-customers", str(source), "--as", "alice")
    assert (code, err) == (0, "")
    assert "alice" in out and "2" in out
    assert set(
        Customer.objects.filter(owner=cast.alice, created_by=cast.alice).values_list(
            "name", flat=True
        )
    ) == {"甲店", "乙店"}
    event = AuditEvent.objects.get(action="import")
    assert (event.actor, event.channel, event.row_count) == (cast.alice, "cli", 2)


def test_a_bad_row_exits_non_zero_writes_nothing_and_reports_in_chinese(cast, tmp_path, console):
    source = tmp_path / "客户.xlsx"
    source.write_bytes(xlsx([row(), row(contact_name="张三", contact_mobile="123")]))
    before = counts()
    code, out, err = console("import-customers", str(source), "--as", "alice")
    assert code == 1 and counts() == before
    assert "3" in out and "联系人手机" in out and "不是有效的中国大陆手机号" in out
    assert err.strip()


def test_the_report_in_english_on_request(cast, tmp_path):
    source = tmp_path / "c.xlsx"
    source.write_bytes(xlsx([row(contact_name="张三", contact_mobile="123")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_customers", str(source), "--as", "alice", "--lang", "en", stdout=out)
    assert "is not a valid mainland China mobile number" in out.getvalue()


@pytest.mark.parametrize("content", [b"not a workbook at all", "名称,类型\n甲,超市\n".encode()])
def test_a_garbage_file_exits_non_zero(cast, tmp_path, console, content):
    source = tmp_path / "junk.xlsx"
    source.write_bytes(content)
    before = counts()
    code, _out, err = console("import-customers", str(source), "--as", "alice")
    assert code == 1 and counts() == before
    assert "junk.xlsx" in err


def test_skip_invalid_imports_the_good_rows_saves_the_rejected_and_still_fails(cast, tmp_path):
    source, rejected = tmp_path / "in.xlsx", tmp_path / "rejected.xlsx"
    good, bad = row(), row(staff_count="很多")
    source.write_bytes(xlsx([good, bad]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_customers",
            str(source),
            "--as",
            "alice",
            "--skip-invalid",
            "--rejected",
            str(rejected),
            stdout=out,
        )
    assert Customer.objects.filter(name=good["name"]).exists()
    assert not Customer.objects.filter(name=bad["name"]).exists()
    rows = sheet_rows(rejected.read_bytes())
    assert [r[0] for r in rows[1:]] == [bad["name"]] and "员工人数" in rows[1][-1]
    assert str(rejected) in out.getvalue()


def test_without_as_the_first_active_administrator_imports(cast, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx([row(name="丁店", owner="charlie")]))
    output = command("import_customers", str(source))
    assert "admin" in output
    customer = Customer.objects.get(name="丁店")
    assert (customer.created_by, customer.owner) == (cast.admin, cast.charlie)


def test_an_unknown_user_or_missing_file_is_an_error(cast, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx([row()]))
    with pytest.raises(CommandError, match="ghost"):
        call_command("import_customers", str(source), "--as", "ghost")
    with pytest.raises(CommandError):
        call_command("import_customers", str(tmp_path / "missing.xlsx"), "--as", "alice")


def test_a_rep_cannot_import_for_someone_outside_their_scope(cast, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx([row(owner="charlie")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_customers", str(source), "--as", "alice", stdout=out)
    assert "负责业务员(用户名)" in out.getvalue()
    assert not Customer.objects.filter(owner=cast.charlie, created_by=cast.alice).exists()


def test_export_is_the_scope_of_as_and_takes_the_lists_filters(cast, tmp_path, console):
    target = tmp_path / "out.xlsx"
    code, out, _err = console("export-customers", str(target), "--as", "alice")
    assert code == 0 and "1" in out
    assert [r[1] for r in sheet_rows(target.read_bytes())[1:]] == ["联华超市"]

    command("export_customers", str(target))  # the administrator: everyone
    assert len(sheet_rows(target.read_bytes())) == 4
    command("export_customers", str(target), "--region", "ningbo", "--status", "潜在客户")
    assert [r[1] for r in sheet_rows(target.read_bytes())[1:]] == ["宁波海曙药房"]
    command("export_customers", str(target), "--as", "sup", "--owner", "charlie")
    assert len(sheet_rows(target.read_bytes())) == 1
    event = AuditEvent.objects.filter(action="export").first()
    assert (event.actor, event.channel, event.row_count) == (cast.sup, "cli", 0)


def test_export_refuses_a_filter_it_cannot_resolve(cast, tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="--region"):
        call_command("export_customers", str(target), "--region", "atlantis")
    with pytest.raises(CommandError, match="--status"):
        call_command("export_customers", str(target), "--status", "zombie")
    assert not target.exists()


def test_export_reimports_as_it_is(cast, tmp_path):
    target = tmp_path / "out.xlsx"
    command("export_customers", str(target), "--as", "alice")
    workbook = openpyxl.load_workbook(target)
    workbook.active["B2"] = "联华超市（新店）"
    workbook.active["H2"] = "文三路200号"
    workbook.active["K2"] = "13800009999"
    workbook.save(target)
    command("import_customers", str(target), "--as", "alice")
    assert Customer.objects.filter(name="联华超市（新店）", owner=cast.alice).exists()
