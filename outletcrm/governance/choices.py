"""Fixed choices of archive governance."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Approver(models.TextChoices):
    CUSTODIAN = "custodian", _("The region's archive custodian")
    SUPERVISOR = "supervisor", _("The team's supervisor or the region's manager")
    EITHER = "either", _("Either of them")


class PairStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("duplicate pair", "Open")
    MERGED = "merged", pgettext_lazy("duplicate pair", "Merged")
    DISMISSED = "dismissed", _("Not a duplicate")


class ChangeKind(models.TextChoices):
    CREATE = "create", _("New customer")
    UPDATE = "update", _("Change to key fields")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("archive change", "Approved")
    REFUSED = "refused", pgettext_lazy("archive change", "Refused")
