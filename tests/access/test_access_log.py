"""The access log and its report (查询制度, issue 10 item 2): views of the page and the API are
recorded with who, what, when and from where; the daily summary feeds the per-user report and
the anomaly list, which flags a user far above their usual or their peers, and exports out of
working hours. Hand-made data, pinned clock."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from outletcrm.access import selectors, services
from outletcrm.core.models import AccessDaily, AccessLog
from tests.factories import UserFactory

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


@pytest.mark.django_db
def test_page_view_is_logged_with_who_what_where(cast, client):
    client.force_login(cast.alice)
    client.get(f"/customers/{cast.alice_customer.pk}/", HTTP_USER_AGENT="TestBrowser/1.0",
               REMOTE_ADDR="10.1.2.3")
    row = AccessLog.objects.get()
    assert (row.user_id, row.customer_id, row.action) == (cast.alice.pk, cast.alice_customer.pk,
                                                           "view")
    assert row.ip == "10.1.2.3" and row.user_agent == "TestBrowser/1.0"
    assert row.path == f"/customers/{cast.alice_customer.pk}/" and not row.borrowed


@pytest.mark.django_db
def test_opening_from_a_search_is_logged_as_such(cast, client):
    client.force_login(cast.alice)
    client.get(f"/customers/{cast.alice_customer.pk}/",
               HTTP_REFERER="http://testserver/customers/?q=%E8%81%94%E5%8D%8E")
    assert AccessLog.objects.get().action == "search_open"


@pytest.mark.django_db
def test_api_view_is_logged_and_a_404_is_not(cast, api):
    client = api(cast.alice)
    assert client.get(f"/api/v1/customers/{cast.alice_customer.pk}/").status_code == 200
    assert client.get(f"/api/v1/customers/{cast.charlie_customer.pk}/").status_code == 404
    row = AccessLog.objects.get()
    assert (row.action, row.customer_id) == ("api_view", cast.alice_customer.pk)


@pytest.mark.django_db
def test_print_is_logged_and_watermarked(cast, login):
    page = login(cast.alice).get(f"/access/print/{cast.alice_customer.pk}/")
    assert page.status_code == 200
    assert b'data-testid="print-watermark"' in page.content
    assert b"alice" in page.content
    assert AccessLog.objects.get().action == "print"
    assert login(cast.charlie).get(f"/access/print/{cast.alice_customer.pk}/").status_code == 404


def _log(user, day, count, *, hour=10, action="view", rows=1):
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)
    AccessLog.objects.bulk_create([AccessLog(user_id=user.pk, at=moment, action=action,
                                             customer_id=None if action == "export" else i + 1,
                                             row_count=rows)
                                   for i in range(count)])


def _summarise(days):
    for day in days:
        services.access_summarise_day(day)


@pytest.mark.django_db
def test_summary_is_idempotent_and_counts_by_kind(cast):
    day = datetime.date(2026, 3, 3)  # a Tuesday
    _log(cast.alice, day, 5)
    _log(cast.alice, day, 1, action="export", rows=40, hour=22)
    _log(cast.alice, day, 2, action="print")
    _summarise([day, day])
    row = AccessDaily.objects.get(user_id=cast.alice.pk)
    assert (row.views, row.customers, row.exports, row.export_rows, row.prints,
            row.off_hours_exports) == (5, 5, 1, 40, 2, 1)


@pytest.mark.django_db
def test_anomalies_on_hand_made_data(cast):
    # Three reps of one team; bob suddenly looks at 120 cards a day, alice exports at night.
    dave = UserFactory(username="dave", team=cast.team_hz)
    start = datetime.date(2026, 3, 2)
    days = [start + datetime.timedelta(days=i) for i in range(-14, 5)]
    for day in days:
        for rep in (cast.alice, cast.bob, dave):
            _log(rep, day, 10)
    spike = start + datetime.timedelta(days=2)
    _log(cast.bob, spike, 110)
    _log(cast.alice, start + datetime.timedelta(days=3), 1, action="export", rows=300, hour=23)
    _summarise(days)
    with time_machine.travel(datetime.datetime(2026, 3, 7, 12, tzinfo=TZ), tick=False):
        found = selectors.access_anomalies(user=cast.custodian, start=start,
                                           end=start + datetime.timedelta(days=4))
    flagged = {(a.user.username, a.day): a for a in found}
    assert set(flagged) == {("bob", spike), ("alice", start + datetime.timedelta(days=3))}
    assert flagged["bob", spike].reasons == ["own", "peers"]
    assert flagged["bob", spike].own_median == 10
    assert flagged["alice", start + datetime.timedelta(days=3)].reasons == ["off_hours"]
    # Reps do not see the report; the report sums the period per user.
    assert selectors.access_anomalies(user=cast.alice, start=start, end=spike) == []
    report = {r["user"].username: r for r in selectors.access_report(
        user=cast.custodian, start=start, end=start + datetime.timedelta(days=4))}
    assert report["bob"]["views"] == 5 * 10 + 110
    assert report["alice"]["off_hours_exports"] == 1


@pytest.mark.django_db
def test_report_pages_and_api_are_for_keepers_only(cast, login, api):
    assert login(cast.custodian).get("/access/report/").status_code == 200
    assert login(cast.alice).get("/access/report/").status_code == 404
    assert api(cast.alice).get("/api/v1/access-report/").status_code == 404
    assert api(cast.custodian).get("/api/v1/access-anomalies/").status_code == 200
    bad = api(cast.custodian).get("/api/v1/access-report/", {"date_from": "2026-13-01"})
    assert bad.status_code == 400
    assert login(cast.custodian).get("/access/report/",
                                     {"date_from": "2026-03-01",
                                      "date_to": "2025-01-01"}).status_code == 400


@pytest.mark.django_db
def test_purge_keeps_recent_rows(cast):
    today = datetime.date(2026, 6, 1)
    _log(cast.alice, today - datetime.timedelta(days=settings.ACCESS_LOG_KEEP_DAYS + 1), 3)
    _log(cast.alice, today - datetime.timedelta(days=2), 2)
    assert services.access_purge(today)["log_rows"] == 3
    assert AccessLog.objects.count() == 2


@pytest.mark.django_db
def test_report_page_query_count(cast, login, django_assert_max_num_queries):
    day = datetime.datetime.now(tz=TZ).date()
    _log(cast.alice, day, 3)
    _log(cast.bob, day, 3)
    services.access_summarise_day(day)
    client = login(cast.custodian)
    with django_assert_max_num_queries(12):
        assert client.get("/access/report/").status_code == 200


@pytest.mark.django_db
def test_report_page_renders_a_hundred_anomalies_at_a_time(cast, login, api,
                                                           django_assert_max_num_queries):
    """A long period of a large company flags thousands of days: the page shows the first
    ANOMALY_PAGE (newest day first) with the total, and pages through the rest in a constant
    number of queries; nothing is lost between the pages."""
    from outletcrm.access.views import ANOMALY_PAGE
    from outletcrm.core.models import AccessDaily

    start = datetime.date(2026, 3, 1)
    reps = [cast.alice, cast.bob, cast.charlie]
    days = [start + datetime.timedelta(days=i) for i in range(50)]
    AccessDaily.objects.bulk_create([AccessDaily(day=day, user_id=rep.pk, views=1,
                                                 off_hours_exports=1)
                                     for day in days for rep in reps])
    flagged = len(days) * len(reps)  # an export at night each: 150 anomalies
    period = {"date_from": "2026-03-01", "date_to": "2026-04-30"}
    client = login(cast.custodian)
    with time_machine.travel(datetime.datetime(2026, 5, 2, 12, tzinfo=TZ), tick=False):
        client.get("/access/report/", period)
        with django_assert_max_num_queries(12):
            first = client.get("/access/report/", period).content.decode()
        assert first.count('data-testid="anomaly"') == ANOMALY_PAGE
        assert f'data-testid="anomaly-count">{flagged}<' in first
        assert f"第 1–{ANOMALY_PAGE} 条异常，共 {flagged} 条" in first
        assert "date_from=2026-03-01&amp;date_to=2026-04-30&amp;page=2" in first
        with django_assert_max_num_queries(12):
            rest = client.get("/access/report/", {**period, "page": 2},
                              HTTP_HX_REQUEST="true").content.decode()
        assert rest.count('data-testid="anomaly"') == flagged - ANOMALY_PAGE
        assert 'data-testid="report-row"' not in rest  # the anomalies' part only
        # The API pages them like every other list, and loses none between its pages.
        keeper = api(cast.custodian)
        body = keeper.get("/api/v1/access-anomalies/", {**period, "page_size": 100}).json()
        assert body["count"] == flagged and len(body["results"]) == 100
        assert body["next"] and body["previous"] is None
        last = keeper.get("/api/v1/access-anomalies/",
                          {**period, "page_size": 100, "page": 2}).json()
        assert len(last["results"]) == flagged - 100 and last["next"] is None
        seen = {(a["username"], a["day"]) for a in body["results"] + last["results"]}
        assert len(seen) == flagged


@pytest.mark.django_db
def test_report_page_renders_a_hundred_users_at_a_time(cast, login,
                                                       django_assert_max_num_queries):
    """A company with thousands of users: the per-user table shows the first REPORT_PAGE (most
    card views first) with the total, and pages on its own page parameter (the anomalies keep
    theirs) in a constant number of queries; the htmx page renders the table only."""
    from outletcrm.access.views import REPORT_PAGE

    day = datetime.date(2026, 3, 2)
    people = UserFactory.create_batch(REPORT_PAGE + 30 - 3, team=cast.team_hz)
    reps = [cast.alice, cast.bob, cast.charlie, *people]
    AccessDaily.objects.bulk_create([AccessDaily(day=day, user_id=rep.pk, views=1000 - i)
                                     for i, rep in enumerate(reps)])
    period = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    client = login(cast.custodian)
    with time_machine.travel(datetime.datetime(2026, 4, 2, 12, tzinfo=TZ), tick=False):
        client.get("/access/report/", period)
        with django_assert_max_num_queries(12):
            first = client.get("/access/report/", period).content.decode()
        assert first.count('data-testid="report-row"') == REPORT_PAGE
        assert f'data-testid="report-user-count">{len(reps)}<' in first
        assert f'data-user="{reps[0].username}"' in first  # the most views first
        assert f"第 1–{REPORT_PAGE} 位用户，共 {len(reps)} 位" in first
        assert "date_from=2026-03-01&amp;date_to=2026-03-31&amp;users_page=2" in first
        # The users' page 2 while the address shows the anomalies' page 2 (the link itself
        # was rendered before the anomalies moved): both pages are kept.
        shown = "http://testserver/access/report/?date_from=2026-03-01&date_to=2026-03-31&page=2"
        with django_assert_max_num_queries(12):
            rest = client.get("/access/report/", {**period, "users_page": 2},
                              HTTP_HX_REQUEST="true", HTTP_HX_TARGET="report-users",
                              HTTP_HX_CURRENT_URL=shown)
        assert rest["HX-Push-Url"] == ("/access/report/?date_from=2026-03-01"
                                       "&date_to=2026-03-31&users_page=2&page=2")
        rest = rest.content.decode()
        assert rest.count('data-testid="report-row"') == len(reps) - REPORT_PAGE
        assert f'data-user="{reps[-1].username}"' in rest
        assert 'id="anomalies"' not in rest  # the per-user part only
        assert "date_from=2026-03-01&amp;date_to=2026-03-31&amp;page=2&amp;users_page=1" in rest


@pytest.mark.django_db
def test_inside_a_request_the_row_is_written_when_the_request_finishes(cast):
    """The page never waits for the log: during the request the row is only kept; the one
    INSERT runs on request_finished (after the response has gone out), outside one at once."""
    from django.test import RequestFactory

    from outletcrm.core import accesslog

    request = RequestFactory().get(f"/customers/{cast.alice_customer.pk}/")
    request.user = cast.alice
    accesslog._request_started()
    try:
        accesslog.access_record(request, customers=[cast.alice_customer], action="view")
        accesslog.access_record(request, action="export", row_count=12)
        assert AccessLog.objects.count() == 0
    finally:
        accesslog._request_finished()
    assert sorted(AccessLog.objects.values_list("action", "row_count")) == [
        ("export", 12), ("view", 1)]
    accesslog.access_record(request, customers=[cast.alice_customer], action="print")
    assert AccessLog.objects.filter(action="print").count() == 1


@pytest.mark.django_db
def test_printed_card_masks_contacts_mobiles_unless_the_role_sees_them(cast, login):
    from tests.factories import ContactFactory

    ContactFactory(customer=cast.alice_customer, name="王店长", mobile="13812345678")
    url = f"/access/print/{cast.alice_customer.pk}/"
    owner = login(cast.alice).get(url).content.decode()
    assert "13812345678" in owner  # the owner rep sees the number in full
    for keeper in (cast.custodian, cast.mgr_zj):  # roles that may only ask, per field, logged
        page = login(keeper).get(url).content.decode()
        assert "13812345678" not in page and "138****5678" in page
        assert 'data-reveal="mobile"' not in page  # no "show" button on paper
