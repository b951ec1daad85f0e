"""The nightly churn scan: its rules, statuses, win-backs, idempotency and crash reruns."""

import pytest

from outletcrm.churn import services
from outletcrm.churn.models import ChurnFlag, ChurnScan, ChurnSettings
from outletcrm.churn.services import scan_churn
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.models import Customer
from outletcrm.notifications.models import Notification
from outletcrm.visits.models import FollowUpTask
from tests.churn.conftest import DAY, place_orders
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

WEEKLY_UNTIL_A_MONTH_AGO = list(range(30, 361, 7))  # every 7 days, silent for 30 days


def test_interval_rule_flags_a_customer_silent_beyond_k_times_their_interval(churn_cast):
    customer = churn_cast.alice_customer
    place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)

    summary = scan_churn(DAY)

    flag = ChurnFlag.objects.get(customer=customer)
    assert summary["flags_raised"] == 1
    assert flag.status == "open" and flag.raised_on == DAY
    assert flag.reasons == ["interval"]
    assert flag.evidence["usual_interval_days"] == 7.0
    assert flag.evidence["days_since"] == 30
    assert flag.evidence["order_days_12m"] == len(WEEKLY_UNTIL_A_MONTH_AGO)
    assert any("every 7 days" in line for line in flag.evidence_lines) or flag.evidence_lines
    # the owner's task, the notification and the timeline entry
    task = FollowUpTask.objects.get(dedupe_key=f"churn:{flag.pk}")
    assert task.rep_id == churn_cast.alice.pk and task.kind == "churn_action"
    assert task.customer_id == customer.pk and task.due_date > DAY
    note = Notification.objects.get(user=churn_cast.alice, kind="churn.flag")
    assert note.dedupe_key == f"churn.flag:{DAY.isoformat()}"
    assert note.link == "/churn/"
    assert TimelineEntry.objects.filter(customer_id=customer.pk, kind="churn").count() == 1


def test_within_k_times_the_interval_nothing_happens(churn_cast):
    place_orders(churn_cast.alice_customer, list(range(10, 361, 7)))  # 10 days ≤ 2 × 7
    assert scan_churn(DAY)["flags_raised"] == 0


def test_value_drop_rule(churn_cast):
    customer = churn_cast.alice_customer
    recent = list(range(1, 90, 7))
    before = list(range(92, 361, 7))
    place_orders(customer, recent + before, [30] * len(recent) + [100] * len(before))

    scan_churn(DAY)

    flag = ChurnFlag.objects.get(customer=customer)
    assert flag.reasons == ["value_drop"]
    assert flag.evidence["drop_percent"] == 70.0
    assert flag.evidence["value_last_90"] == "390.00"


def test_a_smaller_drop_than_the_threshold_is_not_flagged(churn_cast):
    recent = list(range(1, 90, 7))
    before = list(range(92, 361, 7))
    place_orders(churn_cast.alice_customer, recent + before,
                 [60] * len(recent) + [100] * len(before))
    assert scan_churn(DAY)["flags_raised"] == 0


def test_too_few_orders_have_no_interval_and_are_left_alone(churn_cast):
    place_orders(churn_cast.alice_customer, [60, 70])  # 2 order days < 3
    assert scan_churn(DAY)["flags_raised"] == 0
    assert not ChurnFlag.objects.exists()
    churn_cast.alice_customer.refresh_from_db()
    assert churn_cast.alice_customer.status == "active"


def test_rules_are_configurable(churn_cast):
    ChurnSettings.objects.create(pk=1, interval_multiple=5)
    place_orders(churn_cast.alice_customer, WEEKLY_UNTIL_A_MONTH_AGO)  # 30 days ≤ 5 × 7
    assert scan_churn(DAY)["flags_raised"] == 0


def test_dormant_and_lost_thresholds(churn_cast):
    dormant = churn_cast.alice_customer
    lost = churn_cast.bob_customer
    long_gone = churn_cast.charlie_customer
    never = CustomerFactory(owner=churn_cast.alice, status="active")
    just_under = CustomerFactory(owner=churn_cast.alice, status="active")
    place_orders(dormant, [90, 300])
    place_orders(lost, [180, 300])
    place_orders(long_gone, [400])
    place_orders(just_under, [89])

    summary = scan_churn(DAY)

    statuses = dict(Customer.objects.values_list("pk", "status"))
    assert statuses[dormant.pk] == "dormant"
    assert statuses[lost.pk] == "lost"
    assert statuses[long_gone.pk] == "lost"
    assert statuses[never.pk] == "active"  # never ordered: a person's call
    assert statuses[just_under.pk] == "active"
    assert summary["dormant"] == 1 and summary["lost"] == 2
    history = ChangeLog.objects.get(customer_id=dormant.pk)
    assert history.changes["status"][1]["msgid"] == "Dormant"
    entry = TimelineEntry.objects.get(customer_id=dormant.pk, kind="churn")
    assert "90" in entry.title


def test_dormant_becomes_lost_later(churn_cast):
    customer = churn_cast.alice_customer
    Customer.objects.filter(pk=customer.pk).update(status="dormant")
    place_orders(customer, [200])
    scan_churn(DAY)
    customer.refresh_from_db()
    assert customer.status == "lost"


def test_a_new_order_wins_a_dormant_or_lost_customer_back(churn_cast):
    dormant, lost = churn_cast.alice_customer, churn_cast.bob_customer
    Customer.objects.filter(pk=dormant.pk).update(status="dormant")
    Customer.objects.filter(pk=lost.pk).update(status="lost")
    place_orders(dormant, [2, 150, 300])
    place_orders(lost, [1, 250])

    summary = scan_churn(DAY)

    assert summary["won_back"] == 2
    assert dict(Customer.objects.filter(pk__in=[dormant.pk, lost.pk])
                .values_list("pk", "status")) == {dormant.pk: "active", lost.pk: "active"}
    titles = list(TimelineEntry.objects.filter(customer_id=dormant.pk).values_list("title",
                                                                                    flat=True))
    assert any(t.startswith("Won back") for t in titles)


def test_a_flag_clears_when_the_customer_orders_again(churn_cast):
    customer = churn_cast.alice_customer
    place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)
    scan_churn(DAY)
    later = DAY.replace(day=DAY.day + 3)
    place_orders(customer, [1], day=later)

    summary = scan_churn(later)

    flag = ChurnFlag.objects.get(customer=customer)
    assert summary["flags_cleared"] == 1
    assert flag.status == "cleared" and flag.cleared_on == later
    task = FollowUpTask.objects.get(dedupe_key=f"churn:{flag.pk}")
    assert task.done_at is not None and task.done_by is None


def test_a_handled_flag_is_not_raised_again_without_a_new_order(churn_cast):
    customer = churn_cast.alice_customer
    place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)
    scan_churn(DAY)
    flag = ChurnFlag.objects.get()
    services.flag_handle(actor=churn_cast.alice, flag=flag, outcome="contacted", note="电话了")
    later = DAY.replace(day=DAY.day + 1)
    assert scan_churn(later)["flags_raised"] == 0
    assert ChurnFlag.objects.count() == 1


def test_run_twice_the_same_day_creates_nothing(churn_cast, django_assert_max_num_queries):
    place_orders(churn_cast.alice_customer, WEEKLY_UNTIL_A_MONTH_AGO)
    place_orders(churn_cast.bob_customer, [100, 300])
    first = scan_churn(DAY)
    counts = (ChurnFlag.objects.count(), FollowUpTask.objects.count(),
              Notification.objects.count(), TimelineEntry.objects.count(),
              ChangeLog.objects.count())

    with django_assert_max_num_queries(10):
        second = scan_churn(DAY)
    forced = scan_churn(DAY, force=True)

    assert first["flags_raised"] == 1 and first["dormant"] == 1
    assert second["skipped"] is True
    assert forced["flags_raised"] == forced["dormant"] == forced["tasks"] == 0
    assert counts == (ChurnFlag.objects.count(), FollowUpTask.objects.count(),
                      Notification.objects.count(), TimelineEntry.objects.count(),
                      ChangeLog.objects.count())


def test_a_new_order_the_same_day_makes_the_rerun_look_again(churn_cast):
    place_orders(churn_cast.alice_customer, WEEKLY_UNTIL_A_MONTH_AGO)
    scan_churn(DAY)
    place_orders(churn_cast.alice_customer, [1])
    summary = scan_churn(DAY)
    assert summary["skipped"] is False and summary["flags_cleared"] == 1


def test_a_crash_midway_leaves_whole_batches_and_the_rerun_completes(churn_cast, monkeypatch):
    customers = [CustomerFactory(owner=churn_cast.alice, status="active") for _ in range(5)]
    for customer in customers:
        place_orders(customer, WEEKLY_UNTIL_A_MONTH_AGO)
    monkeypatch.setattr(services, "BATCH", 2)
    real = services.tasks_create_system
    calls = {"n": 0}

    def crash_on_second_batch(tasks):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(tasks)

    monkeypatch.setattr(services, "tasks_create_system", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        scan_churn(DAY)
    # The first batch is complete, the second left nothing behind; no scan was recorded.
    assert ChurnFlag.objects.count() == 2
    assert FollowUpTask.objects.filter(kind="churn_action").count() == 2
    assert not ChurnScan.objects.exists()

    monkeypatch.setattr(services, "tasks_create_system", real)
    summary = scan_churn(DAY)

    assert summary["flags_raised"] == 3
    assert ChurnFlag.objects.count() == 5
    flags = set(ChurnFlag.objects.values_list("pk", flat=True))
    tasks = list(FollowUpTask.objects.filter(kind="churn_action").values_list("source_id",
                                                                               flat=True))
    assert sorted(tasks) == sorted(flags)
    # one notification per rep and day, however many of their customers were flagged
    assert Notification.objects.filter(kind="churn.flag").count() == 1
    assert Notification.objects.get(kind="churn.flag").title_message["params"]["count"] == 5
    assert TimelineEntry.objects.filter(kind="churn").count() == 5


def test_cancelled_orders_do_not_count(churn_cast):
    place_orders(churn_cast.alice_customer, [1, 2, 3], status="cancelled")
    place_orders(churn_cast.alice_customer, [100])
    scan_churn(DAY)
    churn_cast.alice_customer.refresh_from_db()
    assert churn_cast.alice_customer.status == "dormant"


def test_archived_and_potential_customers_are_not_watched(churn_cast):
    from django.utils import timezone

    archived = CustomerFactory(owner=churn_cast.alice, status="active",
                               archived_at=timezone.now())
    potential = CustomerFactory(owner=churn_cast.alice, status="potential")
    place_orders(archived, WEEKLY_UNTIL_A_MONTH_AGO)
    place_orders(potential, [200])
    scan_churn(DAY)
    assert not ChurnFlag.objects.exists()
    assert dict(Customer.objects.filter(pk__in=[archived.pk, potential.pk])
                .values_list("pk", "status")) == {archived.pk: "active",
                                                  potential.pk: "potential"}


def test_the_task_runs_through_run_job(churn_cast):
    from outletcrm.churn.tasks import churn_scan_task

    place_orders(churn_cast.alice_customer, WEEKLY_UNTIL_A_MONTH_AGO)
    result = churn_scan_task.enqueue(DAY.isoformat())
    assert result.return_value["flags_raised"] == 1
