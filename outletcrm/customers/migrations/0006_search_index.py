"""Substring search that scales: a trigram index of Customer.search_text.

PostgreSQL: pg_trgm's GIN index serves `LIKE '%…%'` as it is. SQLite: an FTS5 table with the
trigram tokenizer (SQLite ≥ 3.34), kept in step by triggers; customers.search uses it for terms
of three characters or more. Measured in bench/archive_bench.py (bench/results/archive-notes.md).
"""

import logging

from django.db import migrations

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS customers_customer_fts USING fts5(search_text, "
    "content='customers_customer', content_rowid='id', tokenize='trigram')",
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES('rebuild')",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ai AFTER INSERT ON customers_customer "
    "BEGIN INSERT INTO customers_customer_fts(rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ad AFTER DELETE ON customers_customer "
    "BEGIN INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_au AFTER UPDATE OF search_text "
    "ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO customers_customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm ON customers_customer "
            "USING gin (search_text gin_trgm_ops)"
        )
    elif vendor == "sqlite":
        try:
            for statement in SQLITE_FTS:
                schema_editor.execute(statement)
        except Exception as exc:  # noqa: BLE001 - an SQLite without FTS5 keeps plain LIKE search
            logging.getLogger(__name__).warning("No FTS5 trigram search index: %s", exc)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")
    elif vendor == "sqlite":
        for trigger in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS customers_customer_fts_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS customers_customer_fts")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("customers", "0005_list_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
