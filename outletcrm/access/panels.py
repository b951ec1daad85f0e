"""On the customer's page (core.panels): the borrowed-read-only banner and the print link."""

from outletcrm.access.selectors import active_grant
from outletcrm.core import scoping
from outletcrm.core.panels import register_customer_panel


def access_panel(request, customer) -> dict:
    """Always a print link; for a borrowed customer, until when and why it is readable."""
    borrowed = not scoping.in_own_scope(request.user, customer)
    grant = active_grant(user=request.user, customer_id=customer.pk) if borrowed else None
    return {"customer": customer, "grant": grant, "borrowed": borrowed}


register_customer_panel("access/customer_panel.html", access_panel)
