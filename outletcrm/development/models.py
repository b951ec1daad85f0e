"""Customer development (客户开发, brief §4): street-sweep campaigns, survey forms, reports.

A campaign (扫街调查) sends a team through an area; every outlet a rep meets there is one
`SweepOutlet` (an existing customer, or a new one filed on the spot as a potential customer),
each meeting a `SweepContact`, and the outlet's survey form (客户调查表) is its answers, filled
over one or more contacts. Reports (日报表, 周总结表, weekly work report) are drafted from these
records and completed by their author; supervisors read and comment on them.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.development.choices import Intention, OutletOutcome, QuestionKind, ReportKind


class SurveyTemplate(models.Model):
    """A survey form (客户调查表): sections of questions. Configurable by supervisors."""

    name = models.CharField(_("Name"), max_length=100)
    is_default = models.BooleanField(pgettext_lazy("survey form", "Default"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("Survey form")
        verbose_name_plural = _("Survey forms")

    def __str__(self) -> str:
        return self.name


class SurveySection(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE,
                                 related_name="sections")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(pgettext_lazy("sweep", "Title"), max_length=100)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"],
                                               name="survey_section_position")]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    section = models.ForeignKey(SurveySection, on_delete=models.CASCADE,
                                related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("Kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("Question"), max_length=200)
    options = models.JSONField(_("Options"), default=list, blank=True)

    class Meta:
        ordering = ["section__position", "position"]
        constraints = [models.UniqueConstraint(fields=["section", "position"],
                                               name="survey_question_position")]

    def __str__(self) -> str:
        return self.text


class SweepCampaign(models.Model):
    """A street-sweep survey (扫街调查) of an area by a team between two dates (brief §4)."""

    name = models.CharField(_("Name"), max_length=100)
    team = models.ForeignKey("org.Team", verbose_name=_("Team"), on_delete=models.PROTECT,
                             related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("sweep", "Reps"),
                                     related_name="sweep_campaigns")
    region = models.ForeignKey("org.Region", verbose_name=_("Region"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               help_text=_("The area as a region; or draw it on the map."))
    area = models.JSONField(_("Area drawn on the map"), null=True, blank=True,
                            help_text=_("GeoJSON polygon (WGS-84)."))
    starts_on = models.DateField(_("Starts on"))
    ends_on = models.DateField(_("Ends on"))
    template = models.ForeignKey(SurveyTemplate, verbose_name=_("Survey form"),
                                 on_delete=models.PROTECT, related_name="campaigns")
    grid_m = models.PositiveIntegerField(
        _("Grid cell (m)"), default=300, validators=[MinValueValidator(50),
                                                     MaxValueValidator(5000)],
        help_text=_("The area is divided into square cells of this size to show what is not "
                    "swept yet."))
    notes = models.TextField(_("Notes"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("Sweep campaign")
        verbose_name_plural = _("Sweep campaigns")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("development:campaign", args=[self.pk])

    def is_running(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class SweepOutlet(models.Model):
    """An outlet met in a campaign: the survey form's subject (one per campaign and customer).

    `customer` is empty only while a possible duplicate waits to be resolved (FLAGGED): the
    data the rep typed is then kept in `proposed` with the archive's matches in `candidates`.
    """

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(SweepCampaign, on_delete=models.CASCADE,
                                 related_name="outlets")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="+")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="sweep_outlets")
    outcome = models.CharField(pgettext_lazy("sweep", "Outcome"), max_length=10, choices=OutletOutcome.choices)
    name = models.CharField(_("Outlet name"), max_length=100)
    proposed = models.JSONField(default=dict, blank=True)
    candidates = models.JSONField(default=list, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    intention = models.CharField(_("Intention"), max_length=10, choices=Intention.choices,
                                 default=Intention.UNKNOWN)
    note = models.CharField(pgettext_lazy("sweep", "Note"), max_length=500, blank=True)
    storefront = models.ImageField(upload_to="sweeps/%Y/%m/", blank=True)
    storefront_client_id = models.UUIDField(null=True, blank=True, unique=True)
    answered = models.PositiveSmallIntegerField(default=0)
    questions = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    met_on = models.DateField(_("First met on"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-met_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"],
                                               name="sweep_outlet_once_per_campaign")]
        indexes = [models.Index(fields=["rep", "met_on"]),
                   models.Index(fields=["campaign", "rep"])]

    def __str__(self) -> str:
        return self.name

    @property
    def completeness(self) -> int:
        """Percentage of the form's questions answered, rounded down (100 only when all)."""
        return self.answered * 100 // self.questions if self.questions else 0

    @property
    def storefront_url(self) -> str:
        if not self.storefront:
            return ""
        return reverse("development:outlet-photo", args=[self.client_id])


class SweepContact(models.Model):
    """One meeting with the outlet on one day (a form usually needs 2–3, brief §4)."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    outlet = models.ForeignKey(SweepOutlet, on_delete=models.CASCADE, related_name="contacts")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="+")
    date = models.DateField()
    met_at = models.DateTimeField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        constraints = [models.UniqueConstraint(fields=["outlet", "date"],
                                               name="sweep_contact_once_a_day")]
        indexes = [models.Index(fields=["rep", "date"])]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.date}"


class SurveyAnswer(models.Model):
    """The answer to one question of an outlet's form; a later contact may change it."""

    outlet = models.ForeignKey(SweepOutlet, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(null=True, blank=True)
    photo = models.ImageField(upload_to="sweeps/%Y/%m/", blank=True)
    photo_client_id = models.UUIDField(null=True, blank=True, unique=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    answered_on = models.DateField()
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "question"],
                                               name="survey_answer_once")]

    def __str__(self) -> str:
        return f"{self.outlet_id}/{self.question_id}"

    @property
    def is_answered(self) -> bool:
        if self.photo:
            return True
        return self.value not in (None, "", [])


class Report(models.Model):
    """A report drafted from the records and completed by its author (brief §4, §8).

    `figures` holds what was drafted from the data (refreshed until the author submits);
    the text fields hold what only the author knows. A submitted report is unread until a
    supervisor of the author opens it.
    """

    kind = models.CharField(pgettext_lazy("sweep", "Report"), max_length=20, choices=ReportKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="development_reports")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    period_start = models.DateField(pgettext_lazy("period", "From"))
    period_end = models.DateField(pgettext_lazy("period", "To"))
    figures = models.JSONField(default=dict, blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    remarks = models.TextField(_("Remarks"), blank=True, max_length=5000)
    problems = models.TextField(_("Problems"), blank=True, max_length=5000)
    risks = models.TextField(_("Risks"), blank=True, max_length=5000)
    changes = models.TextField(_("Changes"), blank=True, max_length=5000)
    next_steps = models.TextField(_("Next steps"), blank=True, max_length=5000)
    submitted_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "author", "period_start"],
                                               name="report_once_per_period")]
        indexes = [models.Index(fields=["team", "submitted_at", "read_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}"

    def get_absolute_url(self) -> str:
        return reverse("development:report", args=[self.pk])

    @property
    def is_unread(self) -> bool:
        return self.submitted_at is not None and self.read_at is None


class ReportComment(models.Model):
    """A supervisor's comment on a report (the author is notified)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("Comment"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
