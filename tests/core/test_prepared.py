"""core/prepared.py: values() reads compiled once per connection give the ORM's own rows
(converters applied), take the WHERE of a queryset built per call, and fall back to the ORM
where that WHERE needs a join of its own (issue 11)."""

import datetime

import pytest
from django.db import connection

from outletcrm.core import scoping
from outletcrm.core.prepared import PreparedValues, ValuesReader
from outletcrm.customers.models import Contact, Customer
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "name", "owner_id", "owner__username", "created_at", "latitude", "brands")


def orm(queryset):
    return list(Customer.objects.values(*COLUMNS).filter(pk__in=queryset.values("pk")))


def test_the_reader_gives_the_orms_rows_for_each_where(cast):
    reader = ValuesReader(Customer.objects.values(*COLUMNS))
    for user in (cast.alice, cast.charlie, cast.mgr_zj, cast.admin):
        where = scoping.restrict(Customer.objects.filter(pk=cast.alice_customer.pk), user)
        assert reader.rows(where) == orm(where)
    row = reader.rows(Customer.objects.filter(pk=cast.alice_customer.pk))[0]
    assert row["owner__username"] == "alice" and row["brands"] == []
    assert isinstance(row["created_at"], datetime.datetime) and row["created_at"].tzinfo


def test_the_reader_falls_back_to_the_orm_for_a_where_with_joins(cast):
    reader = ValuesReader(Customer.objects.values(*COLUMNS))
    where = Customer.objects.filter(owner__username="bob")  # joins org_user
    assert [r["name"] for r in reader.rows(where)] == ["好又多便利店"]
    assert reader.rows(Customer.objects.filter(pk__in=[])) == []
    everyone = reader.rows(Customer.objects.all())  # no WHERE at all: the ORM's way too
    assert sorted(everyone, key=lambda r: r["id"]) == sorted(
        orm(Customer.objects.all()), key=lambda r: r["id"]
    )


def test_the_columns_are_compiled_once_per_connection(cast, django_assert_num_queries):
    reader = ValuesReader(Customer.objects.values(*COLUMNS))
    reader.rows(Customer.objects.filter(pk=cast.bob_customer.pk))
    assert list(reader._compiled.keys()) == [connection]
    with django_assert_num_queries(1):
        assert reader.rows(Customer.objects.filter(pk=cast.bob_customer.pk))[0]["name"] == (
            "好又多便利店"
        )


def test_a_prepared_read_decrypts_and_takes_only_its_one_parameter(cast):
    ContactFactory(
        customer=cast.alice_customer,
        name="王老板",
        mobile="13912345678",
        birthday=datetime.date(1980, 8, 15),
    )
    read = PreparedValues(
        lambda pk: Contact.objects.filter(customer_id=pk).values("name", "mobile", "birthday")
    )
    assert read(cast.alice_customer.pk) == [
        {"name": "王老板", "mobile": "13912345678", "birthday": datetime.date(1980, 8, 15)}
    ]
    assert read(cast.bob_customer.pk) == []
    two = PreparedValues(lambda pk: Contact.objects.filter(customer_id=pk, name="x").values("id"))
    with pytest.raises(TypeError):
        two(cast.alice_customer.pk)
