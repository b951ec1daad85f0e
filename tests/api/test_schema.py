"""The OpenAPI schema generates cleanly and the docs page works without the internet."""

import re

import pytest
from django.core.management import call_command


def test_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning (an untyped field, a name collision) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text(encoding="utf-8")
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/customers/{id}/merge/",
        "/api/v1/customers/{customer_pk}/contacts/{id}/",
        "/api/v1/customers/export/",
    ):
        assert f"  {path}:" in schema, path


def test_schema_is_served(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/customers/" in response.json()["paths"]


@pytest.mark.parametrize("accept_language", ["zh-hans", "en"])
def test_docs_page_loads_swagger_from_our_own_static_files(client, db, accept_language):
    response = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r'src="([^"]+)"', page) + re.findall(r'href="([^"]+)"', page)
    assert any("swagger-ui-dist" in s for s in scripts)
    assert not [s for s in scripts if s.startswith(("http://", "https://", "//"))], scripts


def served_schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_every_operation_documents_the_error_answers_it_can_give(client, db):
    schema = served_schema(client)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            for code in ("400", "404"):
                assert code in responses, (method, path, code)
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert "415" in responses, (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    assert "application/json" in response.get("content", {}), (method, path, code)


@pytest.mark.parametrize("component, field", [
    ("CustomerList", "abc_class_name"), ("CustomerList", "customer_class_name"),
    ("Customer", "referred_by_name"), ("Me", "region_name"), ("Me", "team_name"),
])
def test_names_of_optional_relations_are_nullable(client, db, component, field):
    schema = served_schema(client)["components"]["schemas"]
    assert schema[component]["properties"][field].get("nullable") is True


def test_required_relations_stay_non_nullable(client, db):
    schema = served_schema(client)["components"]["schemas"]
    assert not schema["CustomerList"]["properties"]["owner_name"].get("nullable")
