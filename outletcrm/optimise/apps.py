"""Route optimisation inside the app (issue 4): the only app that imports outletcrm.routing."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OptimiseConfig(AppConfig):
    """Best order for a day, weekly route design, team territories, background jobs."""

    name = "outletcrm.optimise"
    label = "optimise"
    verbose_name = _("Route optimisation")

    def ready(self):
        from outletcrm.core.jobs import reapers
        from outletcrm.optimise import checks  # noqa: F401  (registers the settings check)

        reapers.connect(_reap, dispatch_uid="optimise-reap-abandoned")


def _reap(sender, *, lost, **kwargs) -> int:
    """Optimisation jobs whose worker died fail with the reason (core.jobs.reap_abandoned)."""
    from outletcrm.optimise.services import reap_abandoned

    return reap_abandoned(lost=lost)
