"""The prospect pipeline (客户开发, brief §4; issue 8 items 3, 4 and 7).

A prospect is a customer being developed (status potential or intent). It moves through
configurable, ordered stages; each stage names the record it must produce (its output) and
cannot be left forward until that record exists. Every stay in a stage is kept
(`StageEntry`: entered/left, by whom) for the funnel analytics; the prospect carries the
furthest stage it reached so the funnel counts with one GROUP BY.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outletcrm.customers.models import LabelledModel
from outletcrm.pipeline.choices import LostReason, Move, Outcome


class Stage(LabelledModel):
    """A stage of development with the record it produces (administrators edit the list)."""

    output_name = models.CharField(_("Output record"), max_length=50, blank=True,
                                   help_text=_("What this stage produces, e.g. visit report."))
    output_name_en = models.CharField(_("Output record (English)"), max_length=50, blank=True)
    requires_output = models.BooleanField(
        _("Output required to leave"), default=True,
        help_text=_("A prospect cannot move on from this stage before its output is recorded."))
    wins = models.BooleanField(
        _("Reaching it wins the prospect"), default=False,
        help_text=_("Entering this stage closes the prospect as won and makes the customer "
                    "active."))

    class Meta(LabelledModel.Meta):
        verbose_name = _("Pipeline stage")
        verbose_name_plural = _("Pipeline stages")

    @property
    def output_label(self) -> str:
        if self.output_name_en and (get_language() or "").startswith("en"):
            return self.output_name_en
        return self.output_name


class Prospect(models.Model):
    """A customer in development: where it stands, who works it, what comes next."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="prospects", verbose_name=_("Customer"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("Stage"))
    # The furthest stage ever reached (by sort order): the funnel's "reached" counts.
    furthest_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    # The rep who develops it: the customer's owner when it was opened, moved on a handover
    # (services.reassign_prospects, and customers.signals.owner_changed).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("Owner rep"))
    # The owner's team and region, copied like Customer.team/region so the data scope
    # (core.scoping.restrict_prospects) is one indexed column of this table, not a join.
    team = models.ForeignKey("org.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey("org.Region", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    outcome = models.CharField(pgettext_lazy("prospect", "Outcome"), max_length=10,
                               choices=Outcome.choices, default=Outcome.OPEN)
    entered_stage_at = models.DateTimeField(_("In this stage since"))
    next_action = models.CharField(_("Next action"), max_length=200, blank=True)
    next_action_on = models.DateField(_("Next action on"), null=True, blank=True)
    lost_reason = models.CharField(_("Lost reason"), max_length=20, choices=LostReason.choices,
                                   blank=True)
    lost_note = models.CharField(_("Lost reason (details)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Entered the pipeline"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    closed_at = models.DateTimeField(pgettext_lazy("prospect", "Closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["entered_stage_at", "pk"]
        verbose_name = _("Prospect")
        verbose_name_plural = _("Prospects")
        constraints = [
            # One development at a time per customer; a lost one may be opened again later.
            models.UniqueConstraint(fields=["customer"], condition=Q(outcome="open"),
                                    name="pipeline_one_open_prospect_per_customer"),
        ]
        indexes = [
            # The board: a stage's column in a scope, longest waiting first; closed_at last
            # so the count of the recently won is read from the index too.
            models.Index(fields=["outcome", "stage", "entered_stage_at"],
                         name="prospect_board_idx"),
            models.Index(fields=["region", "outcome", "stage", "entered_stage_at", "closed_at"],
                         name="prospect_region_column_idx"),
            models.Index(fields=["team", "outcome", "stage", "entered_stage_at", "closed_at"],
                         name="prospect_team_column_idx"),
            models.Index(fields=["owner", "outcome", "stage", "entered_stage_at", "closed_at"],
                         name="prospect_owner_column_idx"),
            # The funnel: prospects that entered, or closed, in a period, in a scope. The
            # region's and team's indexes carry every column the funnel groups by (rep, team,
            # and the customer for source/outlet type), so SQLite and PostgreSQL count from
            # the index alone (EXPLAIN in bench/results/pipeline-notes.md). A rep's few hundred
            # are read through prospect_owner_column_idx (an (owner, created_at) index made
            # SQLite skip-scan it for the region's count grouped by rep: four times slower).
            models.Index(fields=["created_at"], name="prospect_created_idx"),
            models.Index(fields=["closed_at"], name="prospect_closed_idx"),
            models.Index(fields=["region", "created_at", "furthest_stage", "owner", "team",
                                 "customer"], name="prospect_region_cohort_idx"),
            models.Index(fields=["region", "closed_at", "outcome", "lost_reason", "owner",
                                 "team", "customer"], name="prospect_region_closing_idx"),
            models.Index(fields=["team", "created_at", "furthest_stage", "owner", "customer"],
                         name="prospect_team_cohort_idx"),
            models.Index(fields=["team", "closed_at", "outcome", "lost_reason", "owner",
                                 "customer"], name="prospect_team_closing_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.stage_id} {self.outcome}"


class StageEntry(models.Model):
    """One stay of a prospect in a stage: entered and left, by whom (for the analytics)."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="entries")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    move = models.CharField(max_length=10, choices=Move.choices, default=Move.FORWARD)
    entered_at = models.DateTimeField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # Seconds between entering and leaving, set when left: time-in-stage figures read it.
    seconds = models.BigIntegerField(null=True, blank=True)
    # The prospect's scope columns, copied, so time in stage is counted without a join.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    team = models.ForeignKey("org.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey("org.Region", null=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        ordering = ["entered_at", "pk"]
        # Time in stage reads, per stage, the stays that ended in a period in a scope: count
        # and mean, then the middle row(s) in order of seconds (selectors._stage_times), each
        # a seek into (scope, stage, left_at) that never touches the table.
        indexes = [models.Index(fields=["left_at", "stage"], name="stage_entry_left_idx"),
                   models.Index(fields=["prospect", "entered_at"], name="stage_entry_prospect_idx"),
                   models.Index(fields=["region", "stage", "left_at", "seconds"],
                                name="stage_entry_region_time_idx"),
                   models.Index(fields=["team", "stage", "left_at", "seconds"],
                                name="stage_entry_team_time_idx"),
                   models.Index(fields=["owner", "stage", "left_at", "seconds"],
                                name="stage_entry_owner_time_idx")]

    def __str__(self) -> str:
        return f"{self.prospect_id} {self.stage_id} {self.entered_at:%Y-%m-%d}"


def output_upload_to(instance, filename: str) -> str:
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"pipeline/{instance.prospect_id}/{uuid.uuid4().hex}.{suffix}"


class OutputRecord(models.Model):
    """The record a stage produced (feedback form, visit report, minutes, contract…)."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="outputs")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("Stage"))
    text = models.TextField(_("Record"), max_length=4000)
    attachment = models.FileField(_("Attachment"), upload_to=output_upload_to, blank=True,
                                  max_length=200)
    attachment_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Output record")
        verbose_name_plural = _("Output records")
        indexes = [models.Index(fields=["prospect", "stage"], name="output_prospect_stage_idx")]

    def __str__(self) -> str:
        return f"{self.prospect_id} {self.stage_id}"
