"""The demo custodian's desk, access side (issue 10): a borrowing request waiting for a
decision and an access anomaly on this month's access report; reset clears both."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from outletcrm.core.models import AccessDaily, AccessLog, BorrowRequest
from outletcrm.customers.models import Customer
from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.org.models import User

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday


@pytest.mark.django_db
def test_demo_desk_has_a_borrowing_request_and_an_access_anomaly(client):
    with time_machine.travel(NOW, tick=False):
        demo_seed(outlets=200, reps=6, now=NOW, field=True)
        borrow = BorrowRequest.objects.get()
        assert borrow.status == BorrowRequest.Status.PENDING
        assert borrow.requester.username == "rep01"
        lent = Customer.objects.get(pk=borrow.items.get().customer_id)
        assert lent.team_id != borrow.requester.team_id  # outside his scope
        client.force_login(User.objects.get(username="custodian"))
        inbox = client.get("/access/borrow/inbox/").content.decode()
        assert f'data-borrow="{borrow.pk}"' in inbox
        report = client.get("/access/report/").content.decode()
        flagged = set(re.findall(r'data-testid="anomaly" data-user="([^"]+)"', report))
        assert flagged == {"rep06"}  # the rep with the spike, and nobody with ordinary days
        assert 'data-testid="report-row" data-user="rep01"' in report
    demo_reset()
    assert not BorrowRequest.objects.exists()
    assert not AccessLog.objects.exists() and not AccessDaily.objects.exists()
