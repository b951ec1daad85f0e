"""The "pending change" panel on the customer's page (core/panels.py)."""

from outletcrm.governance import selectors


def pending_panel(request, customer) -> dict | None:
    """Changes to this record that wait for approval, with the proposed values (one query)."""
    changes = list(selectors.pending_for_customer(customer=customer))
    if not changes:
        return None
    return {"changes": changes}
