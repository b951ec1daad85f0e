"""Tasks the periodic jobs create are created once, however often the job runs."""

import datetime

import pytest
from django.utils.translation import gettext_lazy

from outletcrm.visits.models import FollowUpTask
from outletcrm.visits.services import SystemTask, tasks_create_system
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _specs(customer, n):
    return [SystemTask(dedupe_key=f"test:{customer.pk}:{i}", rep_id=customer.owner_id,
                       customer_id=customer.pk, kind="todo",
                       title=gettext_lazy("Return visit"), due_date=datetime.date(2026, 12, 7))
            for i in range(n)]


def test_a_second_run_creates_nothing_and_keeps_the_message():
    customer = CustomerFactory()
    assert tasks_create_system(_specs(customer, 5), batch_size=2) == 5
    assert tasks_create_system(_specs(customer, 6), batch_size=2) == 1
    assert FollowUpTask.objects.filter(customer=customer).count() == 6
    task = FollowUpTask.objects.filter(customer=customer).first()
    assert task.title_message["msgid"] == "Return visit"


def test_an_unknown_kind_is_refused_before_anything_is_written():
    customer = CustomerFactory()
    spec = _specs(customer, 1)[0]
    bad = SystemTask(**{**spec.__dict__, "kind": "nonsense"})
    with pytest.raises(ValueError):
        tasks_create_system([bad])
    assert not FollowUpTask.objects.exists()
