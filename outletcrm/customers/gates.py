"""Approval gates on writes to the archive, filled from above (issue 10, custodianship).

customers may not import the apps above it, yet a change to a customer's key fields may have to
wait for the custodian's or a supervisor's approval (专人管理, brief §7), and that rule lives in
`governance`. So customers asks a gate, which governance registers from its AppConfig.ready():

  gate.create_needs_approval(actor=, owner=) -> bool
      asked by customer_create after validation and the duplicate check, before anything is
      written; when True the customer is not created: gate.hold_create(actor=, fields=, tags=,
      contacts=) stores the request and customer_create raises ApprovalPending(pending);
  gate.hold_update(actor=, customer=, changes=) -> pending | None
      called by customer_update with the key fields that would change ({field: new value});
      a pending record means those fields are held (the other fields are applied at once)
      and the returned customer carries it as `held_change`.

Without a gate (governance not installed) nothing is held. Writes the system or an approver
makes pass `approval=False`.
"""

from django.utils.translation import gettext as _

# The fields whose change may need approval (issue 10 item 1: name, address, coordinates,
# class, owner).
KEY_FIELDS = ("name", "province", "city", "district", "address", "latitude", "longitude",
              "customer_class", "abc_class", "owner")

_GATES: list = []


def register_gate(gate) -> None:
    """Install the approval gate (one; a second registration of the same class is ignored)."""
    if not any(type(g) is type(gate) for g in _GATES):
        _GATES.append(gate)


def create_needs_approval(**kwargs) -> bool:
    return any(gate.create_needs_approval(**kwargs) for gate in _GATES)


def hold_create(**kwargs):
    for gate in _GATES:
        if gate.create_needs_approval(actor=kwargs["actor"], owner=kwargs["fields"]["owner"]):
            return gate.hold_create(**kwargs)
    return None


def hold_update(**kwargs):
    for gate in _GATES:
        pending = gate.hold_update(**kwargs)
        if pending is not None:
            return pending
    return None


class ApprovalPending(Exception):  # noqa: N818 - a result, not a failure
    """The new customer was stored for approval and is not on file yet."""

    def __init__(self, pending):
        self.pending = pending
        super().__init__(_("The new customer waits for approval; it is filed once approved."))
