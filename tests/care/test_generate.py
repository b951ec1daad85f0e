"""The nightly care tasks: what is made, for whom, when, and only once (issue 9, item 1)."""

import datetime

import pytest

from outletcrm.care import services
from outletcrm.care.choices import TASK_BIRTHDAY, TASK_CALL, TASK_FESTIVAL, TASK_RETURN_VISIT
from outletcrm.care.models import CareProfile, CareRule, FamilyEvent
from outletcrm.care.tasks import generate_care_tasks as care_task
from outletcrm.customers.models import CustomerClass
from outletcrm.visits.models import FollowUpTask
from tests.factories import ContactFactory, CustomerFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _consent_not_in_question(settings):
    """These tests are about the care rules; consent to marketing (greetings, gifts) is
    tested in test_consent.py."""
    settings.CARE_REQUIRE_CONSENT = False


@pytest.fixture
def key():
    return CustomerClass.objects.get(code="key")


@pytest.fixture
def ordinary():
    return CustomerClass.objects.get(code="ordinary")


def tasks(kind=None, **filters):
    qs = FollowUpTask.objects.filter(**filters)
    return qs.filter(kind=kind) if kind else qs


def only(*kinds):
    """Switch off every default rule but these kinds."""
    CareRule.objects.exclude(kind__in=kinds).update(is_active=False)


def test_default_rules_seeded():
    kinds = set(CareRule.objects.values_list("kind", flat=True))
    assert kinds == {"birthday", "festival", "return_visit", "emotional_call", "family_event"}
    festivals = set(CareRule.objects.exclude(festival="").values_list("festival", flat=True))
    assert festivals == {"spring", "lantern", "dragon_boat", "mid_autumn", "double_ninth",
                         "new_year", "national_day"}
    monthly = CareRule.objects.get(kind="return_visit", customer_classes__code="key")
    quarterly = CareRule.objects.get(kind="return_visit", customer_classes__code="ordinary")
    assert (monthly.every_days, quarterly.every_days) == (30, 91)


def test_lunar_birthday_task_goes_to_the_owner_ahead_of_time(cast, key):
    only("birthday")
    cast.alice_customer.customer_class = key
    cast.alice_customer.save()
    # Born on the 8th day of the 8th lunar month: 8 September in 2027 (a Wednesday).
    contact = ContactFactory(customer=cast.alice_customer, name="王老板",
                             birthday=D(1968, 8, 8), birthday_is_lunar=True)
    summary = services.generate_care_tasks(D(2027, 9, 1))
    task = tasks(TASK_BIRTHDAY).get()
    assert task.rep == cast.alice and task.customer == cast.alice_customer
    assert task.due_date == D(2027, 9, 3)  # the key customers' rule: a gift, 3 days ahead
    assert task.dedupe_key == f"care:bday:c{contact.pk}:2027-09-08"
    assert "王老板" in task.title and "2027-09-08" in task.title
    assert task.source_type == "customers.contact" and task.source_id == contact.pk
    assert summary["created"] == 1


def test_solar_birthday_others_get_a_message_on_the_day(cast):
    only("birthday")
    ContactFactory(customer=cast.bob_customer, birthday=D(1980, 9, 6))
    services.generate_care_tasks(D(2027, 9, 1))
    task = tasks(TASK_BIRTHDAY).get()
    assert task.rep == cast.bob and task.due_date == D(2027, 9, 6)
    assert "Message" in task.title


def test_birthday_outside_the_window_waits(cast):
    only("birthday")
    ContactFactory(customer=cast.bob_customer, birthday=D(1980, 9, 20))
    services.generate_care_tasks(D(2027, 9, 1))
    assert not tasks(TASK_BIRTHDAY).exists()


def test_festival_greetings_by_class(cast, key, ordinary):
    only("festival")
    cast.alice_customer.customer_class = key
    cast.alice_customer.save()
    cast.bob_customer.customer_class = ordinary
    cast.bob_customer.save()
    # 中秋 2027 is 15 September (Wednesday); charlie's customer has no class: no greeting.
    services.generate_care_tasks(D(2027, 9, 9))
    alice = tasks(TASK_FESTIVAL, rep=cast.alice).get()
    bob = tasks(TASK_FESTIVAL, rep=cast.bob).get()
    assert alice.due_date == D(2027, 9, 10)  # 5 days ahead, a Friday
    assert "Gift" in alice.title and "Mid-Autumn" in alice.title
    assert bob.due_date == D(2027, 9, 15) and "Message" in bob.title
    assert not tasks(TASK_FESTIVAL, rep=cast.charlie).exists()


def test_return_visit_when_the_last_visit_is_older_than_the_interval(cast, key):
    only("return_visit")
    cast.alice_customer.customer_class = key
    cast.alice_customer.save()
    rule = CareRule.objects.get(kind="return_visit", customer_classes=key)
    FollowUpTask.objects.create(rep=cast.alice, customer=cast.alice_customer,
                                kind=TASK_RETURN_VISIT, title="回访", due_date=D(2027, 2, 1),
                                source_type="care.carerule", source_id=rule.pk)
    services.generate_care_tasks(D(2027, 2, 26))
    task = tasks(TASK_RETURN_VISIT).exclude(due_date=D(2027, 2, 1)).get()
    assert task.due_date == D(2027, 3, 3)  # 1 February + 30 days
    # Once made, it is the last return visit: the next run adds nothing.
    assert services.generate_care_tasks(D(2027, 2, 27))["created"] == 0


def test_customers_without_history_are_spread(cast, key):
    only("return_visit")
    customers = [CustomerFactory(owner=cast.alice, customer_class=key) for _ in range(40)]
    day = D(2027, 3, 1)
    services.generate_care_tasks(day)
    made = tasks(TASK_RETURN_VISIT).filter(customer__in=customers)
    assert 0 < made.count() < 40  # about a week's share of four weeks, not all at once
    assert len(set(made.values_list("due_date", flat=True))) > 1


def test_emotional_calls_chain_irregularly(cast, key):
    only("emotional_call")
    customer = cast.alice_customer
    customer.customer_class = key
    customer.save()
    CareProfile.objects.create(customer=customer, busy_from=datetime.time(9),
                               busy_to=datetime.time(12), busy_weekdays=[2])
    day = D(2027, 3, 1)
    due = []
    for _ in range(400):  # run nightly for a while
        services.generate_care_tasks(day)
        day += datetime.timedelta(days=1)
    due = list(tasks(TASK_CALL).order_by("due_date").values_list("due_date", flat=True))
    assert len(due) >= 6
    gaps = [(b - a).days for a, b in zip(due, due[1:], strict=False)]
    for a, b in zip(due, due[1:], strict=False):
        assert a.weekday() != b.weekday()
    for g1, g2 in zip(gaps, gaps[1:], strict=False):
        assert g1 != g2
    assert all(2 != d.weekday() for d in due)
    assert all(29 <= g <= 60 for g in gaps)
    for task in tasks(TASK_CALL):
        hour = task.title.split("around ")[1][:5]
        assert not "09:00" <= hour < "12:00"


def test_family_event_anniversary(cast):
    only("family_event")
    contact = ContactFactory(customer=cast.alice_customer, name="李姐")
    FamilyEvent.objects.create(customer=cast.alice_customer, contact=contact, kind="opening",
                               date=D(2015, 3, 10), recurs_yearly=True)
    FamilyEvent.objects.create(customer=cast.alice_customer, contact=contact, kind="wedding",
                               date=D(2027, 3, 6))
    services.generate_care_tasks(D(2027, 3, 3))
    keys = sorted(tasks("care_family_event").values_list("dedupe_key", "due_date"))
    assert [k.split(":")[3] for k, _ in keys] == ["2027-03-10", "2027-03-06"] or \
        sorted(k.split(":")[3] for k, _ in keys) == ["2027-03-06", "2027-03-10"]
    wedding = tasks("care_family_event").get(dedupe_key__endswith="2027-03-06")
    assert wedding.due_date == D(2027, 3, 4)  # 2 days ahead


def test_archived_and_lost_customers_get_nothing(cast, key):
    cast.alice_customer.customer_class = key
    cast.alice_customer.status = "lost"
    cast.alice_customer.save()
    ContactFactory(customer=cast.alice_customer, birthday=D(1980, 9, 6))
    services.generate_care_tasks(D(2027, 9, 1))
    assert not tasks(customer=cast.alice_customer).exists()


def test_run_twice_creates_nothing_twice(cast, key, ordinary):
    cast.alice_customer.customer_class = key
    cast.alice_customer.save()
    cast.bob_customer.customer_class = ordinary
    cast.bob_customer.save()
    ContactFactory(customer=cast.alice_customer, birthday=D(1968, 8, 8), birthday_is_lunar=True)
    ContactFactory(customer=cast.bob_customer, birthday=D(1980, 9, 12))
    first = care_task.call("2027-09-09")
    assert first["created"] >= 3  # bob's birthday, 中秋 for both
    count = FollowUpTask.objects.count()
    # The recorded job is not run twice for a day; forced, the generation itself adds nothing.
    assert care_task.call("2027-09-09") == {"skipped": "already succeeded"}
    second = services.generate_care_tasks(D(2027, 9, 9))
    assert second["created"] == 0 and FollowUpTask.objects.count() == count
    # The next day adds only what newly entered the window.
    third = services.generate_care_tasks(D(2027, 9, 10))
    assert FollowUpTask.objects.count() == count + third["created"]
    assert FollowUpTask.objects.values("dedupe_key").distinct().count() == \
        FollowUpTask.objects.count()


def test_crash_halfway_then_rerun(cast, key, monkeypatch):
    """A run that dies after some batches leaves whole tasks; the rerun makes the rest once."""
    from outletcrm.visits import services as visit_services

    only("return_visit")
    for _ in range(30):
        CustomerFactory(owner=cast.alice, customer_class=key)
    real = visit_services.tasks_create_system

    def crash(specs, **kwargs):
        specs = list(specs)
        real(specs[:3], batch_size=1)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "tasks_create_system", crash)
    with pytest.raises(RuntimeError):
        services.generate_care_tasks(D(2027, 3, 1))
    assert tasks(TASK_RETURN_VISIT).count() == 3
    monkeypatch.setattr(services, "tasks_create_system", real)
    services.generate_care_tasks(D(2027, 3, 1))
    total = tasks(TASK_RETURN_VISIT).count()
    assert total > 3
    services.generate_care_tasks(D(2027, 3, 1))
    assert tasks(TASK_RETURN_VISIT).count() == total


def test_query_count_does_not_grow_with_customers(cast, key, django_assert_max_num_queries):
    for _ in range(30):
        c = CustomerFactory(owner=cast.alice, customer_class=key)
        ContactFactory(customer=c, birthday=D(1980, 9, 3))
    with django_assert_max_num_queries(30):
        services.generate_care_tasks(D(2027, 9, 1))


def test_schedule_names_the_care_task():
    from django.conf import settings
    from django.utils.module_loading import import_string

    entry = settings.SCHEDULE["care-tasks"]
    assert entry["at"] == "01:00"
    assert import_string(entry["task"]) is care_task


def test_care_task_kinds_are_registered():
    from outletcrm.visits.choices import task_kind_choices

    kinds = dict(task_kind_choices())
    assert {TASK_BIRTHDAY, TASK_CALL, TASK_FESTIVAL, TASK_RETURN_VISIT,
            "care_family_event"} <= set(kinds)


def test_lunar_one_off_family_event(cast):
    only("family_event")
    contact = ContactFactory(customer=cast.alice_customer)
    # Lunar 2027-08-15 (中秋) is 15 September 2027.
    FamilyEvent.objects.create(customer=cast.alice_customer, contact=contact, kind="other",
                               date=D(2027, 8, 15), is_lunar=True)
    services.generate_care_tasks(D(2027, 9, 10))
    assert tasks("care_family_event").get().dedupe_key.endswith("2027-09-15")
