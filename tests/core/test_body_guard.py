"""Request bodies are bounded (issue 7, §3): depth, size and numbers, with a clear 400."""

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from outletcrm.core.parsers import loads_bounded
from outletcrm.customers.models import Customer

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize("url", ["/api/v1/sync/", "/api/v1/customers/", "/api/v1/orders/",
                                 "/api/v1/visits/check-in/", "/api/v1/routes/"])
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_is_a_400_with_a_message(cast, api, url, body):
    before = Customer.objects.count()
    response = api(cast.sup).generic("POST", url, body, content_type="application/json",
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert Customer.objects.count() == before


def test_ordinary_nesting_reaches_the_view(cast, api):
    body = {"ops": [{"op": "no_such_op", "client_id": str(uuid.uuid4()),
                     "payload": {"a": {"b": [[1]]}}}]}
    response = api(cast.alice).post("/api/v1/sync/", body, format="json",
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content  # the sync answers per operation
    assert "nested too deeply" not in response.content.decode()


def test_the_error_is_chinese_by_default(cast, api):
    response = api(cast.sup).generic("POST", "/api/v1/customers/", DEEP,
                                     content_type="application/json")
    assert response.status_code == 400 and "嵌套" in response.json()["detail"]


def test_a_body_over_the_size_limit_is_refused_before_it_is_parsed(cast, api, settings):
    settings.API_JSON_MAX_BYTES = 1000
    body = json.dumps({"name": "x" * 2000})
    response = api(cast.sup).generic("POST", "/api/v1/customers/", body,
                                     content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "too large" in response.json()["detail"]


@pytest.mark.parametrize("body, words", [
    ('{"outlet_type": 99999999999999999999}', "out of range"),
    ('{"lat": 1e400}', "out of range"),
    ('{"lat": NaN}', "out of range"),
    ('{"lat": Infinity}', "out of range"),
    ('{"name": ', "not valid JSON"),
])
def test_numbers_beyond_64_bits_and_non_finite_floats_are_refused(cast, api, body, words):
    response = api(cast.sup).generic("POST", "/api/v1/customers/", body,
                                     content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and words in response.json()["detail"]


def test_loads_bounded_keeps_ordinary_json():
    assert loads_bounded('{"a": [1, 2.5, -3, "x", null, true]}') == {
        "a": [1, 2.5, -3, "x", None, True]}
    assert loads_bounded(str(2**63 - 1)) == 2**63 - 1
    with pytest.raises(ParseError):
        loads_bounded(str(2**63))
    with pytest.raises(ParseError):
        loads_bounded("[[[1]]]", max_depth=2)
    assert loads_bounded("[[1]]", max_depth=2) == [[1]]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63 - 1), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=20)


@given(JSON_VALUES)
def test_every_bounded_json_value_reads_back_unchanged(value):
    assert loads_bounded(json.dumps(value), max_depth=50) == value


@given(st.text(max_size=200))
def test_any_text_is_json_or_a_parse_error(text):
    try:
        loads_bounded(text)
    except ParseError:
        pass


def test_a_nul_in_a_query_string_is_a_400_in_the_users_language(cast, api, client):
    """PostgreSQL refuses NUL in text: a search for it must not reach the database on either
    database (core.errors.RejectNulMiddleware)."""
    response = api(cast.sup).get("/api/v1/customers/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"] and "删除后重试" in response.json()["detail"]
    client.force_login(cast.sup)
    page = client.get("/customers/", {"q": "联华\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "cannot be searched for" in page.content.decode()
    # An ordinary search still reaches the list.
    assert client.get("/customers/", {"q": "联华"}).status_code == 200
