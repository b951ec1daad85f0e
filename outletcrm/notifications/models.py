"""Notifications: the in-app notification centre, and what e-mail and group robots deliver.

This app sits just above org and core: every higher app (visits, complaints, care, churn)
notifies through `notifications.services.notify`, and this app imports none of them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core import i18n
from outletcrm.notifications.validators import validate_robot_url


class Notification(models.Model):
    """One message to one user. The title is system text, stored language-neutrally."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("Recipient"))
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
        indexes = [models.Index(fields=["user", "read_at", "-created_at"]),
                   # A group robot posts an event told to several people once (services).
                   models.Index(fields=["dedupe_key"], name="notification_dedupe_key")]
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


class Channel(models.TextChoices):
    """Where a notification is delivered besides the in-app centre (which always gets it)."""

    EMAIL = "email", _("E-mail")
    ROBOT = "robot", _("Group robot")


class Preference(models.Model):
    """A user's choice of channels for one kind; without a row the kind's defaults apply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("Recipient"))
    kind = models.CharField(_("Kind"), max_length=40)
    email = models.BooleanField(_("E-mail"), default=False)
    robot = models.BooleanField(_("Group robot"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class Profile(models.Model):
    """Per-user notification settings that are not per kind: the language messages that
    leave the site (e-mail, robots) are written in; blank means the site's language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_profile", verbose_name=_("Recipient"))
    language = models.CharField(_("Language of messages"), max_length=10, blank=True,
                                choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return str(self.user)


class RobotChannel(models.Model):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot: a team's group, or the company's
    when no team is given. Set up by administrators; the secret is never shown back."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    name = models.CharField(_("Name"), max_length=100)
    team = models.ForeignKey("org.Team", verbose_name=_("Team"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="robot_channels",
                             help_text=_("Empty: the company-wide group, for people whose "
                                         "team has no robot of its own."))
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("Webhook address"), max_length=500,
                          validators=[validate_robot_url])
    # DingTalk's "sign" security setting (加签); WeCom robots have no secret.
    secret = models.CharField(_("Signing secret"), max_length=200, blank=True)
    active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("Group robot")
        verbose_name_plural = _("Group robots")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.secret and self.kind == self.Kind.WECOM:
            raise ValidationError({"secret": _("WeCom group robots have no signing secret: "
                                               "the key is part of the webhook address.")})


class Delivery(models.Model):
    """One notification on one channel (e-mail, or one robot): sent in the background by the
    notifications sweep, retried with a growing delay, then marked failed."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery status", "Waiting")
        SENT = "sent", pgettext_lazy("delivery status", "Sent")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    robot = models.ForeignKey(RobotChannel, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("notification", "Delivery")
        verbose_name_plural = _("Deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            # One delivery per notification and channel (per robot for robots): planning a
            # notification's deliveries twice sends nothing twice.
            models.UniqueConstraint(fields=["notification", "channel"],
                                    condition=models.Q(robot__isnull=True),
                                    name="delivery_once_per_channel"),
            models.UniqueConstraint(fields=["notification", "robot"],
                                    condition=models.Q(robot__isnull=False),
                                    name="delivery_once_per_robot"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.channel} ({self.status})"
