"""The demo company's evaluation: scored customers and class proposals waiting for approval."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.demo.churn import seed_churn
from outletcrm.demo.evaluation import evaluation_exists, seed_evaluation
from outletcrm.demo.services import demo_seed
from outletcrm.evaluation.models import ClassProposal, Evaluation, ManualValue

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_demo_has_scored_customers_and_pending_proposals(time_machine):
    time_machine.move_to(NOW, tick=False)
    demo_seed(outlets=200, reps=6, now=NOW, field=True)
    seed_churn(now=NOW)
    summary = seed_evaluation(now=NOW)
    assert evaluation_exists()
    assert summary["customers"] == Evaluation.objects.count() > 0
    assert ManualValue.objects.exists()
    pending = ClassProposal.objects.filter(status="pending")
    assert pending.count() == summary["proposed"] > 0
    assert pending.filter(change_abc=True, to_abc__code="a").exists()
    grades = set(Evaluation.objects.values_list("grade", flat=True))
    assert len(grades) >= 2
