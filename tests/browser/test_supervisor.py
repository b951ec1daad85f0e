"""A supervisor's day in a real browser: build a route, generate plans, follow the day,
reject a doubtful visit and watch the completion rate change (issue 3, items 1, 2, 6, 7)."""

import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.visits import services
from outletcrm.visits.models import DailyPlan, Route, Visit
from tests.factories import PASSWORD, CustomerFactory, customer_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def any_day_works(monkeypatch):
    """The test runs on any calendar day, holidays included (the server thread shares this)."""
    from outletcrm.visits import planning

    monkeypatch.setattr(planning, "route_day_for", lambda day: day)


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def stop_names(tab):
    return tab.locator("[data-testid=route-stop] [data-stop-name]")


def test_supervisor_builds_a_route_generates_plans_and_rejects_a_visit(cast, browser_page,
                                                                        screenshot):
    tab = browser_page
    shops = [CustomerFactory(owner=cast.alice, name=name, latitude=Decimal(lat),
                             longitude=Decimal(lng), customer_class=customer_class("key"))
             for name, lat, lng in (("文三路超市", "30.276000", "120.131000"),
                                    ("古墩路药房", "30.281000", "120.112000"),
                                    ("教工路便利店", "30.287000", "120.145000"))]
    today = timezone.localdate()
    log_in(tab, "sup")

    # 1. A new weekly route for Alice, on today's weekday.
    tab.goto(f"/visits/routes/?rep={cast.alice.pk}")
    expect(tab.get_by_test_id("no-route")).to_contain_text("文三路超市")
    tab.get_by_test_id("new-route").click()
    tab.fill("#id_name", "西湖周线")
    tab.select_option("#id_weekday", str(today.weekday()))
    tab.get_by_test_id("save-route").click()
    expect(tab.locator(".alert-success")).to_contain_text("Route “西湖周线” created")
    for count, shop in enumerate(shops, start=1):
        tab.select_option("[data-testid=add-customer]", str(shop.pk))
        tab.get_by_test_id("add-stop").click()
        # The page came back with one more stop (the same message stays from the last add).
        expect(tab.get_by_test_id("route-stop")).to_have_count(count)
        expect(tab.locator(".alert-success")).to_contain_text("Outlets of the route saved.")
    expect(stop_names(tab)).to_have_text(["文三路超市", "古墩路药房", "教工路便利店"])
    expect(tab.get_by_test_id("route-map")).to_have_attribute("data-markers", "3")
    expect(tab.locator(".route-marker")).to_have_count(3)

    # 2. Drag the last outlet to the top, then save the new order.
    rows = tab.get_by_test_id("route-stop")
    rows.nth(2).drag_to(rows.nth(0), target_position={"x": 20, "y": 4})
    expect(stop_names(tab)).to_have_text(["教工路便利店", "文三路超市", "古墩路药房"])
    expect(tab.get_by_test_id("save-order")).to_have_class(re.compile("btn-warning"))
    tab.get_by_test_id("save-order").click()
    # Saved when the page comes back without the unsaved-order mark.
    expect(tab.get_by_test_id("save-order")).not_to_have_class(re.compile("btn-warning"))
    expect(tab.locator(".alert-success")).to_contain_text("Outlets of the route saved.")
    expect(stop_names(tab)).to_have_text(["教工路便利店", "文三路超市", "古墩路药房"])
    route = Route.objects.get()
    assert list(route.stops.values_list("customer__name", flat=True)) == [
        "教工路便利店", "文三路超市", "古墩路药房"]
    screenshot(tab, "supervisor-route-editor")

    # 3. Generate today's plans from the supervisor's day.
    tab.goto("/visits/day/")
    tab.get_by_test_id("generate-plans").click()
    expect(tab.locator(".alert-success")).to_contain_text("1 plans, 3 stops")
    assert DailyPlan.objects.get(rep=cast.alice, date=today).stops.count() == 3

    # 4. Alice visits two outlets; the second check-in is 2 km away from the outlet.
    for shop, lat in ((shops[2], "30.287100"), (shops[0], "30.294000")):
        services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                                lat=lat, lng=str(shop.longitude), accuracy_m=12, fix_age_s=3)
    # The off-site check-in is not a visit at the outlet until reviewed (visits/kpis.py).
    tab.goto("/visits/kpis/?group=rep")
    expect(tab.locator("[data-figure=completion_rate]")).to_have_text("33.33%")
    expect(tab.locator("[data-figure=off_site]")).to_have_text("1")

    tab.goto("/visits/day/")
    alice = tab.locator("[data-testid=rep-progress] tr[data-rep=alice]")
    expect(alice).to_contain_text("3")
    expect(tab.locator("[data-figure=visited]")).to_have_text("1")
    expect(tab.locator("[data-figure=not_yet]")).to_have_text("1")
    off_site = tab.get_by_test_id("off-site")
    expect(off_site).to_contain_text("文三路超市")
    expect(tab.get_by_test_id("day-map")).to_have_attribute("data-markers", "5")
    screenshot(tab, "supervisor-day")
    # 驳回 (reject) stays on one line in the narrow last column (it wrapped in the trial).
    tab.context.add_cookies([{"name": "django_language", "value": "zh-hans",
                              "url": tab.url}])
    tab.reload()
    reject = off_site.get_by_test_id("reject-visit")
    expect(reject).to_contain_text("驳回")
    assert reject.evaluate("b => b.getBoundingClientRect().height"
                           " < 1.8 * parseFloat(getComputedStyle(b).lineHeight)")
    expect(tab.get_by_test_id("short-visits-empty")).to_be_visible()
    tab.context.add_cookies([{"name": "django_language", "value": "en", "url": tab.url}])
    tab.reload()

    # 5. Open the doubtful visit: accepting it makes it count; a rejection overrides that.
    off_site.get_by_role("link", name="文三路超市").click()
    expect(tab.get_by_test_id("evidence")).to_contain_text("Reported accuracy (m)")
    tab.locator("[data-testid=accept-form] input[name=reason]").fill("店在商场内，定位漂移")
    tab.get_by_test_id("accept-visit").click()
    expect(tab.get_by_test_id("acceptance")).to_contain_text("店在商场内，定位漂移")
    tab.goto("/visits/kpis/?group=rep")
    expect(tab.locator("[data-figure=completion_rate]")).to_have_text("66.67%")
    tab.go_back()
    tab.locator("[data-testid=reject-form] input[name=reason]").fill("签到位置离门店两公里")
    tab.get_by_test_id("reject-visit").click()
    expect(tab.get_by_test_id("rejection")).to_contain_text("签到位置离门店两公里")
    expect(tab.get_by_test_id("visit-status")).to_have_text("Rejected")
    screenshot(tab, "supervisor-visit-rejected")
    assert Visit.objects.get(customer=shops[0]).status == "rejected"

    # 6. The rejected visit no longer counts: 1 of 3 planned stops visited.
    tab.goto("/visits/kpis/?group=rep")
    expect(tab.locator("[data-figure=completion_rate]")).to_have_text("33.33%")
    expect(tab.locator("[data-figure=rejected]")).to_have_text("1")
    expect(tab.get_by_test_id("definition-completion_rate")).to_contain_text("Numerator")
    expect(tab.get_by_test_id("kpi-chart")).to_have_attribute("data-ready", "1")
    screenshot(tab, "supervisor-kpis")


def test_a_rep_sees_her_routes_read_only(cast, browser_page):
    tab = browser_page
    shop = CustomerFactory(owner=cast.alice, name="文三路超市", latitude=Decimal("30.276"),
                           longitude=Decimal("120.131"))
    from outletcrm.visits import routes

    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="周一线", weekday=0,
                                customer_ids=[shop.pk])
    log_in(tab, "alice")
    tab.goto(f"/visits/routes/{route.pk}/")
    expect(tab.get_by_test_id("route-stop")).to_have_count(1)
    expect(tab.get_by_test_id("save-order")).to_have_count(0)
    expect(tab.get_by_test_id("route-stop")).not_to_have_attribute("draggable", "true")
    expect(tab.locator("#id_name")).to_be_disabled()
