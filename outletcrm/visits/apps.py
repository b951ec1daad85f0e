from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "outletcrm.visits"
    label = "visits"
    verbose_name = _("Routes and visits")

    def ready(self):
        # A customer handed over or archived releases its planned stops (visits/kpis.py).
        from outletcrm.customers import signals
        from outletcrm.orders import signals as order_signals
        from outletcrm.visits import kpi_summary, services

        signals.owner_changed.connect(services.on_owner_changed,
                                      dispatch_uid="visits.release_on_owner_change")
        signals.archived.connect(services.on_archived, dispatch_uid="visits.release_on_archive")
        # The KPI summary recounts what a merge or a cancelled order changes (kpi_summary).
        signals.merged.connect(kpi_summary.on_merged, dispatch_uid="visits.kpi_on_merge")
        order_signals.order_changed.connect(kpi_summary.on_order_changed,
                                            dispatch_uid="visits.kpi_on_order_changed")
