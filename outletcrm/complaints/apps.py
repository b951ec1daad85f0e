from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "outletcrm.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from outletcrm.complaints.choices import TASK_KIND_SATISFACTION
        from outletcrm.visits.choices import register_task_kind

        register_task_kind(TASK_KIND_SATISFACTION, _("Complaint satisfaction call"))
