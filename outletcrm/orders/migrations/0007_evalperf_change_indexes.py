"""Indexes for "what changed since the last evaluation run" (evaluation.sources: orders
received or cancelled, payments received since a moment). Without them the run of changed
customers scans every order and payment (1.3 and 1.1 million in the benchmark).

Built for a live system: on PostgreSQL with CREATE INDEX CONCURRENTLY (orders and payments
keep being written while the index builds; hence atomic = False), elsewhere (SQLite, which has
no concurrent build) with a plain CREATE INDEX.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex


class PortableAddIndexConcurrently(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL; a plain AddIndex on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0006_timeline_titles_language_neutral"),
    ]

    operations = [
        PortableAddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["received_at"], name="order_received_idx"),
        ),
        PortableAddIndexConcurrently(
            model_name="order",
            index=models.Index(condition=models.Q(("cancelled_at__isnull", False)),
                               fields=["cancelled_at"], name="order_cancelled_idx"),
        ),
        PortableAddIndexConcurrently(
            model_name="payment",
            index=models.Index(fields=["received_at"], name="payment_received_idx"),
        ),
    ]
