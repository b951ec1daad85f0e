from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "outletcrm.care"
    label = "care"
    verbose_name = _("Customer care")

    def ready(self):
        # Care tasks go on the rep's one to-do list (visits.FollowUpTask), under kinds of their
        # own (docs/architecture.md, "Tasks").
        from outletcrm.care.choices import TASK_KINDS
        from outletcrm.visits.choices import register_task_kind

        for value, label in TASK_KINDS:
            register_task_kind(value, label)
