"""Panels on the customer's page (core.panels): its development, and whom it referred."""

from outletcrm.core import scoping
from outletcrm.core.panels import register_customer_panel
from outletcrm.pipeline import selectors
from outletcrm.pipeline.services import PROSPECT_STATUSES


def pipeline_panel(request, customer) -> dict | None:
    """The customer's development: stage, owner, next action; or a button to start one."""
    if not scoping.can_see_prospects(request.user):
        return None
    prospect = selectors.open_prospect_for(customer.pk)
    can_open = (prospect is None or prospect.outcome == "lost") and (
        customer.status in PROSPECT_STATUSES and customer.archived_at is None
        and scoping.can_work_prospects(request.user))
    if prospect is None and not can_open:
        return None
    return {"prospect": prospect, "can_open": can_open, "customer": customer}


def referrals_panel(request, customer) -> dict | None:
    """Whom the customer brought (转介绍) and what they bought, inside the reader's scope."""
    referred = selectors.referrals_of(user=request.user, customer_id=customer.pk)
    if not referred:
        return None
    total = sum((c.order_total or 0) for c in referred)
    return {"referred": referred, "total": total}


register_customer_panel("pipeline/customer_panel.html", pipeline_panel)
register_customer_panel("pipeline/referrals_panel.html", referrals_panel)
