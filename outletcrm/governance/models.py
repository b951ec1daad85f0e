"""Archive governance (brief §7, issue 10 items 0, 1, 7): the custodian's desk of suspected
duplicates, changes held for approval, the archive policy and tombstones of deleted records."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from outletcrm.governance.choices import Approver, ChangeKind, ChangeStatus, PairStatus


class GovernancePolicy(models.Model):
    """The company's archive policy (one row, pk 1), kept by administrators."""

    new_customers_need_approval = models.BooleanField(
        _("New customers need approval"), default=False,
        help_text=_("A new customer filed by someone who may not approve it waits for approval "
                    "before it is on file."))
    key_changes_need_approval = models.BooleanField(
        _("Changes to key fields need approval"), default=False,
        help_text=_("Changes to name, address, coordinates, class, ABC class or owner wait for "
                    "approval; other fields change at once."))
    approver = models.CharField(_("Who approves"), max_length=20, choices=Approver.choices,
                                default=Approver.CUSTODIAN)
    archive_lost_after_months = models.PositiveSmallIntegerField(
        _("Archive lost customers after (months)"), default=12,
        validators=[MaxValueValidator(120)],
        help_text=_("A lost customer whose record has not changed for this many months is "
                    "archived by the nightly job (kept, read-only). 0 turns the rule off."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Archive policy")
        verbose_name_plural = _("Archive policy")

    def __str__(self) -> str:
        return str(_("Archive policy"))

    @classmethod
    def current(cls) -> "GovernancePolicy":
        return cls.objects.get_or_create(pk=1)[0]


class DuplicatePair(models.Model):
    """Two live records the duplicate rules (customers/dedupe.py) say are the same outlet.

    `customer_a` has the lower id, so a pair is stored once. A pair marked "not a duplicate"
    (or merged) stays, so the scan never raises it again.
    """

    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                   related_name="+")
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                   related_name="+")
    reasons = models.JSONField(default=list)  # phone, name_address, nearby_name
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=PairStatus.choices, default=PairStatus.OPEN)
    found_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")),
                                   name="duplicate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-found_at"], name="duplicate_pair_queue_idx")]

    def __str__(self) -> str:
        return f"{self.customer_a_id}~{self.customer_b_id}"


class PendingChange(models.Model):
    """A new customer or a change to a customer's key fields held for approval (专人管理).

    `proposed` holds the values as JSON (foreign keys as ids); `shown` the old and new values
    as text for the record and the inbox. `region`/`team` are the record's at the request (the
    approver rules in core.scoping read them).
    """

    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    proposed = models.JSONField(default=dict)
    before = models.JSONField(default=dict)
    shown = models.JSONField(default=list)  # [[field, label, old text, new text], …]
    region = models.ForeignKey("org.Region", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices,
                              default=ChangeStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_customer = models.ForeignKey("customers.Customer", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "region"], name="pending_change_inbox_idx"),
                   models.Index(fields=["customer", "status"], name="pending_change_record_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class Tombstone(models.Model):
    """What is left of a customer record an administrator deleted as created in error: who,
    when, why, and its name and number (the audit log holds the same)."""

    customer_id = models.PositiveBigIntegerField()
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    reason = models.CharField(max_length=300)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-deleted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
