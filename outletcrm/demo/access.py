"""Archive access in the demo (issue 10 items 2–3): the custodian's desk has a borrowing
request to decide and an access anomaly to look at.

- A borrowing request: a rep asks to read, for a ride-along, an outlet of a rep in another
  team; it waits in the custodian's inbox (/access/borrow/inbox/).
- An access anomaly: five weeks of ordinary card views by the demo reps (a handful a working
  day each), then one rep who opens far more of his cards today than his usual and his peers,
  and exported the list late last night; the summary job has run, so the custodian's access
  report (/access/report/, this month) lists him with the reasons.

The log rows are written in bulk here (the demo is not the hot path); the summary is the real
job's function."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from outletcrm.access.services import access_summarise_day, borrow_request_create
from outletcrm.core import workcal
from outletcrm.core.models import AccessDaily, AccessLog, BorrowRequest
from outletcrm.customers.models import Customer
from outletcrm.demo.services import require_demo_allowed
from outletcrm.org.models import Role, User

HISTORY_DAYS = 35
SPIKE_VIEWS = 120
AGENT = "Mozilla/5.0 (demo)"


def _row(user, at, action, customer_id=None, row_count=1):
    return AccessLog(user_id=user.pk, at=at, action=action, customer_id=customer_id,
                     row_count=row_count, ip="10.8.0.23", user_agent=AGENT,
                     path=f"/customers/{customer_id}/" if customer_id else "/customers/export/")


@transaction.atomic
def seed_access(*, now: datetime.datetime | None = None, seed: int = 42) -> dict:
    """Plant a pending borrowing request and an access anomaly; summarise the log."""
    require_demo_allowed()
    now = now or timezone.now()
    rng = random.Random(seed)
    reps = list(User.objects.filter(is_demo=True, role=Role.REP, is_active=True)
                .order_by("username"))
    if len(reps) < 2:
        return {"borrow_requests": 0, "log_rows": 0}
    own = {rep.pk: list(Customer.objects.live().filter(owner=rep)
                        .order_by("pk").values_list("pk", flat=True)) for rep in reps}
    # The borrowing request: the first rep asks for an outlet of a rep in another team.
    borrower = reps[0]
    lender = next((r for r in reps if r.team_id != borrower.team_id and own[r.pk]), None)
    requests = 0
    if lender is not None:
        today = timezone.localdate()  # a request starts today at the earliest
        borrow_request_create(
            actor=borrower, customer_ids=[own[lender.pk][0]], purpose="ride_along",
            reason="下周随主管到该片区协访，需先了解这家店的情况",
            starts_on=today, ends_on=today + datetime.timedelta(days=2))
        requests = 1
    # The access log: ordinary working days, then one rep's spike today.
    local_now = timezone.localtime(now)
    today = local_now.date()
    rows = []
    for back in range(HISTORY_DAYS, -1, -1):
        day = today - datetime.timedelta(days=back)
        if not workcal.is_workday(day):
            continue
        for rep in reps:
            cards = own[rep.pk]
            if not cards:
                continue
            for _ in range(rng.randint(6, 14)):
                at = timezone.make_aware(datetime.datetime.combine(
                    day, datetime.time(rng.randint(8, 17), rng.randint(0, 59))))
                if at < now:
                    rows.append(_row(rep, at, AccessLog.Action.VIEW, rng.choice(cards)))
    leaver = reps[-1]
    cards = own[leaver.pk] or own[reps[0].pk]
    start = max(now - datetime.timedelta(seconds=15 * SPIKE_VIEWS),
                timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)))
    step = (now - start) / (SPIKE_VIEWS + 1)
    rows += [_row(leaver, start + step * (i + 1), AccessLog.Action.VIEW, cards[i % len(cards)])
             for i in range(SPIKE_VIEWS)]
    late = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=1),
                                                         datetime.time(22, 47)))
    rows.append(_row(leaver, late, AccessLog.Action.EXPORT, row_count=len(cards)))
    AccessLog.objects.bulk_create(rows, batch_size=2000)
    for back in range(HISTORY_DAYS, -1, -1):
        access_summarise_day(today - datetime.timedelta(days=back))
    return {"borrow_requests": requests, "log_rows": len(rows), "anomaly": leaver.username}


def access_reset() -> int:
    """Remove the demo logins' borrowing requests, access-log rows and summaries (the log
    holds plain user ids, so deleting the logins would leave them behind)."""
    ids = list(User.objects.filter(is_demo=True).values_list("pk", flat=True))
    deleted = BorrowRequest.objects.filter(requester_id__in=ids).delete()[0]
    deleted += AccessLog.objects.filter(user_id__in=ids).delete()[0]
    deleted += AccessDaily.objects.filter(user_id__in=ids).delete()[0]
    return deleted
