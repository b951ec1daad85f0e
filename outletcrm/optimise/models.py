"""Optimisation jobs and the rep's base (start point, hours, transport) for the optimiser."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.customers.validators import validate_latitude, validate_longitude


class JobKind(models.TextChoices):
    DAY = "day", _("Best order for a day")
    DESIGN = "design", _("Weekly route design")
    TERRITORY = "territory", _("Team territories")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TransportMode(models.TextChoices):
    """The engine's modes (routing.problem.TransportMode), labelled for people."""

    WALK = "walk", _("On foot")
    EBIKE = "ebike", _("E-bike")
    CAR = "car", _("Car")


class StartPoint(models.TextChoices):
    """Where a rep's day starts and ends (issue 4, item 1)."""

    HOME = "home", _("Home")
    OFFICE = "office", _("Office")
    FIRST_OUTLET = "first_outlet", _("First outlet")


class OptimisationJob(models.Model):
    """One optimisation run: what was asked, how far it got, and what it found.

    Long runs (design, territory) are django.tasks tasks that take the job's id and report
    progress here; a day run is short and inline but is recorded the same way, so every result
    a page or the API shows has a job behind it.
    """

    kind = models.CharField(_("Kind"), max_length=20, choices=JobKind.choices)
    status = models.CharField(pgettext_lazy("job", "Status"), max_length=20,
                              choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(_("Progress"), default=0.0,
                                 validators=[MinValueValidator(0), MaxValueValidator(1)])
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    result = models.JSONField(_("Result"), default=dict, blank=True)
    # An English message id (translated when shown), or the provider's own text.
    error = models.TextField(_("Error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("Started by"))
    # The rep the job is about (day, design); the team for a territory split.
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+", verbose_name=_("Rep"))
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("Team"))
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    # A design adopted as the rep's routes, or a territory split applied (once).
    applied_at = models.DateTimeField(_("Adopted at"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Optimisation job")
        verbose_name_plural = _("Optimisation jobs")
        indexes = [models.Index(fields=["rep", "kind", "-created_at"]),
                   models.Index(fields=["team", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * min(max(self.progress, 0.0), 1.0))


class RepBase(models.Model):
    """A rep's own start points, working hours and transport, when they differ from the
    installation's defaults (settings.ROUTING_*). Everything is optional."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="route_base", verbose_name=_("Rep"))
    home_lat = models.DecimalField(_("Home latitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True, validators=[validate_latitude])
    home_lng = models.DecimalField(_("Home longitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True, validators=[validate_longitude])
    office_lat = models.DecimalField(_("Office latitude"), max_digits=9, decimal_places=6,
                                     null=True, blank=True, validators=[validate_latitude])
    office_lng = models.DecimalField(_("Office longitude"), max_digits=9, decimal_places=6,
                                     null=True, blank=True, validators=[validate_longitude])
    work_start = models.TimeField(_("Work starts"), null=True, blank=True)
    work_end = models.TimeField(_("Work ends"), null=True, blank=True)
    mode = models.CharField(_("Transport"), max_length=10, choices=TransportMode.choices,
                            blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Rep's start point and hours")
        verbose_name_plural = _("Reps' start points and hours")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self):
        errors = {}
        for prefix in ("home", "office"):
            lat, lng = getattr(self, f"{prefix}_lat"), getattr(self, f"{prefix}_lng")
            if (lat is None) != (lng is None):
                errors[f"{prefix}_lng"] = _("Give both latitude and longitude, or neither.")
        if self.work_start and self.work_end and self.work_end <= self.work_start:
            errors["work_end"] = _("Work must end after it starts.")
        if errors:
            raise ValidationError(errors)


class PrecomputedDay(models.Model):
    """The night's best orders of a rep's day (job "day-orders", services.precompute_days).

    `key` is the cache key of the exact problem the order was found for (stops, windows,
    service times, start point, hours, travel and search settings: services._day_cache_key),
    so a day that changed since (a stop added or dropped, an outlet moved, other settings)
    never gets a stored order as its answer; at most as the search's starting point. A
    table, not the cache: the night job runs in the worker and the calls in the web
    processes, which share no per-process cache, and a Redis cache may evict entries.
    """

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")
    date = models.DateField()
    key = models.CharField(max_length=100)
    # The best orders for starts at and after work start (engine.precompute_orders):
    # [{"start": minutes from midnight, "order": [PlannedStop pk as text, ...], "travel": min}].
    orders = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "date"],
                                               name="precomputed_day_rep_date")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.date}"
