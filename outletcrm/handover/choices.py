"""Choice lists of handovers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SplitMode(models.TextChoices):
    """How the selected customers are split among the receiving reps."""

    EVEN = "even", _("Split evenly (neighbouring outlets together)")
    CHOICE = "choice", _("Choose per customer in the preview")
