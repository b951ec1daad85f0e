from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "outletcrm.evaluation"
    label = "evaluation"
    verbose_name = _("Customer evaluation")

    def ready(self):
        from outletcrm.evaluation import (
            panels,  # noqa: F401 - the panel on the customer's page
            sources,
        )

        sources.register_builtin_sources()
