"""Names sort A→Z in pinyin order, not by code point (issue 7, §4), in pages, API and exports.

By code point the trial saw 万 世 之 乐 佳; by pinyin they read 佳 (jia) 乐 (le) 世 (shi)
万 (wan) 之 (zhi).
"""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from outletcrm.customers import services
from outletcrm.customers.importexport import export_customers, import_customers
from outletcrm.customers.models import Customer
from outletcrm.customers.selectors import CustomerFilters, customer_list
from outletcrm.customers.text import by_pinyin, name_sort_key
from tests.customers.test_importexport import row, xlsx
from tests.factories import CustomerFactory, TeamFactory, UserFactory, outlet_type

# Code-point order of these names is the trial's 万 世 之 乐 佳.
NAMES = ["万家乐超市", "世纪联华", "之上便利店", "乐购", "佳佳便利"]
PINYIN_ORDER = ["佳佳便利", "乐购", "世纪联华", "万家乐超市", "之上便利店"]


def test_the_sort_key_is_pinyin_character_by_character():
    assert sorted(NAMES) == NAMES  # code point: the order users complained about
    assert sorted(NAMES, key=name_sort_key) == PINYIN_ORDER
    # A syllable's letters come first, then its tone, then the next character.
    assert name_sort_key("西安小吃") < name_sort_key("先锋超市")  # xi an < xian
    assert name_sort_key("万家") < name_sort_key("汪记") < name_sort_key("王府井")  # wan4 < wang1 < wang2
    assert name_sort_key("联华超市(文三路店)") == name_sort_key("联华超市（文三路店）")
    assert name_sort_key("7天酒店").startswith("7tian")
    assert name_sort_key("KFC肯德基").startswith("kfcken3")
    assert name_sort_key("长" * 100).isascii() and len(name_sort_key("长" * 100)) == 200


@pytest.fixture
def shops(cast):
    return [CustomerFactory(owner=cast.alice, name=name) for name in NAMES]


def names(queryset) -> list[str]:
    return [c.name for c in queryset if c.name in NAMES]


def test_the_list_page_sorts_by_pinyin_both_ways(cast, shops, login):
    client = login(cast.alice)
    page = client.get(reverse("customers:list"))
    assert names(page.context["page"].object_list) == PINYIN_ORDER
    page = client.get(reverse("customers:list") + "?ordering=-name")
    assert names(page.context["page"].object_list) == PINYIN_ORDER[::-1]


def test_the_api_sorts_by_pinyin(cast, shops, api):
    for query, expected in (("", PINYIN_ORDER), ("?ordering=name", PINYIN_ORDER),
                            ("?ordering=-name", PINYIN_ORDER[::-1])):
        response = api(cast.alice).get(f"/api/v1/customers/{query}")
        assert response.status_code == 200
        assert [c["name"] for c in response.json()["results"] if c["name"] in NAMES] == expected


def test_the_export_sorts_by_pinyin(cast, shops):
    content, _count = export_customers(user=cast.alice, filters=CustomerFilters())
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] in NAMES] == (
        PINYIN_ORDER
    )


def test_status_and_class_orderings_break_ties_by_pinyin(cast, shops):
    for ordering in ("status", "class"):
        found = customer_list(user=cast.alice, filters=CustomerFilters(ordering=ordering))
        assert names(found) == PINYIN_ORDER


def test_every_way_of_writing_a_customer_keeps_the_key(cast):
    created = services.customer_create(
        actor=cast.alice, name="乐购", outlet_type=outlet_type("convenience")
    )
    assert created.name_sort == name_sort_key("乐购")
    services.customer_update(actor=cast.alice, customer=created, name="佳佳便利")
    created.refresh_from_db()
    assert created.name_sort == name_sort_key("佳佳便利")
    result = import_customers(
        actor=cast.alice, fileobj=io.BytesIO(xlsx([row(name="之上便利店")])), filename="x.xlsx"
    )
    assert result.ok
    assert Customer.objects.get(name="之上便利店").name_sort == name_sort_key("之上便利店")


def test_the_seeded_demo_has_its_keys(db):
    call_command("seed_demo", outlets=30, no_field=True, stdout=io.StringIO())
    for name, key in Customer.objects.values_list("name", "name_sort"):
        assert key == name_sort_key(name)


def test_choosers_offer_people_and_tags_in_pinyin_order(cast, login):
    team = cast.team_hz
    for display_name in ("赵六", "王五", "安娜"):
        UserFactory(display_name=display_name, team=team)
    client = login(cast.sup)
    form = client.get(reverse("customers:edit", args=[cast.alice_customer.pk])).context["form"]
    offered = [label for _pk, label in form.fields["owner"].choices][1:]
    assert offered == by_pinyin(offered)
    assert [o.split(" ")[0] for o in offered].index("安娜") == 0
    options = client.get(reverse("customers:list")).context["options"]
    shown = [str(u) for u in options["owners"]]
    assert shown == by_pinyin(shown) and shown[0] == "安娜"


def test_the_list_orders_by_the_indexed_key(cast, shops):
    # The first page of the whole archive reads the (name_sort, id) index and stops.
    sql = str(customer_list(user=cast.custodian).query)
    assert 'ORDER BY "customers_customer"."name_sort" ASC, "customers_customer"."id" ASC' in sql
    if connection.vendor == "sqlite":
        queryset = Customer.objects.live().order_by("name_sort", "pk")[:25]
        assert "customer_name_sort_idx" in queryset.explain()


# --- the migration -------------------------------------------------------------------------


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


# seed_rows: the default lists (migration 0003) are there, as after migrating.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seed_rows")
def test_the_migration_fills_the_key_of_customers_already_on_file(monkeypatch):
    monkeypatch.setattr(
        __import__("importlib").import_module("outletcrm.customers.migrations.0008_name_sort_key"),
        "BATCH",
        2,  # several batches even for a handful of rows
    )
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = _migrate([("customers", "0007_edit_versions")])
        Old = apps.get_model("customers", "Customer")
        Type = apps.get_model("customers", "OutletType")
        owner = apps.get_model("org", "User").objects.create(username="old-rep")
        kind, _ = Type.objects.get_or_create(code="convenience", defaults={"name": "便利店"})
        for n, name in enumerate(NAMES):
            Old.objects.create(code=f"C{n:07d}", name=name, outlet_type=kind, owner=owner)
        _migrate(leaves)
    finally:
        _migrate(leaves)
    assert [c.name for c in Customer.objects.order_by("name_sort", "pk")] == PINYIN_ORDER
    assert all(c.name_sort == name_sort_key(c.name) for c in Customer.objects.all())
    if connection.vendor == "sqlite":
        # Rebuilding the table for the new column must not lose the search triggers.
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert {"customers_customer_fts_ai", "customers_customer_fts_ad",
                "customers_customer_fts_au"} <= triggers


def test_search_finds_a_renamed_customer_by_its_new_pinyin(cast):
    # Three letters and more go through SQLite's FTS5 table, which triggers keep in step.
    services.customer_update(actor=cast.alice, customer=cast.alice_customer, name="之上便利店")
    found = customer_list(user=cast.alice, filters=CustomerFilters(q="zsbld"))
    assert [c.name for c in found] == ["之上便利店"]
    assert not customer_list(user=cast.alice, filters=CustomerFilters(q="lhcs")).exists()


def test_a_second_team_does_not_change_the_order(cast, shops):
    # Team and owner lists use the (team|owner, name_sort) indexes: same order as the key.
    other = UserFactory(team=TeamFactory(region=cast.hangzhou))
    CustomerFactory(owner=other, name="阿里巴巴便利")
    found = customer_list(user=cast.mgr_zj)
    keys = [c.name_sort for c in found]
    assert keys == sorted(keys)
    client = Client()
    client.force_login(cast.mgr_zj)
    page = client.get(reverse("customers:list"))
    assert page.context["page"].object_list[0].name == "阿里巴巴便利"
