from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintsConfig(AppConfig):
    name = "outletcrm.complaints"
    label = "complaints"
    verbose_name = pgettext_lazy("complaint", "Complaints")

    def ready(self):
        from outletcrm.complaints.choices import TASK_KIND_SATISFACTION
        from outletcrm.visits.choices import register_task_kind

        register_task_kind(TASK_KIND_SATISFACTION, _("Complaint satisfaction call"))
