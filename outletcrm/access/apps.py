from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "outletcrm.access"
    label = "access"
    verbose_name = _("Archive access")

    def ready(self):
        from outletcrm.access import panels  # noqa: F401 - borrowed banner, print link
        from outletcrm.notifications.kinds import register_kind

        register_kind("access.borrow_request", _("A borrowing request waits for me"), email=True)
        register_kind("access.borrow_decided", _("My borrowing request was decided"))
        register_kind("access.export_request", _("An export waits for my approval"), email=True)
        register_kind("access.export_decided", _("My export request was decided"))
