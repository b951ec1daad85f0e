"""Borrowing (借阅制度, issue 10 item 3): a rep asks for a customer outside his scope, the
custodian decides; while approved and inside the period the customer is readable (read-only)
everywhere scope applies, and not before or after. The clock is pinned."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.access import services
from outletcrm.core import scoping
from outletcrm.core.models import AuditEvent, BorrowRequest
from outletcrm.customers.models import Customer
from outletcrm.notifications.models import Notification

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


def at(day_offset: int, hour: int = 10):
    return time_machine.travel(MONDAY + datetime.timedelta(days=day_offset, hours=hour - 10),
                               tick=False)


def _request(cast, *, starts=0, ends=1, customer=None):
    return services.borrow_request_create(
        actor=cast.charlie, customer_ids=[(customer or cast.alice_customer).pk],
        purpose="ride_along", reason="随访杭州",
        starts_on=MONDAY.date() + datetime.timedelta(days=starts),
        ends_on=MONDAY.date() + datetime.timedelta(days=ends))


def sees(user, customer) -> bool:
    return scoping.restrict(Customer.objects.filter(pk=customer.pk), user).exists()


@pytest.mark.django_db
def test_borrowed_customer_is_visible_in_the_period_only(cast, client):
    with at(0):
        borrow = _request(cast, starts=1, ends=2)  # Tuesday and Wednesday
        services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
        assert not sees(cast.charlie, cast.alice_customer)  # before the period
    client.force_login(cast.charlie)
    url = f"/customers/{cast.alice_customer.pk}/"
    with at(1, hour=0):
        assert sees(cast.charlie, cast.alice_customer)
        page = client.get(url)
        assert page.status_code == 200
        assert b'data-testid="borrowed-banner"' in page.content
        assert not sees(cast.charlie, cast.bob_customer)  # only what was lent
    with at(2, hour=23):
        assert sees(cast.charlie, cast.alice_customer)
    with at(3, hour=0):  # Thursday 00:00: the period is over, nothing had to run
        assert not sees(cast.charlie, cast.alice_customer)
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_borrowed_customer_is_read_only(cast, api):
    with at(0):
        borrow = _request(cast)
        services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
        client = api(cast.charlie)
        assert client.get(f"/api/v1/customers/{cast.alice_customer.pk}/").status_code == 200
        response = client.patch(f"/api/v1/customers/{cast.alice_customer.pk}/",
                                {"name": "改名"}, format="json")
        assert response.status_code == 403
        cast.alice_customer.refresh_from_db()
        assert cast.alice_customer.name == "联华超市"
        with pytest.raises(PermissionDenied):
            scoping.ensure_writable(cast.charlie, cast.alice_customer)


@pytest.mark.django_db
def test_refusal_grants_nothing(cast):
    with at(0):
        borrow = _request(cast)
        services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=False,
                               note="请找主管")
        assert not sees(cast.charlie, cast.alice_customer)
        assert Notification.objects.filter(user=cast.charlie,
                                           kind="access.borrow_decided").exists()


@pytest.mark.django_db
def test_pending_request_grants_nothing_and_custodian_is_told(cast):
    with at(0):
        _request(cast)
        assert not sees(cast.charlie, cast.alice_customer)
        assert Notification.objects.filter(user=cast.custodian,
                                           kind="access.borrow_request").exists()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.BORROW_REQUESTED,
                                         actor=cast.charlie).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "sup", "mgr_zj", "charlie"])
def test_only_a_custodian_or_admin_decides(cast, who):
    with at(0):
        borrow = _request(cast)
        with pytest.raises(PermissionDenied):
            services.borrow_decide(actor=getattr(cast, who), borrow=borrow, approve=True)
        borrow.refresh_from_db()
        assert borrow.status == BorrowRequest.Status.PENDING
        services.borrow_decide(actor=cast.admin, borrow=borrow, approve=True)
        assert sees(cast.charlie, cast.alice_customer)


@pytest.mark.django_db
def test_a_custodian_decides_only_for_the_regions_they_keep(cast):
    from tests.factories import UserFactory

    ningbo_keeper = UserFactory(username="nb_keeper", role="custodian", team=None,
                                region=cast.ningbo)
    with at(0):
        borrow = _request(cast)  # alice's customer is in hangzhou
        assert not scoping.can_decide_borrowing(ningbo_keeper, borrow)
        assert scoping.can_decide_borrowing(cast.custodian, borrow)  # keeps every region


@pytest.mark.django_db
@pytest.mark.parametrize("change, field", [
    ({"starts": -1}, "starts_on"),
    ({"starts": 2, "ends": 1}, "ends_on"),
    ({"ends": 400}, "ends_on"),
])
def test_bad_periods_are_refused_and_write_nothing(cast, change, field):
    with at(0):
        with pytest.raises(ValidationError) as caught:
            _request(cast, **change)
        assert field in caught.value.message_dict
        assert not BorrowRequest.objects.exists()


@pytest.mark.django_db
def test_own_customers_and_unknown_ids_are_refused(cast):
    with at(0):
        with pytest.raises(ValidationError):
            _request(cast, customer=cast.charlie_customer)  # already his
        with pytest.raises(ValidationError):
            services.borrow_request_create(
                actor=cast.charlie, customer_ids=[10**9], purpose="audit", reason="x",
                starts_on=MONDAY.date(), ends_on=MONDAY.date())
        assert not BorrowRequest.objects.exists()


@pytest.mark.django_db
def test_search_finds_exact_code_or_name_outside_scope_only(cast, login):
    from outletcrm.access.selectors import borrow_candidates

    assert borrow_candidates(user=cast.charlie, text="联华") == []  # partial: nothing
    assert borrow_candidates(user=cast.charlie, text="联华超市") == [cast.alice_customer]
    assert borrow_candidates(user=cast.charlie,
                             text=cast.alice_customer.code.lower()) == [cast.alice_customer]
    assert borrow_candidates(user=cast.charlie, text="宁波海曙药房") == []  # his own
    page = login(cast.charlie).get("/access/borrow/", {"q": "联华超市"})
    assert page.status_code == 200
    assert "联华超市".encode() in page.content
    assert cast.alice_customer.address.encode() not in page.content  # no details


@pytest.mark.django_db
def test_request_page_and_inbox_flow(cast, client):
    with at(0):
        client.force_login(cast.charlie)
        response = client.post("/access/borrow/", {
            "q": "联华超市", "customers": [cast.alice_customer.pk], "purpose": "handover",
            "reason": "交接", "starts_on": "2026-03-02", "ends_on": "2026-03-03"})
        assert response.status_code == 302
        borrow = BorrowRequest.objects.get()
        # A rep cannot reach the inbox nor decide.
        assert client.get("/access/borrow/inbox/").status_code == 404
        assert client.post(f"/access/borrow/{borrow.pk}/decide",
                           {"decision": "approve"}).status_code == 404
        client.force_login(cast.custodian)
        inbox = client.get("/access/borrow/inbox/")
        assert b'data-testid="inbox-borrow"' in inbox.content
        client.post(f"/access/borrow/{borrow.pk}/decide", {"decision": "approve"})
        borrow.refresh_from_db()
        assert borrow.status == BorrowRequest.Status.APPROVED
        assert borrow.decided_by == cast.custodian


@pytest.mark.django_db
def test_bad_form_input_is_400_and_writes_nothing(cast, login):
    client = login(cast.charlie)
    for data in [{"customers": "abc", "purpose": "audit", "reason": "x",
                  "starts_on": "2026-03-02", "ends_on": "2026-03-03"},
                 {"customers": [cast.alice_customer.pk], "purpose": "spy", "reason": "x",
                  "starts_on": "2026-03-02", "ends_on": "2026-03-03"},
                 {"customers": [cast.alice_customer.pk], "purpose": "audit", "reason": "x",
                  "starts_on": "0000-01-01", "ends_on": "99999-01-01"}]:
        assert client.post("/access/borrow/", data).status_code == 400
    assert not BorrowRequest.objects.exists()


@pytest.mark.django_db
def test_api_flow_and_errors(cast, api):
    with at(0):
        rep = api(cast.charlie)
        body = {"customers": [cast.alice_customer.pk], "purpose": "audit", "reason": "抽查",
                "starts_on": "2026-03-02", "ends_on": "2026-03-02"}
        assert rep.post("/api/v1/borrow-requests/", {**body, "owner": 1},
                        format="json").status_code == 400  # unknown field
        assert rep.post("/api/v1/borrow-requests/", {**body, "customers": []},
                        format="json").status_code == 400
        created = rep.post("/api/v1/borrow-requests/", body, format="json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert rep.post(f"/api/v1/borrow-requests/{pk}/approve", {},
                        format="json").status_code == 403
        assert api(cast.alice).get(f"/api/v1/borrow-requests/{pk}/").status_code == 404
        keeper = api(cast.custodian)
        inbox = keeper.get("/api/v1/borrow-requests/", {"box": "inbox"}).json()
        assert [r["id"] for r in inbox["results"]] == [pk]
        assert keeper.post(f"/api/v1/borrow-requests/{pk}/approve", {"note": "ok"},
                           format="json").status_code == 200
        assert rep.get(f"/api/v1/customers/{cast.alice_customer.pk}/").status_code == 200
        assert keeper.post(f"/api/v1/borrow-requests/{pk}/refuse", {},
                           format="json").status_code == 400  # already decided
        found = rep.get("/api/v1/borrow-candidates/", {"q": "联华超市"}).json()
        assert found == [{"id": cast.alice_customer.pk, "code": cast.alice_customer.code,
                          "name": "联华超市"}]  # only what was typed, nothing more
