"""The churn banner on the customer's page (core.panels)."""

from outletcrm.churn.choices import FlagStatus
from outletcrm.churn.models import ChurnFlag
from outletcrm.core.panels import register_customer_panel


def churn_banner(request, customer) -> dict | None:
    """The customer's open flag with its evidence (the customer is in the reader's scope)."""
    flag = ChurnFlag.objects.filter(customer_id=customer.pk, status=FlagStatus.OPEN).first()
    if flag is None:
        return None
    return {"flag": flag}


register_customer_panel("churn/customer_banner.html", churn_banner)
