"""Every page and every API operation is classified in tests/security/registry.py.

A new page or endpoint fails here until its author says, in the registry, who may reach it
and (for one that addresses a record) which record of another scope the suite attacks it with.
"""

import re
import uuid

import pytest
from django.urls import Resolver404, resolve

from tests.security import registry
from tests.security.enumerate import all_routes, api_operations, api_schema, page_routes

HOW = ("Add it to tests/security/registry.py: Public(...), LoggedIn(...), Restricted(...) or "
       "Scoped(target=lambda w: {...kwargs naming a record of another scope...}); "
       "see the module's docstring and docs/architecture.md, 'Security suite'.")


def test_every_page_is_classified():
    missing = sorted({f"{route.name or '(unnamed)'}  ({route.pattern})"
                      for route in page_routes() if registry.classify_page(route.name) is None})
    assert not missing, f"pages without a security classification: {missing}. {HOW}"


def test_every_api_operation_is_classified():
    missing = [op for op in api_operations() if op not in registry.API]
    assert not missing, f"API operations without a security classification: {missing}. {HOW}"


def test_registry_names_only_what_exists():
    """A renamed or removed view leaves no stale entry that would hide its successor."""
    names = {route.name for route in page_routes()}
    assert not sorted(set(registry.PAGES) - names)
    assert not sorted(set(registry.API) - set(api_operations()))




def test_every_api_route_is_in_the_schema():
    """An endpoint left out of the schema (extend_schema(exclude=True)) would escape the
    generated tests: every API route must be reachable from some schema path."""
    reached = set()
    for path in api_schema()["paths"]:
        for candidate in (re.sub(r"\{(\w+)\}", "1", path),
                          re.sub(r"\{(\w+)\}", str(uuid.uuid4()), path)):
            try:
                match = resolve(candidate)
            except Resolver404:
                continue
            reached.add(match.view_name)
    api_names = {route.name for route in all_routes() if route.is_api}
    missing = sorted(api_names - reached)
    assert not missing, (f"API routes not in /api/schema/ (so not tested): {missing}; "
                         "document them in the schema, then classify their operations.")


@pytest.mark.parametrize("entry", [*registry.PAGES.values(), *registry.API.values()],
                         ids=[*registry.PAGES, *registry.API])
def test_entries_are_well_formed(entry):
    assert isinstance(entry, registry.Public | registry.LoggedIn | registry.Restricted
                      | registry.Scoped)
