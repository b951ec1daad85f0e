"""Template helpers for trading data, and the customer page's trading categories."""

import datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone

from outletcrm.orders.selectors import customer_trading as select_customer_trading

register = template.Library()

STATUS_COLOURS = {
    "submitted": "info",
    "confirmed": "primary",
    "delivered": "success",
    "cancelled": "secondary",
}


@register.filter
def money(value) -> str:
    """¥1,234.50; a dash for nothing."""
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    return f"¥{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)}"


@register.filter
def order_status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def is_past(day) -> bool:
    """True for a date before today (local)."""
    return isinstance(day, datetime.date) and day < timezone.localdate()


@register.filter
def percent(fraction) -> str:
    """A fraction as a percentage without trailing zeros: 0.125 → "12.5"."""
    try:
        value = (Decimal(str(fraction)) * 100).quantize(Decimal("0.01")).normalize()
    except (ArithmeticError, TypeError, ValueError):
        return ""
    return f"{value:f}"


@register.inclusion_tag("orders/_customer_trading.html")
def customer_trading(customer, user):
    """The archive's trading categories for a customer page (brief §7).

    Contracts and orders; receivables and repayments; trading history; returns, claims and
    discounts; and the credit record (brief §4). Renders nothing for a customer out of scope.
    """
    return {"trading": select_customer_trading(user=user, customer=customer), "user": user}
