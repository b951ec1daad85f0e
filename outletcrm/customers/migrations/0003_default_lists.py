"""Default configurable lists: outlet types and the two class schemes (brief §2, §3)."""

from django.db import migrations

OUTLET_TYPES = [
    ("supermarket", "超市", "Supermarket"),
    ("convenience", "便利店", "Convenience store"),
    ("grocery", "食杂店", "Grocery shop"),
    ("restaurant", "餐饮店", "Restaurant"),
    ("hotel", "酒店", "Hotel"),
    ("pharmacy", "药店", "Pharmacy"),
    ("clinic", "诊所", "Clinic"),
    ("township_hospital", "乡镇卫生院", "Township hospital"),
    ("village_clinic", "村卫生室", "Village clinic"),
    ("hospital", "医院", "Hospital"),
    ("sub_wholesaler", "二批商", "Sub-wholesaler"),
    ("industrial", "工业终端", "Industrial end user"),
]

CLASSES = [
    ("importance", "key", "重点客户", "Key", 1),
    ("importance", "ordinary", "普通客户", "Ordinary", 2),
    ("importance", "potential", "潜在客户", "Potential", 4),
    ("abc", "a", "A类（关键）", "A (key)", 1),
    ("abc", "b", "B类（主要）", "B (major)", 2),
    ("abc", "c", "C类（普通）", "C (ordinary)", 4),
]


def forwards(apps, schema_editor):
    OutletType = apps.get_model("customers", "OutletType")
    CustomerClass = apps.get_model("customers", "CustomerClass")
    for order, (code, name, name_en) in enumerate(OUTLET_TYPES):
        OutletType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (scheme, code, name, name_en, weeks) in enumerate(CLASSES):
        CustomerClass.objects.get_or_create(
            code=code,
            defaults={"scheme": scheme, "name": name, "name_en": name_en, "sort_order": order,
                      "visit_every_weeks": weeks},
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
