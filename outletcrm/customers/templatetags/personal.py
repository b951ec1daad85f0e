"""Contacts' personal details on a page, as the viewer may see them (customers/privacy.py)."""

import datetime

from django import template
from django.urls import reverse

from outletcrm.customers import privacy

register = template.Library()


def field_context(*, contact, field: str, view: privacy.PersonalDataView, customer=None,
                  revealed=None) -> dict:
    """What the _personal_field template needs; `revealed` is the value after a "show"."""
    customer = customer or contact.customer
    full = revealed is not None or view.full(customer)
    value = revealed if revealed is not None else view.value(contact, field, customer=customer)
    if full and isinstance(value, datetime.date):
        value = value.strftime("%Y-%m-%d")
    return {
        "contact": contact, "field": field, "value": value or "", "full": full,
        "may_reveal": not full and bool(getattr(contact, field)) and view.may_reveal(customer),
        "reveal_url": reverse("customers:contact_reveal",
                              args=[customer.pk, contact.pk, field]),
    }


@register.inclusion_tag("customers/_personal_field.html", takes_context=True)
def personal_field(context, contact, field, customer=None):
    """One personal field of a contact: in full, or masked with a "show" button when the
    viewer's role may ask for it (each showing is logged)."""
    view = privacy.personal_view(context["request"])
    return field_context(contact=contact, field=field, view=view, customer=customer)
