"""Reports drafted from hand-made records; submit, read, comment; export; pages and queries."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from outletcrm.development import services
from outletcrm.development.choices import Intention, ReportKind
from outletcrm.development.models import Report, ReportComment
from outletcrm.notifications.models import Notification
from tests.development.conftest import INSIDE, now
from tests.factories import outlet_type


def _new(name, **extra):
    return {"name": name, "outlet_type": outlet_type().pk, "address": f"{name}路1号", **extra}


@pytest.fixture
def day_of_sweeping(cast, sweep):
    """alice today: three outlets (one new, one a duplicate of her own customer resolved as
    "it's this one", one with strong interest whose form she completes), bob one outlet."""
    campaign, (choice, number, text) = sweep
    rec = dict(campaign=campaign, device_time=now(), lat=INSIDE[0], lng=INSIDE[1])
    new, _ = services.sweep_outlet_record(actor=cast.alice, client_id=uuid.uuid4(),
                                          new=_new("新店甲"), **rec)
    dup, _ = services.sweep_outlet_record(actor=cast.alice, client_id=uuid.uuid4(),
                                          new=_new("联华", phone=cast.alice_customer.phone),
                                          **rec)
    hot, _ = services.sweep_outlet_record(actor=cast.alice, client_id=uuid.uuid4(),
                                          new=_new("新店乙"), intention=Intention.HIGH, **rec)
    services.survey_answers_save(actor=cast.alice, outlet=hot, device_time=now(), answers={
        str(choice.pk): "临街", str(number.pk): 20, str(text.pk): "价格"})
    services.survey_answers_save(actor=cast.alice, outlet=new, device_time=now(),
                                 answers={str(choice.pk): "市场内"})
    services.sweep_outlet_record(actor=cast.bob, client_id=uuid.uuid4(),
                                 customer=cast.bob_customer.pk, **rec)
    return campaign, new, dup, hot


def test_the_daily_report_is_drafted_from_the_days_records(cast, day_of_sweeping):
    report = services.report_open(actor=cast.alice, kind=ReportKind.SWEEP_DAILY,
                                  day=timezone.localdate())
    counts = report.figures["counts"]
    assert counts == {"met": 3, "new_filed": 2, "flagged": 1, "forms_filled": 2,
                      "forms_completed": 1, "intentions": 1}
    rows = {r["name"]: r for r in report.figures["rows"]}
    assert set(rows) == {"新店甲", "联华", "新店乙"}
    assert rows["新店乙"]["completeness"] == 100 and rows["新店甲"]["completeness"] == 33
    assert rows["联华"]["outcome"] == "flagged"
    # yesterday has nothing
    empty = services.report_open(actor=cast.alice, kind=ReportKind.SWEEP_DAILY,
                                 day=timezone.localdate() - datetime.timedelta(days=1))
    assert empty.figures["counts"]["met"] == 0 and empty.figures["rows"] == []


def test_weekly_summaries_per_rep_and_per_team(cast, day_of_sweeping):
    today = timezone.localdate()
    mine = services.report_open(actor=cast.alice, kind=ReportKind.SURVEY_WEEKLY, day=today)
    assert mine.period_start.weekday() == 0 and mine.period_end - mine.period_start == \
        datetime.timedelta(days=6)
    assert mine.figures["counts"]["met"] == 3
    assert mine.figures["campaigns"] == [{"name": "文三路扫街", "outlets": 3, "complete": 1}]
    team = services.report_open(actor=cast.sup, kind=ReportKind.TEAM_SURVEY_WEEKLY, day=today)
    by_rep = {r["rep"]: r for r in team.figures["rows"]}
    assert by_rep[str(cast.alice)]["met"] == 3 and by_rep[str(cast.bob)]["met"] == 1
    assert team.figures["counts"]["met"] == 4
    with pytest.raises(PermissionDenied):
        services.report_open(actor=cast.alice, kind=ReportKind.TEAM_SURVEY_WEEKLY, day=today)


def test_the_weekly_work_report_counts_visits_orders_and_tasks(cast, day_of_sweeping):
    from outletcrm.visits import services as visit_services

    visit_services.task_add(actor=cast.alice, rep=cast.alice, title="下周送海报",
                            due_date=timezone.localdate() + datetime.timedelta(days=8))
    report = services.report_open(actor=cast.alice, kind=ReportKind.WORK_WEEKLY,
                                  day=timezone.localdate())
    counts = report.figures["counts"]
    assert counts["new_customers"] == 2 and counts["outlets_swept"] == 3
    assert counts["visits"] == 0 and counts["orders"] == 0
    due_next_week = timezone.localdate() + datetime.timedelta(days=8) <= report.period_end + \
        datetime.timedelta(days=7)
    assert ([t["title"] for t in report.figures["next_week"]] == ["下周送海报"]) == due_next_week


def test_submit_notifies_the_supervisor_who_reads_and_comments(cast, day_of_sweeping, login):
    report = services.report_open(actor=cast.alice, kind=ReportKind.SWEEP_DAILY,
                                  day=timezone.localdate())
    with pytest.raises(ValidationError):  # nothing written yet
        services.report_save(actor=cast.alice, report=report, texts={}, submit=True)
    services.report_save(actor=cast.alice, report=report, submit=True,
                         texts={"remarks": "文三路店铺密集", "next_steps": "明天回访新店乙"})
    report.refresh_from_db()
    assert report.is_unread
    assert Notification.objects.filter(user=cast.sup, kind="report.submitted").count() == 1
    client = login(cast.sup)
    listing = client.get("/development/reports/?unread=1")
    assert 'data-testid="unread"' in listing.content.decode()
    page = client.get(f"/development/reports/{report.pk}/")
    assert "文三路店铺密集" in page.content.decode()
    report.refresh_from_db()
    assert report.read_by == cast.sup and not report.is_unread
    response = client.post(f"/development/reports/{report.pk}/",
                           {"action": "comment", "text": "新店乙重点跟进"})
    assert response.status_code == 302
    note = Notification.objects.get(user=cast.alice, kind="report.comment")
    assert note.body == "新店乙重点跟进"
    alice_page = login(cast.alice).get(f"/development/reports/{report.pk}/").content.decode()
    assert "新店乙重点跟进" in alice_page


def test_only_the_author_writes_and_only_his_supervisor_comments(cast, day_of_sweeping, api):
    report = services.report_open(actor=cast.alice, kind=ReportKind.SWEEP_DAILY,
                                  day=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.report_save(actor=cast.sup, report=report, texts={"remarks": "x"})
    with pytest.raises(PermissionDenied):
        services.report_comment(actor=cast.bob, report=report, text="x")
    assert api(cast.bob).post(f"/api/v1/reports/{report.pk}/comments",
                              {"text": "x"}, format="json").status_code == 404
    assert api(cast.charlie).get(f"/api/v1/reports/{report.pk}").status_code == 404
    assert api(cast.sup).post(f"/api/v1/reports/{report.pk}/comments",
                              {"text": ""}, format="json").status_code == 400
    assert api(cast.sup).patch(f"/api/v1/reports/{report.pk}", {"remarks": "x"},
                               format="json").status_code == 403
    assert not ReportComment.objects.exists()
    report.refresh_from_db()
    assert report.remarks == "" and report.submitted_at is None


@pytest.mark.parametrize("body", [{"kind": "nope"}, {"kind": "sweep_daily", "date": "2026-02-30"},
                                  {"kind": "sweep_daily", "date": "0001-01-01"}, {}])
def test_bad_report_requests_are_refused(cast, api, body):
    assert api(cast.alice).post("/api/v1/reports/open", body, format="json").status_code == 400
    assert not Report.objects.exists()


def test_the_report_exports_to_excel(cast, day_of_sweeping, login):
    report = services.report_open(actor=cast.alice, kind=ReportKind.SWEEP_DAILY,
                                  day=timezone.localdate())
    services.report_save(actor=cast.alice, report=report, texts={"remarks": "=1+1"},
                         submit=True)
    response = login(cast.sup).get(f"/development/reports/{report.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "新店乙" in values and "=1+1" in values  # a formula-like text stays text
    assert login(cast.charlie).get(
        f"/development/reports/{report.pk}/export.xlsx").status_code == 404


def test_campaign_export_and_pages(cast, day_of_sweeping, login):
    campaign = day_of_sweeping[0]
    client = login(cast.sup)
    for url in ("/development/", f"/development/campaigns/{campaign.pk}/",
                f"/development/campaigns/{campaign.pk}/edit/", "/development/forms/",
                "/development/reports/", "/development/campaigns/new/"):
        assert client.get(url).status_code == 200, url
    sheet = load_workbook(io.BytesIO(client.get(
        f"/development/campaigns/{campaign.pk}/export.xlsx").content)).active
    assert sheet.max_row == 5  # header + alice's three + bob's one
    rep = login(cast.alice)
    assert rep.get("/m/sweeps/").status_code == 200
    assert rep.get(f"/m/sweeps/{campaign.pk}/").status_code == 200
    assert rep.get("/development/campaigns/new/").status_code == 404
    assert login(cast.charlie).get(f"/m/sweeps/{campaign.pk}/").status_code == 404


def test_the_campaign_form_refuses_bad_input_and_saves_nothing(cast, sweep, login):
    campaign = sweep[0]
    client = login(cast.sup)
    response = client.post("/development/campaigns/new/", {
        "name": "x", "team": cast.team_hz.pk, "members": [cast.alice.pk],
        "starts_on": "2026-13-01", "ends_on": "2026-01-01", "area": "{not json", "grid_m": 10})
    assert response.status_code == 400
    assert type(campaign).objects.count() == 1


def test_the_survey_form_editor_reports_errors_by_line(cast, sweep, login):
    client = login(cast.sup)
    response = client.post("/development/forms/new/", {
        "name": "坏表", "definition": "choice: 没有分组 | a; b\n# 分组\nchoice: 只有一个 | a\nfoo: x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "1" in text and "3" in text and "4" in text
    ok = client.post("/development/forms/new/", {
        "name": "好表", "definition": "# 渠道\nchoice: 位置 | 临街; 市场内\nphoto: 门头"})
    assert ok.status_code == 302
    used = sweep[0].template
    response = client.post(f"/development/forms/{used.pk}/", {"name": "x",
                                                              "definition": "# a\ntext: b"})
    assert response.status_code == 400  # in use by a campaign: copy it instead


def test_list_and_detail_pages_query_counts(cast, day_of_sweeping, login,
                                            django_assert_max_num_queries):
    campaign = day_of_sweeping[0]
    for rep in (cast.alice, cast.bob):
        report = services.report_open(actor=rep, kind=ReportKind.SWEEP_DAILY,
                                      day=timezone.localdate())
        services.report_save(actor=rep, report=report, texts={"remarks": "x"}, submit=True)
    client = login(cast.sup)
    client.get("/development/reports/")
    with django_assert_max_num_queries(14):
        client.get("/development/reports/")
    with django_assert_max_num_queries(30):
        client.get(f"/development/campaigns/{campaign.pk}/")
    with django_assert_max_num_queries(30):
        client.get(f"/development/reports/{report.pk}/")
    rep = login(cast.alice)
    with django_assert_max_num_queries(20):
        rep.get(f"/m/sweeps/{campaign.pk}/")
