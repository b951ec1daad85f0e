"""Route optimisation inside the app (issue 4): the only app that imports outletcrm.routing."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OptimiseConfig(AppConfig):
    """Best order for a day, weekly route design, team territories, background jobs."""

    name = "outletcrm.optimise"
    label = "optimise"
    verbose_name = _("Route optimisation")

    def ready(self):
        from outletcrm.optimise import checks  # noqa: F401  (registers the settings check)
