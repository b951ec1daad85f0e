"""The access log (查询制度, brief §7; issue 10 item 2): every look at a customer's card.

Pages and API views call `access_record` once per request: one INSERT of one row per customer
shown (a card is one row; an export one row with its row count). It has to stay cheap — the
customer page pays for it on every view (bench/access_bench.py measures it: under 2 ms at
the p95 at 100,000 outlets) — so it reads nothing: whether the customer was borrowed is
decided from the loaded record (scoping.in_own_scope), the address and browser from the
request. The reports never read these rows directly: the nightly "access-summary" job sums
them into core.AccessDaily, and "access-purge" deletes raw rows after
settings.ACCESS_LOG_KEEP_DAYS.
"""

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from outletcrm.core import logins, scoping
from outletcrm.core.models import AccessLog

Action = AccessLog.Action
TABLE = AccessLog._meta.db_table


def client_ip(request: HttpRequest) -> str:
    """The caller's address as the server saw it (behind the trusted proxy, its forwarded
    address: core/logins.py decides which header to trust, so both logs agree)."""
    return (logins.client_ip(request) or "")[:45]


def access_record(request: HttpRequest, *, action: str, customers=(), row_count: int = 1,
                  user=None) -> None:
    """Record that the request's user looked at `customers` (loaded records, or none for an
    export, with `row_count`). One INSERT, whatever the number of customers."""
    user = user or request.user
    if not getattr(user, "is_authenticated", False):
        return
    now = timezone.now()
    ip = client_ip(request)
    agent = (request.headers.get("User-Agent") or "")[:200]
    path = request.path[:200]
    rows = [(user.pk, now, action, c.pk, 1, not scoping.in_own_scope(user, c), ip, agent, path)
            for c in customers] or [(user.pk, now, action, None, row_count, False, ip, agent,
                                     path)]
    # A plain INSERT: no model instances, no save signals; one statement for all rows.
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (user_id, at, action, customer_id, row_count, borrowed, ip, "  # noqa: S608 - constant table name, values are parameters
            f"user_agent, path) VALUES {values}", [v for row in rows for v in row])


def opened_from_search(request: HttpRequest) -> bool:
    """A card opened from the customer list with a search typed (its address carries q=)."""
    referer = request.headers.get("Referer") or ""
    return "/customers/?" in referer and ("q=" in referer.split("?", 1)[1])
