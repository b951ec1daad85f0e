"""SQL-ish, over-long and odd input in every search box and filter: 200 or 400, never a 500,
and nothing changes.

The parameters are found, not listed: for the API, every query parameter of every GET
operation of the schema; for pages, every field of every GET form on each list page (plus
`q`, `page` and `ordering`), read from the page's own HTML as the supervisor sees it.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.security import registry
from tests.security.conftest import assert_unchanged, take_snapshot
from tests.security.enumerate import api_schema

# Each one stands for a family: SQL quoting, length, NUL bytes (PostgreSQL refuses them in
# text), odd unicode with LIKE wildcards and escapes, and a number no column holds.
PAYLOADS = ["' OR 1=1--", "x" * 10_000, "a\x00b", "𠀀😀\u202e'\"%_\\<>", "9" * 40]
# Pages render a whole screen per request: three mixed payloads keep the run short.
PAGE_PAYLOADS = ["' OR 1=1--\x00𠀀😀%_\\", "x" * 10_000, "9" * 40]
# DRF answers an unknown page number and an unknown `format` with 404, by design; `rep` and
# `team` name a person or team in the caller's scope, and anything else is "not found" (404),
# exactly like one outside the scope (visits.selectors.rep_get).
MAY_BE_404 = {"page", "format", "rep", "team"}
# A supervisor lets the API and pages read the most (rep, team filters).
USER = "sup"
# Endpoints only some roles reach (everyone else is refused whatever the input): attacked as
# one who reaches them (the archive's keeper, the administrator), so the input reaches the
# parsing.
USER_FOR = {"/api/v1/access-report/": "custodian", "/api/v1/access-anomalies/": "custodian",
            "/api/v1/evaluation-runs/": "admin"}


def _list_operations():
    for path, item in api_schema()["paths"].items():
        op = item.get("get")
        if not op or "{" in path:
            continue
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        if names:
            yield path, names


API_LISTS = sorted(_list_operations())


@pytest.mark.parametrize("path,names", API_LISTS, ids=[p for p, _ in API_LISTS])
def test_api_list_filters_survive_hostile_input(w, api_as, path, names):
    client = api_as(getattr(w, USER_FOR.get(path, USER)))
    before = take_snapshot()
    for name in names:
        for value in PAYLOADS:
            response = client.get(path, {name: value})
            allowed = (200, 400, 404) if name in MAY_BE_404 else (200, 400)
            assert response.status_code in allowed, (
                f"GET {path}?{name}={value[:40]!r}: {response.status_code}")
    assert_unchanged(before, take_snapshot(), f"GET {path}")


class _GetForms(HTMLParser):
    """Names of the fields of the page's GET forms."""

    def __init__(self):
        super().__init__()
        self.names, self._in_get_form = set(), False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attrs.get("name"):
            if attrs.get("type") not in ("submit", "button"):
                self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _list_pages():
    for name, entry in registry.PAGES.items():
        if isinstance(entry, registry.LoggedIn | registry.Scoped):
            if isinstance(entry, registry.Scoped):
                try:
                    if entry.target(_NoWorld()) != {}:
                        continue
                except LookupError:
                    continue  # addresses one record: not a list
            yield name


class _NoWorld:
    """Stands in for the world to tell routes without path arguments."""

    def __getattr__(self, item):
        raise LookupError(item)


def _page_lists():
    names = []
    for name in _list_pages():
        try:
            reverse(name)
        except Exception:  # noqa: S112 - needs arguments
            continue
        names.append(name)
    return sorted(names)


PAGE_LISTS = _page_lists()


@pytest.mark.parametrize("name", PAGE_LISTS)
def test_page_filters_survive_hostile_input(w, page_as, name):
    client = page_as(getattr(w, USER))
    url = reverse(name)
    first = client.get(url)
    if first.status_code != 200 or "html" not in first.headers.get("Content-Type", ""):
        pytest.skip(f"{name} is not an HTML page for GET ({first.status_code})")
    parser = _GetForms()
    parser.feed(first.content.decode())
    names = sorted(parser.names | {"q", "page", "ordering"})
    names = [n for n in names if not re.fullmatch(r"csrfmiddlewaretoken", n)]
    before = take_snapshot()
    for field in names:
        for value in PAGE_PAYLOADS:
            response = client.get(url, {field: value})
            assert response.status_code in (200, 302, 400, 404), (
                f"GET {name}?{field}={value[:40]!r}: {response.status_code}")
    assert_unchanged(before, take_snapshot(), f"GET {name}")
