"""The field app's pages (/m/): scope, constant queries, the installable app, privacy."""

import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.visits import services
from outletcrm.visits.models import DailyPlan, FollowUpTask, PlannedStop
from tests.factories import CustomerFactory


@pytest.fixture
def shop(cast):
    return CustomerFactory(owner=cast.alice, name="联华超市文三店", latitude=Decimal("30.277000"),
                           longitude=Decimal("120.130000"))


def check_in(rep, customer, **kw):
    visit, _ = services.visit_check_in(actor=rep, customer=customer, client_id=uuid.uuid4(),
                                       lat="30.277100", lng="120.130100", **kw)
    return visit


def embedded(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


def plan(rep, customers):
    today = timezone.localdate()
    daily, _ = DailyPlan.objects.get_or_create(rep=rep, date=today)
    return [PlannedStop.objects.create(plan=daily, rep=rep, date=today, customer=c, position=i)
            for i, c in enumerate(customers, start=1)]


def test_pages_need_a_login(client):
    response = client.get("/m/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_today_page_embeds_the_plan_and_uses_only_mobile_assets(cast, login, shop):
    stops = plan(cast.alice, [shop, cast.alice_customer])
    services.plan_drop_stop(actor=cast.alice, stop=stops[1], reason="关门装修")
    response = login(cast.alice).get("/m/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/dist/mobile.js" in html and "/static/dist/mobile.css" in html
    assert "http://" not in html.split("<body")[0] and "cdn" not in html.lower()
    assert 'rel="manifest"' in html and 'class="m-nav"' in html
    snapshot = embedded(response, "today-data")
    assert [s["customer"]["name"] for s in snapshot["stops"]] == ["联华超市文三店", "联华超市"]
    assert snapshot["stops"][1]["dropped"] and snapshot["stops"][1]["drop_reason"] == "关门装修"
    assert "csrftoken" in response.cookies
    strings = embedded(response, "m-strings")
    assert strings["checkIn"] and strings["ops"]["check_in"]


def test_today_page_query_count_is_constant(cast, login, shop):
    client = login(cast.alice)
    plan(cast.alice, [shop])
    check_in(cast.alice, shop)
    client.get("/m/")  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get("/m/")
    more = [CustomerFactory(owner=cast.alice) for _ in range(12)]
    daily = DailyPlan.objects.get(rep=cast.alice)
    for i, customer in enumerate(more, start=5):
        PlannedStop.objects.create(plan=daily, rep=cast.alice, date=daily.date,
                                   customer=customer, position=i)
        check_in(cast.alice, customer)
        FollowUpTask.objects.create(rep=cast.alice, customer=customer, kind="return_visit",
                                    title="回访", due_date=daily.date)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/m/")
    assert len(embedded(response, "today-data")["stops"]) == 13
    assert len(large.captured_queries) == len(small.captured_queries)


def test_visit_page_is_the_reps_own(cast, login, shop):
    visit = check_in(cast.alice, shop)
    response = login(cast.alice).get(f"/m/visit/{visit.client_id}/")
    assert response.status_code == 200
    data = embedded(response, "visit-data")
    assert data["client_id"] == str(visit.client_id) and data["customer"]["name"] == shop.name
    assert 'capture="environment"' in response.content.decode()
    for other in (cast.bob, cast.charlie):
        assert login(other).get(f"/m/visit/{visit.client_id}/").status_code == 404
    assert login(cast.alice).get(f"/m/visit/{uuid.uuid4()}/").status_code == 404


def test_visit_shell_has_no_visit_but_the_catalogue(cast, login):
    response = login(cast.alice).get("/m/visit/shell/")
    assert response.status_code == 200
    assert embedded(response, "visit-data") is None
    assert "steps" in embedded(response, "catalogue-data")


def test_customer_search_stays_in_scope(cast, login):
    response = login(cast.alice).get("/m/customers/", {"q": "超市"})
    names = [c["name"] for c in embedded(response, "customer-data")]
    assert "联华超市" in names and "好又多便利店" not in names
    assert login(cast.charlie).get("/m/customers/", {"q": "联华"}).context["results"] == []


def test_tasks_page_lists_open_tasks(cast, login, shop):
    FollowUpTask.objects.create(rep=cast.alice, customer=shop, kind="return_visit",
                                title="回访科室", due_date=timezone.localdate())
    FollowUpTask.objects.create(rep=cast.bob, customer=cast.bob_customer, kind="appointment",
                                title="别人的任务", due_date=timezone.localdate())
    data = embedded(login(cast.alice).get("/m/tasks/"), "tasks-data")
    assert [t["title"] for t in data["tasks"]] == ["回访科室"]
    # The add form offers the rep's own customers only.
    names = {c["name"] for c in data["customers"]}
    assert shop.name in names and cast.bob_customer.name not in names


def test_tasks_page_query_count_is_constant(cast, login, shop):
    client = login(cast.alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/m/tasks/")
    for i in range(12):
        FollowUpTask.objects.create(rep=cast.alice, customer=CustomerFactory(owner=cast.alice),
                                    kind="return_visit", title=f"回访{i}",
                                    due_date=timezone.localdate())
    with CaptureQueriesContext(connection) as many:
        response = client.get("/m/tasks/")
    assert len(embedded(response, "tasks-data")["tasks"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_positions_page_shows_what_is_kept_and_the_retention(cast, login, shop, settings):
    check_in(cast.alice, shop, accuracy_m=12)
    check_in(cast.bob, cast.bob_customer)
    response = login(cast.alice).get("/m/positions")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 1 and rows[0]["check_in"]["lat"] == pytest.approx(30.2771)
    html = response.content.decode()
    assert str(settings.POSITION_RETENTION_DAYS) in html and "30.277100" in html


def test_sync_page_renders(cast, login):
    assert login(cast.alice).get("/m/sync/").status_code == 200


def test_service_worker_manifest_and_icons(client):
    worker = client.get("/m/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    body = worker.content.decode()
    assert "/m/visit/shell/" in body and "/static/dist/mobile.js" in body
    assert "watchPosition" not in body and "geolocation" not in body
    manifest = json.loads(client.get("/m/manifest.webmanifest").content)
    assert manifest["start_url"] == "/m/" and manifest["scope"] == "/m/"
    icon = client.get(manifest["icons"][0]["src"])
    assert icon.status_code == 200 and icon.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/m/icon-64.png").status_code == 404


def test_field_scripts_never_track_in_the_background():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "frontend/mobile"
    sources = {p.name: p.read_text(encoding="utf-8") for p in root.glob("*.js")}
    assert sources, "the field app's sources are missing"
    code = "\n".join(sources.values())
    assert "watchPosition" not in code.replace("no watchPosition", "")
    # Positions are read in one place, and only the pages' actions call it.
    assert [name for name, text in sources.items() if "getCurrentPosition" in text] == ["geo.js"]
