"""The evaluation panel on the customer's page (core.panels): score, grade, every indicator."""

from outletcrm.core.panels import register_customer_panel
from outletcrm.evaluation.choices import ProposalStatus
from outletcrm.evaluation.models import ClassProposal
from outletcrm.evaluation.selectors import evaluation_for_customer


def evaluation_panel(request, customer) -> dict | None:
    """The customer's evaluation with its lines and a pending class proposal (two queries)."""
    evaluation = evaluation_for_customer(customer=customer)
    if evaluation is None:
        return None
    proposal = (ClassProposal.objects.filter(customer_id=customer.pk,
                                             status=ProposalStatus.PENDING)
                .select_related("to_class", "to_abc", "from_class", "from_abc").first())
    return {"evaluation": evaluation, "lines": evaluation.indicator_lines,
            "proposal": proposal}


register_customer_panel("evaluation/customer_panel.html", evaluation_panel)
