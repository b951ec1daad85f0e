"""The demo company's year of ordering and its churn watch (issue 9, item 3).

The field history (outletcrm.demo.field) covers a month; a churn rule needs a year. For the
active outlets of the demo reps this writes, in bulk, the eleven months of orders before that
month (one line each, from the default price list, with their timeline entries), shaped so the
churn scan has something to find: most outlets keep their rhythm, some fell silent a few
intervals ago (churn flags), some order far less than the quarter before (value flags), some
stopped 90–180 days ago (dormant) or longer (lost), and two that had stopped ordered again in the
field month (won back). Then it runs the nightly scan for today, so `make demo` shows flags with
their evidence on /churn/, on the customers' pages and in the reps' task lists.
"""

import datetime
import random
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy

from outletcrm.churn.models import ChurnScan
from outletcrm.churn.services import scan_churn
from outletcrm.core.timeline import timeline_add_bulk
from outletcrm.customers.models import Customer
from outletcrm.demo.services import _explicit_timestamps, require_demo_allowed
from outletcrm.orders.models import Order, OrderLine, OrderStatus, PriceListItem
from outletcrm.org.models import Role

CENT = Decimal("0.01")
FIELD_DAYS = 31  # the field history's month (demo.field.HISTORY_DAYS) and a day


def churn_exists() -> bool:
    return ChurnScan.objects.exists()


def _history(rng: random.Random, first_ago: int, interval: int) -> list[int]:
    """Days-ago of orders from `first_ago` back to a year, every `interval` days ±20 %."""
    days = []
    ago = first_ago
    while ago <= 365:
        days.append(ago)
        ago += max(2, round(interval * rng.uniform(0.8, 1.2)))
    return days


@transaction.atomic
def seed_churn(*, now: datetime.datetime | None = None, seed: int = 42) -> dict:
    """A year of orders for the demo reps' active outlets, then today's churn scan."""
    require_demo_allowed()
    now = now or timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    rng = random.Random(f"outletcrm-demo-churn-{seed}")
    prices = list(PriceListItem.objects.filter(price_list__is_default=True,
                                               product__is_competitor=False)
                  .values_list("product_id", "unit_price"))
    if not prices:
        return {}
    customers = list(Customer.objects.filter(owner__is_demo=True, owner__role=Role.REP,
                                             archived_at__isnull=True, status="active")
                     .values_list("pk", "owner_id").order_by("pk"))
    field_start = datetime.datetime.combine(today - datetime.timedelta(days=FIELD_DAYS - 1),
                                            datetime.time.min, tzinfo=tz)
    ordering_now = set(Order.objects.filter(ordered_at__gte=field_start)
                       .values_list("customer_id", flat=True))
    won_back = [cid for cid, _owner in customers if cid in ordering_now][:2]

    plans: list[tuple[int, int, list[int], float]] = []  # customer, owner, days ago, value x
    for cid, owner_id in customers:
        interval = rng.choice((7, 10, 14, 14, 21, 30))
        if cid in won_back:
            plans.append((cid, owner_id, _history(rng, rng.randint(120, 160), interval), 1.0))
        elif cid in ordering_now:
            # Ordering in the field month; one in twelve ordered far more the quarter before.
            drop = rng.random() < 1 / 12
            plans.append((cid, owner_id, _history(rng, FIELD_DAYS + rng.randint(0, interval),
                                                  interval), 4.0 if drop else 1.0))
        else:
            r = rng.random()
            if r < 0.45:  # fell silent: flagged by the interval rule
                first = min(85, max(FIELD_DAYS, int(interval * rng.uniform(2.5, 5))))
            elif r < 0.65:
                first = rng.randint(95, 170)  # dormant
            elif r < 0.75:
                first = rng.randint(190, 300)  # lost
            else:
                continue  # never ordered: left alone by the rules
            plans.append((cid, owner_id, _history(rng, first, interval), 1.0))

    next_pk = (Order.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    orders, lines, entries = [], [], []
    for cid, owner_id, days_ago, boost in plans:
        base = Decimal(rng.randint(2, 12))
        for ago in days_ago:
            product_id, price = rng.choice(prices)
            quantity = base * Decimal(boost if ago > 90 else 1) * Decimal(rng.choice((1, 1, 2)))
            amount = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
            at = datetime.datetime.combine(today - datetime.timedelta(days=ago),
                                           datetime.time(rng.randint(9, 17), rng.randint(0, 59)),
                                           tzinfo=tz)
            local = at.date()
            order = Order(pk=next_pk, code=f"O{local:%y%m%d}{next_pk:06d}", customer_id=cid,
                          rep_id=owner_id, client_id=uuid.uuid4(), ordered_at=at,
                          received_at=at, total=amount, status=OrderStatus.DELIVERED,
                          confirmed_at=at + datetime.timedelta(hours=2),
                          delivered_at=at + datetime.timedelta(days=1))
            orders.append(order)
            lines.append(OrderLine(order_id=next_pk, product_id=product_id, quantity=quantity,
                                   unit_price=price, amount=amount))
            entries.append({"customer_id": cid, "kind": "order", "at": at, "source": order,
                            "title": gettext_lazy("Order %(code)s: ¥%(total)s"),
                            "params": {"code": order.code, "total": amount}})
            next_pk += 1
    with _explicit_timestamps(Order._meta.get_field("received_at")):
        Order.objects.bulk_create(orders, batch_size=1000)
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    timeline_add_bulk(entries)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Order]):
            cursor.execute(sql)
    # The two who came back had stopped long enough to be dormant before the field month.
    Customer.objects.filter(pk__in=won_back).update(status="dormant")
    summary = scan_churn(today)
    return {"orders": len(orders), **summary}
