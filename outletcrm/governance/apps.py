from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "outletcrm.governance"
    label = "governance"
    verbose_name = _("Archive governance")

    def ready(self):
        from outletcrm.core.panels import register_customer_panel
        from outletcrm.customers.gates import register_gate
        from outletcrm.governance import panels
        from outletcrm.governance.gate import ApprovalGate
        from outletcrm.notifications.kinds import register_kind

        register_gate(ApprovalGate())
        register_customer_panel("governance/_pending_panel.html", panels.pending_panel)
        register_kind("archive.change_requested", _("An archive change waits for your approval"))
        register_kind("archive.change_decided", _("Your archive change was approved or refused"))
