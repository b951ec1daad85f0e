"""Choice lists of the churn watch."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FlagStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("churn flag", "Open")
    HANDLED = "handled", pgettext_lazy("churn flag", "Handled")
    CLEARED = "cleared", pgettext_lazy("churn flag", "Cleared")


class Reason(models.TextChoices):
    INTERVAL = "interval", _("No order for longer than usual")
    VALUE_DROP = "value_drop", _("Order value dropped")


class Outcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    ORDERED = "ordered", _("Ordered again")
    LOST = "lost", _("Lost to us")
    OTHER = "other", _("Other")
