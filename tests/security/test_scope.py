"""Reading, editing, exporting and deleting another scope's record by id fails cleanly and
changes nothing: generated from the registry (tests/security/registry.py) for every page and
every API operation that addresses a record or is kept for some roles.

The attackers are a rep (alice, 杭州一组) and the supervisor of the sibling office (sup);
the records belong to charlie of 宁波一组 (tests/security/world.py).
"""

import json
import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.security import registry
from tests.security.checks import api_refused, page_refused
from tests.security.conftest import assert_unchanged, take_snapshot
from tests.security.world import jpeg_bytes

ATTACKERS = ("alice", "sup")

SCOPED_PAGES = sorted(name for name, entry in registry.PAGES.items()
                      if isinstance(entry, registry.Scoped | registry.Restricted))
SCOPED_API = sorted(op for op, entry in registry.API.items()
                    if isinstance(entry, registry.Scoped | registry.Restricted))
PROTECTED_PAGES = sorted(name for name, entry in registry.PAGES.items()
                         if not isinstance(entry, registry.Public))
PROTECTED_API = sorted(op for op, entry in registry.API.items()
                       if not isinstance(entry, registry.Public))


def _page_url(w, name, entry):
    kwargs = entry.target(w) if entry.target else {}
    return reverse(name, kwargs=kwargs)


def _api_path(w, op, entry):
    method, path = op.split(" ", 1)
    kwargs = entry.target(w) if entry.target else {}
    return method.lower(), re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("name", SCOPED_PAGES)
def test_page_refuses_another_scope(w, page_as, name, attacker):
    entry = registry.PAGES[name]
    client = page_as(getattr(w, attacker))
    url = _page_url(w, name, entry)
    query = getattr(entry, "query", None)
    query = query(w) if query else {}
    form = entry.form(w) if entry.form else {}
    methods = getattr(entry, "methods", ("get", "post"))
    soft = getattr(entry, "refusal", "status") == "message"
    before = take_snapshot()
    if "get" in methods:
        page_refused(client.get(url, query), w, f"{attacker} GET {name}", soft=soft)
    if "post" in methods:
        target = f"{url}?{urlencode(query)}" if query else url
        page_refused(client.post(target, form), w, f"{attacker} POST {name}", soft=soft)
    assert_unchanged(before, take_snapshot(), f"{attacker} on {name}")


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("op", SCOPED_API)
def test_api_refuses_another_scope(w, api_as, op, attacker):
    entry = registry.API[op]
    client = api_as(getattr(w, attacker))
    method, path = _api_path(w, op, entry)
    query = getattr(entry, "query", None)
    query = query(w) if query else {}
    body = entry.form(w) if entry.form else {}
    before = take_snapshot()
    if method == "get":
        response = client.get(path, query)
    elif getattr(entry, "multipart", False):
        upload = SimpleUploadedFile("x.jpg", jpeg_bytes(), content_type="image/jpeg")
        response = client.post(path, {**body, "image": upload}, format="multipart")
    else:
        if query:
            path = f"{path}?{urlencode(query)}"
        response = client.generic(method.upper(), path, json.dumps(body, default=str),
                                  content_type="application/json")
    api_refused(response, w, f"{attacker} {op}")
    assert_unchanged(before, take_snapshot(), f"{attacker} {op}")


@pytest.mark.parametrize("name", PROTECTED_PAGES)
def test_page_sends_the_anonymous_to_login(w, page_as, name):
    entry = registry.PAGES[name]
    url = _page_url(w, name, entry) if not isinstance(entry, registry.LoggedIn) else None
    if url is None:
        try:
            url = reverse(name)
        except Exception:  # a route with arguments that are not records (icon size)
            pytest.skip("route needs arguments")
    client = page_as(None)
    before = take_snapshot()
    page_refused(client.get(url), w, f"anonymous GET {name}")
    page_refused(client.post(url, {}), w, f"anonymous POST {name}")
    assert_unchanged(before, take_snapshot(), f"anonymous on {name}")


@pytest.mark.parametrize("op", PROTECTED_API)
def test_api_refuses_the_anonymous(w, api_as, op):
    entry = registry.API[op]
    if isinstance(entry, registry.LoggedIn):
        method, path = op.split(" ", 1)
        method = method.lower()
        path = re.sub(r"\{(\w+)\}", "1", path)
    else:
        method, path = _api_path(w, op, entry)
    response = api_as(None).generic(method.upper(), path, "{}",
                                    content_type="application/json")
    assert response.status_code in (401, 403), f"anonymous {op}: {response.status_code}"
