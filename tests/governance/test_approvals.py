"""Custodianship (专人管理, issue 10 item 1): new customers and key-field changes held for
approval, the inbox, approve and refuse, who may decide."""

import pytest
from django.core.exceptions import PermissionDenied

from outletcrm.core.models import AuditEvent, ChangeLog
from outletcrm.customers import gates
from outletcrm.customers import services as customer_services
from outletcrm.customers.models import Customer
from outletcrm.governance import services
from outletcrm.governance.models import GovernancePolicy, PendingChange
from outletcrm.notifications.models import Notification
from tests.factories import outlet_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(cast):
    policy = GovernancePolicy.current()
    policy.new_customers_need_approval = True
    policy.key_changes_need_approval = True
    policy.save()
    return policy


def held_rename(cast, name="联华超市(新店名)"):
    return customer_services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                                             name=name, notes="周日休息")


def test_key_change_waits_and_other_fields_apply_at_once(cast, policy, login):
    customer = held_rename(cast)
    assert customer.held_change is not None
    stored = Customer.objects.get(pk=cast.alice_customer.pk)
    assert stored.name == "联华超市"  # held
    assert stored.notes == "周日休息"  # applied at once
    pending = PendingChange.objects.get()
    assert pending.proposed == {"name": "联华超市(新店名)"}
    assert pending.requested_by == cast.alice and pending.status == "pending"
    # The record shows the pending change with the proposed value.
    page = login(cast.alice).get(f"/customers/{stored.pk}/").content.decode()
    assert 'data-testid="pending-change-panel"' in page and "联华超市(新店名)" in page
    # The custodian is told.
    assert Notification.objects.filter(user=cast.custodian,
                                       kind="archive.change_requested").count() == 1


def test_approval_applies_it_with_history_audit_and_notice(cast, policy, api):
    held_rename(cast)
    pending = PendingChange.objects.get()
    response = api(cast.custodian).post(f"/api/v1/archive-changes/{pending.pk}/approve")
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市(新店名)"
    entry = ChangeLog.objects.filter(customer_id=cast.alice_customer.pk, action="update"
                                     ).order_by("-pk").first()
    assert entry.changes["name"] == ["联华超市", "联华超市(新店名)"]
    assert entry.actor == cast.custodian
    event = AuditEvent.objects.get(action="change_approved")
    assert event.detail["requested_by"] == "alice" and event.channel == "api"
    assert Notification.objects.filter(user=cast.alice, kind="archive.change_decided").exists()
    # Twice is refused, and nothing changes.
    again = api(cast.custodian).post(f"/api/v1/archive-changes/{pending.pk}/approve")
    assert again.status_code == 400


def test_refusal_changes_nothing_and_needs_a_reason(cast, policy, api, login):
    held_rename(cast)
    pending = PendingChange.objects.get()
    blank = api(cast.custodian).post(f"/api/v1/archive-changes/{pending.pk}/refuse",
                                     {"reason": "  "}, format="json")
    assert blank.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"
    page = login(cast.custodian).post(f"/governance/approvals/{pending.pk}/refuse",
                                      {"reason": "店名以营业执照为准"})
    assert page.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "refused" and pending.reason == "店名以营业执照为准"
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市"
    assert AuditEvent.objects.filter(action="change_refused").count() == 1
    notice = Notification.objects.get(user=cast.alice, kind="archive.change_decided")
    assert notice.body == "店名以营业执照为准"
    # The record no longer shows it as pending.
    page = login(cast.alice).get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert 'data-testid="pending-change-panel"' not in page


def test_a_rep_cannot_approve(cast, policy, api, login):
    held_rename(cast)
    pending = PendingChange.objects.get()
    for user in (cast.alice, cast.bob, cast.charlie):
        assert api(user).post(f"/api/v1/archive-changes/{pending.pk}/approve").status_code == 404
        assert login(user).post(f"/governance/approvals/{pending.pk}/approve").status_code == 404
        with pytest.raises(PermissionDenied):
            services.pending_approve(actor=user, pending=pending)
    # Under the custodian policy, the supervisor does not decide either.
    assert api(cast.sup).post(f"/api/v1/archive-changes/{pending.pk}/approve").status_code == 404
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市"
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_supervisor_policy_the_team_supervisor_decides_not_himself(cast, policy, api):
    policy.approver = "supervisor"
    policy.save()
    held_rename(cast)
    pending = PendingChange.objects.get()
    assert api(cast.custodian).get("/api/v1/archive-changes/").json()["count"] == 0
    assert api(cast.mgr_nb).get("/api/v1/archive-changes/").json()["count"] == 0
    assert api(cast.sup).get("/api/v1/archive-changes/").json()["count"] == 1
    # Whoever may approve a change makes it directly (the supervisor in his team).
    changed = customer_services.customer_update(actor=cast.sup, customer=cast.bob_customer,
                                                address="文二路10号")
    assert changed.held_change is None
    # A manager over another region may not decide it; the supervisor and the manager above may.
    assert api(cast.mgr_nb).post(
        f"/api/v1/archive-changes/{pending.pk}/approve").status_code == 404
    assert api(cast.sup).post(f"/api/v1/archive-changes/{pending.pk}/approve").status_code == 200
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华超市(新店名)"
    # A supervisor's request (outside his team) waits for the team's supervisor, not for him.
    moved = customer_services.customer_update(actor=cast.mgr_nb, customer=cast.charlie_customer,
                                              name="海曙药房")
    assert moved.held_change is None  # the manager of Ningbo approves Ningbo's


def test_approvers_change_key_fields_directly(cast, policy):
    customer = customer_services.customer_update(actor=cast.custodian,
                                                 customer=cast.alice_customer, name="联华")
    assert customer.held_change is None
    assert Customer.objects.get(pk=customer.pk).name == "联华"


def test_new_customer_waits_then_is_filed_on_approval(cast, policy, api):
    before = Customer.objects.count()
    response = api(cast.alice).post("/api/v1/customers/", {
        "name": "新开便利店", "outlet_type": outlet_type().pk, "address": "学院路3号",
        "contacts": [{"name": "钱老板", "mobile": "13700000001", "birthday": "1980-05-06"}],
    }, format="json")
    assert response.status_code == 202, response.content
    assert Customer.objects.count() == before
    pending = PendingChange.objects.get(pk=response.json()["pending_change"])
    assert pending.kind == "create" and pending.team == cast.team_hz
    inbox = api(cast.custodian).get("/api/v1/archive-changes/").json()
    assert [c["id"] for c in inbox["results"]] == [pending.pk]
    assert api(cast.custodian).post(
        f"/api/v1/archive-changes/{pending.pk}/approve").status_code == 200
    created = Customer.objects.get(name="新开便利店")
    assert created.owner == cast.alice and created.created_by == cast.alice
    assert created.contacts.get().birthday.isoformat() == "1980-05-06"
    pending.refresh_from_db()
    assert pending.created_customer == created


def test_new_customer_page_says_it_waits(cast, policy, login):
    client = login(cast.alice)
    response = client.post("/customers/new/", {
        "name": "学院路小卖部", "outlet_type": outlet_type().pk, "channel": "traditional",
        "source": "street_sweep", "status": "potential", "owner": cast.alice.pk,
        "address": "学院路8号"}, follow=True)
    assert response.status_code == 200
    assert not Customer.objects.filter(name="学院路小卖部").exists()
    assert PendingChange.objects.filter(kind="create", name="学院路小卖部").exists()


def test_stale_request_is_not_applied(cast, policy, api):
    held_rename(cast)
    pending = PendingChange.objects.get()
    customer_services.customer_update(actor=cast.custodian, customer=cast.alice_customer,
                                      name="联华(更正)")
    response = api(cast.custodian).post(f"/api/v1/archive-changes/{pending.pk}/approve")
    assert response.status_code == 400
    assert "changed" in str(response.json()).lower() or response.json()
    assert Customer.objects.get(pk=cast.alice_customer.pk).name == "联华(更正)"


def test_no_policy_no_holding(cast):
    customer = held_rename(cast)
    assert customer.held_change is None
    assert not PendingChange.objects.exists()


def test_import_cannot_bypass_approval(cast, policy):
    assert gates.create_needs_approval(actor=cast.alice, owner=cast.alice)
    assert not gates.create_needs_approval(actor=cast.custodian, owner=cast.alice)


def test_bad_ids_and_bodies(cast, policy, api):
    held_rename(cast)
    pending = PendingChange.objects.get()
    client = api(cast.custodian)
    assert client.post("/api/v1/archive-changes/99999999999999999999/approve").status_code == 404
    assert client.post(f"/api/v1/archive-changes/{pending.pk}/refuse", {"reason": "x" * 301},
                       format="json").status_code == 400
    assert client.post(f"/api/v1/archive-changes/{pending.pk}/refuse",
                       {"reason": "ok", "status": "approved"}, format="json").status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_inbox_query_count(cast, policy, login, django_assert_max_num_queries):
    for i in range(15):
        customer_services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                                          name=f"联华超市{i}")
    client = login(cast.custodian)
    client.get("/governance/approvals/")
    with django_assert_max_num_queries(12):
        response = client.get("/governance/approvals/")
    assert response.content.decode().count('data-testid="inbox-item"') == 15


def test_policy_page_only_admins_change_it(cast, login):
    assert login(cast.custodian).post("/governance/policy/", {
        "approver": "either", "archive_lost_after_months": 3}).status_code == 403
    response = login(cast.admin).post("/governance/policy/", {
        "new_customers_need_approval": "on", "approver": "either",
        "archive_lost_after_months": 3})
    assert response.status_code == 302
    policy = GovernancePolicy.current()
    assert policy.new_customers_need_approval and policy.approver == "either"
    bad = login(cast.admin).post("/governance/policy/", {"approver": "nobody",
                                                         "archive_lost_after_months": -1})
    assert bad.status_code == 200 and GovernancePolicy.current().approver == "either"
