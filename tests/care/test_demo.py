"""`make demo` shows care on rep01's list: a lunar birthday among today's tasks, gifts."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.care.choices import TASK_BIRTHDAY
from outletcrm.care.models import FamilyEvent, Gift
from outletcrm.care.services import generate_care_tasks
from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.org.models import User
from outletcrm.visits.models import FollowUpTask

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_demo_care_for_rep01():
    demo_seed(outlets=200, reps=6, now=NOW, field=True)
    rep01 = User.objects.get(username="rep01")
    today = NOW.date()
    care = FollowUpTask.objects.filter(rep=rep01, kind__startswith="care_",
                                       due_date__lte=today + datetime.timedelta(days=7))
    assert care.filter(due_date=today).exists()
    lunar = care.get(kind=TASK_BIRTHDAY, title__startswith="Lunar birthday")
    assert lunar.due_date == today  # within the rule's days ahead of the birthday
    assert care.filter(kind="care_family_event").exists()
    assert Gift.objects.filter(customer__owner=rep01).count() == 2
    assert FamilyEvent.objects.exists()
    # The nightly job later that day finds everything made.
    assert generate_care_tasks(today)["created"] == 0
    demo_reset()
    assert not Gift.objects.exists() and not FamilyEvent.objects.exists()
