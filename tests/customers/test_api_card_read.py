"""The API card is read as plain values (issue 11: selectors.customer_card_values and
serializers.CustomerCardRepresentation) and answers exactly what the model path through
CustomerSerializer answers: status, body byte for byte, ETag, the 404 body for a missing or
out-of-scope id, and the access-log row — for every role's view of personal data, in Chinese
and English, for archived and merged customers, encrypted and lunar contact fields."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.response import Response

from outletcrm.access import services as access_services
from outletcrm.core.accesslog import Action, access_record
from outletcrm.core.models import AccessLog
from outletcrm.customers import selectors, serializers
from outletcrm.customers.api import CustomerViewSet
from outletcrm.customers.models import Contact, Customer, CustomerClass, OutletType, Tag
from outletcrm.org.models import User
from tests.factories import CompetitorFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

CARD = "/api/v1/customers/{}/"


def plain_retrieve(self, request, *args, **kwargs):
    """The card as served before its values read: the model through CustomerSerializer."""
    record = selectors.customer_get(user=request.user, pk=self.kwargs["pk"])
    access_record(request, customers=[record], action=Action.API_VIEW)
    return Response(self.get_serializer(record).data, headers={"ETag": f'"{record.version}"'})


@pytest.fixture
def cards(cast):
    """Customers that differ in every way the card shows, all in hangzhou (alice's team)."""
    pharmacy = OutletType.objects.create(code="test_pharmacy", name="单体药店", name_en="Pharmacy")
    unnamed = OutletType.objects.create(code="test_kiosk", name="报刊亭", name_en="")
    key = CustomerClass.objects.get(code="key")
    key.name_en = "Key account"
    key.save()
    abc = CustomerClass.objects.filter(scheme="abc").first()
    nameless = UserFactory(username="nameless", display_name="", team=cast.alice.team)
    tags = [Tag.objects.create(name=name) for name in ("重点客户", "VIP", "连锁<b>", "24小时")]
    full = CustomerFactory(
        name="华润万家（文三路店）",
        owner=cast.alice,
        outlet_type=pharmacy,
        customer_class=key,
        abc_class=abc,
        latitude=Decimal("30.274085"),
        longitude=Decimal("-120.155070"),
        phone="057188001234",
        opens_at=datetime.time(8, 30),
        closes_at=datetime.time(22, 0),
        staff_count=12,
        floor_area=Decimal("350.5"),
        years_in_business=7,
        brands=["农夫山泉", "怡宝", '"quoted"'],
        marketing_consent=True,
        marketing_consent_on=datetime.date(2026, 3, 1),
        marketing_consent_source="written",
        notes='老板姓王，"周三"补货\n第二行',
        tags=tags,
        created_by=nameless,
        status="active",
    )
    ContactFactory(
        customer=full,
        name="王老板",
        mobile="13912345678",
        is_primary=True,
        birthday=datetime.date(1980, 8, 15),
        interests="钓鱼、茶叶",
        role="owner",
        decision_role="decider",
    )
    ContactFactory(
        customer=full,
        name="李店长",
        mobile="",
        role="store_manager",
        birthday=datetime.date(1975, 1, 30),
        birthday_is_lunar=True,
    )
    ContactFactory(customer=full, name="小赵", mobile="1381234", interests="")
    CompetitorFactory(
        customer=full,
        brand="竞品甲",
        satisfaction=4,
        closeness="close",
        products="矿泉水",
        competitor_rep="周",
        notes="每周来",
    )
    CompetitorFactory(customer=full, brand="Competitor B", satisfaction=None)
    referred = CustomerFactory(
        name="小张便利",
        owner=cast.bob,
        source="referral",
        referred_by=full,
        tags=tags[:1],
        outlet_type=unnamed,
        created_by=cast.alice,
    )
    merged = CustomerFactory(
        name="华润万家旧档",
        owner=cast.alice,
        archived_at=timezone.now(),
        archive_reason="合并到另一档案",
        merged_into=full,
    )
    ContactFactory(
        customer=merged, name="旧联系人", mobile="13700000000", birthday=datetime.date(1990, 12, 1)
    )
    bare = CustomerFactory(
        name="空白小店", owner=cast.alice, province="", city="", district="", address="", phone=""
    )
    # Alice's customer lent to Charlie (another team): he reads it, masked.
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.charlie,
        customer_ids=[full.pk],
        purpose="ride_along",
        reason="随访",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=1),
    )
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    return [
        full,
        referred,
        merged,
        bare,
        cast.alice_customer,
        cast.bob_customer,
        cast.charlie_customer,
    ]


def answers(api, user, customers, language):
    client = api(user)
    out = []
    before = AccessLog.objects.count()
    for pk in [*(c.pk for c in customers), 99_999_999]:
        response = client.get(CARD.format(pk), HTTP_ACCEPT_LANGUAGE=language)
        out.append(
            (
                pk,
                response.status_code,
                response.content,
                response.get("ETag"),
                response.get("Content-Type"),
            )
        )
    logged = list(
        AccessLog.objects.order_by("pk").values_list(
            "user_id", "action", "customer_id", "row_count", "borrowed", "path"
        )[before:]
    )
    return out, logged


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "who", ["alice", "bob", "charlie", "sup", "mgr_zj", "mgr_nb", "custodian", "admin"]
)
def test_the_card_is_the_model_paths_byte_for_byte(cast, cards, api, monkeypatch, who, language):
    user = getattr(cast, who)
    fast, fast_log = answers(api, user, cards, language)
    monkeypatch.setattr(CustomerViewSet, "retrieve", plain_retrieve)
    plain, plain_log = answers(api, user, cards, language)
    assert fast == plain
    assert fast_log == plain_log
    # the comparison saw what it is meant to compare
    seen = b"".join(content for _, status, content, _, _ in fast if status == 200).decode()
    assert any(status == 404 for _, status, _, _, _ in fast)
    if who in ("alice", "sup", "admin"):
        assert "13912345678" in seen and "1980-08-15" in seen and '"personal_data":"full"' in seen
        assert ("Pharmacy" in seen) == ("Key account" in seen) == (language == "en")
    if who in ("charlie", "mgr_zj", "custodian"):
        assert "139****5678" in seen and "13912345678" not in seen and "1980-08-15" not in seen
        assert "钓鱼" not in seen
    if who in ("mgr_zj", "custodian"):
        assert '"personal_data":"on_request"' in seen
    if who == "charlie":
        assert '"personal_data":"masked"' in seen
        borrowed = {customer: lent for _, _, customer, _, lent, _ in fast_log}
        assert borrowed == {cards[0].pk: True, cast.charlie_customer.pk: False}


def test_names_follow_the_language_of_each_request(cast, cards, api):
    """The representation is built once per process; names and labels are not."""
    client = api(cast.alice)
    full = cards[0]
    for language, outlet, klass, status in (
        ("zh-hans", "单体药店", "重点客户", "既成客户"),
        ("en", "Pharmacy", "Key account", "Active"),
        ("zh-hans", "单体药店", "重点客户", "既成客户"),
    ):
        body = client.get(CARD.format(full.pk), HTTP_ACCEPT_LANGUAGE=language).json()
        assert body["outlet_type_name"] == outlet
        assert body["customer_class_name"] == klass
        assert body["status_display"] == status
        assert body["created_by_name"] == "nameless"  # no display name: the user name


def test_the_card_builds_no_model_instances_and_no_serializer(cast, cards, api, monkeypatch):
    """The card's read makes neither model instances nor a CustomerSerializer per request
    (issue 11: compiling select_related and prefetches, building ~20 instances and
    deep-copying the serializer's ~60 fields cost three quarters of its CPU time)."""
    built = []
    for model in (Customer, Contact, User):
        original = model.from_db.__func__

        def counting(cls, *args, _original=original, **kwargs):
            built.append(cls.__name__)
            return _original(cls, *args, **kwargs)

        monkeypatch.setattr(model, "from_db", classmethod(counting))
    original_init = serializers.CustomerSerializer.__init__

    def counting_init(self, *args, **kwargs):
        built.append("CustomerSerializer")
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(serializers.CustomerSerializer, "__init__", counting_init)
    client = api(cast.alice)
    client.get(CARD.format(cards[0].pk))  # the token's user is loaded: not the card's doing
    built.clear()
    response = client.get(CARD.format(cards[0].pk))
    assert response.status_code == 200 and len(response.json()["contacts"]) == 3
    assert [name for name in built if name != "User"] == []


def test_the_card_costs_the_same_queries_however_full_it_is(cast, cards, api, monkeypatch):
    """Contacts, competitors and tags are one query each, whatever their number; and no more
    queries than the model path made."""
    client = api(cast.alice)
    full, bare = cards[0], cards[3]

    def queries(pk):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CARD.format(pk)).status_code == 200
        return len(captured.captured_queries)

    queries(bare.pk)
    few, many = queries(bare.pk), queries(full.pk)
    assert few == many
    monkeypatch.setattr(CustomerViewSet, "retrieve", plain_retrieve)
    assert queries(full.pk) >= many


def test_a_bad_or_foreign_id_is_the_same_404(cast, cards, api):
    client = api(cast.alice)
    missing = client.get(CARD.format(99_999_999))
    foreign = client.get(CARD.format(cast.charlie_customer.pk))
    assert missing.status_code == foreign.status_code == 404
    assert missing.content == foreign.content
    assert not AccessLog.objects.filter(customer_id=cast.charlie_customer.pk).exists()


def test_a_loan_ends_for_the_card_when_its_period_ends(cast, api):
    """The card's SQL is compiled once, but its scope (and so the lending period's "now") is
    the caller's, built per request: a lent card is readable inside the period, not after."""
    import time_machine

    customer = cast.alice_customer
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.charlie,
        customer_ids=[customer.pk],
        purpose="ride_along",
        reason="随访",
        starts_on=today,
        ends_on=today,
    )
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    client = api(cast.charlie)
    assert client.get(CARD.format(customer.pk)).status_code == 200
    borrow.refresh_from_db()
    with time_machine.travel(borrow.ends_at + datetime.timedelta(minutes=1), tick=False):
        assert client.get(CARD.format(customer.pk)).status_code == 404
    assert client.get(CARD.format(customer.pk)).status_code == 200


def test_the_card_read_answers_404_for_no_scope_and_a_malformed_id(cast):
    from django.http import Http404

    cast.alice.is_active = False
    with pytest.raises(Http404):  # an inactive user's scope is empty
        selectors.customer_card_values(user=cast.alice, pk=cast.alice_customer.pk)
    cast.alice.is_active = True
    for pk in ("abc", None, "1.5"):
        with pytest.raises(Http404):
            selectors.customer_card_values(user=cast.alice, pk=pk)
    card = selectors.customer_card_values(user=cast.alice, pk=str(cast.alice_customer.pk))
    assert card.pk == cast.alice_customer.pk and card.row["name"] == "联华超市"
    assert card.contacts == [] and card.competitors == [] and card.tags == []
