"""System check: the optimiser's settings make a travel provider (fail at start, not mid-day)."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from outletcrm.optimise import conf


@checks.register()
def routing_settings_check(app_configs, **kwargs):
    try:
        conf.provider()
        conf.work_hours()
        conf.office()
        conf.service_minutes()
        conf.default_mode()
        conf.day_seconds()
        conf.design_seconds()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="optimise.E001",
                             hint="See outletcrm/optimise/conf.py for the ROUTING_* settings.")]
    return []
