from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Account security: password rules, session expiry and list, API token expiry."""

    name = "outletcrm.accounts"
    verbose_name = _("Account security")

    def ready(self):
        from outletcrm.accounts import signals  # noqa: F401
