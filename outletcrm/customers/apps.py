from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "outletcrm.customers"
    label = "customers"
    verbose_name = _("Customer archive")

    def ready(self):
        from django.db.models.signals import post_migrate

        # After `migrate` (once, after every app's migrations): a big SQLite archive gets its
        # planner statistics at once rather than at night (core.dbstats).
        post_migrate.connect(_statistics_after_migrate, sender=self,
                             dispatch_uid="customers-statistics-after-migrate")


def _statistics_after_migrate(sender, using, **kwargs) -> None:
    from outletcrm.core import dbstats
    from outletcrm.customers.models import Customer

    dbstats.refresh_after_migrate(table=Customer._meta.db_table, using=using)
