"""The default scoring model after the brief's dimensions (§4 "Evaluate targets": market
position, finance and credit, management, technical service, marketing network), used for
classification until an administrator defines their own. Weights sum to 100."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    # code, name, dimension, source, key, weight, standard, direction, cap, unit
    ("brands", "经营品牌数", "market", "archive", "brands_count", 10, 5, "higher", "1.2", "个"),
    ("floor-area", "营业面积", "market", "archive", "floor_area", 10, 100, "higher", "1.2", "m²"),
    ("value-12m", "近12个月进货额", "finance", "orders", "value_12m", 20, 30000, "higher", "1.5", "元"),
    ("on-time", "按期回款率", "finance", "payments", "on_time_rate", 10, 95, "higher", "1", "%"),
    ("overdue", "最长逾期天数", "finance", "payments", "max_days_overdue", 10, 30, "lower", "1", "天"),
    ("staff", "员工人数", "management", "archive", "staff_count", 5, 8, "higher", "1", "人"),
    ("years", "经营年限", "management", "archive", "years_in_business", 5, 5, "higher", "1", "年"),
    ("management", "管理水平（人工评分）", "management", "manual", "management_score", 5, 8, "higher", "1.25", "分"),
    ("tech-service", "技术服务能力（人工评分）", "technical", "manual", "tech_service_score", 10, 8, "higher", "1.25", "分"),
    ("orders-12m", "近12个月进货次数", "network", "orders", "orders_12m", 10, 12, "higher", "1.5", "次"),
    ("network", "营销网络覆盖（人工评分）", "network", "manual", "network_score", 5, 8, "higher", "1.25", "分"),
]
BANDS = [("A", 80, "key"), ("B", 60, "ordinary"), ("C", 40, "ordinary"), ("D", 0, None)]


def forwards(apps, schema_editor):
    ScoringModel = apps.get_model("evaluation", "ScoringModel")
    Indicator = apps.get_model("evaluation", "Indicator")
    GradeBand = apps.get_model("evaluation", "GradeBand")
    CustomerClass = apps.get_model("customers", "CustomerClass")
    if ScoringModel.objects.exists():
        return
    model = ScoringModel.objects.create(
        name="默认评价模型", is_active=True,
        description="市场地位、财务与信用、管理水平、技术服务、营销网络（可由管理员修改）")
    for order, (code, name, dimension, source, key, weight, standard, direction, cap,
                unit) in enumerate(INDICATORS, start=1):
        Indicator.objects.create(
            scoring_model=model, code=code, name=name, dimension=dimension, source=source,
            source_key=key, weight=Decimal(weight), standard=Decimal(standard),
            direction=direction, cap=Decimal(cap), unit=unit, sort_order=order)
    classes = {c.code: c for c in CustomerClass.objects.filter(scheme="importance")}
    for grade, low, klass in BANDS:
        GradeBand.objects.create(scoring_model=model, grade=grade, min_score=Decimal(low),
                                 customer_class=classes.get(klass) if klass else None)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial"), ("customers", "0003_default_lists")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
