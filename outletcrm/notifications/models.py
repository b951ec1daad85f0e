"""Notifications: the in-app notification centre, and what e-mail and group robots deliver.

This app sits just above org and core: every higher app (visits, complaints, care, churn)
notifies through `notifications.services.notify`, and this app imports none of them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outletcrm.core import i18n


class Notification(models.Model):
    """One message to one user. The title is system text, stored language-neutrally."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("User"))
    # A dotted kind the user can switch channels for: "task.due", "task.overdue",
    # "complaint.breach", "churn.flag"… (registered by the apps that send them).
    kind = models.CharField(_("Kind"), max_length=40)
    title = models.CharField(_("Title"), max_length=200)
    title_message = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    # Sending twice with the same key to the same user stores one notification (idempotent
    # jobs); empty means no deduplication.
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"],
                                    condition=~models.Q(dedupe_key=""),
                                    name="notification_dedupe_per_user"),
        ]

    def __str__(self) -> str:
        return self.title_text

    @property
    def title_text(self) -> str:
        return i18n.render(self.title_message, self.title)
