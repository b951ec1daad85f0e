"""Complaints (投诉, brief §6; issue 9 item 2): the complaint, its handling log, its photos and
the service targets per severity.

Targets are counted in working minutes of the company calendar (core.workcal): the due times
are computed at intake (and the resolve target again at a reopening) and stored, so the list,
the breach job and the report compare plain timestamps.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.complaints.choices import (
    Category,
    Channel,
    EventKind,
    Resolution,
    Satisfaction,
    Severity,
    Status,
)

# An upper bound for a target: a month of working days (8 working hours a day)
MAX_TARGET_MINUTES = 480 * 22


class ServiceTarget(models.Model):
    """How fast a complaint of a severity is answered and resolved, in working minutes."""

    severity = models.CharField(_("Severity"), max_length=10, choices=Severity.choices,
                                unique=True)
    respond_minutes = models.PositiveIntegerField(
        _("Respond within (working minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)])
    resolve_minutes = models.PositiveIntegerField(
        _("Resolve within (working minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Service target")
        verbose_name_plural = _("Service targets")

    def __str__(self) -> str:
        return str(self.get_severity_display())

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.respond_minutes and self.resolve_minutes and \
                self.resolve_minutes < self.respond_minutes:
            raise ValidationError({"resolve_minutes": _(
                "Resolving cannot be due before the first response.")})


def photo_path(instance, filename: str) -> str:
    return f"complaints/{instance.uploaded_at:%Y/%m}/{instance.client_id}.jpg"


class Complaint(models.Model):
    """A customer's complaint, from intake to closing, with its targets and breaches."""

    code = models.CharField(_("Complaint no."), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("Customer"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="complaints",
                                verbose_name=pgettext_lazy("complaint", "Contact"))
    channel = models.CharField(pgettext_lazy("complaint", "Channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(pgettext_lazy("complaint", "Category"), max_length=10, choices=Category.choices)
    severity = models.CharField(_("Severity"), max_length=10, choices=Severity.choices,
                                default=Severity.NORMAL)
    description = models.TextField(_("What the customer says"), max_length=2000)
    received_at = models.DateTimeField(_("Received at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("Received by"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("Assignee"))
    status = models.CharField(pgettext_lazy("complaint", "Status"), max_length=12,
                              choices=Status.choices, default=Status.OPEN)
    first_response_at = models.DateTimeField(_("First response"), null=True, blank=True)
    committed_date = models.DateField(_("Date committed to the customer"), null=True,
                                      blank=True)
    resolved_at = models.DateTimeField(_("Resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    resolution_type = models.CharField(_("Resolution"), max_length=12,
                                       choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("Resolution note"), max_length=2000, blank=True)
    respond_due_at = models.DateTimeField(_("Response due"))
    resolve_due_at = models.DateTimeField(_("Resolution due"))
    respond_breached_at = models.DateTimeField(_("Response target missed at"), null=True,
                                               blank=True)
    resolve_breached_at = models.DateTimeField(_("Resolution target missed at"), null=True,
                                               blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # A price objection from a steady customer (brief §6: check whether market prices really
    # moved and whether a competitor quoted close to ours).
    market_price = models.DecimalField(_("Market price seen"), max_digits=10, decimal_places=2,
                                       null=True, blank=True,
                                       validators=[MinValueValidator(0),
                                                   MaxValueValidator(10_000_000)])
    competitor_quote = models.DecimalField(_("Competitor's quote"), max_digits=10,
                                           decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0),
                                                       MaxValueValidator(10_000_000)])
    competitor_brand = models.CharField(pgettext_lazy("complaint", "Competitor brand"), max_length=50, blank=True)
    competitor_entry = models.ForeignKey("customers.CompetitorEntry", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+",
                                         verbose_name=_("Competitor file entry"))
    satisfaction = models.PositiveSmallIntegerField(_("Satisfaction"), null=True, blank=True,
                                                    choices=Satisfaction.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("Complaint")
        verbose_name_plural = pgettext_lazy("complaint", "Complaints")
        indexes = [models.Index(fields=["status", "respond_due_at"]),
                   models.Index(fields=["status", "resolve_due_at"]),
                   models.Index(fields=["assignee", "status"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        from outletcrm.complaints.choices import ACTIVE_STATUSES

        return self.status in ACTIVE_STATUSES

    @property
    def is_breached(self) -> bool:
        return bool(self.respond_breached_at or self.resolve_breached_at)

    @property
    def next_target(self) -> tuple[str, object] | None:
        """The target now running: ("respond", due) until answered, then ("resolve", due)."""
        if not self.is_active:
            return None
        if self.first_response_at is None:
            return "respond", self.respond_due_at
        return "resolve", self.resolve_due_at


class ComplaintEvent(models.Model):
    """One line of a complaint's handling log: who did what, when, and what they wrote."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(pgettext_lazy("complaint", "Action"), max_length=15, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(pgettext_lazy("complaint", "When"))
    text = models.TextField(pgettext_lazy("complaint", "Note"), max_length=2000, blank=True)
    # Structured facts of the action (assignee, committed date, target), language-neutral.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("Complaint log entry")
        verbose_name_plural = _("Complaint log")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class ComplaintPhoto(models.Model):
    """A photo of the complaint (the faulty product, the damaged delivery).

    The file has no public URL: it is served by complaints.views.photo_file to whoever may
    see the complaint (core.files).
    """

    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("Complaint photo")
        verbose_name_plural = _("Complaint photos")

    def __str__(self) -> str:
        return str(self.client_id)

    @property
    def url(self) -> str:
        return reverse("complaints:photo", args=[self.client_id])
