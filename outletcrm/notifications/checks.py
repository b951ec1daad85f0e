"""Deploy checks of the notifications app (`outletcrm check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Links in e-mail and robot messages use SITE_URL: in production it must be the address
    users open, not the development default."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    if settings.ENVIRONMENT == "production" and host in ("", "127.0.0.1", "localhost"):
        return [checks.Warning(
            "SITE_URL is not set: links in notification e-mails and group messages point to "
            f"{settings.SITE_URL or 'nowhere'}.", id="notifications.W001",
            hint="Set SITE_URL to the address users open, e.g. https://crm.example.com.")]
    if settings.ENVIRONMENT == "production" and settings.NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS:
        return [checks.Warning("NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS is on in production.",
                               id="notifications.W002",
                               hint="It exists for the tests' fake robot; switch it off.")]
    return []
