"""Route optimisation in a real browser (issue 4): a supervisor optimises a rep's day from the
supervisor's day page and sees the arrival times and the map; then designs the rep's routes,
watches a running job's progress update by itself, and adopts the design."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.optimise.models import JobStatus, OptimisationJob, RepBase
from outletcrm.visits.models import DailyPlan, PlannedStop, Route
from tests.browser.conftest import bounded
from tests.factories import PASSWORD, CustomerFactory, customer_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOPS = (("文三路超市", "30.276000", "120.131000", "key"),
         ("古墩路药房", "30.281000", "120.112000", "ordinary"),
         ("教工路便利店", "30.287000", "120.145000", "key"),
         ("黄龙体育馆小卖部", "30.269000", "120.139000", "potential"),
         ("学院路食杂店", "30.279000", "120.128000", "ordinary"),
         ("天目山路餐馆", "30.273000", "120.120000", "ordinary"))


@pytest.fixture(autouse=True)
def fast_engine(settings):
    """The live server thread reads the same settings: keep the solver's budget small."""
    settings.ROUTING_DAY_SECONDS = 0.5
    settings.ROUTING_DESIGN_SECONDS = 1.0


@pytest.fixture(autouse=True)
def any_day_works(monkeypatch):
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def test_supervisor_optimises_a_day_then_designs_and_adopts_routes(cast, browser_page,
                                                                    screenshot):
    tab = browser_page
    tab.on("dialog", lambda dialog: dialog.accept())
    RepBase.objects.create(user=cast.alice, home_lat=Decimal("30.265000"),
                           home_lng=Decimal("120.150000"))
    shops = [CustomerFactory(owner=cast.alice, name=name, latitude=Decimal(lat),
                             longitude=Decimal(lng), customer_class=customer_class(klass),
                             opens_at=datetime.time(8), closes_at=datetime.time(21))
             for name, lat, lng, klass in SHOPS]
    # Tomorrow's plan, in the order the stops were added (a zigzag across town).
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    plan = DailyPlan.objects.create(rep=cast.alice, date=tomorrow, generated_at=timezone.now())
    for position, shop in enumerate(shops, start=1):
        PlannedStop.objects.create(plan=plan, rep=cast.alice, date=tomorrow, customer=shop,
                                   position=position)

    # 1. The supervisor's day page: optimise Alice's day.
    log_in(tab, "sup")
    tab.goto(f"/visits/day/?date={tomorrow.isoformat()}")
    screenshot(tab, "optimise-supervisor-day")
    tab.locator("tr[data-rep=alice] [data-testid=optimise-rep-day]").click()
    # First the proposal: the order with arrival times and the distance saved.
    expect(tab).to_have_url(re.compile(r"/optimise/day/proposal/\d+/$"))
    expect(tab.get_by_test_id("proposed-stop")).to_have_count(6)
    expect(tab.get_by_test_id("saving")).to_have_text(re.compile(r"^\d+\.\d$"))
    assert float(tab.get_by_test_id("saving").inner_text()) > 0  # the zigzag was longer
    screenshot(tab, "optimise-day-proposal")
    plan.refresh_from_db()
    assert plan.optimised_at is None
    tab.get_by_test_id("apply-proposal").click()
    expect(tab).to_have_url(re.compile(r"/optimise/day/\?rep="))
    expect(tab.locator(".alert-success")).to_contain_text("Day optimised. Stops in order: 6;")
    rows = tab.get_by_test_id("optimised-stop")
    expect(rows).to_have_count(6)
    arrivals = tab.locator("[data-testid=optimised-stop] [data-testid=arrival]").all_inner_texts()
    assert all(re.fullmatch(r"\d\d:\d\d", a) for a in arrivals), arrivals
    assert arrivals == sorted(arrivals) and arrivals[0] >= "08:30"
    # Outlets are busy until 09:00 (brief §5): an early arrival waits for the free window.
    starts = tab.locator("[data-testid=optimised-stop] [data-testid=visit-start]").all_inner_texts()
    assert starts[0] >= "09:00" and starts == sorted(starts)
    route_map = tab.get_by_test_id("day-route-map")
    expect(route_map).to_have_attribute("data-markers", "6")
    expect(route_map.locator(".arrival-label").first).to_be_visible()
    screenshot(tab, "optimise-day")
    plan.refresh_from_db()
    assert plan.optimised_at is not None
    ordered = list(plan.stops.order_by("position").values_list("customer__name", flat=True))
    assert tab.locator("[data-testid=optimised-stop] .stop-name").all_inner_texts() == ordered

    # 2. Route design for Alice: a 2-week cycle by e-bike.
    tab.get_by_test_id("optimise-tabs").get_by_role("link", name="Weekly route design").click()
    expect(tab.get_by_test_id("design-outlets")).to_contain_text("Live outlets with coordinates to plan: 6.")
    tab.check("#cycle-2")
    tab.get_by_test_id("start-design").click()
    expect(tab).to_have_url(re.compile(r"/optimise/design/\d+/$"))
    comparison = tab.get_by_test_id("design-comparison")
    expect(comparison).to_be_visible()
    expect(comparison.locator("tr[data-figure=violations] td").first).to_have_text("0")
    expect(tab.locator("[data-design-day]")).to_have_count(10)  # 2 weeks × Monday–Friday
    busy_days = sum(1 for d in OptimisationJob.objects.get(kind="design").result["proposal"]["days"]
                    if d["outlet_ids"])
    day_maps = tab.locator("[data-design-day-map]")
    expect(day_maps).to_have_count(busy_days)
    expect(day_maps.first).to_have_attribute("data-markers", re.compile(r"[1-9]"))
    screenshot(tab, "optimise-design")
    job = OptimisationJob.objects.get(kind="design")

    # 3. A job still running shows its progress and the page updates by itself when it ends.
    running = OptimisationJob.objects.create(
        kind="design", status=JobStatus.RUNNING, progress=0.4, params=job.params,
        created_by=cast.sup, rep=cast.alice, started_at=timezone.now())
    tab.goto(f"/optimise/design/{running.pk}/")
    expect(tab.get_by_test_id("job-status")).to_contain_text("40%")
    screenshot(tab, "optimise-design-running")
    OptimisationJob.objects.filter(pk=running.pk).update(
        status=JobStatus.DONE, progress=1.0, result=job.result, finished_at=timezone.now())
    expect(tab.get_by_test_id("design-comparison")).to_be_visible()

    # 4. Adopt the first design: the rep's routes are replaced.
    tab.goto(f"/optimise/design/{job.pk}/")
    tab.get_by_test_id("adopt").click()
    expect(tab).to_have_url(re.compile(r"/visits/routes/\?rep="))
    expect(tab.locator(".alert-success")).to_contain_text("Design adopted")
    screenshot(tab, "optimise-adopted")
    created = Route.objects.filter(rep=cast.alice, is_active=True)
    assert created.count() == sum(1 for d in job.result["proposal"]["days"] if d["outlet_ids"])
    assert {r.cycle_weeks for r in created} == {2}


def test_supervisor_proposes_a_team_split_and_reassigns_ticked_outlets(cast, browser_page,
                                                                      screenshot):
    tab = browser_page
    for i, (name, lat, lng, klass) in enumerate(SHOPS):
        CustomerFactory(owner=cast.alice if i < 5 else cast.bob, name=name,
                        latitude=Decimal(lat), longitude=Decimal(lng),
                        customer_class=customer_class(klass))
    log_in(tab, "sup")
    tab.goto("/optimise/territory/")
    tab.get_by_test_id("start-territory").click()
    expect(tab).to_have_url(re.compile(r"/optimise/territory/\d+/$"))
    expect(tab.get_by_test_id("territory-table").locator("tbody tr")).to_have_count(2)
    expect(tab.get_by_test_id("territory-map")).to_have_attribute("data-markers", "6")
    screenshot(tab, "optimise-territory")
    moves = tab.locator("[data-testid=territory-moves] input[name=customer]")
    assert moves.count() >= 1
    moves.first.check()
    tab.get_by_test_id("apply-territory").click()
    expect(tab.locator(".alert-success")).to_contain_text("Outlets with a new owner: 1.")


def test_rep_optimises_the_day_on_the_phone_from_where_they_are(cast, chromium, live_server,
                                                               screenshot, monkeypatch):
    """The phone asks for the position only when the button is pressed and comes back to the
    today page, which shows the new order with arrival times."""
    # It is 10:00 for the optimiser whenever the test runs (the server thread shares modules).
    from types import SimpleNamespace

    from outletcrm.optimise import services

    ten = timezone.make_aware(datetime.datetime.combine(timezone.localdate(),
                                                        datetime.time(10)))
    monkeypatch.setattr(services, "timezone", SimpleNamespace(
        now=lambda: ten, localdate=timezone.localdate, localtime=timezone.localtime))
    shops = [CustomerFactory(owner=cast.alice, name=name, latitude=Decimal(lat),
                             longitude=Decimal(lng), customer_class=customer_class(klass))
             for name, lat, lng, klass in SHOPS]
    today = timezone.localdate()
    plan = DailyPlan.objects.create(rep=cast.alice, date=today, generated_at=timezone.now())
    for position, shop in enumerate(shops, start=1):
        PlannedStop.objects.create(plan=plan, rep=cast.alice, date=today, customer=shop,
                                   position=position)
    context = chromium.new_context(
        locale="en-US", base_url=live_server.url, viewport={"width": 390, "height": 844},
        permissions=["geolocation"], geolocation={"latitude": 30.2795, "longitude": 120.1285})
    bounded(context)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(tab, "alice")
        tab.goto("/m/")
        button = tab.get_by_test_id("optimise-my-day")
        expect(button).to_be_visible()
        screenshot(tab, "optimise-phone-before")
        button.click()
        # The proposal comes first, on the phone's own frame; the plan is not changed yet.
        expect(tab).to_have_url(re.compile(r"/optimise/day/proposal/\d+/\?next="))
        expect(tab.get_by_test_id("proposed-stop")).to_have_count(6)
        screenshot(tab, "optimise-phone-proposal")
        job = OptimisationJob.objects.get(kind="day")
        assert job.params["position"]["lat"] == pytest.approx(30.2795)
        assert job.applied_at is None
        proposed = [r["name"] for r in job.result["rows"]]
        tab.get_by_test_id("apply-proposal").click()
        # Back on the today page, which shows the new order: the page's signal that it is done.
        expect(tab).to_have_url(re.compile(r"/m/$"))
        expect(tab.locator("#stops li").first).to_contain_text(proposed[0])
        plan.refresh_from_db()
        assert plan.optimised_at is not None
        ordered = list(plan.stops.order_by("position").values_list("customer__name",
                                                                   flat=True))
        assert ordered == proposed
        first = plan.stops.order_by("position").first()
        # From where the rep stands (by 学院路食杂店) at 10:00, that shop comes first.
        assert first.customer.name == "学院路食杂店" and first.planned_arrival >= datetime.time(10)
        expect(tab.locator("#stops li").first).to_contain_text(
            first.planned_arrival.strftime("%H:%M"))
        screenshot(tab, "optimise-phone-after")
    finally:
        context.close()
    assert errors == []
