"""Day optimisations made before proposals existed were put on the plan at once: mark them
applied, so a day job is on the plan exactly when applied_at is set (issue 7, §4)."""

from django.db import migrations
from django.db.models import F


def mark_applied(apps, schema_editor):
    Job = apps.get_model("optimise", "OptimisationJob")
    Job.objects.filter(kind="day", status="done", applied_at__isnull=True).update(
        applied_at=F("finished_at"), applied_by=F("created_by"))


class Migration(migrations.Migration):

    dependencies = [
        ("optimise", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(mark_applied, migrations.RunPython.noop),
    ]
