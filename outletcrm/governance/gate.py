"""The approval gate governance installs in customers (customers/gates.py): decides whether a
new customer or a change to key fields waits for approval, and stores it when it does."""

from outletcrm.core import scoping
from outletcrm.governance.models import GovernancePolicy


def _place(owner) -> tuple[int | None, int | None]:
    """(region id, team id) a record owned by `owner` gets (customers._sync_owner_scope)."""
    if owner is None:
        return None, None
    region_id = owner.team.region_id if owner.team_id else owner.region_id
    return region_id, owner.team_id


class ApprovalGate:
    """Holds what the archive policy says must be approved (GovernancePolicy)."""

    def create_needs_approval(self, *, actor, owner) -> bool:
        policy = GovernancePolicy.current()
        if not policy.new_customers_need_approval:
            return False
        region_id, team_id = _place(owner)
        return not scoping.can_approve_archive_change(
            actor, region_id=region_id, team_id=team_id, requester_id=None,
            approver=policy.approver)

    def hold_create(self, *, actor, fields, tags, contacts):
        from outletcrm.governance.services import pending_create_new

        return pending_create_new(actor=actor, fields=fields, tags=tags, contacts=contacts)

    def hold_update(self, *, actor, customer, changes):
        policy = GovernancePolicy.current()
        if not policy.key_changes_need_approval:
            return None
        if scoping.can_approve_archive_change(
                actor, region_id=customer.region_id, team_id=customer.team_id,
                requester_id=None, approver=policy.approver):
            return None
        from outletcrm.governance.services import pending_create_update

        return pending_create_update(actor=actor, customer=customer, changes=changes)
