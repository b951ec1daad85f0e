"""Reads of handovers: those whose departing rep the user supervises."""

from django.db.models import Count, QuerySet
from django.http import Http404

from outletcrm.core import scoping
from outletcrm.handover.models import Handover


def handover_list(*, user) -> QuerySet:
    """Handovers of reps in `user`'s field scope (supervisors, managers, administrators)."""
    if not scoping.is_field_supervisor(user):
        return Handover.objects.none()
    return (scoping.restrict_to_reps(Handover.objects.all(), user, via="from_rep__")
            .select_related("from_rep", "created_by").annotate(moved=Count("moves"))
            .order_by("-created_at", "-pk"))


def handover_get(*, user, pk) -> Handover:
    try:
        return handover_list(user=user).get(pk=pk)
    except Handover.DoesNotExist as exc:
        raise Http404 from exc
