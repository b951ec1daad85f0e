"""The supervisor's day reads cleanly (issue 7, §4): an empty section says so in one line
instead of showing bare table headings, and the reject button stays on one line."""

import uuid
from decimal import Decimal

from django.utils import timezone

from outletcrm.visits import services
from outletcrm.visits.models import DailyPlan, PlannedStop
from tests.factories import CustomerFactory


def test_an_empty_day_says_so_section_by_section(cast, client):
    client.force_login(cast.sup)
    html = client.get("/visits/day/").content.decode()
    for empty in ("off-site-empty", "short-visits-empty", "open-empty", "day-stops-empty",
                  "day-tasks-empty"):
        assert f'data-testid="{empty}"' in html, empty
    assert 'data-testid="off-site"' not in html  # no table of headings without rows
    assert 'data-testid="short-visits"' not in html


def test_a_day_with_an_off_site_visit_lists_it_with_a_one_line_reject_button(cast, client):
    shop = CustomerFactory(owner=cast.alice, latitude=Decimal("30.270000"),
                           longitude=Decimal("120.130000"))
    plan = DailyPlan.objects.create(rep=cast.alice, date=timezone.localdate())
    PlannedStop.objects.create(plan=plan, rep=cast.alice, date=plan.date, customer=shop,
                               position=1)
    services.visit_check_in(actor=cast.alice, customer=shop, client_id=uuid.uuid4(),
                            lat="30.290000", lng="120.130000")
    client.force_login(cast.sup)
    html = client.get("/visits/day/").content.decode()
    assert 'data-testid="off-site"' in html and 'data-testid="off-site-empty"' not in html
    assert 'data-testid="day-stops-empty"' not in html
    assert ('class="btn btn-sm btn-outline-danger text-nowrap flex-shrink-0" '
            'data-testid="reject-visit"') in html
