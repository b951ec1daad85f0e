"""Choice lists of complaints (brief §6: record promptly, handle, commit to a time, follow up)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    VISIT = "visit", _("On a visit")
    PHONE = "phone", _("Phone call to the rep")
    WECHAT = "wechat", _("WeChat")
    HOTLINE = "hotline", _("Service hotline")
    API = "api", _("Another system (API)")
    OTHER = "other", pgettext_lazy("complaint channel", "Other")


class Category(models.TextChoices):
    PRODUCT = "product", _("Product quality")
    PRICE = "price", _("Price")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    OTHER = "other", pgettext_lazy("complaint category", "Other")


class Severity(models.TextChoices):
    """Most severe first. Urgent: safety, a key customer threatening to leave, a public
    complaint; high: the customer cannot sell (wrong or missing delivery); normal: most
    complaints; low: a remark to be followed up (docs/complaints.md)."""

    URGENT = "urgent", _("Urgent")
    HIGH = "high", pgettext_lazy("severity", "High")
    NORMAL = "normal", pgettext_lazy("severity", "Normal")
    LOW = "low", pgettext_lazy("severity", "Low")


SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.NORMAL: 2, Severity.LOW: 3}


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint", "In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("complaint", "Closed")
    REOPENED = "reopened", _("Reopened")


# Still being handled: the resolution target runs.
ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.REOPENED)


class Resolution(models.TextChoices):
    """The remedies of brief §6: fix it, explain it, allow a return, agree a remedy."""

    FIXED = "fixed", _("Fixed")
    EXPLAINED = "explained", _("Explained")
    RETURNED = "returned", _("Returned or exchanged")
    COMPENSATED = "compensated", _("Compensated")
    OTHER = "other", pgettext_lazy("complaint resolution", "Other")


class EventKind(models.TextChoices):
    INTAKE = "intake", _("Logged")
    ASSIGN = "assign", _("Assigned")
    RESPOND = "respond", _("First response")
    NOTE = "note", pgettext_lazy("complaint", "Note")
    COMMIT = "commit", _("Date committed to the customer")
    RESOLVE = "resolve", _("Resolved")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    BREACH = "breach", _("Service target missed")
    PHOTO = "photo", _("Photo added")
    SATISFACTION = "satisfaction", _("Satisfaction recorded")


class Target(models.TextChoices):
    RESPOND = "respond", _("Response")
    RESOLVE = "resolve", _("Resolution")


class Satisfaction(models.IntegerChoices):
    VERY_UNHAPPY = 1, pgettext_lazy("complaint", "Very dissatisfied")
    UNHAPPY = 2, pgettext_lazy("complaint", "Dissatisfied")
    NEUTRAL = 3, pgettext_lazy("complaint", "Neutral")
    HAPPY = 4, pgettext_lazy("complaint", "Satisfied")
    VERY_HAPPY = 5, pgettext_lazy("complaint", "Very satisfied")


TASK_KIND_SATISFACTION = "complaint_satisfaction"

# Defaults of the service targets, in working minutes (a working day is 8 hours of
# settings.WORKING_HOURS): seeded by migration 0002, edited by administrators.
DEFAULT_TARGETS = {
    Severity.URGENT: (30, 120),
    Severity.HIGH: (120, 480),
    Severity.NORMAL: (240, 3 * 480),
    Severity.LOW: (480, 5 * 480),
}

# A steady customer (brief §6 "price too high" from a steady customer): at least this many
# orders, not cancelled, in the last STEADY_CUSTOMER_DAYS days.
STEADY_CUSTOMER_ORDERS = 3
STEADY_CUSTOMER_DAYS = 183

# "Overdue soon" on the list: the next target falls within this many working minutes.
SOON_MINUTES = 60
