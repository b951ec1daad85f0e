"""The customer list and card read through the fast serializer path (core/fastserialize.py,
issue 11) are byte for byte what DRF's plain serializers give: for owners (personal data in
full), a manager (masked, on request), a borrower (masked), in Chinese and in English, for
customers with and without classes, coordinates, tags, contacts, competitors, referrals,
opening hours, and archived ones.

The list is not even built from model instances (issue 11: selectors.customer_list_rows reads
tuples, serializers.customer_list_data makes the rows): "plain" here is the list as DRF's
generic view makes it, CustomerListSerializer over the model instances of
selectors.customer_list with the tags prefetched, for every filter, ordering and page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from outletcrm.access import services as access_services
from outletcrm.core import fastserialize
from outletcrm.core.accesslog import Action, access_record
from outletcrm.customers import api as api_module
from outletcrm.customers import selectors
from outletcrm.customers.models import Customer, Tag
from outletcrm.customers.serializers import CustomerListSerializer
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    customer_class,
    outlet_type,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"


def plain_list(self, request):
    """The customer list as DRF's generic list view makes it: the serializer over model
    instances, tags prefetched."""
    customers = selectors.customer_list(user=request.user, filters=api_module.filters_from(
        request)).prefetch_related("tags")
    page = self.paginate_queryset(customers)
    return self.get_paginated_response(CustomerListSerializer(page, many=True).data)


def plain_retrieve(self, request, *args, **kwargs):
    """The card as served before its values read (issue 11): the model, its serializer."""
    record = selectors.customer_get(user=request.user, pk=self.kwargs["pk"])
    access_record(request, customers=[record], action=Action.API_VIEW)
    return Response(self.get_serializer(record).data, headers={"ETag": f'"{record.version}"'})


@pytest.fixture
def plain(monkeypatch):
    """Switch the fast paths off: DRF's own to_representation and get_fields, and the list
    from model instances through CustomerListSerializer."""

    def use_plain():
        monkeypatch.setattr(fastserialize.FastRepresentationMixin, "to_representation",
                            lambda self, instance: serializers.Serializer.to_representation(
                                self, instance))
        monkeypatch.setattr(fastserialize.CachedFieldsMixin, "get_fields",
                            lambda self: super(fastserialize.CachedFieldsMixin, self).get_fields())
        monkeypatch.setattr(api_module.CustomerViewSet, "list", plain_list)
        # The card: model instances through CustomerSerializer, not the values read.
        monkeypatch.setattr(api_module.CustomerViewSet, "retrieve", plain_retrieve)

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
    archived = CustomerFactory(name="已关门药店", owner=cast.alice, outlet_type=outlet_type(
        "pharmacy"), archived_at=timezone.now(), archive_reason="关店", channel="medical",
        status="lost", abc_class=customer_class("c"), tags=tags[1:])
    others = [CustomerFactory(name=f"杂货铺{n}", owner=cast.bob, status=status,
                              outlet_type=outlet_type("grocery"), channel=channel,
                              latitude=Decimal("-0.000001") if n else None,
                              longitude=Decimal("0") if n else None)
              for n, (status, channel) in enumerate(
                  [("active", "traditional"), ("dormant", "wholesale"), ("intent", "other")])]
    # an owner without a display name (shown by username), a class without an English name
    nameless = UserFactory(username="zhao", display_name="", team=cast.alice.team)
    plain_class = customer_class("ordinary")
    plain_class.name_en = ""
    plain_class.save()
    others.append(CustomerFactory(name="无名氏的店", owner=nameless, customer_class=plain_class,
                                  abc_class=customer_class("a"), tags=tags))
    # Alice's customer lent to Charlie (another team): he reads it, masked.
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=cast.charlie, customer_ids=[full.pk], purpose="ride_along", reason="随访",
        starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access_services.borrow_decide(actor=cast.custodian, borrow=borrow, approve=True)
    return [full, referred, archived, cast.alice_customer, cast.charlie_customer, *others]


def list_queries(cast, customers):
    """Query strings of the list: filters, search, every ordering, pages."""
    full = customers[0]
    queries = [
        {"archived": "all", "page_size": 200}, {}, {"archived": "archived"},
        {"q": "wj"}, {"q": "华润"}, {"q": "zd"}, {"q": "057188001234"}, {"q": "13912345678"},
        {"status": "active"}, {"channel": "medical", "archived": "all"},
        {"customer_class": full.customer_class_id}, {"abc_class": customer_class("a").pk},
        {"outlet_type": outlet_type("grocery").pk}, {"owner": cast.bob.pk},
        {"tag": full.tags.order_by("pk").first().pk}, {"region": cast.bob.team.region_id},
        {"consent": "yes"}, {"consent": "no", "archived": "all"},
        {"page_size": 2}, {"page_size": 2, "page": 2}, {"page_size": 2, "page": 3},
        {"page_size": 2, "page": "last", "q": "d"},
    ]
    from outletcrm.customers.selectors import ORDERINGS

    queries += [{"ordering": key, "archived": "all"} for key in ORDERINGS]
    queries += [{"ordering": key, "page_size": 3, "page": 2} for key in ("-name", "class")]
    return queries


def bodies(api, user, customers, language, cast=None):
    client = api(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    out = []
    for query in list_queries(cast, customers):
        response = client.get(LIST, query, **headers)
        assert response.status_code in (200, 404), (query, response.content)
        out.append((response.status_code, response.content))
    visible = Customer.objects.filter(pk__in=[c.pk for c in customers])
    for customer in visible:
        response = client.get(f"{LIST}{customer.pk}/", **headers)
        if response.status_code == 200:
            out.append((200, response.content))
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["alice", "mgr_zj", "charlie", "sup", "admin"])
def test_list_and_card_are_byte_for_byte_drfs(cast, varied, api, plain, who, language):
    user = getattr(cast, who)
    fast = bodies(api, user, varied, language, cast)
    plain()
    assert bodies(api, user, varied, language, cast) == fast
    # the comparison saw what it is meant to compare
    assert len(fast) > 2
    joined = b"".join(body for _, body in fast).decode()
    assert "华润万家" in joined
    if who in ("alice", "admin", "sup"):
        assert "13912345678" in joined and "1980-08-15" in joined
    if who in ("mgr_zj", "charlie"):
        assert "139****5678" in joined and "13912345678" not in joined
