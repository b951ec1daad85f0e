"""The archive's system text stored language-neutrally (core.i18n): timeline titles, history
notes, and the labels in the history's changes (a status, a contact's role, an outlet type),
which used to be written in the language of whoever made the change. Rows written before that
read as one of these messages or labels, in Chinese or in English, get their message back, so
every reader sees them in their own language; what cannot be read stays as it is and shows as
stored (a reason a person typed, for one)."""

from django.db import migrations

from outletcrm.core.i18n import Known

TIMELINE_TITLES = [
    Known("Customer record created"),
    Known("Customer archived"),
    Known("Customer restored"),
    Known("Merged customer %(code)s %(name)s"),
]
NOTES = [
    Known("Created after the custodian confirmed it is not a duplicate"),
    Known("Merged customer %(code)s %(name)s"),
]
LISTS = {"outlet_type": "OutletType", "customer_class": "CustomerClass",
         "abc_class": "CustomerClass"}


def _choice_labels() -> dict:
    """{(object_type, field): [Known label, …]} from the models' choices as they are now."""
    from django.apps import apps as current
    from django.utils.functional import Promise

    from outletcrm.core.i18n import param

    labels = {}
    for model_name in ("customer", "contact", "competitorentry"):
        model = current.get_model("customers", model_name)
        for field in model._meta.concrete_fields:
            if field.choices and not field.is_relation:
                labels[(model_name, field.name)] = tuple(
                    Known(**param(label)) for _value, label in field.flatchoices
                    if isinstance(label, Promise))
    return labels


def _list_names(apps) -> dict:
    """{model: {name or English name: both names}} of the configurable lists."""
    names = {}
    for model_name in set(LISTS.values()):
        both = {}
        for name, name_en in apps.get_model("customers", model_name).objects.values_list(
                "name", "name_en"):
            if name_en:
                both.setdefault(name, {"text": name, "text_en": name_en})
                both.setdefault(name_en, {"text": name, "text_en": name_en})
        names[model_name] = both
    return names


def _neutral(value, known, names):
    if not isinstance(value, str) or not value:
        return value
    if names is not None:
        return names.get(value, value)
    from outletcrm.core.i18n import recognise

    return recognise(value, known) or value


def convert(apps, schema_editor):
    from outletcrm.core.i18n import convert_rows

    TimelineEntry = apps.get_model("core", "TimelineEntry")
    ChangeLog = apps.get_model("core", "ChangeLog")
    convert_rows(TimelineEntry.objects.filter(kind="archive"), "title", "title_message",
                 TIMELINE_TITLES, max_length=200)
    convert_rows(ChangeLog.objects.all(), "note", "note_message", NOTES, max_length=300)

    labels, names = _choice_labels(), _list_names(apps)
    changed = []
    for entry in ChangeLog.objects.filter(
            object_type__in=["customer", "contact", "competitorentry"]).only(
            "pk", "object_type", "changes"):
        changes = dict(entry.changes or {})
        for field, pair in changes.items():
            known = labels.get((entry.object_type, field))
            list_names = (names.get(LISTS[field]) if entry.object_type == "customer"
                          and field in LISTS else None)
            if (known or list_names is not None) and isinstance(pair, list):
                changes[field] = [_neutral(v, known, list_names) for v in pair]
        if changes != entry.changes:
            entry.changes = changes
            changed.append(entry)
    ChangeLog.objects.bulk_update(changed, ["changes"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_system_text_language_neutral"),
        ("customers", "0009_bounded_birthday"),
    ]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
