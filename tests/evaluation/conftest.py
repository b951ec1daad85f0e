"""Helpers of the evaluation tests: a small model built through the service, orders placed a
number of days before the run day."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings

from outletcrm.evaluation.models import ScoringModel
from outletcrm.evaluation.services import scoring_model_save
from outletcrm.orders.models import Order

DAY = datetime.date(2026, 6, 10)
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def place_orders(customer, days_ago, total=100, *, day=DAY, status="delivered") -> list[Order]:
    values = total if isinstance(total, list) else [total] * len(days_ago)
    orders = []
    for n, value in zip(days_ago, values, strict=True):
        at = datetime.datetime.combine(day - datetime.timedelta(days=n), datetime.time(10),
                                       tzinfo=TZ)
        orders.append(Order(customer=customer, rep=customer.owner, ordered_at=at,
                            total=Decimal(value), status=status, client_id=uuid.uuid4(),
                            code=f"T{uuid.uuid4().hex[:12]}"))
    return Order.objects.bulk_create(orders)


def small_model(admin, *, weights=(40, 40), is_active=True, **extra):
    """Two indicators: 12-month order value (standard 1,000) and a hand-entered score
    (standard 10); bands A ≥ 80 (key), B ≥ 50 (ordinary), C ≥ 0."""
    ScoringModel.objects.filter(is_active=True).update(is_active=False)
    return scoring_model_save(
        actor=admin, name=extra.get("name", "测试模型"), is_active=is_active,
        indicators=[
            {"code": "value", "name": "进货额", "source": "orders", "source_key": "value_12m",
             "weight": weights[0], "standard": 1000, "cap": "1.5"},
            {"code": "mgmt", "name": "管理", "source": "manual", "source_key": "mgmt",
             "weight": weights[1], "standard": 10},
        ],
        bands=[{"grade": "A", "min_score": 80, "customer_class": "key"},
               {"grade": "B", "min_score": 50, "customer_class": "ordinary"},
               {"grade": "C", "min_score": 0}])


@pytest.fixture
def model(cast):
    return small_model(cast.admin)
