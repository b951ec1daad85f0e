"""The demo company's custodian's desk: suspected duplicates and a pending approval."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from outletcrm.demo.services import demo_reset, demo_seed
from outletcrm.governance.models import DuplicatePair, PendingChange
from outletcrm.org.models import User

NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_demo_desk_has_duplicates_and_a_pending_change(client):
    demo_seed(outlets=200, reps=6, now=NOW, field=True)
    pairs = DuplicatePair.objects.filter(status="open")
    reasons = {r for p in pairs for r in p.reasons}
    assert {"phone", "name_address", "nearby_name"} <= reasons
    assert PendingChange.objects.filter(status="pending").count() == 1
    custodian = User.objects.get(username="custodian")
    client.force_login(custodian)
    assert client.get("/governance/desk/").content.decode().count('data-testid="pair-row"') >= 3
    assert 'data-testid="inbox-item"' in client.get("/governance/approvals/").content.decode()
    demo_reset()
    assert not PendingChange.objects.exists()
