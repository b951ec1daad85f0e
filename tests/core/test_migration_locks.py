"""`outletcrm migrate` on a live system: no migration may hold a long lock on the big tables
(customers, planned stops, visits) unnoticed (docs/deploy.md, "Upgrades").

The test lists every migration operation that can lock or rewrite one of those tables for a
time that grows with its rows: an index or constraint built without CONCURRENTLY, a column
added NOT NULL or with a default (SQLite copies the whole table for it; PostgreSQL ≥ 11 does
not, but an index on it still scans), a column altered (possibly a rewrite), data migrations of
their apps. Operations in the migration that created the table are harmless (it is empty).

Those shipped before the first production install are listed in REVIEWED (they run on an
empty database at installation). A new one fails here until it is made safe (see the message)
or reviewed with `outletcrm sqlmigrate <app> <name>` and added to REVIEWED with the reason.
"""

from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

BIG = {("customers", "customer"), ("visits", "plannedstop"), ("visits", "visit")}
DATA_APPS = {"customers", "visits"}

# Reviewed: all run on an empty database at installation (nothing was installed before them).
REVIEWED = {
    ("customers", "0002_initial"), ("customers", "0003_default_lists"),
    ("customers", "0005_list_indexes"), ("customers", "0006_search_index"),
    ("customers", "0007_edit_versions"), ("customers", "0008_name_sort_key"),
    ("customers", "0010_history_text_language_neutral"),
    ("visits", "0002_default_steps"), ("visits", "0005_kpi_covering_indexes"),
    ("visits", "0007_bounded_dates_and_fix"), ("visits", "0008_tasks_complete_postpone_add"),
    ("visits", "0009_kpi_honest_counting"), ("visits", "0010_system_text_language_neutral"),
    # Reviewed 2026-12-05 with sqlmigrate; no release has been installed yet, so both run on
    # an empty archive. On a live one: the two new columns have constant defaults (metadata
    # only on PostgreSQL >= 11); the data steps touch contacts (encryption, rewriting each
    # row once) and re-create the search triggers, not the customer rows themselves.
    ("customers", "0011_privacy_consent_encryption"),
    # Creates three new tables and fills them from history (kpi-rebuild's code): it reads the
    # big tables but writes only the new ones (about 100-160 s per year of history at 1,000
    # reps, bench/results/kpisum-*.md).
    ("visits", "0013_kpisum_summary"),
    # Creates KpiMonth and fills it with KpiDay's sums per rep and month: reads only the
    # summary table (265,000 rows a year at 1,000 reps), writes only the new one.
    ("visits", "0014_kpiyear_month"),
    # Creates KpiStockYear and fills it from the in-stock checks joined to their visits
    # (kpi-rebuild's code): reads the big tables, writes only the new one.
    ("visits", "0015_kpiyear_stock"),
}

LOCKING = (ops.AddIndex, ops.AddConstraint, ops.AlterUniqueTogether, ops.AlterIndexTogether,
           ops.AlterField, ops.RenameField)


def risky_operation(app: str, operation, created: set) -> str | None:
    """Why `operation` may hold a long lock on a big table, or None."""
    if isinstance(operation, (ops.RunPython, ops.RunSQL)):
        return "data migration" if app in DATA_APPS else None
    model = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if model is None or (app, model.lower()) not in BIG or (app, model.lower()) in created:
        return None
    if type(operation).__name__.endswith("Concurrently"):
        return None
    if isinstance(operation, ops.AddField):
        field = operation.field
        if field.many_to_many:
            return None
        if field.db_index or field.unique or field.is_relation:
            return "column with an index"
        if not field.null or field.has_default():
            return "column NOT NULL or with a default"
        return None
    if isinstance(operation, LOCKING):
        return type(operation).__name__
    return None


def risky_migrations() -> dict[tuple[str, str], list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: dict[tuple[str, str], list[str]] = {}
    for key, migration in sorted(loader.disk_migrations.items()):
        created = {(key[0], o.name.lower()) for o in migration.operations
                   if isinstance(o, ops.CreateModel)}
        for operation in migration.operations:
            why = risky_operation(key[0], operation, created)
            if why:
                found.setdefault(key, []).append(why)
    return found


def test_no_new_migration_locks_the_big_tables_unreviewed():
    new = {key: why for key, why in risky_migrations().items() if key not in REVIEWED}
    assert not new, (
        "These migrations may lock customers/planned stops/visits for a long time on a live "
        f"database: {new}. Build indexes with AddIndexConcurrently in a migration with "
        "atomic = False; add columns nullable (or with a constant default on PostgreSQL, never "
        "indexed in the same step); add constraints NOT VALID and validate them apart; backfill "
        "data in batches from a job, not in the migration. Or review the SQL "
        "(outletcrm sqlmigrate <app> <name>) and add it to REVIEWED with the reason.")


def test_the_check_finds_what_it_is_meant_to():
    from django.db import models
    from django.db.models import Index

    created: set = set()
    assert risky_operation("visits", ops.AddIndex(
        "visit", Index(fields=["kind"], name="x_idx")), created) == "AddIndex"
    assert risky_operation("customers", ops.AddField(
        "customer", "score", models.IntegerField(default=0)), created)
    assert risky_operation("customers", ops.AddField(
        "customer", "note2", models.TextField(null=True)), created) is None
    assert risky_operation("customers", ops.AddField(
        "customer", "note2", models.TextField(null=True)), {("customers", "customer")}) is None
    assert risky_operation("orders", ops.AddIndex(
        "order", Index(fields=["kind"], name="y_idx")), created) is None
    from django.contrib.postgres.operations import AddIndexConcurrently
    assert risky_operation("visits", AddIndexConcurrently(
        "visit", Index(fields=["kind"], name="z_idx")), created) is None
    assert REVIEWED <= set(risky_migrations())  # the list holds no stale names
