"""Customer care (客情维护, brief §6): care rules, family events, gifts, busy hours."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from outletcrm.care.choices import CareAction, CareKind, FamilyEventKind, Festival
from outletcrm.core.params import BIRTHDAY_EARLIEST, LATEST_DATE, validate_business_date

MAX_LEAD_DAYS = 60
MAX_EVERY_DAYS = 366


def validate_event_date(value) -> None:
    """A family event's date: an old one (a wedding anniversary) or one still ahead."""
    import datetime

    if isinstance(value, datetime.date) and not BIRTHDAY_EARLIEST <= value <= LATEST_DATE:
        raise ValidationError(_("Enter a date between %(earliest)s and %(latest)s.") % {
            "earliest": BIRTHDAY_EARLIEST.isoformat(), "latest": LATEST_DATE.isoformat()},
            code="date_out_of_range")


class CareRule(models.Model):
    """A configurable care rule: what to do for which customer classes, and when.

    A rule naming classes applies to customers of those classes; a rule naming none applies to
    every customer that no rule of the same kind (and festival) names by class, so "key
    customers get a gift, everyone else a message" is two rules.
    """

    name = models.CharField(_("Name"), max_length=60)
    kind = models.CharField(_("Kind"), max_length=20, choices=CareKind.choices)
    customer_classes = models.ManyToManyField(
        "customers.CustomerClass", verbose_name=_("Customer classes"), blank=True,
        related_name="+",
        help_text=_("Leave empty for every customer no other rule of this kind names by class."),
    )
    festival = models.CharField(_("Festival"), max_length=20, choices=Festival.choices,
                                blank=True)
    action = models.CharField(_("Suggested action"), max_length=10, choices=CareAction.choices,
                              default=CareAction.MESSAGE)
    lead_days = models.PositiveSmallIntegerField(
        _("Days ahead"), default=0, validators=[MaxValueValidator(MAX_LEAD_DAYS)],
        help_text=_("The task is due this many days before the date (a gift needs time)."),
    )
    every_days = models.PositiveSmallIntegerField(
        _("Every (days)"), null=True, blank=True,
        validators=[MinValueValidator(7), MaxValueValidator(MAX_EVERY_DAYS)],
        help_text=_("Return visits: the interval; emotional calls: about this often (jittered)."),
    )
    is_active = models.BooleanField(_("Enabled"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("Sort order"), default=0)

    class Meta:
        ordering = ["kind", "sort_order", "pk"]
        verbose_name = _("Care rule")
        verbose_name_plural = _("Care rules")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.kind == CareKind.FESTIVAL and not self.festival:
            errors["festival"] = _("Choose the festival.")
        if self.kind != CareKind.FESTIVAL and self.festival:
            errors["festival"] = _("Only festival rules name a festival.")
        if self.kind in (CareKind.RETURN_VISIT, CareKind.EMOTIONAL_CALL) and not self.every_days:
            errors["every_days"] = _("Say how often.")
        if errors:
            raise ValidationError(errors)


class CareProfile(models.Model):
    """When a customer does not want calls (busy hours, busy weekdays): care's own data on a
    customer, kept here rather than in the archive."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE,
                                    related_name="care_profile")
    busy_from = models.TimeField(_("Busy from"), null=True, blank=True)
    busy_to = models.TimeField(_("Busy until"), null=True, blank=True)
    busy_weekdays = models.JSONField(
        _("Busy weekdays"), default=list, blank=True,
        help_text=_("0 = Monday … 6 = Sunday: days a call would disturb (market days)."),
    )

    class Meta:
        verbose_name = _("Care profile")
        verbose_name_plural = _("Care profiles")

    def __str__(self) -> str:
        return str(self.customer)

    def clean(self):
        errors = {}
        if (self.busy_from is None) != (self.busy_to is None):
            errors["busy_to"] = _("Give both ends of the busy hours, or neither.")
        elif self.busy_from is not None and self.busy_from >= self.busy_to:
            errors["busy_to"] = _("The busy hours must end after they start.")
        days = self.busy_weekdays
        if not isinstance(days, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
            errors["busy_weekdays"] = _("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
        if errors:
            raise ValidationError(errors)


class FamilyEvent(models.Model):
    """A family event of a contact (wedding, a child's birth, exams, a funeral, the shop's
    opening anniversary): care beyond sales (brief §6)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="family_events", editable=False)
    contact = models.ForeignKey("customers.Contact", verbose_name=_("Contact person"),
                                on_delete=models.CASCADE, related_name="family_events")
    kind = models.CharField(_("Kind"), max_length=20, choices=FamilyEventKind.choices)
    date = models.DateField(_("Date"), validators=[validate_event_date])
    is_lunar = models.BooleanField(
        _("Lunar date"), default=False,
        help_text=_("Tick if the month and day are lunar; reminders convert them each year."),
    )
    recurs_yearly = models.BooleanField(
        _("Every year"), default=False,
        help_text=_("Remind every year on this day (an anniversary), not only once."),
    )
    note = models.CharField(_("Notes"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("Family event")
        verbose_name_plural = _("Family events")
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_kind_display()}"


class Gift(models.Model):
    """A gift given to a customer, and its story: who chose it and why (brief §6: a gift need
    not be costly but should carry a story)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="gifts", editable=False)
    contact = models.ForeignKey("customers.Contact", verbose_name=_("For"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    date = models.DateField(_("Date"), validators=[validate_business_date])
    description = models.CharField(_("Gift"), max_length=200)
    value = models.DecimalField(
        _("Value (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000000"))],
    )
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Chosen by"),
                                  null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    story = models.TextField(_("Why this gift"), max_length=2000, blank=True)
    task = models.ForeignKey("visits.FollowUpTask", verbose_name=_("Care task"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("Gift")
        verbose_name_plural = _("Gifts")
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return self.description
