"""Customer care reads, inside the reader's data scope."""

from django.db.models import QuerySet

from outletcrm.care.models import CareRule, FamilyEvent, Gift
from outletcrm.core import scoping


def care_rule_list() -> QuerySet:
    """Care rules are company policy: everyone signed in reads them."""
    return CareRule.objects.prefetch_related("customer_classes").order_by(
        "kind", "festival", "sort_order", "pk")


def family_event_list(*, user) -> QuerySet:
    return scoping.restrict(FamilyEvent.objects.select_related("contact", "customer"), user,
                            via="customer__")


def gift_list(*, user) -> QuerySet:
    return scoping.restrict(Gift.objects.select_related("contact", "chosen_by", "customer"),
                            user, via="customer__")
