"""The default service targets (issue 9 item 2; brief §6 "respond in 30 minutes, resolve in 2
hours" for the most severe), in working minutes; administrators edit them afterwards."""

from django.db import migrations

DEFAULTS = {  # severity: (respond, resolve) working minutes; a working day is 480 minutes
    "urgent": (30, 120),
    "high": (120, 480),
    "normal": (240, 1440),
    "low": (480, 2400),
}


def seed(apps, schema_editor):
    ServiceTarget = apps.get_model("complaints", "ServiceTarget")
    for severity, (respond, resolve) in DEFAULTS.items():
        ServiceTarget.objects.get_or_create(
            severity=severity, defaults={"respond_minutes": respond, "resolve_minutes": resolve})


class Migration(migrations.Migration):

    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
