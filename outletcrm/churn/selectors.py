"""Reads of the churn watch, inside the reader's data scope (core.scoping)."""

from django.shortcuts import get_object_or_404

from outletcrm.churn.choices import FlagStatus
from outletcrm.churn.models import ChurnFlag
from outletcrm.core import scoping


def flag_list(*, user, status: str | None = FlagStatus.OPEN, customer_id: int | None = None):
    """Flags of customers the user may see (open ones by default), newest first."""
    flags = scoping.restrict(ChurnFlag.objects.all(), user, via="customer__").select_related(
        "customer", "customer__owner", "handled_by")
    if status:
        flags = flags.filter(status=status)
    if customer_id:
        flags = flags.filter(customer_id=customer_id)
    return flags.order_by("-raised_on", "-id")


def flag_get(*, user, pk: int) -> ChurnFlag:
    """One flag in scope; 404 like a missing one otherwise."""
    return get_object_or_404(flag_list(user=user, status=None), pk=pk)
