from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "outletcrm.development"
    label = "development"
    verbose_name = _("Customer development")

    def ready(self):
        from outletcrm.development import mobile_views, sync
        from outletcrm.notifications.kinds import register_kind
        from outletcrm.visits.mobile_views import register_shell_pages

        register_kind("report.submitted", _("A rep submitted a report"))
        register_kind("report.comment", _("A supervisor commented on my report"), email=True)
        sync.register()
        register_shell_pages(mobile_views.shell_pages)
