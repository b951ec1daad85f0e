"""A version number on the records people edit in forms: customers, contacts, competitor entries.

customers.services claims it with one conditional UPDATE, so a save made from a stale form or
with a stale If-Match is refused instead of undoing someone else's change (issue 7, §2).

SQLite cannot add a NOT NULL column in place: Django rebuilds customers_customer, which drops
the triggers that keep the FTS5 search table in step (migration 0006). They are put back here.
"""

import importlib

from django.db import migrations, models


def restore_search_triggers(apps, schema_editor):
    """Recreate 0006's FTS5 triggers on SQLite after the table was rebuilt (idempotent)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='customers_customer_fts'"
        )
        if cursor.fetchone() is None:
            return  # an SQLite without FTS5: plain LIKE search, nothing to restore
    search_index = importlib.import_module("outletcrm.customers.migrations.0006_search_index")
    for statement in search_index.SQLITE_FTS:
        if statement.startswith("CREATE TRIGGER"):
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0006_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="competitorentry",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="Version"),
        ),
        migrations.AddField(
            model_name="contact",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="Version"),
        ),
        migrations.AddField(
            model_name="customer",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="Version"),
        ),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
    ]
