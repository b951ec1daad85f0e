"""What the suite must cover: every URL pattern and every operation of the API schema."""

import functools
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", "" for an unnamed pattern
    pattern: str  # the full pattern, for messages
    is_api: bool


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield Route(full, prefix + str(entry.pattern), prefix.startswith("api/v1/"))


@functools.cache
def all_routes() -> tuple[Route, ...]:
    """Every URL pattern of the site, include()s followed recursively."""
    return tuple(_walk(get_resolver()))


def page_routes() -> list[Route]:
    """The pages (the API's routes are covered operation by operation from the schema)."""
    return [route for route in all_routes() if not route.is_api]


@functools.cache
def api_schema() -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.status_code
    return response.json()


METHODS = ("get", "put", "patch", "post", "delete")


@functools.cache
def api_operations() -> tuple[str, ...]:
    """Every operation of the served schema, as "METHOD /path"."""
    return tuple(f"{method.upper()} {path}" for path, item in api_schema()["paths"].items()
                 for method in METHODS if method in item)
