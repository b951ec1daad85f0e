"""The archive's write path: create, duplicate check, history, archive, merge."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.core.models import AuditEvent, ChangeLog, TimelineEntry
from outletcrm.customers import services
from outletcrm.customers.models import Contact, Customer
from outletcrm.customers.selectors import CustomerFilters, customer_history, customer_list
from tests.factories import ContactFactory, CustomerFactory, customer_class, outlet_type


def make(actor, **fields):
    defaults = {"name": "永辉超市", "outlet_type": outlet_type(), "province": "浙江省",
                "city": "杭州市", "district": "西湖区", "address": "古墩路1号"}
    defaults.update(fields)
    return services.customer_create(actor=actor, **defaults)


def test_create_assigns_code_scope_history_and_timeline(cast):
    customer = make(cast.alice, phone="13912345678", brands="康师傅，农夫山泉", tags=["社区店"])
    assert customer.code == f"C{customer.pk:07d}"
    assert customer.owner == cast.alice
    assert customer.team == cast.team_hz and customer.region == cast.hangzhou
    assert customer.brands == ["康师傅", "农夫山泉"]
    assert [t.name for t in customer.tags.all()] == ["社区店"]
    log = ChangeLog.objects.get(customer_id=customer.pk)
    assert log.action == "create" and log.actor == cast.alice
    assert log.changes["name"] == [None, "永辉超市"]
    assert TimelineEntry.objects.filter(customer_id=customer.pk).exists()


def test_search_by_pinyin_full_initials_phone_and_address(cast):
    customer = make(cast.alice, phone="13912345678")
    for term in ("yonghui", "yhcs", "YHCS", "1391234", "古墩路", "永辉"):
        found = customer_list(user=cast.alice, filters=CustomerFilters(q=term))
        assert customer in found, term
    assert not customer_list(user=cast.alice, filters=CustomerFilters(q="zzzz")).exists()


def test_contact_phone_is_searchable(cast):
    services.contact_create(actor=cast.alice, customer=cast.alice_customer, name="王老板",
                            mobile="13700001111")
    found = customer_list(user=cast.alice, filters=CustomerFilters(q="13700001111"))
    assert list(found) == [cast.alice_customer]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"latitude": Decimal("95"), "longitude": Decimal("120")}, "latitude"),
        ({"latitude": Decimal("30"), "longitude": Decimal("190")}, "longitude"),
        ({"latitude": Decimal("30")}, "longitude"),
        ({"phone": "12345"}, "phone"),
        ({"name": ""}, "name"),
        ({"source": "referral"}, "referred_by"),
    ],
)
def test_bad_input_is_rejected_and_nothing_written(cast, fields, field):
    before = Customer.objects.count(), ChangeLog.objects.count()
    with pytest.raises(ValidationError) as info:
        make(cast.alice, **fields)
    assert field in info.value.message_dict
    assert (Customer.objects.count(), ChangeLog.objects.count()) == before


def test_bad_contact_rolls_back_the_whole_customer(cast):
    before = Customer.objects.count()
    with pytest.raises(ValidationError):
        make(cast.alice, contacts=[{"name": "张三", "mobile": "1234"}])
    assert Customer.objects.count() == before
    assert not Contact.objects.filter(name="张三").exists()


def test_owner_outside_scope_is_refused(cast):
    with pytest.raises(ValidationError) as info:
        make(cast.sup, owner=cast.charlie)
    assert "owner" in info.value.message_dict


def test_duplicate_by_phone_is_refused_even_across_scopes(cast):
    with pytest.raises(services.DuplicateCustomerError) as info:
        make(cast.charlie, name="别的店", phone="13800000001")
    assert [m.reason for m in info.value.matches] == ["phone"]
    assert info.value.matches[0].customer_id == cast.alice_customer.pk


def test_duplicate_by_contact_mobile(cast):
    ContactFactory(customer=cast.bob_customer, mobile="13600000000")
    with pytest.raises(services.DuplicateCustomerError):
        make(cast.alice, name="新店", contacts=[{"name": "李", "mobile": "136 0000 0000"}])


def test_duplicate_by_normalised_name_and_address(cast):
    with pytest.raises(services.DuplicateCustomerError) as info:
        make(cast.alice, name="联华 超市", address="文三路100号", district="西湖区")
    assert info.value.matches[0].reason == "name_address"


def test_duplicate_by_near_identical_name_within_100m(cast):
    CustomerFactory(name="老百姓大药房文三路店", owner=cast.bob, latitude=Decimal("30.277000"),
                    longitude=Decimal("120.130000"), address="别处")
    with pytest.raises(services.DuplicateCustomerError) as info:
        make(cast.alice, name="老百姓大药房(文三路店)", address="文三路200号",
             latitude=Decimal("30.277500"), longitude=Decimal("120.130300"))
    assert info.value.matches[0].reason == "nearby_name"
    # 2 km away the same name is a different branch, not a duplicate.
    far = make(cast.alice, name="老百姓大药房(文三路店)", address="文三路900号",
               latitude=Decimal("30.295000"), longitude=Decimal("120.130000"))
    assert far.pk


def test_only_custodian_may_override_a_duplicate(cast):
    with pytest.raises(services.DuplicateCustomerError):
        make(cast.alice, name="x", phone="13800000001", force_duplicate=True)
    forced = make(cast.custodian, name="x", phone="13800000001", force_duplicate=True,
                  owner=cast.alice)
    assert ChangeLog.objects.get(customer_id=forced.pk).note


def test_update_keeps_who_when_old_and_new(cast):
    services.customer_update(actor=cast.sup, customer=cast.alice_customer, name="联华超市文三店",
                             customer_class=customer_class("key"), tags=["连锁"])
    log = customer_history(customer=cast.alice_customer)[0]
    assert log.actor == cast.sup and log.action == "update"
    assert log.changes["name"] == ["联华超市", "联华超市文三店"]
    assert log.changes["customer_class"][0] is None and log.changes["customer_class"][1]
    assert log.changes["tags"] == [[], ["连锁"]]


def test_update_without_change_writes_no_history(cast):
    services.customer_update(actor=cast.alice, customer=cast.alice_customer, name="联华超市")
    assert not ChangeLog.objects.filter(customer_id=cast.alice_customer.pk).exists()


def test_owner_change_moves_scope(cast):
    services.customer_update(actor=cast.mgr_zj, customer=cast.alice_customer, owner=cast.charlie)
    cast.alice_customer.refresh_from_db()
    assert cast.alice_customer.region == cast.ningbo
    assert cast.alice_customer in customer_list(user=cast.mgr_nb)
    assert cast.alice_customer not in customer_list(user=cast.alice)


def test_contact_changes_are_in_the_customer_history(cast):
    contact = services.contact_create(actor=cast.alice, customer=cast.alice_customer,
                                      name="王芳", mobile="13711112222")
    services.contact_update(actor=cast.alice, contact=contact, mobile="13711113333")
    services.contact_delete(actor=cast.alice, contact=contact)
    actions = [(h.object_type, h.action) for h in customer_history(customer=cast.alice_customer)]
    assert actions == [("contact", "delete"), ("contact", "update"), ("contact", "create")]
    # Personal data stays masked in the history (privacy: everyone in scope reads it).
    assert customer_history(customer=cast.alice_customer)[1].changes["mobile"] == [
        "137****2222", "137****3333"]


def test_archive_and_restore(cast):
    with pytest.raises(PermissionDenied):
        services.customer_archive(actor=cast.alice, customer=cast.alice_customer, reason="关店")
    with pytest.raises(ValidationError):
        services.customer_archive(actor=cast.sup, customer=cast.alice_customer, reason=" ")
    services.customer_archive(actor=cast.sup, customer=cast.alice_customer, reason="关店")
    assert cast.alice_customer not in customer_list(user=cast.sup)
    assert cast.alice_customer in customer_list(user=cast.sup,
                                                filters=CustomerFilters(archived="archived"))
    services.customer_restore(actor=cast.sup, customer=cast.alice_customer)
    assert cast.alice_customer in customer_list(user=cast.sup)
    assert Customer.objects.filter(pk=cast.alice_customer.pk).exists()


def test_merge_keeps_every_related_record_and_both_histories(cast):
    dup = CustomerFactory(name="联华超市(重复)", owner=cast.bob, brands=["统一"],
                          floor_area=Decimal("120"))
    services.customer_update(actor=cast.bob, customer=dup, notes="老板姓王")
    ContactFactory(customer=dup, name="王老板", mobile="13500000000")
    services.competitor_save(actor=cast.bob, customer=dup, brand="竞品乙")
    referred = CustomerFactory(owner=cast.bob, referred_by=dup, source="referral")

    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=cast.sup, keep=cast.alice_customer, merge=dup)
    kept = services.customer_merge(actor=cast.custodian, keep=cast.alice_customer, merge=dup)

    dup.refresh_from_db()
    referred.refresh_from_db()
    assert dup.merged_into == kept and dup.is_archived
    assert kept.contacts.get().name == "王老板"
    assert kept.competitors.get().brand == "竞品乙"
    assert referred.referred_by == kept
    assert kept.floor_area == Decimal("120") and "统一" in kept.brands
    history = customer_history(customer=kept)
    assert {h.action for h in history} >= {"merge", "update"}
    assert any(h.object_id == dup.pk for h in history)  # the merged record's own history
    assert AuditEvent.objects.filter(action="merge").count() == 1
    with pytest.raises(ValidationError):
        services.customer_restore(actor=cast.custodian, customer=dup)
    with pytest.raises(ValidationError):
        services.customer_merge(actor=cast.custodian, keep=kept, merge=kept)


def test_search_keeps_up_with_renames_and_merges(cast):
    """The trigram search table follows every write (SQLite triggers / PostgreSQL index)."""
    services.customer_update(actor=cast.alice, customer=cast.alice_customer, name="华润万家")
    assert list(customer_list(user=cast.alice, filters=CustomerFilters(q="hrwj"))) == [
        cast.alice_customer]
    assert not customer_list(user=cast.alice, filters=CustomerFilters(q="lhcs")).exists()
    assert list(customer_list(user=cast.alice, filters=CustomerFilters(q="100%"))) == []
    assert list(customer_list(user=cast.alice, filters=CustomerFilters(q="wj"))) == [
        cast.alice_customer]
