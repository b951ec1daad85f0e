"""Choice lists of the prospect pipeline (brief §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Outcome(models.TextChoices):
    """Where a prospect's development stands: still worked, won (now an active customer), lost."""

    OPEN = "open", pgettext_lazy("prospect", "Open")
    WON = "won", pgettext_lazy("prospect", "Won")
    LOST = "lost", pgettext_lazy("prospect", "Lost")


class LostReason(models.TextChoices):
    """The typical reasons a development fails (brief §4, "Failed first visits"), or other."""

    NEED_MISMATCH = "need_mismatch", _("Our products, service or policy do not meet the need")
    MISFIT = "misfit", _("Mismatch in size or business ideas")
    NO_CAPABILITY = "no_capability", _("The customer lacks funds or capability")
    COMPETITOR = "competitor", _("Interested but tied to a competitor")
    OTHER = "other", _("Other reason")


class Move(models.TextChoices):
    """How a prospect entered a stage (kept on its stage history)."""

    OPENED = "opened", _("Entered the pipeline")
    FORWARD = "forward", _("Moved forward")
    BACK = "back", _("Moved back")


# The four-step visit method (brief §4, "Visits to targets"): what each visit is for.
FOUR_STEPS = [
    (1, _("Good impression, basic information")),
    (2, _("Listen, short talk, gather intelligence, explore terms")),
    (3, _("Deeper talk, show willingness")),
    (4, _("Negotiate to agreed contract terms")),
]
