"""The custodian's desk in the demo (issue 10): a few suspected duplicates, as reps really
make them (a shop's phone filed again on another record; the same shop filed twice under one
name and address; a near-identical name a few metres away), found by the scan; and one change
to a key field waiting in the custodian's approval inbox.

The duplicates are made by turning existing demo outlets into copies of others, so the
company keeps the number of outlets asked for."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.customers.services import _refresh_keys
from outletcrm.demo.services import require_demo_allowed
from outletcrm.governance.models import DuplicatePair, PendingChange
from outletcrm.governance.services import duplicates_scan, pending_create_update

PLACE = ("province", "city", "district", "address", "latitude", "longitude")


def _become(copy: Customer, **values) -> None:
    for name, value in values.items():
        setattr(copy, name, value)
    _refresh_keys(copy)
    copy.save()


@transaction.atomic
def seed_governance() -> dict:
    """Plant three duplicates among the demo outlets, scan, and leave one pending change."""
    require_demo_allowed()
    live = (Customer.objects.live().filter(owner__is_demo=True, latitude__isnull=False)
            .exclude(phone="").select_related("owner").order_by("pk"))
    # The records that move take the place of another: only outlets nobody visited yet, so
    # the field month's check-in distances stay true.
    unvisited = list(live.filter(visits__isnull=True)[:2])
    picked = list(live.exclude(pk__in=[c.pk for c in unvisited])[:5])
    if len(picked) < 5 or len(unvisited) < 2:
        return {"pairs": 0, "pending": 0}
    phone_a, phone_b, same_a, near_a, renamed = picked
    same_b, near_b = unvisited
    _become(phone_b, phone=phone_a.phone)
    _become(same_b, name=same_a.name, **{n: getattr(same_a, n) for n in PLACE})
    _become(near_b, name=f"{near_a.name}.", **{n: getattr(near_a, n) for n in PLACE[:4]},
            latitude=near_a.latitude + Decimal("0.000030"), longitude=near_a.longitude)
    summary = duplicates_scan(timezone.localdate())
    # A rep asks to rename one of his outlets; it waits for the custodian.
    pending_create_update(actor=renamed.owner, customer=renamed,
                          changes={"name": f"{renamed.name}(更名)"})
    return {"pairs": summary["open"], "pending": 1}


def governance_reset() -> int:
    """Remove the demo's requests (they protect their requesters); pairs go with customers."""
    deleted = PendingChange.objects.filter(requested_by__is_demo=True).delete()[0]
    DuplicatePair.objects.filter(customer_a__owner__is_demo=True).delete()
    return deleted
