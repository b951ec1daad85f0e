"""Dynamic classification: proposals from behaviour (Pareto over 12 months' order value,
recency) and from the model's grade; the supervisor's approval, refusal, automatic application;
the run of changed customers touches only those."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outletcrm.core.models import ChangeLog
from outletcrm.customers.models import Customer
from outletcrm.evaluation.choices import ProposalStatus, RunKind
from outletcrm.evaluation.models import ClassificationSettings, ClassProposal, Evaluation
from outletcrm.evaluation.services import (
    evaluate,
    pareto_cuts,
    proposal_approve,
    proposal_refuse,
    settings_save,
)
from tests.evaluation.conftest import DAY, place_orders, small_model
from tests.factories import CustomerFactory, customer_class


@pytest.fixture
def trading(cast, time_machine):
    """Alice's customer carries the business (¥9,000), Bob's buys a little (¥600), Charlie's
    stopped ordering 200 days ago; the run day is DAY."""
    time_machine.move_to("2026-06-10 12:00 +0800")
    # The cast was filed at today's real date; back to the run day's clock.
    Customer.objects.update(updated_at=timezone.now())
    small_model(cast.admin)
    place_orders(cast.alice_customer, [3, 30, 60], total=3000)
    place_orders(cast.bob_customer, [10, 50], total=300)
    place_orders(cast.charlie_customer, [200], total=400)
    Customer.objects.filter(pk=cast.charlie_customer.pk).update(abc_class=customer_class("a"))
    return cast


def test_pareto_cuts():
    total, a_cut, b_cut = pareto_cuts([50, 30, 10, 5, 5, 0], 80, 95)
    # shares before each: 0, 50, 80, 90, 95 → A: 50, 30; B adds 10 and 5 (before 90 < 95)
    assert (total, a_cut, b_cut) == (100, 30, 5)


def test_run_proposes_classes_with_reasons(trading):
    run = evaluate(day=DAY)
    assert run.kind == RunKind.FULL and run.customers == 3
    alice = ClassProposal.objects.get(customer=trading.alice_customer)
    assert alice.status == ProposalStatus.PENDING
    assert alice.change_abc and alice.to_abc.code == "a"
    bob = ClassProposal.objects.get(customer=trading.bob_customer)
    assert bob.to_abc.code == "b"  # ¥9,000 of ¥9,600 come before Bob's: 93.75 % < 95 %
    charlie = ClassProposal.objects.get(customer=trading.charlie_customer)
    assert charlie.from_abc.code == "a" and charlie.to_abc.code == "c"
    assert charlie.facts["days_since"] == 200
    # Nothing changed on the customers until someone approves.
    assert Customer.objects.get(pk=trading.alice_customer.pk).abc_class is None


def test_supervisor_approves_and_history_keeps_the_reason(trading):
    evaluate(day=DAY)
    proposal = ClassProposal.objects.get(customer=trading.alice_customer)
    proposal_approve(actor=trading.sup, proposal=proposal)
    customer = Customer.objects.get(pk=trading.alice_customer.pk)
    assert customer.abc_class.code == "a"
    entry = ChangeLog.objects.filter(customer_id=customer.pk).latest("pk")
    assert entry.actor == trading.sup
    assert "abc_class" in entry.changes
    assert "approved" in entry.note and "9000" in entry.note
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED and proposal.decided_by == trading.sup
    # A second approval of the decided proposal changes nothing.
    with pytest.raises(ValidationError):
        proposal_approve(actor=trading.sup, proposal=proposal)


def test_rep_and_other_team_cannot_decide(trading):
    evaluate(day=DAY)
    proposal = ClassProposal.objects.get(customer=trading.alice_customer)
    for user in (trading.alice, trading.custodian, trading.mgr_nb):
        with pytest.raises(PermissionDenied):
            proposal_approve(actor=user, proposal=proposal)
    assert Customer.objects.get(pk=trading.alice_customer.pk).abc_class is None
    assert ClassProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING


def test_refusal_needs_a_note_and_is_not_proposed_again(trading):
    evaluate(day=DAY)
    proposal = ClassProposal.objects.get(customer=trading.alice_customer)
    with pytest.raises(ValidationError):
        proposal_refuse(actor=trading.sup, proposal=proposal, note="  ")
    proposal_refuse(actor=trading.sup, proposal=proposal, note="新店，观察一季度")
    evaluate(day=DAY, full=True)
    assert not ClassProposal.objects.filter(customer=trading.alice_customer,
                                            status=ProposalStatus.PENDING).exists()


def test_stale_proposal_is_refused_when_the_class_changed_meanwhile(trading):
    evaluate(day=DAY)
    proposal = ClassProposal.objects.get(customer=trading.charlie_customer)
    Customer.objects.filter(pk=trading.charlie_customer.pk).update(abc_class=customer_class("b"))
    with pytest.raises(ValidationError, match="分类已被修改"):
        proposal_approve(actor=trading.admin, proposal=proposal)
    assert Customer.objects.get(pk=trading.charlie_customer.pk).abc_class.code == "b"


def test_auto_apply(trading):
    settings_save(actor=trading.admin, auto_apply=True)
    run = evaluate(day=DAY)
    assert run.applied == 3
    assert Customer.objects.get(pk=trading.alice_customer.pk).abc_class.code == "a"
    assert Customer.objects.get(pk=trading.charlie_customer.pk).abc_class.code == "c"
    assert not ClassProposal.objects.filter(status=ProposalStatus.PENDING).exists()
    entry = ChangeLog.objects.filter(customer_id=trading.charlie_customer.pk).latest("pk")
    assert entry.actor is None and "automatically" in entry.note
    # The next run finds nothing more to change.
    assert evaluate(day=DAY, full=True).proposed == 0


def test_only_administrators_change_the_rules(trading):
    with pytest.raises(PermissionDenied):
        settings_save(actor=trading.sup, auto_apply=True)
    with pytest.raises(ValidationError):
        settings_save(actor=trading.admin, a_share=90, b_share=80)
    assert ClassificationSettings.current().auto_apply is False
    assert ClassificationSettings.current().a_share == 80


def test_withdrawn_when_the_data_no_longer_supports_it(trading):
    evaluate(day=DAY)
    Customer.objects.filter(pk=trading.charlie_customer.pk).update(
        abc_class=customer_class("c"), updated_at=timezone.now())
    run = evaluate(day=DAY)  # Charlie's record changed: rescored, nothing left to propose
    assert run.kind == RunKind.CHANGES
    assert ClassProposal.objects.get(customer=trading.charlie_customer).status == \
        ProposalStatus.WITHDRAWN


def test_changed_customers_only(trading, time_machine, django_assert_max_num_queries):
    others = [CustomerFactory(owner=trading.bob) for _ in range(5)]
    evaluate(day=DAY)
    before = dict(Evaluation.objects.values_list("customer_id", "computed_at"))
    time_machine.move_to("2026-06-10 15:00 +0800")
    place_orders(others[0], [0], total=5000)
    run = evaluate(day=DAY)
    assert run.kind == RunKind.CHANGES and run.customers == 1
    after = dict(Evaluation.objects.values_list("customer_id", "computed_at"))
    changed = {cid for cid in after if after[cid] != before[cid]}
    assert changed == {others[0].pk}
    assert float(Evaluation.objects.get(customer=others[0]).value_12m) == 5000.0
    # Nothing changed since: a run of changed customers scores nobody, in a bounded number
    # of queries whatever the number of customers.
    with django_assert_max_num_queries(12):
        assert evaluate(day=DAY).customers == 0


def test_model_change_rescores_everyone(trading):
    evaluate(day=DAY)
    small_model(trading.admin, weights=(50, 50), name="第二个模型")
    run = evaluate(day=DAY)
    assert run.kind == RunKind.FULL and run.customers == 3
