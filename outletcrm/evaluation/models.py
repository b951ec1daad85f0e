"""Customer evaluation (评价, brief §4 "Evaluate targets") and dynamic classification (brief §3).

A scoring model is data an administrator defines: indicators (where the actual value comes
from, a weight, a standard value, a direction and a cap) and grade bands (total → grade →
proposed class). Every customer's evaluation keeps each indicator's actual value, standard,
points and the total it was scored with, so nobody has to trust a black box. Class proposals
keep the facts they were made on; approving one changes the customer through the customers
service, with the reason in the customer's history.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.evaluation.choices import Dimension, Direction, ProposalStatus, RunKind


class ScoringModel(models.Model):
    """A scoring model: indicators with weights and standards, and grade bands."""

    name = models.CharField(_("Name"), max_length=80, unique=True)
    description = models.CharField(_("Description"), max_length=300, blank=True)
    is_active = models.BooleanField(
        _("Used for classification"), default=False,
        help_text=_("The one model whose grades propose classes; the nightly run scores it."))
    # Raised by every save of the definition: evaluations scored with an older version are
    # rescored by the next run, whatever changed.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-is_active", "name"]
        verbose_name = _("Scoring model")
        verbose_name_plural = _("Scoring models")
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True),
                                               name="evaluation_one_active_model")]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One indicator of a model: actual value from a source, weight, standard, scoring rule.

    Points = weight (normalised so the model's weights sum to 100) × ratio, the ratio capped
    at `cap`: actual ÷ standard when higher is better, standard ÷ actual when lower is better
    (days overdue; an actual of 0 earns the cap). A missing value scores 0, shown as missing.
    """

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE,
                                      related_name="indicators")
    code = models.SlugField(_("Code"), max_length=40)
    name = models.CharField(_("Name"), max_length=80)
    dimension = models.CharField(_("Dimension"), max_length=20, choices=Dimension.choices,
                                 default=Dimension.OTHER)
    source = models.CharField(pgettext_lazy("indicator", "Source"), max_length=30)
    source_key = models.CharField(_("Value"), max_length=60)
    weight = models.DecimalField(_("Weight"), max_digits=6, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    standard = models.DecimalField(_("Standard value"), max_digits=16, decimal_places=2)
    direction = models.CharField(_("Direction"), max_length=10, choices=Direction.choices,
                                 default=Direction.HIGHER)
    cap = models.DecimalField(
        _("Cap (× standard)"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("3"))],
        help_text=_("The ratio to the standard counts up to this: 1 = full points at the "
                    "standard, 1.2 = up to a fifth more."))
    unit = models.CharField(pgettext_lazy("indicator", "Unit"), max_length=20, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("Sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("Indicator")
        verbose_name_plural = _("Indicators")
        constraints = [models.UniqueConstraint(fields=["scoring_model", "code"],
                                               name="evaluation_indicator_code_unique")]

    def __str__(self) -> str:
        return self.name


class ScoringModelVersion(models.Model):
    """The definition a model had at one version (indicators, effective weights, bands), so an
    evaluation shows exactly what it was scored with even after the model changes."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE,
                                      related_name="versions")
    version = models.PositiveIntegerField()
    # {"indicators": [{code, name, dimension, source, source_key, unit, direction, weight,
    #   effective_weight, standard, cap}], "bands": [{grade, min_score, customer_class}],
    #  "weights_total": "80.00", "normalised": true}
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scoring_model", "version"],
                                               name="evaluation_model_version_unique")]

    def __str__(self) -> str:
        return f"{self.scoring_model_id} v{self.version}"


class GradeBand(models.Model):
    """A grade: customers scoring at least `min_score` get it, and the class it proposes."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE,
                                      related_name="bands")
    grade = models.CharField(_("Grade"), max_length=20)
    min_score = models.DecimalField(_("From score"), max_digits=6, decimal_places=2)
    customer_class = models.ForeignKey(
        "customers.CustomerClass", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("Proposed class"),
        help_text=_("Empty: this grade proposes no class change."))

    class Meta:
        ordering = ["-min_score"]
        verbose_name = _("Grade band")
        verbose_name_plural = _("Grade bands")

    def __str__(self) -> str:
        return f"{self.grade} ≥ {self.min_score}"


class ClassificationSettings(models.Model):
    """How behaviour proposes the ABC class, and whether proposals wait for a supervisor
    (one row, pk 1)."""

    auto_apply = models.BooleanField(
        _("Apply class changes automatically"), default=False,
        help_text=_("Off: each change waits for the supervisor's approval."))
    a_share = models.PositiveSmallIntegerField(
        _("A: top share of order value (%)"), default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Customers who together make this share of the last 12 months' order "
                    "value, largest first, are A (Pareto, 80/20)."))
    b_share = models.PositiveSmallIntegerField(
        _("B: up to share of order value (%)"), default=95,
        validators=[MinValueValidator(2), MaxValueValidator(100)])
    recency_days = models.PositiveSmallIntegerField(
        _("At most C without an order for (days)"), default=180,
        validators=[MinValueValidator(7), MaxValueValidator(365)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Classification rules")
        verbose_name_plural = _("Classification rules")

    def __str__(self) -> str:
        return str(_("Classification rules"))

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.a_share and self.b_share and self.b_share <= self.a_share:
            raise ValidationError({"b_share": _("Must be more than the A share.")})

    @classmethod
    def current(cls) -> "ClassificationSettings":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ManualValue(models.Model):
    """An indicator value entered by hand for a customer (management, technical service…)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="evaluation_values")
    key = models.SlugField(_("Value"), max_length=60)
    value = models.DecimalField(_("Value"), max_digits=16, decimal_places=2)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "key"],
                                               name="evaluation_manual_value_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.key}={self.value}"


class Evaluation(models.Model):
    """A customer's latest score under a model, with every indicator's line and the
    behaviour (12 months' orders) the classification read."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="evaluations")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE,
                                      related_name="evaluations")
    model_version = models.ForeignKey(ScoringModelVersion, on_delete=models.PROTECT,
                                      related_name="+")
    total = models.DecimalField(_("Total score"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("Grade"), max_length=20, blank=True)
    # [[actual, ratio, points, status], …] in the order of the version's indicators (kept
    # compact: 100,000 customers are scored at once); `indicator_lines` joins the two.
    lines = models.JSONField(default=list)
    value_12m = models.DecimalField(_("Order value, 12 months"), max_digits=16,
                                    decimal_places=2, default=0)
    orders_12m = models.PositiveIntegerField(_("Orders, 12 months"), default=0)
    last_order = models.DateField(_("Last order"), null=True, blank=True)
    computed_on = models.DateField(_("Scored on"))
    computed_at = models.DateTimeField(_("Scored at"))

    class Meta:
        verbose_name = _("Evaluation")
        verbose_name_plural = _("Evaluations")
        constraints = [models.UniqueConstraint(fields=["customer", "scoring_model"],
                                               name="evaluation_one_per_customer_model")]
        indexes = [models.Index(fields=["scoring_model", "-value_12m"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.total} {self.grade}"

    @property
    def indicator_lines(self) -> list[dict]:
        """Each indicator with its actual value, standard, weight, ratio, points and status."""
        from outletcrm.evaluation.scoring import join_lines

        return join_lines(self.model_version.definition, self.lines)


class ClassProposal(models.Model):
    """A proposed change of a customer's class and/or ABC class, with the facts behind it."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="class_proposals", verbose_name=_("Customer"))
    from_class = models.ForeignKey("customers.CustomerClass", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    to_class = models.ForeignKey("customers.CustomerClass", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("Proposed class"))
    change_class = models.BooleanField(default=False)
    from_abc = models.ForeignKey("customers.CustomerClass", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    to_abc = models.ForeignKey("customers.CustomerClass", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("Proposed ABC class"))
    change_abc = models.BooleanField(default=False)
    # grade, total, model, value_12m, share_before (cumulative % of value before this
    # customer), orders_12m, last_order, days_since, a_share, b_share, recency_days.
    facts = models.JSONField(default=dict)
    status = models.CharField(pgettext_lazy("proposal", "Status"), max_length=12,
                              choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    proposed_at = models.DateTimeField(_("Proposed at"))
    run = models.ForeignKey("EvaluationRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=pgettext_lazy("proposal", "Decided by"))
    decided_at = models.DateTimeField(pgettext_lazy("proposal", "Decided at"), null=True, blank=True)
    note = models.CharField(pgettext_lazy("proposal", "Note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("Class proposal")
        verbose_name_plural = _("Class proposals")
        constraints = [models.UniqueConstraint(fields=["customer"],
                                               condition=Q(status="pending"),
                                               name="evaluation_one_pending_proposal")]
        indexes = [models.Index(fields=["status", "-proposed_at"]),
                   models.Index(fields=["customer", "-proposed_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.status}"


class EvaluationRun(models.Model):
    """One evaluation and classification run: what it scored and proposed, and how long."""

    kind = models.CharField(_("Kind"), max_length=10, choices=RunKind.choices)
    day = models.DateField(_("Day"))
    started_at = models.DateTimeField(pgettext_lazy("evaluation run", "Started at"))
    # Changes made after this moment are picked up by the next run of changed customers.
    since = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    customers = models.PositiveIntegerField(_("Customers scored"), default=0)
    proposed = models.PositiveIntegerField(_("Proposals"), default=0)
    applied = models.PositiveIntegerField(pgettext_lazy("evaluation run", "Applied"), default=0)
    withdrawn = models.PositiveIntegerField(_("Withdrawn"), default=0)
    scoring_model = models.ForeignKey(ScoringModel, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    model_version = models.PositiveIntegerField(default=0)
    settings_stamp = models.CharField(max_length=40, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("Evaluation run")
        verbose_name_plural = _("Evaluation runs")

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.customers}"
