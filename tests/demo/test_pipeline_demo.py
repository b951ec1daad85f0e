"""The demo company's pipeline: prospects in every stage with records, a lost one, a referral."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.customers.models import Customer
from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.pipeline.models import OutputRecord, Prospect
from outletcrm.pipeline.services import active_stages

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_demo_has_prospects_in_every_stage_a_lost_one_and_a_referral():
    demo_seed(outlets=200, reps=6, now=NOW, field=True)
    stages = {p.stage_id for p in Prospect.objects.exclude(outcome="lost")}
    assert stages == {s.pk for s in active_stages()}
    assert OutputRecord.objects.count() >= 15
    lost = Prospect.objects.get(outcome="lost")
    assert lost.lost_reason == "competitor"
    won = Prospect.objects.get(outcome="won")
    assert won.customer.status == "active"
    referred = Customer.objects.get(source="referral", name__contains="转介绍")
    assert referred.referred_by.status == "active" and referred.orders.exists()
    demo_reset()
    assert not Prospect.objects.exists()
