"""Reads of archive governance: the borrowing lists, the access report and its anomalies, and
the export list. Each starts from what the reader may see (core.scoping)."""

import bisect
import datetime
import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from outletcrm.core import scoping
from outletcrm.core.models import AccessDaily, BorrowRequest, ExportRequest
from outletcrm.customers.models import Customer
from outletcrm.org.models import User

CANDIDATE_LIMIT = 10


def borrow_candidates(*, user, text: str) -> list[Customer]:
    """Customers outside `user`'s scope whose code or name is exactly `text` — the borrowing
    form's search. It reveals only the code and name the user already typed: nothing else of
    the record (no address, owner or phone), and nothing for a partial match."""
    text = (text or "").strip()
    if len(text) < 2 or len(text) > 100:
        return []
    found = (Customer.objects.live().filter(merged_into__isnull=True)
             .filter(Q(code__iexact=text) | Q(name=text))
             .only("pk", "code", "name", "owner_id", "team_id", "region_id")
             .order_by("code")[:CANDIDATE_LIMIT * 3])
    return [c for c in found if not scoping.in_own_scope(user, c)][:CANDIDATE_LIMIT]


def _with_items(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("requester", "decided_by").prefetch_related("items")


def customer_names(requests) -> dict[int, tuple[str, str]]:
    """{customer id: (code, name)} for the customers of `requests` (one query)."""
    ids = {item.customer_id for r in requests for item in r.items.all()}
    return {pk: (code, name) for pk, code, name in
            Customer.objects.filter(pk__in=ids).values_list("pk", "code", "name")}


def my_borrow_requests(*, user) -> QuerySet:
    """The user's own borrowing requests, newest first."""
    return _with_items(BorrowRequest.objects.filter(requester_id=user.pk))


def borrow_inbox(*, user, status: str | None = BorrowRequest.Status.PENDING) -> list:
    """Requests the user may decide (pending by default), oldest first."""
    if not scoping.is_archive_keeper(user):
        return []
    requests = _with_items(BorrowRequest.objects.exclude(requester_id=user.pk))
    if status:
        requests = requests.filter(status=status)
    regions = scoping.kept_region_ids(user)
    if regions is not None:
        requests = requests.filter(items__region_id__in=regions).distinct()
    return [r for r in requests.order_by("created_at", "pk")[:200]
            if scoping.can_decide_borrowing(user, r)]


def borrow_get(*, user, pk: int) -> BorrowRequest | None:
    """A request the user filed or may decide; None otherwise (a 404 to the caller)."""
    borrow = _with_items(BorrowRequest.objects.filter(pk=pk)).first()
    if borrow is None:
        return None
    if borrow.requester_id == user.pk or scoping.can_decide_borrowing(user, borrow):
        return borrow
    return None


def active_grant(*, user, customer_id: int) -> BorrowRequest | None:
    """The approved request through which `user` reads the customer now, if any."""
    now = timezone.now()
    return BorrowRequest.objects.filter(
        requester_id=user.pk, status=BorrowRequest.Status.APPROVED, starts_at__lte=now,
        ends_at__gt=now, items__customer_id=customer_id).order_by("-ends_at").first()


# --- the access report and anomalies (查询制度) -----------------------------------------------

@dataclass
class Anomaly:
    """A user's day that stands out, with the figures that make it stand out."""

    user: User
    day: datetime.date
    views: int
    reasons: list[str] = field(default_factory=list)
    own_median: float | None = None
    peer_median: float | None = None
    off_hours_exports: int = 0


def _users(user) -> dict[int, User]:
    people = scoping.access_report_users(user).select_related("team")
    return {u.pk: u for u in people.only("pk", "username", "display_name", "role", "region_id",
                                          "team__region_id")}


def access_report(*, user, start: datetime.date, end: datetime.date) -> list[dict]:
    """Per user: views, distinct customers (summed per day), exports, rows exported,
    off-hours exports, prints and borrowed views in [start, end], most views first."""
    if not scoping.is_archive_keeper(user):
        return []
    people = _users(user)
    rows = (AccessDaily.objects.filter(day__gte=start, day__lte=end)
            .values("user_id").annotate(
                views=Sum("views"), customers=Sum("customers"), exports=Sum("exports"),
                export_rows=Sum("export_rows"), off_hours_exports=Sum("off_hours_exports"),
                prints=Sum("prints"), borrowed_views=Sum("borrowed_views"))
            .order_by("-views", "user_id"))
    if scoping.kept_region_ids(user) is not None:
        rows = rows.filter(user_id__in=list(people))
    return [{**row, "user": people.get(row["user_id"])} for row in rows
            if row["user_id"] in people]


def _median_without(ordered: list[int], value: int) -> float | None:
    """The median of the sorted list `ordered` with one occurrence of `value` left out (the
    user's own figure among their peers'), without copying the list."""
    n = len(ordered) - 1
    if n <= 0:
        return None
    skip = bisect.bisect_left(ordered, value)

    def at(k: int) -> int:
        return ordered[k] if k < skip else ordered[k + 1]

    return at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2


def access_anomalies(*, user, start: datetime.date, end: datetime.date) -> list[Anomaly]:
    """Days in [start, end] on which a user viewed more than ACCESS_ANOMALY_FACTOR × their
    own median of the ACCESS_BASELINE_DAYS days before, or × their peers' median that day
    (same role and region), with at least ACCESS_ANOMALY_MIN_VIEWS views; and days with an
    export outside working hours."""
    if not scoping.is_archive_keeper(user):
        return []
    factor = settings.ACCESS_ANOMALY_FACTOR
    floor = settings.ACCESS_ANOMALY_MIN_VIEWS
    baseline_start = start - datetime.timedelta(days=settings.ACCESS_BASELINE_DAYS)
    everyone = {u.pk: u for u in User.objects.select_related("team").only(
        "pk", "username", "display_name", "role", "region_id", "team__region_id")}
    reviewed = _users(user)
    daily = (AccessDaily.objects.filter(day__gte=baseline_start, day__lte=end)
             .values_list("user_id", "day", "views", "off_hours_exports").order_by("day"))
    by_user: dict[int, list[tuple[datetime.date, int]]] = {}
    by_peer_day: dict[tuple, list[int]] = {}
    in_period = []
    for user_id, day, views, off_hours in daily.iterator(chunk_size=5000):
        by_user.setdefault(user_id, []).append((day, views))
        person = everyone.get(user_id)
        if day >= start and person is not None:
            group = (person.role, scoping.home_region_id(person), day)
            by_peer_day.setdefault(group, []).append(views)
            if user_id in reviewed:
                in_period.append((user_id, day, views, off_hours, group))
    found = []
    baseline = datetime.timedelta(days=settings.ACCESS_BASELINE_DAYS)
    peers_sorted = {group: sorted(values) for group, values in by_peer_day.items()}
    for user_id, day, views, off_hours, group in in_period:
        anomaly = Anomaly(user=reviewed[user_id], day=day, views=views,
                          off_hours_exports=off_hours)
        if views >= floor:
            days = by_user[user_id]  # in day order
            lo = bisect.bisect_left(days, (day - baseline,))
            hi = bisect.bisect_left(days, (day,))
            if hi > lo:
                anomaly.own_median = statistics.median(v for _d, v in days[lo:hi])
                if views > factor * anomaly.own_median:
                    anomaly.reasons.append("own")
            anomaly.peer_median = _median_without(peers_sorted[group], views)
            if anomaly.peer_median is not None and views > factor * anomaly.peer_median:
                anomaly.reasons.append("peers")
        if off_hours:
            anomaly.reasons.append("off_hours")
        if anomaly.reasons:
            found.append(anomaly)
    found.sort(key=lambda a: (a.day, -a.views), reverse=True)
    return found


# --- exports (发放制度) -------------------------------------------------------------------------

def export_list(*, user, status: str = "") -> QuerySet:
    """Exports the user may audit (a keeper: the people they keep; anyone: their own)."""
    exports = ExportRequest.objects.select_related("requester", "decided_by")
    if scoping.is_archive_keeper(user):
        if scoping.kept_region_ids(user) is not None:
            exports = exports.filter(requester__in=scoping.access_report_users(user))
    else:
        exports = exports.filter(requester_id=user.pk)
    if status:
        exports = exports.filter(status=status)
    return exports


def export_get(*, user, pk: int) -> ExportRequest | None:
    """One export the user may see; None otherwise."""
    return export_list(user=user).filter(pk=pk).first()
