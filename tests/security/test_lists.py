"""Lists and exports never carry another scope's records, whatever their filters name.

Every list the registry marks LoggedIn (pages without path arguments, API GET operations
without path parameters, the Excel exports included) is read by the rep and the sibling
supervisor, plain and with every filter pointed at Charlie's scope (his id as owner or rep,
his team, his office, his customer, the customer's name as search text).
"""

import io

import pytest
from django.urls import NoReverseMatch, reverse

from tests.security import registry
from tests.security.checks import markers
from tests.security.enumerate import api_schema

ATTACKERS = ("alice", "sup")


def _aimed(w) -> dict:
    return {"owner": w.charlie.pk, "rep": w.charlie.pk, "team": w.team_nb.pk,
            "region": w.ningbo.pk, "customer": w.customer.pk, "contact": w.contact.pk,
            "order": w.order.pk, "q": w.customer.name}


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.headers.get("Content-Type", "")
    if "spreadsheet" in kind or content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row
                         if cell is not None)
    return content.decode(errors="replace")


# The borrowing form's search answers an exact code or name with that record's code and name
# (access.selectors.borrow_candidates): the caller typed the name and learns only that the
# record exists. Nothing else of it (phone, contact, tasks…) may appear.
ECHO_Q = {"GET /api/v1/borrow-candidates/"}


def _check(w, response, context, *, typed=()):
    assert response.status_code < 500, f"{context}: {response.status_code}"
    if response.status_code != 200:
        return
    text = _text(response)
    leaked = [m for m in markers(w) if m and m in text and m not in typed]
    assert not leaked, f"{context} lists another scope's records: {leaked}"


API_LISTS = sorted(
    op for op, entry in registry.API.items()
    if isinstance(entry, registry.LoggedIn) and op.startswith("GET ") and "{" not in op)
PAGE_LISTS = []
for _name, _entry in sorted(registry.PAGES.items()):
    if isinstance(_entry, registry.LoggedIn):
        try:
            reverse(_name)
        except NoReverseMatch:
            continue
        PAGE_LISTS.append(_name)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("op", API_LISTS)
def test_api_lists_keep_to_the_scope(w, api_as, op, attacker):
    path = op.split(" ", 1)[1]
    known = {p["name"] for p in api_schema()["paths"][path]["get"].get("parameters", [])}
    aimed = {k: v for k, v in _aimed(w).items() if k in known}
    client = api_as(getattr(w, attacker))
    _check(w, client.get(path), f"{attacker} {op}")
    if aimed:
        typed = (aimed["q"],) if op in ECHO_Q and "q" in aimed else ()
        _check(w, client.get(path, aimed), f"{attacker} {op} {sorted(aimed)}", typed=typed)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("name", PAGE_LISTS)
def test_page_lists_keep_to_the_scope(w, page_as, name, attacker):
    client = page_as(getattr(w, attacker))
    url = reverse(name)
    _check(w, client.get(url), f"{attacker} {name}")
    # Not `q`: a page shows the search text back in its search box.
    aimed = {k: v for k, v in _aimed(w).items() if k != "q"}
    _check(w, client.get(url, aimed), f"{attacker} {name} aimed at charlie")
