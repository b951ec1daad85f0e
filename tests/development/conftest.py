"""A running sweep of team_hz (alice and bob) over a small area of Hangzhou, with a short
three-question form (choice, number, text) so completeness is easy to count by hand."""

import datetime

import pytest
from django.utils import timezone

from outletcrm.development import services

FORM = """\
# 渠道
choice: 位置 | 临街; 市场内
number: 经营面积（平方米）
# 消费者
text: 购买因素
"""
# A square of about 1 km around 文三路 (WGS-84), lng/lat as GeoJSON writes them.
AREA = {"type": "Polygon", "coordinates": [[[120.12, 30.27], [120.13, 30.27],
                                             [120.13, 30.28], [120.12, 30.28],
                                             [120.12, 30.27]]]}
INSIDE = (30.275, 120.125)


@pytest.fixture
def sweep(cast):
    template = services.template_save(actor=cast.sup, name="短表", definition=FORM)
    today = timezone.localdate()
    campaign = services.campaign_save(
        actor=cast.sup, name="文三路扫街", team=cast.team_hz, members=[cast.alice, cast.bob],
        starts_on=today - datetime.timedelta(days=3), ends_on=today + datetime.timedelta(days=7),
        area=AREA, template=template, grid_m=500)
    questions = list(template.sections.all()[0].questions.all()) + list(
        template.sections.all()[1].questions.all())
    return campaign, questions


def now():
    return timezone.now() - datetime.timedelta(minutes=1)
