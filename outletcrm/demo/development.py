"""The demo company's customer development: a running street sweep with surveyed outlets, and
sweep daily reports with a supervisor's comment (issue 8), so `make demo` shows the flow.

sup01 opened a sweep of an area drawn around part of his team's territory; over the last
three days rep01 and rep02 met outlets there (their own customers, and one "new" outlet the
duplicate check flagged as a customer already on file; the archive itself stays exactly the
generated outlets) and filled the survey forms, one completely over two contacts; rep01's report of yesterday is submitted and commented, rep02's waits unread.
Everything goes through the development services, as the phone would have.
"""

import datetime
import io
import random
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from outletcrm.customers.models import Customer, OutletType
from outletcrm.development import services
from outletcrm.development.choices import Intention, QuestionKind, ReportKind
from outletcrm.development.models import (
    Report,
    SurveyQuestion,
    SurveyTemplate,
    SweepCampaign,
    SweepOutlet,
)
from outletcrm.org.models import Role, User

ANSWERS = {
    "所在商圈": "居民社区", "周边客流量": "中", "本地市场规模与客户分布特点": "小区密集，便利店为主",
    "位置": "临街", "经营面积（平方米）": 60, "经营年限（年）": 5, "店员人数": 3,
    "店面展示与布置": "一般", "管理水平": "一般", "经营品类与主推品牌、销量": "饮料、零食；主推竞品甲",
    "主要竞品及其销售政策": "竞品甲：满十箱送一箱", "竞品批发价与零售价": "批发 38 元/箱，零售 3 元/瓶",
    "竞品陈列与促销": "仅有陈列", "消费者购买时考虑的因素（按重要性排序）": "价格、口味、品牌",
    "高档消费占比（%）": 10, "中档消费占比（%）": 50, "低档消费占比（%）": 40,
}


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def _shelf_photo() -> SimpleUploadedFile:
    """A plain picture standing in for the shelf photo (the demo has no camera)."""
    image = Image.new("RGB", (640, 480), (214, 228, 220))
    ImageDraw.Draw(image).rectangle([(80, 120), (560, 360)], outline=(11, 110, 79), width=8)
    data = io.BytesIO()
    image.save(data, format="JPEG")
    return SimpleUploadedFile("shelf.jpg", data.getvalue(), content_type="image/jpeg")


def _answers(questions, share: float, rng: random.Random) -> dict:
    chosen = [q for q in questions if q.kind != QuestionKind.PHOTO and q.text in ANSWERS]
    rng.shuffle(chosen)
    return {str(q.pk): ANSWERS[q.text] for q in chosen[: max(1, int(len(chosen) * share))]}


def seed_development(*, now: datetime.datetime | None = None, seed: int = 8) -> dict:
    """The running sweep of sup01's team, its outlets and forms, and two daily reports."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(seed)
    # sup01's team; in a small demo company (a rep or two per team) the first rep's team.
    sup = None
    for candidate in User.objects.filter(role=Role.SUPERVISOR, is_active=True,
                                         team__isnull=False).order_by("username"):
        if User.objects.filter(role=Role.REP, team_id=candidate.team_id,
                               is_active=True).count() >= 2:
            sup = candidate
            break
    sup = sup or User.objects.filter(username="sup01").first()
    reps = list(User.objects.filter(role=Role.REP, team_id=sup.team_id, is_active=True)
                .order_by("username")[:2]) if sup else []
    if not sup:
        return {}
    points = list(Customer.objects.live().filter(owner__in=reps, latitude__isnull=False)
                  .order_by("pk").values_list("pk", "owner_id", "latitude", "longitude")[:400])
    if not points:
        return {}
    # The area: a box around the middle third of the two reps' outlets.
    lats = sorted(float(p[2]) for p in points)
    lngs = sorted(float(p[3]) for p in points)
    third = len(points) // 3
    south, north = lats[third], lats[-third - 1] if third else lats[-1]
    west, east = lngs[third], lngs[-third - 1] if third else lngs[-1]
    area = {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}
    template = services.default_template()
    campaign = services.campaign_save(
        actor=sup, name="文教片区扫街调查", team=sup.team, members=reps,
        starts_on=today - datetime.timedelta(days=3), ends_on=today + datetime.timedelta(days=11),
        area=area, template=template, grid_m=400,
        notes="开发前对片区所有终端逐一走访，不遗漏；每家填写客户调查表。")
    questions = list(SurveyQuestion.objects.filter(section__template=template))
    shop = OutletType.objects.filter(is_active=True).first()
    inside = [p for p in points if south <= float(p[2]) <= north and west <= float(p[3]) <= east]
    outlets = 0
    for rep_index, rep in enumerate(reps):
        own = [p for p in inside if p[1] == rep.pk][:8]
        for day_back in (2, 1, 0):
            day = today - datetime.timedelta(days=day_back)
            todays = own[(2 - day_back) * 2:(2 - day_back) * 2 + 2]
            for i, (pk, _owner, lat, lng) in enumerate(todays):
                moment = min(_moment(day, 9 + i * 2, 10 + rep_index * 7), now)
                outlet, _ = services.sweep_outlet_record(
                    actor=rep, campaign=campaign, client_id=uuid.uuid4(), customer=pk,
                    device_time=moment, lat=lat, lng=lng,
                    intention=rng.choice([Intention.UNKNOWN, Intention.LOW, Intention.HIGH]))
                services.survey_answers_save(actor=rep, outlet=outlet, device_time=moment,
                                             answers=_answers(questions, 0.5, rng))
                outlets += 1
                if day_back == 2 and i == 0:  # the next day's contact completes the form
                    later = min(_moment(day + datetime.timedelta(days=1), 10), now)
                    services.survey_answers_save(actor=rep, outlet=outlet, device_time=later,
                                                 answers=_answers(questions, 1.0, rng))
                    for question in questions:
                        if question.kind == QuestionKind.PHOTO:
                            services.sweep_photo_save(
                                actor=rep, outlet=outlet, upload=_shelf_photo(),
                                client_id=uuid.uuid4(), question=question.pk, taken_at=later)
    # A possible duplicate: a "new" outlet with the phone of a customer already on file.
    known = Customer.objects.filter(owner=reps[0]).exclude(phone="").first()
    if known is not None:
        services.sweep_outlet_record(
            actor=reps[0], campaign=campaign, client_id=uuid.uuid4(), device_time=now,
            new={"name": known.name[:4] + "分店", "outlet_type": shop.pk, "phone": known.phone},
            lat=known.latitude, lng=known.longitude)
        outlets += 1
    yesterday = today - datetime.timedelta(days=1)
    first = services.report_open(actor=reps[0], kind=ReportKind.SWEEP_DAILY, day=yesterday)
    services.report_save(actor=reps[0], report=first, submit=True, texts={
        "remarks": "片区以社区便利店为主，竞品甲陈列较多；新发现一家意向强烈的便利店。",
        "next_steps": "明天回访惠民便利店补全调查表，带产品手册和价格表。"})
    services.report_comment(actor=sup, report=first,
                            text="意向强的两家本周内安排第二次拜访，我陪访。")
    if len(reps) > 1:
        second = services.report_open(actor=reps[1], kind=ReportKind.SWEEP_DAILY,
                                      day=yesterday)
        services.report_save(actor=reps[1], report=second, submit=True, texts={
            "remarks": "走访顺利，两家药房对新品有兴趣。", "next_steps": "整理竞品价格，周五前报主管。"})
    return {"campaign": campaign.pk, "outlets": outlets}


def development_reset() -> None:
    """Remove the demo's sweeps and reports (they protect customers, teams and logins)."""
    Report.objects.filter(author__is_demo=True).delete()
    SweepOutlet.objects.filter(rep__is_demo=True).delete()
    SweepCampaign.objects.filter(created_by__is_demo=True).delete()
    SurveyTemplate.objects.filter(campaigns__isnull=True, is_default=False,
                                  created_by__is_demo=True).delete()
