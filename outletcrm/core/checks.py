"""Production safety: refuse to serve with DEBUG or the demo accounts (issue 2, item 10)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError


def _demo_accounts_active() -> bool:
    from outletcrm.org.models import User

    try:
        return User.objects.filter(is_demo=True, is_active=True).exists()
    except DatabaseError:  # not migrated yet
        return False


def refuse_unsafe_production() -> None:
    """Raise if a production server would start with DEBUG or demo credentials."""
    if settings.ENVIRONMENT != "production":
        return
    if settings.DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if _demo_accounts_active():
        raise ImproperlyConfigured(
            "Demo accounts with the shared demo password are active; production refuses to "
            "start. Deactivate them (outletcrm deactivate-demo-users) or use OUTLETCRM_ENV=demo."
        )


@checks.register(checks.Tags.security, deploy=True)
def demo_accounts_check(app_configs, **kwargs):
    if settings.ENVIRONMENT == "production" and _demo_accounts_active():
        return [checks.Error("Demo accounts are active in production.", id="outletcrm.E001")]
    return []


@checks.register()
def map_base_layer_check(app_configs, **kwargs):
    """MAP_BASE_GEOJSON must load: a broken file shows at start-up, not as blank maps."""
    from outletcrm.core import maps

    try:
        maps.base_layer()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="outletcrm.E002",
                             hint="Set MAP_BASE_GEOJSON to a GeoJSON FeatureCollection file, "
                                  "or to an empty value for no street layer.")]
    return []
