"""Panels higher apps add to the customer's page (customers may not import them).

A higher app registers, from its AppConfig.ready(), a template and a function
`context_fn(request, customer) -> dict | None` (None: nothing to show for this customer). The
customer detail view calls each function (keep each to one query) and its template includes
each panel's template with the returned dict as `panel`.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerPanel:
    template: str
    context_fn: Callable


_CUSTOMER_PANELS: list[CustomerPanel] = []


def register_customer_panel(template: str, context_fn: Callable) -> None:
    """Show `template` on the customer's page when `context_fn` returns a dict."""
    if not any(p.template == template for p in _CUSTOMER_PANELS):
        _CUSTOMER_PANELS.append(CustomerPanel(template, context_fn))


def customer_panels(request, customer) -> list[dict]:
    """[{"template": …, "panel": context}] of the panels that have something to show."""
    shown = []
    for panel in _CUSTOMER_PANELS:
        context = panel.context_fn(request, customer)
        if context is not None:
            shown.append({"template": panel.template, "panel": context})
    return shown
