"""Archiving and retention (issue 10 item 7): archiving by rule, archived records read-only
and findable, deletion only by administrators for records created in error, with a trace."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outletcrm.core.jobs import run_job
from outletcrm.core.models import AuditEvent, ChangeLog
from outletcrm.customers import services as customer_services
from outletcrm.customers.models import Customer
from outletcrm.governance import services
from outletcrm.governance.models import GovernancePolicy, Tombstone
from outletcrm.visits.services import task_add
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def aged(customer, days):
    Customer.objects.filter(pk=customer.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days))


def test_lost_customers_are_archived_after_the_policy_months(cast):
    lost_long = CustomerFactory(owner=cast.alice, status="lost")
    lost_recent = CustomerFactory(owner=cast.alice, status="lost")
    active_old = CustomerFactory(owner=cast.alice, status="active")
    aged(lost_long, 400)
    aged(lost_recent, 200)
    aged(active_old, 400)
    summary = run_job("archive-retention", None, services.archive_by_rules)
    assert summary["archived"] == 1 and summary["months"] == 12
    lost_long.refresh_from_db()
    assert lost_long.archived_at is not None and "12" in lost_long.archive_reason
    assert Customer.objects.get(pk=lost_recent.pk).archived_at is None
    assert Customer.objects.get(pk=active_old.pk).archived_at is None
    assert ChangeLog.objects.filter(customer_id=lost_long.pk, action="archive").count() == 1
    assert AuditEvent.objects.filter(action="archived_by_rule").get().row_count == 1
    # Idempotent: a forced rerun archives nothing twice.
    assert run_job("archive-retention", None, services.archive_by_rules,
                   force=True)["archived"] == 0
    # The rule can be switched off; shorter periods catch more.
    policy = GovernancePolicy.current()
    policy.archive_lost_after_months = 6
    policy.save()
    assert services.archive_by_rules(timezone.localdate())["archived"] == 1
    policy.archive_lost_after_months = 0
    policy.save()
    assert services.archive_candidates(timezone.localdate()).count() == 0


def test_month_arithmetic_keeps_month_ends():
    assert services._months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert services._months_before(datetime.date(2026, 1, 15), 13) == datetime.date(2024, 12, 15)


def test_archived_records_are_read_only_and_findable(cast, login):
    customer_services.customer_archive(actor=cast.sup, customer=cast.alice_customer,
                                       reason="关店")
    with pytest.raises(ValidationError):
        customer_services.customer_update(actor=cast.custodian, customer=cast.alice_customer,
                                          name="改名")
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市"
    page = login(cast.custodian).get("/governance/archive/?q=联华").content.decode()
    assert "联华超市" in page and 'data-testid="archived-row"' in page
    detail = login(cast.custodian).get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert f"/customers/{cast.alice_customer.pk}/edit" not in detail
    assert login(cast.alice).get("/governance/archive/").status_code == 404


def test_admin_deletes_a_record_created_in_error_leaving_a_trace(cast, login):
    mistake = CustomerFactory(name="测试误建", owner=cast.alice)
    ContactFactory(customer=mistake, name="某人")
    response = login(cast.admin).post(f"/governance/customers/{mistake.pk}/delete",
                                      {"reason": "培训时误建", "confirm": "on"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=mistake.pk).exists()
    stone = Tombstone.objects.get()
    assert (stone.name, stone.code, stone.reason, stone.deleted_by) == (
        "测试误建", mistake.code, "培训时误建", cast.admin)
    event = AuditEvent.objects.get(action="deleted")
    assert event.detail["name"] == "测试误建" and event.actor == cast.admin
    assert "测试误建" in login(cast.custodian).get("/governance/archive/").content.decode()


def test_deletion_refused_for_others_without_reason_or_with_history(cast, login, api):
    mistake = CustomerFactory(name="误建", owner=cast.alice)
    for user in (cast.alice, cast.sup, cast.custodian, cast.mgr_zj):
        assert login(user).post(f"/governance/customers/{mistake.pk}/delete",
                                {"reason": "x", "confirm": "on"}).status_code == 404
        assert api(user).post("/api/v1/archive-deletions/", {"customer": mistake.pk,
                              "reason": "x"}, format="json").status_code == 404
    with pytest.raises(PermissionDenied):
        services.customer_delete_in_error(actor=cast.custodian, customer=mistake, reason="x")
    assert login(cast.admin).post(f"/governance/customers/{mistake.pk}/delete",
                                  {"reason": "", "confirm": "on"}).status_code == 400
    assert api(cast.admin).post("/api/v1/archive-deletions/", {"customer": mistake.pk,
                                "reason": "   "}, format="json").status_code == 400
    task_add(actor=cast.alice, rep=cast.alice, customer=cast.alice_customer, title="回访")
    response = api(cast.admin).post("/api/v1/archive-deletions/", {
        "customer": cast.alice_customer.pk, "reason": "误建"}, format="json")
    assert response.status_code == 400
    assert Customer.objects.filter(pk__in=[mistake.pk, cast.alice_customer.pk]).count() == 2
    assert not Tombstone.objects.exists() and not AuditEvent.objects.filter(action="deleted")
    assert api(cast.admin).post("/api/v1/archive-deletions/", {
        "customer": 99999999999999999999, "reason": "x"}, format="json").status_code == 400
    ok = api(cast.admin).post("/api/v1/archive-deletions/", {"customer": mistake.pk,
                              "reason": "重复录入"}, format="json")
    assert ok.status_code == 201 and ok.json()["name"] == "误建"
    assert api(cast.admin).get("/api/v1/archive-deletions/").json()["count"] == 1
    assert api(cast.alice).get("/api/v1/archive-deletions/").json()["count"] == 0


def test_the_jobs_are_scheduled(settings):
    assert settings.SCHEDULE["archive-retention"]["task"].endswith("archive_retention_task")
    assert settings.SCHEDULE["duplicates-scan"]["task"].endswith("duplicates_scan_task")
