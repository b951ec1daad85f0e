"""The custodian's desk (issue 10 item 0): the duplicate rules over the whole archive, the
field-by-field merge, "not a duplicate" that never comes back, scope and bad input."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.core.models import AuditEvent
from outletcrm.customers.models import Contact, Customer
from outletcrm.governance import services
from outletcrm.governance.models import DuplicatePair
from outletcrm.org.models import Role
from outletcrm.visits.models import FollowUpTask
from outletcrm.visits.services import task_add
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def pair_of(a, b) -> DuplicatePair:
    low, high = sorted([a.pk, b.pk])
    return DuplicatePair.objects.get(customer_a_id=low, customer_b_id=high)


@pytest.fixture
def twins(cast):
    """Two records of one outlet: same phone, different details (A alice's, B bob's)."""
    a = CustomerFactory(name="世纪联华超市", owner=cast.alice, phone="057188880001",
                        address="莫干山路1号", channel="modern", latitude=Decimal("30.280000"),
                        longitude=Decimal("120.150000"), notes="A的备注")
    b = CustomerFactory(name="世纪联华超市(莫干山店)", owner=cast.bob, phone="057188880001",
                        address="莫干山路1号B座", channel="traditional",
                        latitude=Decimal("30.280100"), longitude=Decimal("120.150100"),
                        staff_count=12)
    ContactFactory(customer=b, name="周店长", mobile="13900000009")
    return a, b


def test_scan_finds_each_rule_and_is_idempotent(cast, twins):
    a, b = twins
    same_place = [CustomerFactory(name="华润万家", owner=cast.alice, address="延安路9号")
                  for _ in range(2)]
    near = [CustomerFactory(name=name, owner=cast.charlie, latitude=Decimal("29.870000"),
                            longitude=Decimal(lng), address=f"中山路{i}号")
            for i, (name, lng) in enumerate([("老百姓大药房中山店", "121.550000"),
                                              ("老百姓大药房中山店.", "121.550300")])]
    far = CustomerFactory(name="老百姓大药房中山店", owner=cast.charlie,
                          latitude=Decimal("29.900000"), longitude=Decimal("121.600000"))
    summary = services.duplicates_scan()
    assert pair_of(a, b).reasons == ["phone"]
    assert pair_of(*same_place).reasons == ["name_address"]
    assert pair_of(*near).reasons == ["nearby_name"]
    assert 20 <= pair_of(*near).distance_m <= 35
    assert not DuplicatePair.objects.filter(customer_b=far).exists()
    assert summary["new"] == 3
    again = services.duplicates_scan()
    assert again["new"] == 0 and again["open"] == 3
    assert DuplicatePair.objects.count() == 3


def test_contact_mobile_matches_store_phone(cast):
    a = CustomerFactory(owner=cast.alice, phone="13911112222")
    b = CustomerFactory(owner=cast.bob)
    ContactFactory(customer=b, mobile="13911112222")
    services.duplicates_scan()
    assert pair_of(a, b).reasons == ["phone"]


def test_a_pair_no_longer_matching_leaves_the_queue(cast, twins):
    a, b = twins
    services.duplicates_scan()
    Customer.objects.filter(pk=b.pk).update(phone="057100000000")
    assert services.duplicates_scan()["cleared"] == 1
    assert not DuplicatePair.objects.exists()


def test_not_a_duplicate_never_comes_back(cast, twins, api):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    response = api(cast.custodian).post(f"/api/v1/duplicate-pairs/{pair.pk}/dismiss",
                                        {"note": "两家不同的店"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed"
    for _ in range(2):
        services.duplicates_scan()
    pair.refresh_from_db()
    assert pair.status == "dismissed" and pair.note == "两家不同的店"
    assert DuplicatePair.objects.filter(status="open").count() == 0
    assert api(cast.custodian).get("/api/v1/duplicate-pairs/").json()["count"] == 0
    assert AuditEvent.objects.filter(action="not_duplicate").count() == 1
    # Deciding it again is refused and changes nothing.
    again = api(cast.custodian).post(f"/api/v1/duplicate-pairs/{pair.pk}/dismiss", {},
                                     format="json")
    assert again.status_code == 400


def test_field_by_field_merge_takes_each_chosen_value(cast, twins, login):
    a, b = twins
    task, _created = task_add(actor=cast.bob, rep=cast.bob, customer=b, title="回访")
    services.duplicates_scan()
    pair = pair_of(a, b)
    client = login(cast.custodian)
    response = client.post(f"/governance/desk/{pair.pk}/", {
        "survivor": "a", "f_name": "b", "f_address": "a", "f_channel": "b",
        "f_latitude": "b", "f_owner": "b", "f_notes": "a", "f_staff_count": "a"})
    assert response.status_code == 302, response.content.decode()[:3000]
    kept = Customer.objects.get(pk=a.pk)
    assert kept.name == "世纪联华超市(莫干山店)"  # from B
    assert kept.address == "莫干山路1号"  # from A
    assert kept.channel == "traditional"  # from B
    assert (kept.latitude, kept.longitude) == (Decimal("30.280100"), Decimal("120.150100"))
    assert kept.owner == cast.bob and kept.team == cast.team_hz  # from B, scope follows
    assert kept.notes == "A的备注"  # A, exactly (not joined)
    assert kept.staff_count is None  # A's empty value was chosen
    assert kept.code == a.code
    # The loser's contacts and tasks moved to the survivor; the loser is archived.
    assert Contact.objects.get(name="周店长").customer_id == a.pk
    assert FollowUpTask.objects.get(pk=task.pk).customer_id == a.pk
    b.refresh_from_db()
    assert b.merged_into_id == a.pk and b.archived_at is not None
    pair.refresh_from_db()
    assert pair.status == "merged" and pair.decided_by == cast.custodian
    assert AuditEvent.objects.filter(action="merge").count() == 1


def test_survivor_b_keeps_b_number(cast, twins, api):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    response = api(cast.admin).post(f"/api/v1/duplicate-pairs/{pair.pk}/merge",
                                    {"survivor": "b", "chosen": {"name": "a"}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == b.code
    kept = Customer.objects.get(pk=b.pk)
    assert kept.name == "世纪联华超市" and kept.channel == "traditional"


@pytest.mark.parametrize("body", [
    {"survivor": "c"},
    {"survivor": "a", "chosen": {"name": "c"}},
    {"survivor": "a", "chosen": {"password": "a"}},
    {"survivor": "a", "chosen": "name"},
    {"survivor": "a", "extra": 1},
    {},
])
def test_bad_merge_input_is_400_and_changes_nothing(cast, twins, api, body):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    response = api(cast.custodian).post(f"/api/v1/duplicate-pairs/{pair.pk}/merge", body,
                                        format="json")
    assert response.status_code == 400
    assert response.json()
    pair.refresh_from_db()
    assert pair.status == "open"
    assert Customer.objects.get(pk=b.pk).merged_into_id is None
    assert Customer.objects.get(pk=a.pk).name == "世纪联华超市"


def test_bad_merge_form_is_400_with_a_message(cast, twins, login):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    response = login(cast.custodian).post(f"/governance/desk/{pair.pk}/",
                                          {"survivor": "a", "f_name": "x"})
    assert response.status_code == 400
    assert "merge-form" in response.content.decode()
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


def test_merge_that_would_be_invalid_is_refused_whole(cast, twins):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    with pytest.raises(ValidationError):
        services.pair_merge(actor=cast.custodian, pair=pair, survivor="a",
                            chosen={"name": "z"})
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


def test_reps_supervisors_and_managers_have_no_desk(cast, twins, login, api):
    a, b = twins
    services.duplicates_scan()
    pair = pair_of(a, b)
    for user in (cast.alice, cast.sup, cast.mgr_zj):
        client = login(user)
        assert client.get("/governance/desk/").status_code == 404
        assert client.get(f"/governance/desk/{pair.pk}/").status_code == 404
        assert client.post(f"/governance/desk/{pair.pk}/dismiss").status_code == 404
        assert api(user).get("/api/v1/duplicate-pairs/").json()["count"] == 0
        assert api(user).post(f"/api/v1/duplicate-pairs/{pair.pk}/merge",
                              {"survivor": "a"}, format="json").status_code == 404
        assert api(user).post("/api/v1/duplicate-pairs/scan").status_code == 404
    with pytest.raises(PermissionDenied):
        services.pair_dismiss(actor=cast.alice, pair=pair)
    pair.refresh_from_db()
    assert pair.status == "open"


def test_a_named_custodian_sees_only_the_regions_they_keep(cast, twins, api):
    a, b = twins  # Hangzhou
    ningbo = [CustomerFactory(name="海曙大药房", owner=cast.charlie, address="药行街5号")
              for _ in range(2)]
    keeper_nb = UserFactory(username="keeper_nb", role=Role.CUSTODIAN, team=None)
    cast.ningbo.custodian = keeper_nb
    cast.ningbo.save()
    services.duplicates_scan()
    # The Ningbo custodian: Ningbo's pair only. The unnamed custodian keeps the rest of
    # the tree (nobody is named above Hangzhou). The administrator sees both.
    ids = {p["id"] for p in api(keeper_nb).get("/api/v1/duplicate-pairs/").json()["results"]}
    assert ids == {pair_of(*ningbo).pk}
    ids = {p["id"] for p in api(cast.custodian).get("/api/v1/duplicate-pairs/").json()["results"]}
    assert ids == {pair_of(a, b).pk}
    assert api(cast.admin).get("/api/v1/duplicate-pairs/").json()["count"] == 2
    assert api(keeper_nb).get(f"/api/v1/duplicate-pairs/{pair_of(a, b).pk}/").status_code == 404
    # Named above: zhejiang's custodian keeps both offices except Ningbo (named below).
    keeper_zj = UserFactory(username="keeper_zj", role=Role.CUSTODIAN, team=None)
    cast.zhejiang.custodian = keeper_zj
    cast.zhejiang.save()
    ids = {p["id"] for p in api(keeper_zj).get("/api/v1/duplicate-pairs/").json()["results"]}
    assert ids == {pair_of(a, b).pk}


def test_scan_now_button(cast, twins, login):
    client = login(cast.custodian)
    response = client.post("/governance/desk/", follow=True)
    assert response.status_code == 200
    assert DuplicatePair.objects.count() == 1
    assert "data-testid=\"pair-row\"" in response.content.decode()


def test_desk_page_query_count(cast, login, django_assert_max_num_queries):
    for i in range(25):
        CustomerFactory(name=f"重复店{i}", owner=cast.alice, address=f"重复路{i}号")
        CustomerFactory(name=f"重复店{i}", owner=cast.bob, address=f"重复路{i}号")
    services.duplicates_scan()
    client = login(cast.custodian)
    client.get("/governance/desk/")
    with django_assert_max_num_queries(12):
        response = client.get("/governance/desk/")
    assert response.content.decode().count('data-testid="pair-row"') == 25
    pair = DuplicatePair.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get(f"/governance/desk/{pair.pk}/").status_code == 200
