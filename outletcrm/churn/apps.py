from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChurnConfig(AppConfig):
    name = "outletcrm.churn"
    label = "churn"
    verbose_name = _("Churn watch")

    def ready(self):
        from outletcrm.churn import panels  # noqa: F401 - the banner on the customer's page
        from outletcrm.visits.choices import register_task_kind

        register_task_kind("churn_action", _("Churn action"))
