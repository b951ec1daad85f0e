from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "outletcrm.pipeline"
    label = "pipeline"
    verbose_name = _("Prospect pipeline")

    def ready(self):
        from outletcrm.customers import signals
        from outletcrm.pipeline import (
            panels,  # noqa: F401 - panels on the customer's page
            services,
        )

        signals.owner_changed.connect(services.on_owner_changed,
                                      dispatch_uid="pipeline-owner-changed")
