"""The customer list and card read through the fast serializer path (core/fastserialize.py,
issue 11) are byte for byte what DRF's plain serializers give: for owners (personal data in
full), a manager (masked, on request), a borrower (masked), in Chinese and in English, for
customers with and without classes, coordinates, tags, contacts, competitors, referrals,
opening hours, and archived ones."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from outletcrm.access import services as access_services
from outletcrm.core import fastserialize
from outletcrm.core.accesslog import Action, access_record
from outletcrm.customers import selectors
from outletcrm.customers.api import CustomerViewSet
from outletcrm.customers.models import Customer, Tag
from tests.factories import CompetitorFactory, ContactFactory, CustomerFactory, customer_class

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"


def plain_retrieve(self, request, *args, **kwargs):
    """The card as served before its values read (issue 11): the model, its serializer."""
    record = selectors.customer_get(user=request.user, pk=self.kwargs["pk"])
    access_record(request, customers=[record], action=Action.API_VIEW)
    return Response(self.get_serializer(record).data, headers={"ETag": f'"{record.version}"'})


@pytest.fixture
def plain(monkeypatch):
    """Switch the fast paths off: DRF's own to_representation and get_fields."""

    def use_plain():
        monkeypatch.setattr(fastserialize.FastRepresentationMixin, "to_representation",
                            lambda self, instance: serializers.Serializer.to_representation(
                                self, instance))
        monkeypatch.setattr(fastserialize.CachedFieldsMixin, "get_fields",
                            lambda self: super(fastserialize.CachedFieldsMixin, self).get_fields())
        # The card: model instances through CustomerSerializer, not the values read.
        monkeypatch.setattr(CustomerViewSet, "retrieve", plain_retrieve)

    return use_plain


@pytest.fixture
def varied(cast):
    """Customers that differ in every way the list and the card show."""
    tags = [Tag.objects.create(name=name) for name in ("重点客户", "VIP", "连锁<b>")]
    full = CustomerFactory(
        name="华润万家（文三路店）", owner=cast.alice, customer_class=customer_class("key"),
        latitude=Decimal("30.274085"), longitude=Decimal("120.155070"), phone="057188001234",
        opens_at=datetime.time(8, 30), closes_at=datetime.time(22, 0), staff_count=12,
        floor_area=Decimal("350.5"), years_in_business=7, brands=["农夫山泉", "怡宝"],
        marketing_consent=True, marketing_consent_on=datetime.date(2026, 3, 1),
        notes="老板姓王，\"周三\"补货", tags=tags,
    )
    ContactFactory(customer=full, name="王老板", mobile="13912345678", is_primary=True,
                   birthday=datetime.date(1980, 8, 15), interests="钓鱼、茶叶", role="owner",
                   decision_role="decider")
    ContactFactory(customer=full, name="李店长", mobile="", role="store_manager")
    CompetitorFactory(customer=full, brand="竞品甲", satisfaction=4, closeness="close")
    CompetitorFactory(customer=full, brand="Competitor B", satisfaction=None)
    referred = CustomerFactory(name="小张便利", owner=cast.alice, source="referral",
                               referred_by=full, tags=tags[:1])
    archived = CustomerFactory(name="已关门药店", owner=cast.alice,
                               archived_at=timezone.now(), archive_reason="关店")
    others = [CustomerFactory(name=f"杂货铺{n}", owner=cast.bob) for n in range(3)]
    # Alice's customer lent to Charlie (another team): he reads it, masked.
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.charlie, customer_ids=[full.pk], purpose="ride_along", reason="随访",
        starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    return [full, referred, archived, cast.alice_customer, cast.charlie_customer, *others]


def bodies(api, user, customers, language):
    client = api(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    out = [client.get(LIST, {"archived": "all", "page_size": 200}, **headers).content,
           client.get(LIST, {"q": "wj"}, **headers).content]
    visible = Customer.objects.filter(pk__in=[c.pk for c in customers])
    for customer in visible:
        response = client.get(f"{LIST}{customer.pk}/", **headers)
        if response.status_code == 200:
            out.append(response.content)
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["alice", "mgr_zj", "charlie", "sup", "admin"])
def test_list_and_card_are_byte_for_byte_drfs(cast, varied, api, plain, who, language):
    user = getattr(cast, who)
    fast = bodies(api, user, varied, language)
    plain()
    assert bodies(api, user, varied, language) == fast
    # the comparison saw what it is meant to compare
    assert len(fast) > 2
    joined = b"".join(fast).decode()
    assert "华润万家" in joined
    if who in ("alice", "admin", "sup"):
        assert "13912345678" in joined and "1980-08-15" in joined
    if who in ("mgr_zj", "charlie"):
        assert "139****5678" in joined and "13912345678" not in joined
