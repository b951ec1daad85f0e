from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "outletcrm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models import fields

        from outletcrm.core import checks  # noqa: F401  (registers system checks)

        # Django 6.1 labels an empty choice "- Select an option -", which its own catalogue
        # does not translate yet; Django lets an app's ready() replace the label.
        fields.BLANK_CHOICE_LABEL = _("Choose…")
