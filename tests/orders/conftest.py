"""Catalogue and order helpers for the orders tests (on top of the cast in tests/conftest.py)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from outletcrm.orders.models import PriceList, PriceListItem
from outletcrm.orders.services import order_create
from tests.factories import ProductFactory


@pytest.fixture
def catalogue(db):
    """Two of our products priced in the default list, one unpriced, a competitor's, a retired one."""
    water = ProductFactory(code="W500", name="天然矿泉水", brand="本品", spec="500ml×24")
    tea = ProductFactory(code="T250", name="冰红茶", brand="本品", spec="250ml×24")
    unpriced = ProductFactory(code="N001", name="新品试销", brand="本品")
    rival = ProductFactory(code="X900", name="竞品矿泉水", brand="竞品甲", is_competitor=True)
    retired = ProductFactory(code="OLD1", name="停产饮料", brand="本品", is_active=False)
    standard = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=standard, product=water, unit_price=Decimal("10.00"))
    PriceListItem.objects.create(price_list=standard, product=tea, unit_price=Decimal("25.50"))
    PriceListItem.objects.create(price_list=standard, product=rival, unit_price=Decimal("9.00"))
    return SimpleNamespace(**locals())


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware local datetime on `day`."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def make_order(catalogue):
    """order(rep, customer, quantity=…, day=…, due=…): one line of water at ¥10."""

    def _make(rep, customer, *, quantity=10, day=None, due=None, price=None, **kwargs):
        line = {"product": catalogue.water, "quantity": quantity}
        if price is not None:
            line["unit_price"] = price
        order, _created = order_create(
            actor=rep, customer=customer, lines=[line],
            ordered_at=at(day) if day else None, due_date=due, **kwargs)
        return order

    return _make


@pytest.fixture
def page_client():
    """A browser-like client per user: `page_client(cast.sup)` (English pages by default;
    `language=None` reads them in the default language, Simplified Chinese)."""
    from django.test import Client

    def _make(user, *, language="en"):
        client = Client()
        client.force_login(user)
        if language:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return _make
