"""The default care rules (brief §6; issue 9): editable afterwards on /care/rules/.

Key customers get a gift or a visit, everyone else a message; return visits monthly for key
customers and quarterly for ordinary ones; an emotional call about every six weeks for key
customers.
"""

from django.db import migrations

FESTIVALS = [  # festival, name, key customers' action, lead days
    ("spring", "春节", "gift", 5),
    ("lantern", "元宵", "visit", 1),
    ("dragon_boat", "端午", "gift", 3),
    ("mid_autumn", "中秋", "gift", 5),
    ("double_ninth", "重阳", "visit", 1),
    ("new_year", "元旦", "visit", 2),
    ("national_day", "国庆", "gift", 3),
]


def forwards(apps, schema_editor):
    CareRule = apps.get_model("care", "CareRule")
    CustomerClass = apps.get_model("customers", "CustomerClass")
    if CareRule.objects.exists():
        return
    classes = {c.code: c for c in CustomerClass.objects.filter(code__in=["key", "ordinary"])}
    key, ordinary = classes.get("key"), classes.get("ordinary")

    def rule(name, kind, action, *, festival="", lead=0, every=None, only=None, order=0):
        created = CareRule.objects.create(name=name, kind=kind, festival=festival, action=action,
                                          lead_days=lead, every_days=every, sort_order=order)
        if only is not None:
            created.customer_classes.set([only])
        return created

    if key:
        rule("重点客户生日送礼", "birthday", "gift", lead=3, only=key)
    rule("客户生日祝福", "birthday", "message", order=1)
    for order, (festival, name, action, lead) in enumerate(FESTIVALS):
        if key:
            rule(f"{name}·重点客户", "festival", action, festival=festival, lead=lead, only=key,
                 order=order * 2)
        if ordinary:
            rule(f"{name}·普通客户", "festival", "message", festival=festival, only=ordinary,
                 order=order * 2 + 1)
    if key:
        rule("重点客户月度回访", "return_visit", "visit", every=30, only=key)
    if ordinary:
        rule("普通客户季度回访", "return_visit", "visit", every=91, only=ordinary, order=1)
    if key:
        rule("重点客户情感电话", "emotional_call", "call", every=42, only=key)
    rule("家庭大事", "family_event", "visit", lead=2)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("customers", "0003_default_lists")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
