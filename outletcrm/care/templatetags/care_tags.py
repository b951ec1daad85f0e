"""The care section of the customer page (included by customers/detail.html, like the
trading section of orders): family events, gifts against the yearly budget, busy hours."""

from django import template
from django.utils import timezone

from outletcrm.care import services
from outletcrm.care.models import CareProfile, FamilyEvent, Gift

register = template.Library()


@register.inclusion_tag("care/_customer_care.html")
def customer_care(customer, user):
    """Family events and gifts of a customer the page already found in the user's scope."""
    year = timezone.localdate().year
    return {
        "customer": customer,
        "events": FamilyEvent.objects.filter(customer=customer).select_related("contact"),
        "gifts": Gift.objects.filter(customer=customer).select_related("contact", "chosen_by")[:20],
        "budget": services.gift_budget_status(customer, year),
        "profile": CareProfile.objects.filter(customer=customer).first(),
    }
