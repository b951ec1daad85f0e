"""Fuzz every operation of the OpenAPI schema (issue 7, §3): no input gives a 5xx, and every
answer is one the schema documents (status code, content type, body shape).

The schema is the one the app serves at /api/schema/. Each operation is one pytest test, run
against a small world of real records (tests/api/fuzz_world.py) so that generated requests get
past "not found": path ids are mostly replaced by ids of that world, sometimes kept as
generated (a huge or unknown id must answer 404 too). Hypothesis runs with a fixed seed and a
small example budget, so the run is the same every time and stays within CI's time; each test
runs in its own rolled-back transaction, so a mutating operation leaves nothing behind.
"""

import os

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.fuzz_world import build_world, path_value, user_for

# Examples per operation in the fuzzing phase; the examples phase adds the schema's own.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = 7


def _served_schema() -> dict:
    """The schema as the app serves it (generating it reads no database rows)."""
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.status_code
    return response.json()


CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none",
                   "with-security-parameters": False},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    # What this run asserts: no 5xx, and every answer is documented and has the documented
    # shape. Not asserted: that schema-valid input is accepted (business rules refuse much of
    # it, e.g. an unknown customer id) nor that schema-invalid input is refused (the API reads
    # an empty query value as "not given"); the stateful checks need the stateful phase.
    "checks": {
        "positive_data_acceptance": {"enabled": False},
        "negative_data_rejection": {"enabled": False},
        "use_after_free": {"enabled": False},
        "ensure_resource_availability": {"enabled": False},
    },
})
schema = schemathesis.openapi.from_dict(_served_schema(), config=CONFIG)
schema.app = get_wsgi_application()


# The import's 400 answer does not have its documented shape yet; that is being fixed with the
# import's bounds (issue 7, §2). Until then its body shape is not checked (5xx and status codes
# still are). Remove the entry when the import documents its answer truthfully.
BODY_SHAPE_NOT_CHECKED = {"POST /api/v1/customers/import/"}


@pytest.fixture
def world(db, settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path
    settings.ROUTING_DAY_SECONDS = 0.1
    settings.ROUTING_DESIGN_SECONDS = 0.2
    settings.ROUTING_TRAVEL_PROVIDER = "haversine"
    name = request.node.name
    # Requests go through the real WSGI handler, which closes the database connection when a
    # request ends; that would end the test's transaction. Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: (request_started.connect(close_old_connections),
                                  request_finished.connect(close_old_connections)))
    yield build_world(design="/designs/" in name or "/jobs/" in name,
                      territory="/territories/" in name)
    # The database rolls back; the cache (login throttling) must not carry over either.
    for cache in caches.all():
        cache.clear()


@schema.parametrize()
# The world is built once per operation and shared by its examples, on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
def test_every_operation_answers_as_documented(case, world):
    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = path_value(world, case.path, name,
                                                case.path_parameters[name])
    token = world.token_for(user_for(world, case.path))
    excluded = ([response_schema_conformance]
                if case.operation.label in BODY_SHAPE_NOT_CHECKED else None)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=excluded)
