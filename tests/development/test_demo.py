"""`make demo` shows customer development: a running sweep with surveyed outlets, reports
with a supervisor's comment, one waiting unread; and the reset removes it all."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.development.choices import OutletOutcome
from outletcrm.development.models import Report, ReportComment, SweepCampaign, SweepOutlet

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_demo_has_a_running_sweep_and_commented_reports(client):
    demo_seed(outlets=240, reps=12, now=NOW, field=True)  # two reps a team
    campaign = SweepCampaign.objects.get()
    assert campaign.is_running(NOW.date()) and campaign.area["type"] == "Polygon"
    outlets = SweepOutlet.objects.filter(campaign=campaign)
    assert outlets.count() >= 5
    done = outlets.filter(completed_at__isnull=False).first()
    assert done is not None and done.contacts.count() == 2
    assert {OutletOutcome.EXISTING, OutletOutcome.FLAGGED} <= set(
        outlets.values_list("outcome", flat=True))
    assert outlets.filter(completed_at__isnull=False).exists()
    assert outlets.filter(completed_at__isnull=True, answered__gt=0).exists()
    reports = Report.objects.filter(submitted_at__isnull=False)
    assert reports.count() == 2
    assert ReportComment.objects.count() == 1 and reports.filter(read_at__isnull=True).count() == 1
    assert all(r.figures["counts"]["met"] > 0 for r in reports)
    demo_reset()
    assert not SweepCampaign.objects.exists() and not Report.objects.exists()
