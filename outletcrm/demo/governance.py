"""The custodian's desk in the demo (issue 10): a few suspected duplicates, as reps really
file them (the same shop twice under a slightly different name, with the same phone; the same
name and address; a near-identical name a few metres away), found by the scan; and one change
to a key field waiting in the custodian's approval inbox."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.customers.services import customer_create
from outletcrm.demo.services import require_demo_allowed
from outletcrm.governance.models import DuplicatePair, PendingChange
from outletcrm.governance.services import duplicates_scan, pending_create_update


def _copy(original: Customer, **changes) -> Customer:
    """File `original` again, as a rep who did not search first would (no duplicate check)."""
    fields = {name: getattr(original, name) for name in (
        "name", "outlet_type", "channel", "province", "city", "district", "address",
        "latitude", "longitude", "phone", "status", "owner")}
    fields.update(changes)
    return customer_create(actor=fields["owner"], check_duplicates=False, approval=False,
                           **fields)


@transaction.atomic
def seed_governance() -> dict:
    """Plant three duplicates among the demo outlets, scan, and leave one pending change."""
    require_demo_allowed()
    live = Customer.objects.live().filter(owner__is_demo=True).select_related("owner")
    with_phone = live.exclude(phone="").filter(latitude__isnull=False).order_by("pk")
    originals = list(with_phone[:3])
    if len(originals) < 3:
        return {"pairs": 0, "pending": 0}
    first, second, third = originals
    _copy(first, name=f"{first.name}(分店)", address=f"{first.address}附近")
    _copy(second, phone="")
    _copy(third, name=f"{third.name}.", phone="", address="",
          latitude=third.latitude + Decimal("0.000150"), longitude=third.longitude)
    summary = duplicates_scan(timezone.localdate())
    # A rep asks to rename one of his outlets; it waits for the custodian.
    target = live.exclude(pk__in=[c.pk for c in originals]).order_by("pk").first()
    pending = 0
    if target is not None and not PendingChange.objects.filter(customer=target).exists():
        pending_create_update(actor=target.owner, customer=target,
                              changes={"name": f"{target.name}(更名)"})
        pending = 1
    return {"pairs": summary["open"], "pending": pending}


def governance_reset() -> int:
    """Remove the demo's requests (they protect their requesters); pairs go with customers."""
    deleted = PendingChange.objects.filter(requested_by__is_demo=True).delete()[0]
    DuplicatePair.objects.filter(customer_a__owner__is_demo=True).delete()
    return deleted
