"""The demo company's privacy and handover (issue 10 items 5, 6): what `make demo` shows.

* A completed handover in the history: rep02 moved to another area, so sup01 gave six of his
  customers to rep01 (the history of each shows the change of owner; 外勤管理 › 客户交接).
* Masked personal details need nothing seeded: log in as `mgr01` or `kefu01` and open any
  customer: contacts' mobiles read 138****5678, birthdays their month, interests hidden, with a
  "显示" button that shows one field and logs it. `rep01` sees his own customers in full.
"""

import datetime

from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.handover.models import Handover
from outletcrm.handover.services import handover_run
from outletcrm.org.models import User


def seed_handover(*, now: datetime.datetime | None = None) -> dict:
    """One handover by sup01: six of rep02's customers to rep01, with their open work."""
    sup = User.objects.filter(username="sup01", is_demo=True).first()
    rep01 = User.objects.filter(username="rep01", is_demo=True).first()
    rep02 = User.objects.filter(username="rep02", is_demo=True).first()
    if not (sup and rep01 and rep02) or rep01.team_id != rep02.team_id:
        return {"handed_over": 0}
    # Customers off rep02's routes and plans, so the demo's routes and KPIs stay as designed
    # (a handover of routed customers moves their route stops and planned visits too).
    ids = list(Customer.objects.live().filter(owner=rep02, route_stops__isnull=True)
               .exclude(planned_stops__date__gte=timezone.localdate(now))
               .order_by("pk").values_list("pk", flat=True)[:6])
    if not ids:
        return {"handed_over": 0}
    handover = handover_run(actor=sup, from_rep=rep02, to_reps=[rep01], customer_ids=ids,
                            reason="调岗：rep02 转去新片区，这几家交给 rep01", channel="web")
    if now is not None:  # the demo's clock: the handover happened a week before "today"
        Handover.objects.filter(pk=handover.pk).update(
            created_at=now - datetime.timedelta(days=7))
    return {"handed_over": len(ids), "at": timezone.localtime(handover.created_at).isoformat()}


def handover_reset() -> int:
    """Handovers of demo logins (they protect the departing rep's login)."""
    return Handover.objects.filter(from_rep__is_demo=True).delete()[0]
