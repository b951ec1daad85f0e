"""The care section of the customer page (included by customers/detail.html, like the
trading section of orders): family events, gifts against the yearly budget, busy hours."""

from decimal import Decimal

from django import template
from django.utils import timezone

from outletcrm.care import services
from outletcrm.care.models import CareProfile, FamilyEvent, Gift

register = template.Library()


@register.inclusion_tag("care/_customer_care.html")
def customer_care(customer, user):
    """Family events and gifts of a customer the page already found in the user's scope."""
    year = timezone.localdate().year
    # One query for the gifts: a customer gets a few a year, so the year's total is summed
    # here rather than asked of the database separately.
    gifts = list(Gift.objects.filter(customer=customer).select_related("contact", "chosen_by"))
    total = sum((g.value for g in gifts if g.date.year == year), Decimal("0"))
    return {
        "customer": customer,
        "events": FamilyEvent.objects.filter(customer=customer).select_related("contact"),
        "gifts": gifts[:20],
        "budget": services.GiftBudget(year=year, total=total,
                                      budget=services.gift_budget(customer)),
        "profile": CareProfile.objects.filter(customer=customer).first(),
    }
