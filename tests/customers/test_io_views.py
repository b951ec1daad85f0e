"""Import, export and audit-log pages: login, scope, language, downloads, garbage uploads."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from outletcrm.core.models import AuditEvent
from outletcrm.customers.importexport import too_large_message
from outletcrm.customers.models import Customer
from tests.customers.test_importexport import HEADERS, counts, row, sheet_rows, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT = "customers:import"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, data: bytes, *, name="客户.xlsx", skip_invalid=False, **headers):
    body = {"file": SimpleUploadedFile(name, data, content_type=XLSX)}
    if skip_invalid:
        body["skip_invalid"] = "on"
    return client.post(reverse(IMPORT), body, **headers)


@pytest.mark.parametrize("name", ["import", "import-template", "export", "audit"])
def test_pages_need_a_login(client, db, name):
    response = client.get(reverse(f"customers:{name}"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_anonymous_upload_is_sent_to_login_and_writes_nothing(client, cast):
    before = counts()
    response = upload(client, xlsx([row()]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert counts() == before


def test_the_upload_still_needs_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    response = upload(client, xlsx([row()]))
    assert response.status_code == 403
    assert not Customer.objects.filter(created_by=cast.alice).exists()


def test_import_page_offers_the_form_and_the_template(login, cast):
    response = login(cast.alice).get(reverse(IMPORT))
    assert response.status_code == 200
    assert reverse("customers:import-template").encode() in response.content
    assert b'name="skip_invalid"' in response.content


def test_template_download(login, cast):
    response = login(cast.alice).get(reverse("customers:import-template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment")
    assert sheet_rows(response.content)[0] == HEADERS


def test_a_good_file_is_imported_and_the_result_shown(login, cast):
    response = upload(login(cast.alice), xlsx([row(name="甲店"), row(name="乙店")]))
    assert response.status_code == 200
    assert response.context["result"].created_count == 2
    assert Customer.objects.filter(name__in=["甲店", "乙店"], owner=cast.alice).count() == 2
    assert AuditEvent.objects.get(action="import").channel == "web"
    assert "import-summary" in response.content.decode()


def test_a_bad_row_stops_the_file_and_the_report_is_in_chinese(login, cast):
    client = login(cast.alice)  # logging in writes its own audit entry
    before = counts()
    response = upload(
        client, xlsx([row(), row(contact_name="张三", contact_mobile="123")])
    )
    assert counts() == before
    page = response.content.decode()
    assert "联系人手机" in page and "不是有效的中国大陆手机号" in page
    table = page[page.index('data-testid="import-errors"') :]
    assert "<td>3</td>" in table


def test_the_report_is_in_english_for_an_english_user(login, cast):
    client = login(cast.alice)
    response = upload(
        client, xlsx([row(contact_name="张三", contact_mobile="123")]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "is not a valid mainland China mobile number" in response.content.decode()


def test_rejected_rows_download_for_the_importer_only(login, cast, client):
    alice = login(cast.alice)
    response = upload(alice, xlsx([row(), row(staff_count="lots")]), skip_invalid=True)
    token = response.context["rejected_token"]
    url = reverse("customers:import-rejected", args=[token])
    assert url.encode() in response.content
    download = alice.get(url)
    assert download.status_code == 200
    rejected = sheet_rows(b"".join(download.streaming_content))
    assert rejected[0][-1] == "错误原因" and rejected[1][0] and "员工人数" in rejected[1][-1]
    assert len(rejected) == 2

    other = Client()
    other.force_login(cast.bob)
    assert other.get(url).status_code == 404
    same_user_other_session = Client()
    same_user_other_session.force_login(cast.alice)
    assert same_user_other_session.get(url).status_code == 404
    assert (
        alice.get(reverse("customers:import-rejected", args=["..%2F..%2Fetc%2Fpasswd"])).status_code
        == 404
    )


def test_rejected_rows_expire_after_a_day(login, cast, media):
    alice = login(cast.alice)
    response = upload(alice, xlsx([row(), row(staff_count="lots")]), skip_invalid=True)
    url = reverse("customers:import-rejected", args=[response.context["rejected_token"]])
    [stored] = (media / "imports").glob("*/*.xlsx")
    a_day_ago = time.time() - 24 * 3600 - 60
    os.utime(stored, (a_day_ago, a_day_ago))
    assert alice.get(url).status_code == 404

    bob = Client()
    bob.force_login(cast.bob)
    upload(bob, xlsx([row(), row(staff_count="lots")]), skip_invalid=True)
    assert not stored.exists()  # swept when anyone stores new rejected rows
    assert len(list((media / "imports").glob("*/*.xlsx"))) == 1


def test_duplicates_link_to_records_in_scope_and_reveal_nothing_else(login, cast, client):
    page = upload(login(cast.alice), xlsx([row(phone="13800000001")])).content.decode()
    assert reverse("customers:detail", args=[cast.alice_customer.pk]) in page
    assert cast.alice_customer.code in page

    charlie = Client()
    charlie.force_login(cast.charlie)
    page = upload(charlie, xlsx([row(phone="13800000001")])).content.decode()
    assert 'data-testid="import-duplicates"' in page
    assert reverse("customers:detail", args=[cast.alice_customer.pk]) not in page
    assert cast.alice_customer.code not in page and "联华超市" not in page


@pytest.mark.parametrize(
    "data, name",
    [
        (b"\x00\x01garbage" * 100, "junk.xlsx"),
        ("客户名称*,终端类型*\n联华,超市\n".encode(), "客户.csv"),
        (None, "empty.xlsx"),
    ],
)
def test_garbage_uploads_get_a_clear_error(login, cast, data, name):
    data = xlsx([]) if data is None else data
    client = login(cast.alice)
    before = counts()
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert response.context["error"]
    assert 'data-testid="import-error"' in response.content.decode()
    assert counts() == before


def test_an_oversize_upload_is_cut_off_while_it_arrives(login, cast, settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = xlsx([row() for _ in range(30)])
    assert len(data) > 1000
    client = login(cast.alice)
    before = counts()
    response = upload(client, data)
    # The upload handler stopped the body, so the page never saw a file at all.
    assert response.context["error"] == too_large_message()
    assert not response.context["form"].is_bound
    assert counts() == before


def test_no_file_is_a_form_error(login, cast):
    response = login(cast.alice).post(reverse(IMPORT), {})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_export_is_the_users_scope_with_the_lists_filters(login, cast):
    client = login(cast.alice)
    response = client.get(reverse("customers:export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert [r[1] for r in sheet_rows(response.content)[1:]] == ["联华超市"]

    sup = Client()
    sup.force_login(cast.sup)

    def names(query):
        return [r[1] for r in sheet_rows(sup.get(reverse("customers:export"), query).content)[1:]]

    assert sorted(names({})) == sorted(["联华超市", "好又多便利店"])
    assert names({"q": "hyd"}) == ["好又多便利店"]
    assert names({"owner": cast.charlie.pk}) == []
    assert sorted(names({"region": "abc", "status": "bogus", "ordering": "x;drop"})) == sorted(
        ["联华超市", "好又多便利店"]
    )
    event = AuditEvent.objects.filter(action="export", actor=cast.sup, channel="web").first()
    assert event.row_count == 2


def test_export_never_contains_another_teams_customer(login, cast):
    response = login(cast.alice).get(reverse("customers:export"), {"q": "宁波海曙药房"})
    assert len(sheet_rows(response.content)) == 1


@pytest.mark.parametrize("who", ["alice", "sup", "mgr_zj"])
def test_audit_log_is_not_there_for_reps_supervisors_or_managers(login, cast, who):
    assert login(getattr(cast, who)).get(reverse("customers:audit")).status_code == 404


@pytest.mark.parametrize("who", ["custodian", "admin"])
def test_audit_log_shows_who_did_what_for_the_custodian(login, cast, who):
    login(cast.alice).get(reverse("customers:export"), {"q": "联华"})
    client = Client()
    client.force_login(getattr(cast, who))
    page = client.get(reverse("customers:audit")).content.decode()
    assert "王丽" in page and "搜索为“联华”" in page
    filtered = client.get(reverse("customers:audit"), {"action": "merge"}).content.decode()
    assert "搜索为“联华”" not in filtered


def test_audit_log_names_an_exports_filters_as_the_list_does(login, cast):
    """Not the query string (status=active, owner=7): the custodian reads Chinese."""
    login(cast.sup).get(reverse("customers:export"),
                        {"status": "active", "channel": "catering", "owner": cast.alice.pk})
    client = Client()
    client.force_login(cast.custodian)
    page = client.get(reverse("customers:audit")).content.decode()
    assert "筛选条件：" in page
    for shown in ("客户状态为既成客户", "渠道为餐饮渠道", f"负责业务员为{cast.alice}"):
        assert shown in page
    assert "status=" not in page and "catering" not in page


def test_audit_log_summarises_imports(login, cast):
    upload(login(cast.alice), xlsx([row(name="丙店")]))
    client = Client()
    client.force_login(cast.custodian)
    page = client.get(reverse("customers:audit"), {"action": "import"}).content.decode()
    assert "客户.xlsx" in page
