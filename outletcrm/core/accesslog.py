"""The access log (查询制度, brief §7; issue 10 item 2): every look at a customer's card.

Pages and API views call `access_record` once per request. It has to stay cheap — the
customer page pays for it on every view (bench/access_bench.py measures it against the bar
"under 2 ms at the p95 at 100,000 outlets") — so it reads nothing (whether the customer was
borrowed is decided from the loaded record, scoping.in_own_scope; the address and browser from
the request) and, inside a request, writes nothing either: the rows wait in the worker's
memory and are written by one plain INSERT (no model instances, no signals, autocommit) when
the request finishes — Django's `request_finished`, which the WSGI server sends after the
response has gone out to the browser. So the user never waits for the log, and the log still
has a row for every response served, including errors after the look. Outside a request (a
command, a test calling a view directly) the INSERT runs at once. A worker killed between the
response and the INSERT loses that request's rows (docs/access.md).

The reports never read these rows directly: the "access-summary" job sums them into
core.AccessDaily, and "access-purge" deletes raw rows after settings.ACCESS_LOG_KEEP_DAYS.
"""

import logging
import threading

from django.core.signals import request_finished, request_started
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from outletcrm.core import logins, scoping
from outletcrm.core.models import AccessLog

Action = AccessLog.Action
TABLE = AccessLog._meta.db_table
COLUMNS = "user_id, at, action, customer_id, row_count, borrowed, ip, user_agent, path"
# Rows waiting for the end of the request; a safety bound so nothing grows without limit.
MAX_PENDING = 500

_state = threading.local()
log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """The caller's address as the server saw it (behind the trusted proxy, its forwarded
    address: core/logins.py decides which header to trust, so both logs agree)."""
    return (logins.client_ip(request) or "")[:45]


def access_record(request: HttpRequest, *, action: str, customers=(), row_count: int = 1,
                  user=None) -> None:
    """Record that the request's user looked at `customers` (loaded records, or none for an
    export, with `row_count`). No query during the request; one INSERT when it finishes."""
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
    pending = getattr(_state, "pending", None)
    if pending is None:  # not inside a request of this thread: write now
        _insert(rows)
        return
    pending.extend(rows)
    if len(pending) >= MAX_PENDING:
        flush()


def _insert(rows: list[tuple]) -> None:
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES {values}",  # noqa: S608 - constant table and columns, values are parameters
                       [v for row in rows for v in row])


def flush() -> None:
    """Write the rows recorded so far in this request (one INSERT)."""
    pending = getattr(_state, "pending", None)
    if pending:
        rows = pending[:]
        pending.clear()
        _insert(rows)


def _request_started(**kwargs) -> None:
    if getattr(_state, "pending", None):  # a server that never closed the last response
        _request_finished()
    _state.pending = []


def _request_finished(**kwargs) -> None:
    try:
        flush()
    except Exception:  # the response is already out: say so loudly, keep the worker serving
        log.exception("access log: a request's rows could not be written")
    finally:
        _state.pending = None


request_started.connect(_request_started, dispatch_uid="outletcrm.accesslog.started")
request_finished.connect(_request_finished, dispatch_uid="outletcrm.accesslog.finished")


def opened_from_search(request: HttpRequest) -> bool:
    """A card opened from the customer list with a search typed (its address carries q=)."""
    referer = request.headers.get("Referer") or ""
    return "/customers/?" in referer and ("q=" in referer.split("?", 1)[1])
