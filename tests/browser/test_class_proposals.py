"""Dynamic classification in the browser (issue 8 item 6): a supervisor opens the class-change
proposals, opens the customer's evaluation (every indicator's line: actual, standard, points),
approves the proposal there, and the customer's class has changed — on the page and in the
archive, with the reason in the customer's history."""

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from outletcrm.customers.models import Customer
from outletcrm.evaluation.choices import ProposalStatus
from outletcrm.evaluation.models import ClassProposal
from outletcrm.evaluation.services import evaluate
from tests.browser.conftest import signed_in
from tests.evaluation.conftest import place_orders, small_model

pytestmark = pytest.mark.browser


def test_supervisor_approves_a_class_change(chromium, live_server, cast, screenshot):
    today = timezone.localdate()
    small_model(cast.admin)  # order value (standard ¥1,000, cap 1.5) and a hand-entered mark
    place_orders(cast.alice_customer, [3, 30], total=4000, day=today)
    evaluate(day=today)
    proposal = ClassProposal.objects.get(customer=cast.alice_customer,
                                         status=ProposalStatus.PENDING)
    assert proposal.change_class
    new_class = proposal.to_class
    assert new_class is not None and new_class != proposal.from_class
    with translation.override("en"):  # the name the English page shows
        new_name = str(new_class)

    context, page, errors = signed_in(chromium, live_server, cast.sup, width=1400)

    page.goto("/evaluation/proposals/")
    row = page.locator(f"#proposal-{proposal.pk}")
    expect(row.get_by_test_id("class-change")).to_contain_text(new_name)
    screenshot(page, "class-proposals")

    row.get_by_role("link", name=cast.alice_customer.name).click()
    lines = page.get_by_test_id("indicator-line")
    expect(lines).to_have_count(2)
    # ¥8,000 against a standard of ¥1,000, capped at 1.5 × the weight of 50 (40 of 80).
    value_line = page.locator("[data-testid=indicator-line][data-code=value]")
    expect(value_line).to_contain_text("75.00")
    expect(value_line).to_contain_text("capped")
    expect(page.locator("[data-testid=indicator-line][data-code=mgmt]")
           .get_by_test_id("missing")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("75.00")
    expect(page.get_by_test_id("customer-classes")).not_to_contain_text(new_name)
    screenshot(page, "class-proposal-evaluation")

    page.get_by_test_id("customer-proposals").get_by_test_id("approve").click()
    expect(page.get_by_test_id("customer-classes")).to_contain_text(new_name)
    expect(page.get_by_test_id("customer-proposals")).to_contain_text("Approved")
    screenshot(page, "class-proposal-approved")
    context.close()
    assert errors == [], errors

    customer = Customer.objects.get(pk=cast.alice_customer.pk)
    assert customer.customer_class == new_class
    decided = ClassProposal.objects.get(pk=proposal.pk)
    assert (decided.status, decided.decided_by) == (ProposalStatus.APPROVED, cast.sup)
