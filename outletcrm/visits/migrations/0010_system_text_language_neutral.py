"""System text of the field work stored language-neutrally (core.i18n): the titles of the
tasks it makes, why a stop was released, its timeline entries. Rows written before keep their
text; those that read as one of these messages, in Chinese or in English, get their message
back so every reader sees them in their own language. The others show as stored."""

from django.db import migrations, models

from outletcrm.core.i18n import Known, OneOf, TextOr

VISIT_KINDS = OneOf(*(Known(label) for label in (
    "First visit", "Second visit", "Morning visit", "Day visit", "Home visit", "Return visit",
    "Phone visit", "Ride-along")))
TASK_TITLES = [Known("Return visit to %(name)s"), Known("Appointment with %(name)s")]
TIMELINE_TITLES = [
    Known("%(kind)s by %(rep)s, %(minutes)d min", params={"kind": VISIT_KINDS, "minutes": int}),
    Known("Task done: %(title)s", params={"title": TextOr(*TASK_TITLES)}),
]
RELEASE_REASONS = [Known("Customer handed over to %(rep)s"), Known("Customer archived")]


def convert(apps, schema_editor):
    from outletcrm.core.i18n import convert_rows

    entries = apps.get_model("core", "TimelineEntry").objects.filter(kind__in=["visit", "task"])
    convert_rows(entries, "title", "title_message", TIMELINE_TITLES, max_length=200)
    tasks = apps.get_model("visits", "FollowUpTask").objects.filter(
        kind__in=["return_visit", "appointment"])
    convert_rows(tasks, "title", "title_message", TASK_TITLES, max_length=200)
    stops = apps.get_model("visits", "PlannedStop").objects.filter(released_at__isnull=False)
    convert_rows(stops, "release_reason", "release_reason_message", RELEASE_REASONS,
                 max_length=200)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_system_text_language_neutral'),
        ('visits', '0009_kpi_honest_counting'),
    ]

    operations = [
        migrations.AddField(
            model_name='followuptask',
            name='title_message',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='plannedstop',
            name='release_reason_message',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
    ]
