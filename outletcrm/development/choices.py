"""Fixed choice lists of customer development: sweeps, survey questions, reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionKind(models.TextChoices):
    CHOICE = "choice", _("Choice")
    NUMBER = "number", pgettext_lazy("question kind", "Number")
    TEXT = "text", _("Text")
    PHOTO = "photo", pgettext_lazy("question kind", "Photo")


class OutletOutcome(models.TextChoices):
    """How an outlet met in a sweep relates to the archive (唯一性, brief §7)."""

    EXISTING = "existing", _("Existing customer")
    FILED = "filed", _("Filed as a new potential customer")
    FLAGGED = "flagged", _("Possible duplicate, to resolve")


class Intention(models.TextChoices):
    """Does the outlet want to cooperate (brief §4, 识别目标客户)?"""

    UNKNOWN = "unknown", _("Not known yet")
    NONE = "none", _("No interest")
    LOW = "low", _("Some interest")
    HIGH = "high", _("Strong interest")


INTENTIONS_FOUND = (Intention.LOW, Intention.HIGH)


class ReportKind(models.TextChoices):
    SWEEP_DAILY = "sweep_daily", _("Sweep daily report")
    SURVEY_WEEKLY = "survey_weekly", _("Survey-stage weekly summary")
    TEAM_SURVEY_WEEKLY = "team_survey_weekly", _("Team survey-stage weekly summary")
    WORK_WEEKLY = "work_weekly", _("Weekly work report")


# The fields the author writes, per kind of report (brief §4 and §8); the rest is drafted.
REPORT_TEXT_FIELDS = {
    ReportKind.SWEEP_DAILY: ["remarks", "next_steps"],
    ReportKind.SURVEY_WEEKLY: ["remarks", "problems", "next_steps"],
    ReportKind.TEAM_SURVEY_WEEKLY: ["remarks", "problems", "next_steps"],
    ReportKind.WORK_WEEKLY: ["remarks", "problems", "risks", "changes", "next_steps"],
}

WEEKLY_KINDS = (ReportKind.SURVEY_WEEKLY, ReportKind.TEAM_SURVEY_WEEKLY, ReportKind.WORK_WEEKLY)
