"""The demo's complaints: one near its deadline, one past it, one closed with its call."""

import datetime
import zoneinfo

import time_machine

from outletcrm.complaints.models import Complaint
from outletcrm.complaints.selectors import remaining
from outletcrm.demo.complaints import seed_complaints
from outletcrm.org.models import Role
from outletcrm.visits.models import FollowUpTask
from tests.factories import CustomerFactory


def test_seed_complaints(cast):
    CustomerFactory(owner=cast.alice), CustomerFactory(owner=cast.alice)
    now = datetime.datetime(2026, 11, 9, 9, 40, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(now, tick=False):  # a Monday morning: the weekend lies between
        result = seed_complaints(reps=[cast.alice])
        near, late, closed = Complaint.objects.order_by("pk")
        assert result["complaints"] == 3 and result["login"].role == Role.CUSTOMER_SERVICE
        left = remaining(near)
        assert not near.is_breached and 0 < left["minutes"] <= 30
        assert late.respond_breached_at is not None and remaining(late)["overdue"]
        assert closed.status == "closed" and not closed.is_breached
    assert FollowUpTask.objects.filter(source_id=closed.pk, rep=cast.alice,
                                       kind="complaint_satisfaction").exists()
