"""Handovers (交接, issue 10 item 6): a rep's customers given to other reps in one operation.

The record says who handed whose customers to whom, when, and what went with them; each
customer's own history (core.ChangeLog) shows the change of owner as well.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Handover(models.Model):
    """One handover: the departing (or moving) rep's customers, given to one or more reps."""

    from_rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("From rep"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("Handed over by"))
    created_at = models.DateTimeField(pgettext_lazy("handover", "When"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    deactivated = models.BooleanField(_("Account deactivated"), default=False)
    # What was selected (region, class, status, ids) and how many of each kind moved.
    selection = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, default="web")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Handover")
        verbose_name_plural = pgettext_lazy("handover", "Handovers")

    def __str__(self) -> str:
        return f"{self.from_rep} {self.created_at:%Y-%m-%d}"


class HandoverMove(models.Model):
    """One customer of a handover and the rep it went to (who owned what when)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="moves")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("Customer"))
    to_rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("To rep"))

    class Meta:
        ordering = ["handover", "pk"]
        indexes = [models.Index(fields=["customer"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.to_rep_id}"
