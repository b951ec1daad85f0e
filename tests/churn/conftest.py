"""Helpers of the churn tests: orders placed a number of days before the scan day."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings

from outletcrm.orders.models import Order

# A Wednesday of an ordinary week (the task's due date counts working days).
DAY = datetime.date(2026, 6, 10)
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def place_orders(customer, days_ago, total=100, *, day=DAY, status="delivered") -> list[Order]:
    """Orders of `customer` at 10:00 local time `days_ago` days before `day` (bulk)."""
    values = total if isinstance(total, list) else [total] * len(days_ago)
    orders = []
    for n, value in zip(days_ago, values, strict=True):
        at = datetime.datetime.combine(day - datetime.timedelta(days=n), datetime.time(10),
                                       tzinfo=TZ)
        orders.append(Order(customer=customer, rep=customer.owner, ordered_at=at,
                            total=Decimal(value), status=status, client_id=uuid.uuid4(),
                            code=f"T{uuid.uuid4().hex[:12]}"))
    return Order.objects.bulk_create(orders)


@pytest.fixture
def churn_cast(cast):
    """The cast with its three customers active."""
    from outletcrm.customers.models import Customer

    Customer.objects.filter(pk__in=[cast.alice_customer.pk, cast.bob_customer.pk,
                                    cast.charlie_customer.pk]).update(status="active")
    for c in (cast.alice_customer, cast.bob_customer, cast.charlie_customer):
        c.refresh_from_db()
    return cast
