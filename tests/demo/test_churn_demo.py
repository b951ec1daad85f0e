"""The demo company's churn watch: a year of orders and today's scan show flags with evidence."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.churn.models import ChurnFlag
from outletcrm.customers.models import Customer
from outletcrm.demo.churn import churn_exists, seed_churn
from outletcrm.demo.services import demo_seed
from outletcrm.orders.models import Order, OrderLine
from outletcrm.visits.models import FollowUpTask

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_demo_shows_churn_flags_with_their_evidence():
    demo_seed(outlets=200, reps=6, now=NOW, field=True)
    orders_before = Order.objects.count()

    summary = seed_churn(now=NOW)

    assert churn_exists()
    assert summary["orders"] > 0
    assert Order.objects.count() == orders_before + summary["orders"]
    assert OrderLine.objects.filter(order__code__isnull=False).count() >= summary["orders"]
    flags = list(ChurnFlag.objects.filter(status="open"))
    assert len(flags) >= 3
    assert all(f.evidence.get("last_order") and f.evidence_lines for f in flags)
    assert any("interval" in f.reasons for f in flags)
    assert FollowUpTask.objects.filter(kind="churn_action").count() == len(flags)
    assert summary["won_back"] >= 2  # the two planted, and demo outlets filed dormant that order in the field month
    assert Customer.objects.filter(status="dormant").exists()
    # the demo rep sees some of them
    reps = {f.customer.owner.username for f in flags}
    assert len(reps) >= 3
