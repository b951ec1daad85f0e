"""Churn watch (流失预警, brief §6 "watch for churn: fewer orders, longer gaps"; issue 9 item 3).

The rules are data (ChurnSettings, one row an administrator edits on /churn/rules/), shown beside
every flag; a flag keeps the evidence it was raised on, so a supervisor reads why.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.churn.choices import FlagStatus, Outcome


class ChurnSettings(models.Model):
    """The churn rules (one row, pk 1): thresholds an administrator may change."""

    interval_multiple = models.DecimalField(
        _("Interval multiple (K)"), max_digits=4, decimal_places=1, default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("20"))],
        help_text=_("Flag a customer whose days without an order exceed K times their usual "
                    "interval between orders (the median gap over the last 12 months)."))
    min_orders = models.PositiveSmallIntegerField(
        _("Orders needed for an interval"), default=3,
        validators=[MinValueValidator(3), MaxValueValidator(50)],
        help_text=_("Customers with fewer order days in the last 12 months have no usual "
                    "interval and are left alone by the interval rule."))
    value_drop_percent = models.PositiveSmallIntegerField(
        _("Value drop (%)"), default=50, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Flag a customer whose order value over the last 90 days fell by at least "
                    "this share against the 90 days before."))
    dormant_days = models.PositiveSmallIntegerField(
        _("Dormant after (days)"), default=90,
        validators=[MinValueValidator(7), MaxValueValidator(364)],
        help_text=_("An active customer without any order for this many days becomes dormant."))
    lost_days = models.PositiveSmallIntegerField(
        _("Lost after (days)"), default=180,
        validators=[MinValueValidator(8), MaxValueValidator(365)],
        help_text=_("A customer without any order for this many days is lost."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Churn rules")
        verbose_name_plural = _("Churn rules")

    def __str__(self) -> str:
        return str(_("Churn rules"))

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.dormant_days and self.lost_days and self.lost_days <= self.dormant_days:
            raise ValidationError({"lost_days": _("Must be more days than dormant.")})

    @classmethod
    def current(cls) -> "ChurnSettings":
        """The rules in force (the defaults until an administrator saves them)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ChurnFlag(models.Model):
    """An active customer whose ordering slowed, with the evidence, until handled or cleared."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="churn_flags", verbose_name=_("Customer"))
    raised_on = models.DateField(_("Raised on"))
    # ["interval", "value_drop"]: the rules that held (choices.Reason).
    reasons = models.JSONField(_("Reasons"), default=list)
    # last_order (ISO date), days_since, usual_interval_days, order_days_12m,
    # value_last_90, value_previous_90, drop_percent, interval_multiple, drop_threshold.
    evidence = models.JSONField(_("Evidence"), default=dict)
    status = models.CharField(pgettext_lazy("churn flag", "Status"), max_length=10, choices=FlagStatus.choices,
                              default=FlagStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("Handled by"))
    handled_at = models.DateTimeField(_("Handled at"), null=True, blank=True)
    outcome = models.CharField(pgettext_lazy("churn", "Outcome"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.CharField(pgettext_lazy("churn", "Note"), max_length=500, blank=True)
    cleared_on = models.DateField(_("Cleared on"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("Churn flag")
        verbose_name_plural = _("Churn flags")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(status="open"),
                                    name="churn_one_open_flag_per_customer"),
        ]
        indexes = [models.Index(fields=["status", "-raised_on"]),
                   models.Index(fields=["customer", "-raised_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.raised_on} {self.status}"

    @property
    def reason_labels(self) -> list:
        from outletcrm.churn.choices import Reason

        return [Reason(r).label for r in self.reasons if r in Reason.values]

    @property
    def evidence_lines(self) -> list[str]:
        return evidence_lines(self)


class ChurnScan(models.Model):
    """A completed scan: what it did and the watermark that lets a rerun the same day skip."""

    day = models.DateField(db_index=True)
    finished_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    # What the data looked like when the scan finished (orders, customers, rules); a scan of
    # the same day that finds the same watermark has nothing to do.
    watermark = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.summary}"


def evidence_lines(flag: ChurnFlag) -> list[str]:
    """A flag's evidence in words, in the reader's language."""
    from django.utils.translation import gettext

    from outletcrm.churn.choices import Reason

    ev = flag.evidence or {}
    lines = []
    if ev.get("last_order"):
        lines.append(gettext("Last order on %(date)s, %(days)s days before the scan.")
                     % {"date": ev["last_order"], "days": ev.get("days_since")})
    if ev.get("usual_interval_days"):
        interval = ev["usual_interval_days"]
        k = Decimal(ev.get("interval_multiple") or "2")
        line = gettext("Usually orders every %(interval)s days (median gap between "
                       "%(count)s order days in 12 months); flagged after %(limit)s days "
                       "(K = %(k)s).") % {
            "interval": f"{interval:g}", "count": ev.get("order_days_12m"),
            "limit": f"{float(k) * interval:g}", "k": f"{k:g}"}
        lines.append(line)
    elif Reason.INTERVAL not in flag.reasons:
        lines.append(gettext("Too few orders in 12 months for a usual interval (%(count)s "
                             "order days).") % {"count": ev.get("order_days_12m", 0)})
    if ev.get("value_previous_90") is not None:
        line = gettext("Order value ¥%(last)s in the last 90 days against ¥%(previous)s in "
                       "the 90 days before.") % {"last": ev.get("value_last_90"),
                                                 "previous": ev.get("value_previous_90")}
        lines.append(line)
        if ev.get("drop_percent") is not None and ev["drop_percent"] > 0:
            lines.append(gettext("Down %(drop)s%% (flagged from %(threshold)s%%).") % {
                "drop": ev["drop_percent"], "threshold": ev.get("drop_threshold")})
    return lines
