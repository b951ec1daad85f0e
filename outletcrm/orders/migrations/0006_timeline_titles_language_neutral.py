"""Timeline entries of orders, payments and returns written before their titles were stored
language-neutrally (core.i18n): a title that reads as one of these messages, in Chinese or in
English, gets its message back, so every reader sees it in their own language. Titles it cannot
read stay as they are and show as stored."""

from django.db import migrations

from outletcrm.core.i18n import Known, OneOf

KIND = OneOf(Known("Return"), Known("Claim"), Known("Discount", "return kind"))
TITLES = [
    Known("Order %(code)s: ¥%(total)s"),
    Known("Order %(code)s confirmed"),
    Known("Order %(code)s delivered"),
    Known("Order %(code)s cancelled"),
    Known("Payment ¥%(amount)s for %(code)s"),
    Known("%(kind)s ¥%(amount)s", params={"kind": KIND}),
    Known("%(kind)s ¥%(amount)s awaiting approval", params={"kind": KIND}),
    Known("%(kind)s ¥%(amount)s approved", params={"kind": KIND}),
    Known("%(kind)s ¥%(amount)s refused", params={"kind": KIND}),
]


def convert(apps, schema_editor):
    from outletcrm.core.i18n import convert_rows

    entries = apps.get_model("core", "TimelineEntry").objects.filter(
        kind__in=["order", "payment", "return"])
    convert_rows(entries, "title", "title_message", TITLES, max_length=200)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_system_text_language_neutral"),
        ("orders", "0005_bounded_dates"),
    ]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
