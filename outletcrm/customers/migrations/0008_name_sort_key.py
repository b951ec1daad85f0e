"""Names sort A→Z in pinyin order (issue 7, §4): a stored sort key, and every list on it.

Adds Customer.name_sort (customers.text.name_sort_key, kept by the customer services), fills
it for the customers already on file in batches (an archive can hold 100,000 and more), and
moves the name-ordered list indexes from `name` (code-point order: 万 世 之 乐 佳…) to it.

The key is computed with the application's own function on purpose: it must equal what the
services store from now on. SQLite rebuilds the table to add the column, which drops the FTS5
triggers of migration 0006; they are put back at the end, as in 0007.
"""

import importlib

from django.db import migrations, models

BATCH = 2000


def fill_name_sort(apps, schema_editor):
    from outletcrm.customers.text import name_sort_key

    Customer = apps.get_model("customers", "Customer")
    table = schema_editor.quote_name(Customer._meta.db_table)
    connection = schema_editor.connection
    last = 0
    while True:
        batch = list(
            Customer._base_manager.using(connection.alias)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name")[:BATCH]
        )
        if not batch:
            break
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET name_sort = %s WHERE id = %s",  # noqa: S608 (quoted name)
                [(name_sort_key(name), pk) for pk, name in batch],
            )
        last = batch[-1][0]


def analyze_large_archive(apps, schema_editor):
    """SQLite: give the planner statistics for a large archive, so that a big region's list
    reads the new (name_sort, id) index in order instead of sorting the whole region.

    PostgreSQL's autovacuum gathers them by itself; an empty or small archive needs none.
    """
    if schema_editor.connection.vendor != "sqlite":
        return
    Customer = apps.get_model("customers", "Customer")
    if Customer._base_manager.using(schema_editor.connection.alias).count() >= 10_000:
        schema_editor.execute("ANALYZE customers_customer")


def restore_search_triggers(apps, schema_editor):
    importlib.import_module(
        "outletcrm.customers.migrations.0007_edit_versions"
    ).restore_search_triggers(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_edit_versions"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_sort",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_name_sort, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(model_name="customer", name="customers_c_owner_i_0c182c_idx"),
        migrations.RemoveIndex(model_name="customer", name="customers_c_team_id_760127_idx"),
        migrations.RemoveIndex(model_name="customer", name="customers_c_region__dace3c_idx"),
        migrations.RemoveIndex(model_name="customer", name="customer_name_idx"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "name_sort"], name="customer_owner_sort_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["team", "name_sort"], name="customer_team_sort_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["region", "name_sort"], name="customer_region_sort_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name_sort", "id"], name="customer_name_sort_idx"),
        ),
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["name_sort", "pk"],
                "verbose_name": "Customer",
                "verbose_name_plural": "Customer",
            },
        ),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
        migrations.RunPython(analyze_large_archive, migrations.RunPython.noop),
    ]
