"""The Content Security Policy (issue 7 §2): every HTML page sends it, it allows no inline
code and no eval, and no template relies on inline scripts, handlers or styles (which the
policy would block). Browser tests fail on any violation the browser reports."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from outletcrm.settings import tile_source
from outletcrm.visits import routes, services
from tests.factories import CustomerFactory

ROOT = Path(settings.BASE_DIR)
# Pages that answer a GET without an id but are not HTML pages, or change something.
NOT_PAGES = {"logout", "mobile:service_worker", "mobile:manifest", "api-schema", "set_language",
             "map-base"}


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} sends no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> None:
    directives = policy(response)
    for directive in ("script-src", "style-src"):
        values = directives[directive]
        assert "'self'" in values
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(
            values), f"{directive}: {values}"
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def named_routes(resolver=None, namespace=""):
    """(name, route) of every URL pattern without parameters, across included URLconfs."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin" or inner.startswith("api:"):
                continue
            yield from named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            if not pattern.pattern.regex.groups:
                yield f"{namespace}{pattern.name}"


@pytest.fixture
def field_day(cast):
    """A route, a plan and a visit, so the pages with an id have something to show."""
    shop = CustomerFactory(owner=cast.alice, name="文三路超市", latitude="30.276",
                           longitude="120.131")
    route = routes.route_create(actor=cast.sup, rep=cast.alice, name="周一线", weekday=0,
                                customer_ids=[shop.pk])
    visit, _ = services.visit_check_in(actor=cast.alice, customer=shop,
                                       client_id=uuid.uuid4(), lat="30.276", lng="120.131",
                                       accuracy_m=10, fix_age_s=2)
    return {"shop": shop, "route": route, "visit": visit}


@pytest.mark.parametrize("username", ["admin", "sup", "alice"])
def test_every_html_page_sends_a_strict_policy(cast, field_day, client, username):
    client.force_login(getattr(cast, username))
    visit = field_day["visit"]
    paths = [reverse(name) for name in named_routes() if name not in NOT_PAGES]
    paths += [
        reverse("customers:detail", args=[field_day["shop"].pk]),
        reverse("visits:route_detail", args=[field_day["route"].pk]),
        reverse("mobile:visit", args=[visit.client_id]),
        f"/visits/day/?date={timezone.localdate().isoformat()}",
        "/admin/", "/admin/org/user/", "/api/docs/",
        "/no-such-page/",
    ]
    if username != "alice":
        paths.append(reverse("visits:visit_detail", args=[visit.pk]))
    checked = 0
    for path in paths:
        response = client.get(path, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        assert_strict(response)
        checked += 1
    assert checked >= 20, f"only {checked} HTML pages answered"


def test_anonymous_pages_and_error_pages_send_it_too(cast, client):
    for path in ("/login/", "/m/", "/no-such-page/"):
        response = client.get(path, follow=True)
        assert "text/html" in response["Content-Type"]
        assert_strict(response)


def test_images_may_come_from_the_tile_server_only():
    directives = settings.SECURE_CSP
    assert set(directives["img-src"]) >= {"'self'", "data:", "blob:"}
    assert tile_source("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}") == [
        "https://*.is.autonavi.com"]
    assert tile_source("https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}") == [
        "https://*.map.gtimg.com"]
    assert tile_source("http://tiles.intranet:8080/{z}/{x}/{y}.png") == [
        "http://tiles.intranet:8080"]
    assert tile_source("/tiles/{z}/{x}/{y}.png") == []  # our own origin: 'self'
    assert tile_source("") == []


# --- templates --------------------------------------------------------------------------------

def templates() -> list[Path]:
    found = [p for p in ROOT.rglob("templates/**/*.html") if ".venv" not in p.parts]
    assert len(found) > 50
    return found


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"""[\s"'/]on[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""[\s"']style\s*=""", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text(encoding="utf-8")
    for attributes in SCRIPT_TAG.findall(text):
        assert "src=" in attributes or 'type="application/json"' in attributes, (
            f"inline <script{attributes}>: move it into a bundle (frontend/)")
    assert not HANDLER.search(text), "inline on*= handler: listen in a bundle instead"
    assert not STYLE_ATTR.search(text), "style= attribute: use a class (the CSP blocks it)"
    assert not STYLE_TAG.search(text), "<style> element: put the rules in a stylesheet"
    assert not JS_URL.search(text), "javascript: URL"


def test_the_checks_catch_what_they_look_for():
    """The template check is not vacuous: each pattern finds its offence."""
    assert SCRIPT_TAG.findall('<script>alert(1)</script>') == [""]
    assert HANDLER.search('<img src=x onerror="alert(1)">')
    assert HANDLER.search("<select onchange=go()>")
    assert not HANDLER.search('<a data-confirm="x" class="connection">')
    assert STYLE_ATTR.search('<div style="width: 10%">')
    assert not STYLE_ATTR.search('<link rel="stylesheet" href="x.css">')
    assert JS_URL.search('<a href="javascript:void(0)">')
