"""Issue 11: a rep's customer list is answered from the rep's own index on SQLite, with or
without planner statistics, and SQLite installations gather statistics by themselves (the
nightly job "db-statistics", and after a big import)."""

import datetime
import io

import pytest
from django.db import connection
from django.utils import timezone

from outletcrm.access import services as access_services
from outletcrm.core import dbstats
from outletcrm.core.models import JobRun
from outletcrm.customers import selectors
from outletcrm.customers.importexport import import_customers
from outletcrm.customers.selectors import CustomerFilters
from tests.customers.test_importexport import row, xlsx
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")


def plan(queryset) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in cursor.fetchall()]


# sqlite_stat1 of the benchmark's archive (100,000 outlets over 200 reps, 6 regions; full
# ANALYZE, bench/floor_bench.py --statistics-job): what the planner knows on a real install.
ARCHIVE_STATISTICS = {
    "customer_name_sort_idx": "100000 3 1",
    "customer_region_sort_idx": "100000 16667 3",
    "customer_team_sort_idx": "100000 16667 3",
    "customer_owner_sort_idx": "100000 500 1",
    "customer_live_region_idx": "100000 16667",
    "customers_c_latitud_67ffc3_idx": "100000 2 1",
    "customers_c_phone_8493fa_idx": "100000 2",
    "customers_customer_referred_by_id_0105d757": "100000 8",
    "customers_customer_merged_into_id_2994ddb6": "100000 100000",
    "customers_customer_outlet_type_id_8e5ce41b": "100000 8334",
    "customers_customer_customer_class_id_570738fc": "100000 33334",
    "customers_customer_abc_class_id_30e9df9c": "100000 25000",
    "customers_customer_team_id_677425ba": "100000 16667",
    "customers_customer_region_id_0c35308e": "100000 16667",
    "customers_customer_owner_id_fbb2798e": "100000 500",
    "customers_customer_created_by_id_e3e9e010": "100000 500",
    "customers_customer_updated_at_3ada91f5": "100000 1",
    "customers_customer_name_norm_966ed9a9": "100000 3",
    "sqlite_autoindex_customers_customer_1": "100000 1",
}


def archive_statistics():
    """The statistics a full ANALYZE of a 100,000-outlet archive writes, on the test's rows."""
    dbstats.refresh_statistics()
    with connection.cursor() as cursor:
        # Only the archive's: the test's handful of users and borrowings would otherwise
        # look cheaper to start the join from than they are on a real install.
        cursor.execute("DELETE FROM sqlite_stat1")
        for index, stat in ARCHIVE_STATISTICS.items():
            cursor.execute("INSERT INTO sqlite_stat1 VALUES ('customers_customer', %s, %s)",
                           [index, stat])
        cursor.execute("ANALYZE sqlite_schema")  # the planner reloads sqlite_stat1


def drop_statistics():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")


@pytest.fixture
def lent(cast):
    """Bob's customer lent to Alice: her scope is her own customers OR the lent ones."""
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.alice, customer_ids=[cast.bob_customer.pk], purpose="ride_along",
        reason="随访", starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    return cast.bob_customer


@sqlite_only
@pytest.mark.parametrize("statistics", [False, True])
def test_a_reps_list_reads_the_reps_rows_not_the_whole_archive(cast, lent, statistics):
    for n in range(30):
        CustomerFactory(name=f"别人的店{n}", owner=cast.charlie)
    if statistics:
        archive_statistics()
    else:
        drop_statistics()
    page = selectors.customer_list(user=cast.alice, filters=CustomerFilters())[:50]
    steps = plan(page)
    # Both sides of "own OR lent" from an index, never a walk of every customer by name.
    assert "MULTI-INDEX OR" in steps, steps
    assert not any(s.startswith("SCAN customers_customer") for s in steps), steps
    count = plan(selectors.customer_list(user=cast.alice, filters=CustomerFilters()).order_by())
    assert not any(s.startswith("SCAN customers_customer") for s in count), count
    # …and still the right rows: her own and the lent one.
    assert {c.pk for c in page} == {cast.alice_customer.pk, lent.pk}


def test_the_statistics_job_is_scheduled_and_gathers_them(cast, settings):
    from outletcrm.core.tasks import db_statistics_task

    assert settings.SCHEDULE["db-statistics"]["task"] == "outletcrm.core.tasks.db_statistics_task"
    if connection.vendor == "sqlite":
        drop_statistics()
    summary = db_statistics_task.call(day="2026-12-07")
    run = JobRun.objects.get(name="db-statistics")
    assert run.status == JobRun.Status.SUCCEEDED
    if connection.vendor != "sqlite":
        assert "skipped" in summary
        return
    assert summary["analyzed"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        assert cursor.fetchone()[0] > 0


@sqlite_only
def test_a_big_import_gathers_statistics(cast, monkeypatch):
    monkeypatch.setattr(dbstats, "STATISTICS_AFTER_IMPORT_ROWS", 2)
    drop_statistics()
    data = xlsx([row() for _ in range(3)])
    result = import_customers(actor=cast.alice, fileobj=io.BytesIO(data), filename="x.xlsx")
    assert result.created_count == 3, result.errors
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1


@sqlite_only
def test_with_statistics_a_big_regions_list_reads_the_first_page_in_name_order(cast, lent):
    """A manager's region is a large share of the archive: the first page comes from walking
    the name index and stopping at 50 rows, not from sorting the whole region."""
    archive_statistics()
    steps = plan(selectors.customer_list(user=cast.mgr_zj, filters=CustomerFilters())[:50])
    assert steps[0] == "SCAN customers_customer USING INDEX customer_name_sort_idx", steps
    assert "USE TEMP B-TREE FOR ORDER BY" not in steps[-1:], steps


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_api_list_reads_its_rows_in_a_fixed_number_of_queries(cast, lent, api, language):
    """The list loads only the columns a row shows (selectors.LIST_ROW_FIELDS): a column the
    serializer reads but the query left out would cost one more query per row."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories import customer_class

    client = api(cast.alice)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()["count"]

    few, shown = queries()
    for n in range(6):
        CustomerFactory(name=f"新店{n}", owner=cast.alice, customer_class=customer_class("key"),
                        latitude="30.1", longitude="120.2", tags=[])
    many, more = queries()
    assert more == shown + 6
    assert many == few


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_api_card_reads_its_related_names_without_more_queries(cast, api, language):
    """The card joins only the names it shows (selectors.CARD_RELATED_FIELDS): a customer
    with every relation set costs the same queries as one with none."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories import customer_class

    bare = CustomerFactory(name="空白小店", owner=cast.alice)
    full = CustomerFactory(name="全都有", owner=cast.alice, referred_by=bare, source="referral",
                           customer_class=customer_class("key"), created_by=cast.alice)
    client = api(cast.alice)

    def queries(customer):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/customers/{customer.pk}/",
                                  HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()

    few, _ = queries(bare)
    many, body = queries(full)
    assert body["referred_by_name"] == "空白小店" and body["owner_name"] == "王丽"
    assert body["team_name"] and body["region_name"] and body["customer_class_name"]
    assert many == few


@pytest.mark.parametrize("big", [False, True])
def test_migrate_gathers_statistics_on_a_big_sqlite_archive_only(cast, monkeypatch, big):
    """An upgrade of a big install (`outletcrm migrate`) leaves planner statistics behind at
    once instead of at night; a small (or test) database gets none, and PostgreSQL nothing."""
    from django.core.management import call_command

    monkeypatch.setattr(dbstats, "STATISTICS_AFTER_IMPORT_ROWS", 3 if big else 50)
    CustomerFactory.create_batch(3, owner=cast.alice)  # plus the cast's own customers
    if connection.vendor == "sqlite":
        drop_statistics()
    analyzed = []
    real = dbstats.refresh_statistics
    monkeypatch.setattr(dbstats, "refresh_statistics",
                        lambda *a, **kw: analyzed.append(kw) or real(*a, **kw))
    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor != "sqlite":
        assert analyzed == []
        return
    assert analyzed == ([{"using": "default"}] if big else [])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == (1 if big else 0)
