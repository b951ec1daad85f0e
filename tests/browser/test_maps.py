"""Maps without a tile server (issue 7 §4): no MAP_TILE_URL is configured (as on an intranet
or offline), so every map draws the company's own street layer (here the demo's Hangzhou
streets, MAP_BASE_GEOJSON's default outside production), fits its view to the pins, clusters
pins that would pile up, numbers the stops and colours the supervisor's map by rep.

Each map sets data-map-ready="1" once its background is drawn and its view fitted; the tests
wait for that signal, never for a fixed time."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outletcrm.demo.data.hangzhou import STREETS
from outletcrm.visits import routes
from outletcrm.visits.models import DailyPlan, PlannedStop
from tests.factories import PASSWORD, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Shops on real demo streets, spread over several districts (a point of each street's line).
ON_STREETS = ["文三路", "教工路", "天目山路", "延安路", "庆春路", "古墩路", "秋涛北路"]


@pytest.fixture(autouse=True)
def no_tile_server(settings):
    """The live server thread reads the same settings: no tiles, the demo's street layer."""
    settings.MAP_TILE_URL = ""
    settings.MAP_BASE_GEOJSON = "outletcrm.demo.basemap.hangzhou_streets"


def street_point(name: str) -> tuple[Decimal, Decimal]:
    street = next(s for s in STREETS if s.name == name)
    lat, lng = street.points[1]
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def log_in(tab, username: str) -> None:
    tab.goto("/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login/"))


def ready_map(tab, selector: str):
    """The map element, once it says it is drawn (its own signal)."""
    element = tab.locator(selector)
    expect(element).to_have_attribute("data-map-ready", "1")
    return element


def assert_street_layer(element, minimum: int = 50) -> None:
    assert element.get_attribute("data-map-base") == "streets"
    streets = element.locator("path.oc-base-street").count()
    assert streets >= minimum, f"only {streets} street paths drawn"
    # District names (the demo has no real outlines: outletcrm/demo/basemap.py says why).
    assert element.locator(".oc-area-label").count() >= 1


def assert_pins_fitted(element) -> dict:
    """Every pin (or cluster) lies inside the map's visible box, and the pins fill the view
    (the map is not left zoomed out over China with the pins in a heap)."""
    boxes = element.evaluate("""(map) => {
        const box = map.getBoundingClientRect();
        const pins = [...map.querySelectorAll(
            ".leaflet-marker-pane .oc-pin, .leaflet-marker-pane .oc-cluster")];
        return {box: [box.left, box.top, box.right, box.bottom],
                pins: pins.map((p) => { const r = p.getBoundingClientRect();
                                        return [r.left, r.top, r.right, r.bottom]; })};
    }""")
    left, top, right, bottom = boxes["box"]
    pins = boxes["pins"]
    assert pins, "no pins drawn"
    for pin in pins:
        assert pin[0] >= left and pin[2] <= right and pin[1] >= top and pin[3] <= bottom, (
            f"pin {pin} outside the map {boxes['box']}")
    if len(pins) > 1:
        spread_x = (max(p[2] for p in pins) - min(p[0] for p in pins)) / (right - left)
        spread_y = (max(p[3] for p in pins) - min(p[1] for p in pins)) / (bottom - top)
        assert max(spread_x, spread_y) > 0.5, f"pins fill only {spread_x:.0%} × {spread_y:.0%}"
    return boxes


def stop_numbers(element) -> list[int]:
    """The stop numbers the map shows, on single pins and on cluster pins ("8,9")."""
    labels = element.locator(".oc-pin-body, .oc-cluster-body").all_inner_texts()
    return sorted(int(n) for label in labels for n in label.split(","))


def test_maps_without_tiles_draw_the_streets_and_fit_the_pins(cast, browser_page, screenshot):
    tab = browser_page
    shops = []
    for name in ON_STREETS:
        lat, lng = street_point(name)
        shops.append(CustomerFactory(owner=cast.alice, name=f"{name}超市", latitude=lat,
                                     longitude=lng, address=f"{name}1号"))
    # Two outlets in one building: their pins would sit on top of each other.
    lat, lng = street_point("学院路")
    twins = [CustomerFactory(owner=cast.alice, name=name, latitude=lat, longitude=lng + delta)
             for name, delta in (("学院路东店", Decimal("0")), ("学院路西店", Decimal("0.00003")))]
    bob_shops = [CustomerFactory(owner=cast.bob, name=f"{name}便利店", latitude=lat,
                                 longitude=lng)
                 for name in ("凤起路", "体育场路")
                 for lat, lng in [street_point(name)]]
    today = timezone.localdate()
    for rep, stops in ((cast.alice, shops + twins), (cast.bob, bob_shops)):
        plan = DailyPlan.objects.create(rep=rep, date=today, generated_at=timezone.now())
        for position, shop in enumerate(stops, start=1):
            PlannedStop.objects.create(plan=plan, rep=rep, date=today, customer=shop,
                                       position=position)
    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="城西线", weekday=0,
                                customer_ids=[s.pk for s in shops])

    # The supervisor's day: both reps' outlets, one colour per rep, numbered, clustered twins.
    log_in(tab, "sup")
    tab.goto("/visits/day/")
    day_map = ready_map(tab, "[data-testid=day-map]")
    assert_street_layer(day_map)
    assert_pins_fitted(day_map)
    legend = tab.get_by_test_id("day-map-legend")
    expect(legend).to_contain_text("王丽")
    expect(legend).to_contain_text("李波")
    colours = set(day_map.locator(".oc-pin .oc-pin-body").evaluate_all(
        "(pins) => pins.map((p) => p.style.backgroundColor)"))
    assert len(colours) == 2, colours
    # Every stop's number is shown: on its pin, or on the cluster pin of nearby stops.
    assert stop_numbers(day_map) == sorted([*range(1, 10), 1, 2])
    # The twins (stops 8 and 9 of one rep) share one cluster pin that names both.
    expect(day_map.locator(".oc-cluster-body", has_text=re.compile(r"^8,9$"))).to_have_count(1)
    screenshot(tab, "maps-supervisor-day")

    # The route editor: the route's seven outlets, numbered in order, on the streets.
    tab.goto(f"/visits/routes/{route.pk}/")
    route_map = ready_map(tab, "[data-testid=route-map]")
    assert_street_layer(route_map)
    assert_pins_fitted(route_map)
    assert stop_numbers(route_map) == list(range(1, len(shops) + 1))
    screenshot(tab, "maps-route-editor")

    # A customer's page: one pin, close up, with the streets around it.
    tab.goto(f"/customers/{shops[0].pk}/")
    mini = ready_map(tab, ".mini-map")
    assert_street_layer(mini, minimum=5)
    dot = mini.locator("path.leaflet-interactive").last.bounding_box()
    box = mini.bounding_box()
    assert box["x"] < dot["x"] and dot["x"] + dot["width"] < box["x"] + box["width"]
    screenshot(tab, "maps-customer")

    # The rep's phone: today's stops on the street layer.
    tab.context.clear_cookies()
    tab.set_viewport_size({"width": 390, "height": 844})
    log_in(tab, "alice")
    tab.goto("/m/")
    phone_map = ready_map(tab, "#today-map")
    assert_street_layer(phone_map)
    assert_pins_fitted(phone_map)
    screenshot(tab, "maps-phone-today")

