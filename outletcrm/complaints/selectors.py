"""Reads of complaints: every one starts from the caller's scope (core.scoping)."""

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from outletcrm.complaints.choices import (
    ACTIVE_STATUSES,
    SOON_MINUTES,
    Category,
    Severity,
)
from outletcrm.complaints.models import Complaint, ComplaintPhoto
from outletcrm.core import scoping, workcal


@dataclass
class ComplaintFilters:
    status: str = ""
    severity: str = ""
    breached: bool = False
    soon: bool = False   # the running target falls due within SOON_MINUTES working minutes
    mine: bool = False
    customer_id: int | None = None


def complaint_list(*, user, filters: ComplaintFilters | None = None) -> QuerySet:
    """Complaints in scope, with what the list shows fetched at once, newest first."""
    filters = filters or ComplaintFilters()
    qs = scoping.restrict_complaints(Complaint.objects.all(), user).select_related(
        "customer", "assignee", "contact").annotate(
        next_due_at=Case(
            When(~Q(status__in=ACTIVE_STATUSES), then=None),
            When(first_response_at__isnull=True, then=F("respond_due_at")),
            default=F("resolve_due_at"), output_field=DateTimeField()))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.breached:
        qs = qs.filter(Q(respond_breached_at__isnull=False) | Q(resolve_breached_at__isnull=False))
    if filters.soon:
        now = timezone.now()
        qs = qs.filter(next_due_at__gte=now,
                       next_due_at__lte=workcal.add_working_minutes(now, SOON_MINUTES))
    if filters.mine:
        qs = qs.filter(assignee=user)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    return qs


def complaint_get(*, user, pk) -> Complaint:
    """One complaint in scope with its log and photos; 404 otherwise."""
    try:
        return scoping.restrict_complaints(Complaint.objects.all(), user).select_related(
            "customer", "contact", "assignee", "received_by", "competitor_entry",
        ).prefetch_related("events__actor", "photos").get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def photo_get(*, user, client_id) -> ComplaintPhoto:
    """A complaint photo, for whoever may see its complaint; 404 otherwise."""
    try:
        return scoping.restrict_complaints(
            ComplaintPhoto.objects.all(), user, via="complaint__").get(client_id=client_id)
    except (ComplaintPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def remaining(complaint, *, now: datetime.datetime | None = None) -> dict | None:
    """The running target and the working minutes left (negative: overdue by)."""
    running = complaint.next_target
    if running is None:
        return None
    target, due = running
    now = now or timezone.now()
    if due >= now:
        minutes = workcal.working_minutes_between(now, due)
    else:
        minutes = -workcal.working_minutes_between(due, now)
    return {"target": target, "due": due, "minutes": minutes, "overdue": due < now}


def _median(values):
    return round(statistics.median(values)) if values else None


def complaint_report(*, user, since: datetime.date, until: datetime.date) -> dict:
    """Counts, median working minutes to respond and resolve, breach rate and satisfaction by
    category and by severity, for complaints received in [since, until] within scope.

    Breach rate = complaints that missed either target / complaints received (a complaint
    still open past its due time counts once the breach job has marked it).
    """
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min,
                                    tzinfo=tz)
    rows = list(scoping.restrict_complaints(Complaint.objects.all(), user).filter(
        received_at__gte=start, received_at__lt=end).values(
        "category", "severity", "received_at", "first_response_at", "resolved_at",
        "respond_breached_at", "resolve_breached_at", "satisfaction")[:20000])

    def summarise(group):
        respond = [workcal.working_minutes_between(r["received_at"], r["first_response_at"])
                   for r in group if r["first_response_at"]]
        resolve = [workcal.working_minutes_between(r["received_at"], r["resolved_at"])
                   for r in group if r["resolved_at"]]
        breached = sum(1 for r in group if r["respond_breached_at"] or r["resolve_breached_at"])
        scores = [r["satisfaction"] for r in group if r["satisfaction"]]
        return {"count": len(group), "median_respond": _median(respond),
                "median_resolve": _median(resolve), "breached": breached,
                "breach_rate": round(100 * breached / len(group)) if group else None,
                "satisfaction": round(sum(scores) / len(scores), 1) if scores else None,
                "rated": len(scores)}

    by_category = [{"key": c.value, "label": c.label,
                    **summarise([r for r in rows if r["category"] == c.value])}
                   for c in Category]
    by_severity = [{"key": s.value, "label": s.label,
                    **summarise([r for r in rows if r["severity"] == s.value])}
                   for s in Severity]
    return {"since": since, "until": until, "total": summarise(rows),
            "by_category": by_category, "by_severity": by_severity}
