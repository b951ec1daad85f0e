"""Churn pages, API and commands: scope, handling, the banner, query counts."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from outletcrm.churn.models import ChurnFlag, ChurnSettings
from outletcrm.churn.services import scan_churn
from outletcrm.core.models import TimelineEntry
from outletcrm.visits.models import FollowUpTask
from tests.churn.conftest import DAY, place_orders
from tests.churn.test_scan import WEEKLY_UNTIL_A_MONTH_AGO
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(churn_cast):
    """alice's, bob's and charlie's customers flagged (charlie is in another team)."""
    for customer in (churn_cast.alice_customer, churn_cast.bob_customer,
                     churn_cast.charlie_customer):
        place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)
    scan_churn(DAY)
    churn_cast.flags = {f.customer_id: f for f in ChurnFlag.objects.all()}
    return churn_cast


def _flag(cast, customer):
    return cast.flags[customer.pk]


def test_supervisor_list_shows_team_flags_with_evidence(flagged, login):
    response = login(flagged.sup).get("/churn/")
    text = response.content.decode()
    assert response.status_code == 200
    assert flagged.alice_customer.name in text and flagged.bob_customer.name in text
    assert flagged.charlie_customer.name not in text
    assert "7" in text and "30" in text


def test_rep_sees_only_own_flags(flagged, login):
    text = login(flagged.alice).get("/churn/").content.decode()
    assert flagged.alice_customer.name in text and flagged.bob_customer.name not in text


def test_list_page_queries_do_not_grow_with_flags(flagged, login):
    client = login(flagged.admin)
    client.get("/churn/")
    with CaptureQueriesContext(connection) as few:
        client.get("/churn/")
    for _ in range(6):
        customer = CustomerFactory(owner=flagged.bob, status="active")
        place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)
    scan_churn(DAY, force=True)
    assert ChurnFlag.objects.count() == 9
    with CaptureQueriesContext(connection) as many:
        client.get("/churn/")
    assert len(many) == len(few)


def test_handle_from_the_page_with_htmx(flagged, login):
    flag = _flag(flagged, flagged.alice_customer)
    response = login(flagged.sup).post(f"/churn/{flag.pk}/handle",
                                       {"outcome": "contacted", "note": "老板说下周进货"},
                                       HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="churn-flag-{flag.pk}"' in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == "handled" and flag.handled_by == flagged.sup
    assert flag.outcome == "contacted" and flag.note == "老板说下周进货"
    assert TimelineEntry.objects.filter(customer_id=flag.customer_id,
                                        title__startswith="Churn flag handled").exists()
    task = FollowUpTask.objects.get(dedupe_key=f"churn:{flag.pk}")
    assert task.done_at is not None and task.done_by == flagged.sup


def test_handle_other_outcome_needs_a_note(flagged, login):
    flag = _flag(flagged, flagged.alice_customer)
    response = login(flagged.alice).post(f"/churn/{flag.pk}/handle", {"outcome": "other"},
                                         HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    flag.refresh_from_db()
    assert flag.status == "open"


def test_another_teams_flag_answers_404_on_the_page(flagged, login):
    flag = _flag(flagged, flagged.charlie_customer)
    response = login(flagged.alice).post(f"/churn/{flag.pk}/handle", {"outcome": "contacted"})
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


def test_customer_page_shows_the_banner(flagged, login):
    with translation.override("en"):
        response = login(flagged.alice).get(f"/customers/{flagged.alice_customer.pk}/",
                                            HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert 'data-testid="churn-banner"' in text
    no_flag = CustomerFactory(owner=flagged.alice)
    text = login(flagged.alice).get(f"/customers/{no_flag.pk}/").content.decode()
    assert 'data-testid="churn-banner"' not in text


def test_rules_page_admin_saves_others_read(flagged, login):
    assert login(flagged.sup).get("/churn/rules/").status_code == 200
    assert login(flagged.sup).post("/churn/rules/", {"interval_multiple": "3"}).status_code == 403
    response = login(flagged.admin).post("/churn/rules/", {
        "interval_multiple": "3.0", "min_orders": "4", "value_drop_percent": "40",
        "dormant_days": "60", "lost_days": "120"})
    assert response.status_code == 302
    rules = ChurnSettings.current()
    assert (rules.interval_multiple, rules.min_orders, rules.dormant_days) == (3, 4, 60)
    response = login(flagged.admin).post("/churn/rules/", {
        "interval_multiple": "3.0", "min_orders": "4", "value_drop_percent": "40",
        "dormant_days": "120", "lost_days": "100"})
    assert response.status_code == 200
    assert ChurnSettings.current().dormant_days == 60


# --- API -----------------------------------------------------------------------------------

def test_api_list_is_scoped(flagged, api):
    body = api(flagged.alice).get("/api/v1/churn-flags/").json()
    assert [row["customer"] for row in body["results"]] == [flagged.alice_customer.pk]
    row = body["results"][0]
    assert row["evidence"]["usual_interval_days"] == 7.0 and row["evidence_text"]
    assert len(api(flagged.sup).get("/api/v1/churn-flags/").json()["results"]) == 2
    assert len(api(flagged.mgr_zj).get("/api/v1/churn-flags/").json()["results"]) == 3


def test_api_another_teams_flag_is_404(flagged, api):
    flag = _flag(flagged, flagged.charlie_customer)
    assert api(flagged.alice).get(f"/api/v1/churn-flags/{flag.pk}/").status_code == 404
    response = api(flagged.alice).post(f"/api/v1/churn-flags/{flag.pk}/handle",
                                       {"outcome": "contacted"}, format="json")
    assert response.status_code == 404


def test_api_handle(flagged, api):
    flag = _flag(flagged, flagged.alice_customer)
    client = api(flagged.alice)
    response = client.post(f"/api/v1/churn-flags/{flag.pk}/handle",
                           {"outcome": "ordered", "note": "补货了"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "handled"
    again = client.post(f"/api/v1/churn-flags/{flag.pk}/handle", {"outcome": "ordered"},
                        format="json")
    assert again.status_code == 400
    assert client.get("/api/v1/churn-flags/?status=handled").json()["count"] == 1
    assert client.get("/api/v1/churn-flags/").json()["count"] == 0


def test_api_bad_input(flagged, api):
    flag = _flag(flagged, flagged.alice_customer)
    client = api(flagged.alice)
    assert client.post(f"/api/v1/churn-flags/{flag.pk}/handle", {"outcome": "maybe"},
                       format="json").status_code == 400
    assert client.post(f"/api/v1/churn-flags/{flag.pk}/handle",
                       {"outcome": "contacted", "bogus": 1}, format="json").status_code == 400
    assert client.get("/api/v1/churn-flags/?status=nope").status_code == 400
    assert client.get("/api/v1/churn-flags/?customer=99999999999999999999").status_code == 400
    assert client.get("/api/v1/churn-flags/99999999999999999999/").status_code == 404


def test_custodian_sees_but_does_not_handle(flagged, api):
    flag = _flag(flagged, flagged.alice_customer)
    client = api(flagged.custodian)
    assert client.get("/api/v1/churn-flags/").json()["count"] == 3
    assert client.post(f"/api/v1/churn-flags/{flag.pk}/handle", {"outcome": "contacted"},
                       format="json").status_code == 403


# --- commands ------------------------------------------------------------------------------

def test_cli_churn_flags_as_a_user(flagged):
    out = StringIO()
    call_command("churn_flags", "--as", "alice", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [row["customer"] for row in rows] == [flagged.alice_customer.code]


def test_cli_churn_scan(churn_cast):
    place_orders(churn_cast.alice_customer, WEEKLY_UNTIL_A_MONTH_AGO)
    out = StringIO()
    call_command("churn_scan", "--day", DAY.isoformat(), stdout=out)
    assert json.loads(out.getvalue())["flags_raised"] == 1
    out = StringIO()
    call_command("churn_scan", "--day", DAY.isoformat(), stdout=out)
    assert json.loads(out.getvalue())["skipped"]
