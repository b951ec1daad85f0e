"""Stored XSS (issue 7 §2): a rep stores script-bearing text through the API (customer name,
address, notes, brands, a contact, a competitor entry, visit notes, a commitment, a drop
reason); an administrator gives a rep and a team such names too. Every page that shows these
texts is opened, as the supervisor and as the rep on the phone, every map pin is hovered so
its tooltip is drawn, and nothing may run: no call to window.__xss, no element the payload
tried to inject, no javascript: link, and the text is shown as text.

The Content Security Policy is switched off for this test, so it proves the escaping itself
(with the policy on, a slip would also be blocked; tests/core/test_csp.py covers the policy).
"""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.optimise import services as optimise
from outletcrm.visits import routes
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit
from tests.factories import PASSWORD, CustomerFactory, customer_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def payload(n: int, prefix: str = "顺发") -> str:
    """Text that runs __xss(n) wherever it is put into HTML unescaped (element content, a
    double- or single-quoted attribute, a script block)."""
    return (f"{prefix}<img src=x onerror=__xss({n})>\"><svg onload=__xss({n})>"
            f"</script><script>__xss({n})</script>")


def long_payload(n: int) -> str:
    """For the longer fields (up to 200 characters): also a single-quoted attribute, a
    javascript: link and template syntax."""
    return (payload(n) + f"'><b onmouseover=__xss({n})>悬停</b><a href=javascript:__xss({n})>"
            f"链接</a>{{{{__xss({n})}}}}")


def short_payload(n: int, prefix: str) -> str:
    """For fields of at most 50 characters."""
    return f"{prefix}<img src=x onerror=__xss({n})>"


# Each stored field gets its own number, so a failure names the field that leaked.
NAME, ADDRESS, NOTES, BRAND, CONTACT, CONTACT_NOTES, COMPETITOR, VISIT_NOTES, COMMITMENT, \
    DROP_REASON, SECOND_NAME, REP_NAME, TEAM_NAME, ROUTE_NAME = range(1, 15)

INJECTED = ("img[src='x'], svg[onload], [onerror], [onload], [onmouseover], "
            "a[href^='javascript' i], [src^='javascript' i], form[action^='javascript' i]")


@pytest.fixture(autouse=True)
def escaping_alone(settings):
    """No CSP (the live server reads these settings), small optimiser budgets."""
    settings.SECURE_CSP = {}
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


def stored_by_the_rep(cast, api) -> dict:
    """What a hostile rep (alice) stores through the API, and what an admin named."""
    rep_api = api(cast.alice)
    cast.alice.display_name = short_payload(REP_NAME, "王丽")
    cast.alice.save(update_fields=["display_name"])
    cast.team_hz.name = payload(TEAM_NAME, "杭州一组")
    cast.team_hz.save(update_fields=["name"])
    shops = [CustomerFactory(owner=cast.alice, name=name, latitude=Decimal(lat),
                             longitude=Decimal(lng), customer_class=customer_class("key"),
                             opens_at=datetime.time(8), closes_at=datetime.time(21))
             for name, lat, lng in (("文三路超市", "30.279560", "120.137770"),
                                    ("古墩路药房", "30.272560", "120.097020"),
                                    ("秋涛北路便利店", "30.259680", "120.195570"))]
    shop, second, third = shops
    response = rep_api.patch(f"/api/v1/customers/{shop.pk}", {
        "name": payload(NAME), "address": long_payload(ADDRESS), "notes": long_payload(NOTES),
        "brands": [short_payload(BRAND, "农夫山泉")],
    }, format="json")
    assert response.status_code == 200, response.content
    response = rep_api.patch(f"/api/v1/customers/{second.pk}",
                             {"name": payload(SECOND_NAME, "古墩")}, format="json")
    assert response.status_code == 200, response.content
    response = rep_api.post(f"/api/v1/customers/{shop.pk}/contacts", {
        "name": short_payload(CONTACT, "张"), "role": "owner",
        "notes": long_payload(CONTACT_NOTES), "mobile": "13800000009",
    }, format="json")
    assert response.status_code == 201, response.content
    response = rep_api.post(f"/api/v1/customers/{shop.pk}/competitors", {
        "brand": short_payload(COMPETITOR, "怡宝"), "notes": long_payload(COMPETITOR),
        "competitor_rep": f"李\"><svg onload=__xss({COMPETITOR})>",
    }, format="json")
    assert response.status_code == 201, response.content

    # Today's plan from a route the supervisor made (its name is text too), then the rep's day.
    today = timezone.localdate()
    route = routes.route_create(actor=cast.sup, rep=cast.alice,
                                name=f"西线<img src=x onerror=__xss({ROUTE_NAME})>\"><svg onload=__xss({ROUTE_NAME})>",
                                weekday=today.weekday(), customer_ids=[s.pk for s in shops])
    plan = DailyPlan.objects.create(rep=cast.alice, date=today, generated_at=timezone.now())
    stops = [PlannedStop.objects.create(plan=plan, rep=cast.alice, date=today, customer=s,
                                        position=n) for n, s in enumerate(shops, start=1)]
    visit_id = str(uuid.uuid4())
    now = timezone.now()
    response = rep_api.post("/api/v1/sync", {"ops": [
        {"op": "check_in", "client_id": visit_id, "payload": {
            "customer": shop.pk, "kind": "day", "device_time": now.isoformat(),
            "lat": "30.279600", "lng": "120.137800", "accuracy_m": 8, "fix_age_s": 1}},
        {"op": "record", "client_id": str(uuid.uuid4()), "visit_client_id": visit_id,
         "payload": {"notes": long_payload(VISIT_NOTES),
                     "commitments": [payload(COMMITMENT, "下周二送货")]}},
        {"op": "drop_stop", "client_id": str(uuid.uuid4()),
         "payload": {"stop": stops[2].pk, "reason": payload(DROP_REASON, "关门")}},
    ]}, format="json")
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {"applied"}, response.json()
    return {"shops": shops, "route": route, "visit": Visit.objects.get(client_id=visit_id),
            "today": today}


def hover_every_pin(tab) -> int:
    """Hover each marker and each interactive vector (check-in rings, dots) of every map."""
    hovered = 0
    for selector in (".leaflet-marker-pane .leaflet-marker-icon",
                     ".leaflet-overlay-pane path.leaflet-interactive"):
        items = tab.locator(selector)
        for i in range(items.count()):
            item = items.nth(i)
            if item.is_visible():
                item.hover(force=True)
                hovered += 1
    return hovered


def assert_nothing_ran(tab, where: str) -> None:
    hits = tab.evaluate("window.__xssHits")
    assert hits == [], f"{where}: stored text ran as script (fields {hits})"
    injected = tab.evaluate(f"[...document.querySelectorAll(`{INJECTED}`)].map(e => e.outerHTML)")
    assert injected == [], f"{where}: stored text became markup: {injected}"


def visit_page(tab, path: str, *, maps: str | None = None, shows: str | None = None) -> None:
    tab.goto(path)
    if maps:
        for element in tab.locator(maps).all():
            expect(element).to_have_attribute("data-map-ready", "1")
    if shows:
        expect(tab.locator("body")).to_contain_text(shows)
    hovered = hover_every_pin(tab) if maps else 0
    if maps:
        assert hovered, f"{path}: no pin to hover"
        # The tooltips show the names as text.
        tips = " ".join(tab.locator(".leaflet-tooltip").all_inner_texts())
        assert "<img src=x onerror=" in tips or "<img src=x" in tab.locator("body").inner_text()
    assert_nothing_ran(tab, path)


def test_script_in_stored_text_runs_nowhere(cast, api, browser_page, screenshot):
    tab = browser_page
    tab.add_init_script("window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);")
    stored = stored_by_the_rep(cast, api)
    shop, second, _ = stored["shops"]
    today = stored["today"]
    name_text = "顺发<img src=x onerror=__xss(1)>"

    # The supervisor's pages.
    log_in(tab, "sup")
    visit_page(tab, "/customers/", shows=name_text)
    visit_page(tab, f"/customers/?q={shop.code}", shows=name_text)
    visit_page(tab, f"/customers/{shop.pk}/", maps=".mini-map", shows="张<img src=x")
    screenshot(tab, "xss-customer-detail")
    visit_page(tab, "/visits/day/", maps="[data-testid=day-map]", shows=name_text)
    screenshot(tab, "xss-supervisor-day")
    visit_page(tab, f"/visits/routes/?rep={cast.alice.pk}", shows="西线<img src=x")
    visit_page(tab, f"/visits/routes/{stored['route'].pk}/", maps="[data-testid=route-map]",
               shows=name_text)
    visit_page(tab, f"/visits/plan/?rep={cast.alice.pk}&date={today.isoformat()}",
               shows=name_text)
    visit_page(tab, f"/visits/visit/{stored['visit'].pk}/", maps="[data-testid=visit-map]",
               shows="onmouseover=__xss(8)")
    visit_page(tab, "/visits/kpis/?group=rep", shows="王丽<img src=x")
    expect(tab.get_by_test_id("kpi-chart")).to_have_attribute("data-ready", "1")
    chart = tab.get_by_test_id("kpi-chart").bounding_box()
    tab.mouse.move(chart["x"] + chart["width"] / 2, chart["y"] + chart["height"] / 2)
    assert_nothing_ran(tab, "kpi chart tooltip")
    visit_page(tab, "/visits/kpis/?group=team", shows="杭州一组<img src=x")

    # The optimiser: the best order for today, a route design and a territory split.
    optimise.optimise_rep_day(actor=cast.sup, rep=cast.alice, date=today)
    visit_page(tab, f"/optimise/day/?rep={cast.alice.pk}&date={today.isoformat()}",
               maps="[data-testid=day-route-map]", shows=name_text)
    design = optimise.design_start(actor=cast.sup, rep=cast.alice, cycle_weeks=1)
    visit_page(tab, f"/optimise/design/{design.pk}/", maps="[data-design-day-map]",
               shows=name_text)
    visit_page(tab, f"/optimise/design/?rep={cast.alice.pk}", shows="王丽<img src=x")
    territory = optimise.territory_start(actor=cast.sup, team=cast.team_hz)
    visit_page(tab, f"/optimise/territory/{territory.pk}/", maps="[data-testid=territory-map]",
               shows="王丽<img src=x")
    screenshot(tab, "xss-territory")

    # The rep's phone: today, the customer search, the visit, tasks and the upload queue.
    tab.context.clear_cookies()
    tab.set_viewport_size({"width": 390, "height": 844})
    log_in(tab, "alice")
    visit_page(tab, "/m/", maps="#today-map", shows=name_text)
    expect(tab.locator("#stops")).to_contain_text("古墩<img src=x")
    screenshot(tab, "xss-phone-today")
    visit_page(tab, f"/m/customers/?q={shop.code}", shows=name_text)
    visit_page(tab, f"/m/visit/{stored['visit'].client_id}/", shows=name_text)
    expect(tab.locator("#v-notes")).to_have_value(re.compile(r"onmouseover=__xss\(8\)"))
    expect(tab.locator("#v-commitment-list")).to_contain_text("下周二送货<img src=x")
    visit_page(tab, "/m/tasks/", shows="下周二送货<img src=x")
    visit_page(tab, "/m/sync/")
