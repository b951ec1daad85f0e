"""The default stages and their outputs (brief §4: "one deck gives the stages with their
outputs"). Administrators rename, reorder, disable or add stages afterwards."""

from django.db import migrations

STAGES = [
    # code, name, English name, output, English output, wins
    # Identifying a target records why it fits (brief §4 "Identify targets": shared ideas,
    # strength, willingness; tentatively core, ordinary or sub-dealer).
    ("identified", "客户识别", "Identified", "目标客户识别记录", "Target identification note", False),
    ("phone_invitation", "电话邀约", "Phone invitation", "邀约反馈表", "Feedback form", False),
    ("visit_recommend", "上门拜访与产品推荐", "On-site visit and recommendation",
     "拜访反馈报告（产品手册已送）", "Visit report (brochure sent)", False),
    ("technical_exchange", "技术交流与方案", "Technical exchange and solution",
     "会议纪要", "Meeting minutes", False),
    ("negotiation", "评估与商务谈判", "Evaluation and business negotiation",
     "谈判纪要", "Negotiation minutes", False),
    ("contract", "签订合同", "Contract", "合同", "Contract", False),
    ("maintenance", "客户关系维护", "Relationship maintenance", "维护与服务计划",
     "Maintenance and service plan", True),
]


def add_stages(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    for index, (code, name, name_en, output, output_en, wins) in enumerate(STAGES, start=1):
        Stage.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "sort_order": index * 10, "output_name": output,
            "output_name_en": output_en, "wins": wins, "requires_output": not wins})


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(add_stages, migrations.RunPython.noop)]
