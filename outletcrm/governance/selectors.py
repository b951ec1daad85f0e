"""Reads of archive governance; each starts from the user's scope (core/scoping.py)."""

from django.db.models import Q, QuerySet

from outletcrm.core import scoping
from outletcrm.governance.choices import ChangeStatus, PairStatus
from outletcrm.governance.models import DuplicatePair, GovernancePolicy, PendingChange, Tombstone

_PAIR_RELATED = ("customer_a__owner", "customer_a__outlet_type", "customer_a__customer_class",
                 "customer_a__abc_class", "customer_a__referred_by", "customer_a__team",
                 "customer_b__owner", "customer_b__outlet_type", "customer_b__customer_class",
                 "customer_b__abc_class", "customer_b__referred_by", "customer_b__team")


def pair_list(*, user, status: str | None = PairStatus.OPEN) -> QuerySet:
    """Suspected duplicate pairs on `user`'s desk (none for anyone but custodians and admins)."""
    pairs = DuplicatePair.objects.select_related(*_PAIR_RELATED)
    if status:
        pairs = pairs.filter(status=status)
    condition = scoping.desk_scope_q(user)
    return pairs if condition is None else pairs.filter(condition)


def pair_get(*, user, pk: int) -> DuplicatePair:
    """One pair on `user`'s desk, or 404 exactly as for a missing one."""
    return _get(pair_list(user=user, status=None), pk)


def _get(queryset: QuerySet, pk: int):
    from django.http import Http404

    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def approval_inbox(*, user, status: str | None = ChangeStatus.PENDING) -> QuerySet:
    """Held changes `user` may decide (their approval inbox)."""
    policy = GovernancePolicy.current()
    changes = PendingChange.objects.select_related("customer", "requested_by", "decided_by",
                                                   "region", "team")
    if status:
        changes = changes.filter(status=status)
    return changes.filter(scoping.archive_approvals_q(user, approver=policy.approver))


def my_requests(*, user) -> QuerySet:
    """What `user` asked for (their own requests, any state)."""
    return PendingChange.objects.filter(requested_by=user).select_related(
        "customer", "decided_by", "created_customer")


def pending_get(*, user, pk: int) -> PendingChange:
    """A held change `user` may decide, or 404."""
    return _get(approval_inbox(user=user, status=None), pk)


def pending_for_customer(*, customer) -> QuerySet:
    """Changes to `customer` still waiting (shown on its record)."""
    return PendingChange.objects.filter(customer=customer, status=ChangeStatus.PENDING
                                        ).select_related("requested_by")


def tombstone_list(*, user) -> QuerySet:
    """Deleted records' tombstones: administrators and custodians."""
    if not scoping.can_work_desk(user):
        return Tombstone.objects.none()
    return Tombstone.objects.select_related("deleted_by")


def archived_customers(*, user, q: str = "") -> QuerySet:
    """Archived records in `user`'s scope (custodians: all), newest first."""
    from outletcrm.customers.models import Customer

    customers = scoping.restrict(Customer.objects.filter(archived_at__isnull=False), user)
    if q:
        customers = customers.filter(Q(name__icontains=q) | Q(code__iexact=q))
    return customers.select_related("owner").order_by("-archived_at", "-pk")
