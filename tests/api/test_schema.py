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
