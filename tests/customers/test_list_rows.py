"""Issue 11, the API's customer list near the floor: its rows are read as tuples (no model
instances) and its statements are compiled once per shape (core/sqlshapes.py), yet every
request reads fresh rows, each user's own, in the same number of queries."""

import pytest
from django.db import connection
from django.db.models.signals import pre_init
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from outletcrm.customers.models import Customer, Tag
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"


@pytest.fixture
def compiled(monkeypatch):
    """The models whose statements Django compiles while the fixture is active."""
    models = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        models.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return models


def test_the_list_makes_no_customer_objects(cast, api):
    for n in range(5):
        CustomerFactory(
            name=f"新店{n}", owner=cast.alice, tags=[Tag.objects.get_or_create(name=f"标签{n}")[0]]
        )
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    pre_init.connect(count)
    try:
        response = api(cast.alice).get(LIST)
    finally:
        pre_init.disconnect(count)
    assert response.status_code == 200 and response.json()["count"] == 6
    assert not [m for m in made if m in (Customer, Tag, Customer.tags.through)], made


def test_a_repeated_list_compiles_no_customer_statement_and_reads_fresh_rows(cast, api, compiled):
    tag = Tag.objects.create(name="老店")
    shop = CustomerFactory(name="阿里便利", owner=cast.alice, tags=[tag])
    CustomerFactory(name="新开便利", owner=cast.alice)
    alice, bob = api(cast.alice), api(cast.bob)
    with CaptureQueriesContext(connection) as before:
        first = alice.get(LIST, {"q": "便利"}).json()
    assert first["count"] == 2

    # Between the requests the data changes: a renamed tag, a new phone, an archived shop.
    tag.name = "百年老店"
    tag.save()
    Customer.objects.filter(pk=shop.pk).update(phone="057100000001")
    CustomerFactory(name="关了的便利", owner=cast.alice, archived_at=shop.created_at)
    compiled.clear()
    with CaptureQueriesContext(connection) as queries:
        again = alice.get(LIST, {"q": "便利"}).json()
    assert again["count"] == 2
    assert [(row["tags"], row["phone"]) for row in again["results"]] == [
        (["百年老店"], "057100000001"),
        ([], ""),
    ]
    # count, page and tags ran from their compiled shapes: Django compiled none of them
    reads = {Customer, Customer.tags.through}
    assert not [m for m in compiled if m in reads], compiled
    # …and as many queries as the first time: session, user, count, page, tags
    assert len(queries) == len(before)
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("customers_customer_tags" in s for s in statements) == 1
    assert sum("COUNT(*)" in s for s in statements) == 1
    # A new customer: the count and the page follow.
    CustomerFactory(name="又一家便利", owner=cast.alice)
    assert alice.get(LIST, {"q": "便利"}).json()["count"] == 3
    # The same shape for another rep: his own customers, none of hers.
    CustomerFactory(name="波波便利", owner=cast.bob)
    theirs = bob.get(LIST, {"q": "便利"}).json()
    assert "波波便利" in [row["name"] for row in theirs["results"]]
    assert {row["owner"] for row in theirs["results"]} == {cast.bob.pk}
