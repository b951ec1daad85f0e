"""Default visit-kind settings and step lists, from brief §5 (configurable afterwards)."""

from django.db import migrations

STEPS = {
    "first": [("问候", "Greet"), ("自我介绍", "Introduce yourself"), ("破冰", "Break the ice"),
              ("切入话题、陈述、听取反馈", "Raise the topic, state it, hear feedback"),
              ("结束并约定下次拜访", "Close and agree the next visit")],
    "second": [("电话预约", "Phone appointment"), ("问候", "Greet"), ("营造气氛", "Build the mood"),
               ("切入正题", "Get to the point"), ("介绍产品与服务", "Present product and service"),
               ("提出解决方案", "Propose a solution to the customer's problem"),
               ("确定合作关系", "Conclude the business relation")],
    "day": [("开场", "Opening"), ("询问并挖掘需求", "Ask and explore needs"),
            ("产品介绍与利益", "Product presentation and benefits"),
            ("处理态度与异议", "Answer attitudes and objections"), ("成交", "Close")],
    "morning": [("开场", "Opening"), ("询问并挖掘需求", "Ask and explore needs"),
                ("产品介绍与利益", "Product presentation and benefits"), ("成交", "Close")],
    "home": [("问候与关怀", "Greet and show care"), ("了解需求与困难", "Learn needs and difficulties"),
             ("约定科室回访", "Agree the return visit to the department")],
    "return": [("了解满意度", "Ask about satisfaction"), ("了解需求变化", "Learn changing needs"),
               ("处理问题", "Handle open issues")],
    "phone": [("问候", "Greet"), ("沟通要点", "Discuss the points"), ("约定下一步", "Agree next steps")],
    "ride_along": [("观察业务员拜访", "Observe the rep's visit"), ("现场辅导", "Coach on the spot"),
                   ("拜访后点评", "Debrief after the visit")],
}
SETTINGS = {  # kind: (requires live photo, minimum minutes, return visit after days)
    "first": (True, 10, None), "second": (True, 10, None), "morning": (True, 5, None),
    "day": (True, 5, None), "home": (False, 15, 1), "return": (True, 5, None),
    "phone": (False, 2, None), "ride_along": (True, 10, None),
}


def forwards(apps, schema_editor):
    StepTemplate = apps.get_model("visits", "StepTemplate")
    VisitKindSetting = apps.get_model("visits", "VisitKindSetting")
    for kind, (live, minutes, follow_up) in SETTINGS.items():
        VisitKindSetting.objects.get_or_create(kind=kind, defaults={
            "requires_live_photo": live, "min_minutes": minutes, "follow_up_days": follow_up})
    for kind, steps in STEPS.items():
        for position, (title, title_en) in enumerate(steps, start=1):
            StepTemplate.objects.get_or_create(kind=kind, position=position,
                                               defaults={"title": title, "title_en": title_en})


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
