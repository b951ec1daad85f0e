"""Reads of trading data, always inside the user's customer scope."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.orders.models import Order, OrderLine, OrderStatus, Payment, Product, ReturnClaim
from outletcrm.org.models import User


def order_list(*, user: User, customer: Customer | None = None) -> QuerySet:
    """Orders the user may see (through the customer's scope), newest first."""
    qs = scoping.restrict(Order.objects.all(), user, via="customer__")
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("customer", "rep").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


def order_get(*, user: User, pk) -> Order:
    """One order in scope, or Http404."""
    return scoping.get_in_scope(order_list(user=user), user, via="customer__", pk=pk)


def product_list(*, competitor: bool | None = False) -> QuerySet:
    """Active products; competitor products only when asked."""
    qs = Product.objects.filter(is_active=True)
    return qs if competitor is None else qs.filter(is_competitor=competitor)


@dataclass
class CreditRecord:
    """A customer's balance and payment punctuality over the last 12 months (brief §4)."""

    ordered: Decimal
    paid: Decimal
    returned: Decimal
    outstanding: Decimal
    orders_due: int
    paid_on_time: int
    average_days_late: float
    max_days_late: int

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.paid_on_time / self.orders_due, 2) if self.orders_due else None


def customer_credit(customer: Customer, *, today: datetime.date | None = None) -> CreditRecord:
    """Balance and punctuality: days late = payment completion (or today) minus due date."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=365)
    live = Order.objects.filter(customer=customer).exclude(status=OrderStatus.CANCELLED)
    ordered = live.aggregate(s=Sum("total"))["s"] or Decimal("0")
    paid = Payment.objects.filter(customer=customer).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    returned = (ReturnClaim.objects.filter(customer=customer).aggregate(s=Sum("amount"))["s"]
                or Decimal("0"))
    due_orders = live.filter(due_date__gte=since, due_date__lte=today).prefetch_related(
        "payments", "returns")
    lateness = []
    for order in due_orders:
        remaining = order.total - sum((r.amount for r in order.returns.all()), Decimal("0"))
        settled_on = None
        for payment in sorted(order.payments.all(), key=lambda p: p.paid_at):
            remaining -= payment.amount
            if remaining <= 0:
                settled_on = timezone.localdate(payment.paid_at)
                break
        end = settled_on or today
        lateness.append(max((end - order.due_date).days, 0) if (settled_on or end > order.due_date)
                        else 0)
    return CreditRecord(
        ordered=ordered, paid=paid, returned=returned,
        outstanding=max(ordered - paid - returned, Decimal("0")),
        orders_due=len(lateness), paid_on_time=sum(1 for d in lateness if d == 0),
        average_days_late=round(sum(lateness) / len(lateness), 1) if lateness else 0.0,
        max_days_late=max(lateness, default=0),
    )
