"""Fixed choice lists of customer evaluation and classification."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Dimension(models.TextChoices):
    """The brief's evaluation dimensions (§4 "Evaluate targets")."""

    MARKET = "market", _("Market position")
    FINANCE = "finance", _("Finance and credit")
    MANAGEMENT = "management", _("Management")
    TECHNICAL = "technical", _("Technical service")
    NETWORK = "network", _("Marketing network")
    OTHER = "other", pgettext_lazy("dimension", "Other")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class LineStatus(models.TextChoices):
    """How one indicator of a customer's evaluation was scored."""

    SCORED = "scored", _("Scored")
    CAPPED = "capped", _("Capped")
    MISSING = "missing", _("Missing")
    ZERO_STANDARD = "zero_standard", _("Zero standard")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("proposal", "Approved")
    APPLIED = "applied", _("Applied automatically")
    REFUSED = "refused", pgettext_lazy("proposal", "Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RunKind(models.TextChoices):
    FULL = "full", _("Full")
    CHANGES = "changes", _("Changed customers only")


class RfvSegment(models.TextChoices):
    """The eight recency-frequency-value segments (each above or below the scope's average)."""

    CHAMPION = "champion", _("Important value")
    KEEP = "keep", _("Important to keep")
    DEVELOP = "develop", _("Important to develop")
    WIN_BACK = "win_back", _("Important to win back")
    GENERAL_VALUE = "general_value", _("General value")
    GENERAL_KEEP = "general_keep", _("General to keep")
    GENERAL_DEVELOP = "general_develop", _("General to develop")
    GENERAL_WIN_BACK = "general_win_back", _("General to win back")
