"""Cross-cutting records: change history, customer timeline and the audit log.

They key on plain ids (not foreign keys to customers) so that `core` depends on no app above
it; higher apps write entries through `core.history` and `core.timeline`. Text the system
writes into them is stored language-neutrally and shown in the reader's language
(`core.i18n`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core import i18n


class ChangeLog(models.Model):
    """One change to one record: who, when, old and new values (动态管理, brief §7)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        ARCHIVE = "archive", _("Archived")
        RESTORE = "restore", _("Restored")
        MERGE = "merge", _("Merged")
        DELETE = "delete", _("Deleted")

    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    # The customer the change belongs to, so a customer's history shows its contacts too.
    customer_id = models.BigIntegerField(null=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    # {field: [old, new]}; a choice label or a configurable list's name is stored
    # language-neutrally (core.i18n), so each reader sees it in their own language.
    changes = models.JSONField(default=dict, blank=True)
    # A note the system wrote is its English text here and its message in note_message; a
    # note a person typed (an archiving reason) is kept as typed, with an empty message.
    note = models.CharField(max_length=300, blank=True)
    note_message = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.action}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (a typed note as typed)."""
        return i18n.render(self.note_message, self.note)

    @property
    def changes_text(self) -> dict:
        """The changes with their labels in the reader's language."""
        return {name: [i18n.value(v) for v in pair] if isinstance(pair, list) else
                i18n.value(pair) for name, pair in (self.changes or {}).items()}


class TimelineEntry(models.Model):
    """An event on a customer's timeline; visits, orders and complaints add theirs later."""

    customer_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=30)
    # The English text of title_message (the system's text, translated when shown); rows
    # written before the message was stored keep their text here and an empty message.
    title = models.CharField(max_length=200)
    title_message = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(db_index=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer_id", "-at"])]

    def __str__(self) -> str:
        return self.title_text

    @property
    def title_text(self) -> str:
        """The title in the reader's language."""
        return i18n.render(self.title_message, self.title)


class AuditEvent(models.Model):
    """Governance log: exports, imports, merges — who did what with the archive, when — and
    account security (logins, failed logins, ended sessions, revoked tokens)."""

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        MERGE = "merge", _("Merged")
        # Account security (accounts app, docs/security.md).
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        SESSION_ENDED = "session_ended", _("Session ended")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        USER_DEACTIVATED = "user_deactivated", _("User deactivated")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor authentication set up")
        TWO_FACTOR_RESET = "2fa_reset", _("Two-factor authentication reset")
        # Archive governance (governance app): the custodian's decisions and deletions.
        CHANGE_APPROVED = "change_approved", _("Archive change approved")
        CHANGE_REFUSED = "change_refused", _("Archive change refused")
        NOT_DUPLICATE = "not_duplicate", _("Marked not a duplicate")
        ARCHIVED_BY_RULE = "archived_by_rule", _("Archived by rule")
        DELETED = "deleted", _("Deleted (created in error)")
        # Archive governance (the access app, issue 10 items 3–4).
        BORROW_REQUESTED = "borrow_requested", _("Borrowing requested")
        BORROW_DECIDED = "borrow_decided", _("Borrowing decided")
        EXPORT_DECIDED = "export_decided", _("Export decided")
        PRINT = "print", _("Card printed")
        # Privacy and handover (issue 10 items 5, 6; docs/privacy.md).
        FIELD_SHOWN = "field_shown", _("Personal detail shown")
        HANDOVER = "handover", _("Customers handed over")

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=40)
    row_count = models.IntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, default="web")  # web, api, cli

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} ({self.row_count})"


class CalendarDay(models.Model):
    """A day the company calendar says something about (issue 9): a public holiday, a make-up
    working day (调休), a company rest day or a company working day, company-wide or for one
    region (a region's own day wins over the company-wide one). Days without a row follow
    the week: Monday–Friday worked. Read through `core.workcal`, never directly."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        MAKEUP = "makeup", _("Make-up working day (调休)")
        REST = "rest", _("Company rest day")
        WORK = "work", _("Company working day")

    WORKED_KINDS = (Kind.MAKEUP, Kind.WORK)

    date = models.DateField(_("Date"))
    region = models.ForeignKey(
        "org.Region", verbose_name=_("Region"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: the whole company."),
    )
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    # The holiday the day belongs to (元旦, 春节…): a make-up day carries its holiday's name,
    # which is how plans find the weekday it replaces (visits.planning.route_day_for).
    name = models.CharField(_("Name"), max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["date", "region"], name="calendar_day_once_per_region"),
            models.UniqueConstraint(fields=["date"], condition=models.Q(region__isnull=True),
                                    name="calendar_day_once_company_wide"),
        ]
        verbose_name = _("Calendar day")
        verbose_name_plural = _("Calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}"

    @property
    def is_workday(self) -> bool:
        return self.kind in self.WORKED_KINDS


class CalendarYear(models.Model):
    """A year whose public holidays the calendar knows (entered or confirmed by an
    administrator, or seeded from chinese-calendar): `workcal.known_until()` is the last one,
    and plans for later dates carry a warning."""

    year = models.PositiveSmallIntegerField(pgettext_lazy("calendar", "Year"), unique=True)
    source = models.CharField(max_length=20, default="admin")  # admin, chinese-calendar
    confirmed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class JobRun(models.Model):
    """One run of a periodic job for one day (core.jobs.run_job): when, how long, the outcome,
    the job's summary or the error. A job that succeeded for a day is not run again for it
    unless forced; at most one run of a job and day is running at a time (a partial unique
    index, so two workers cannot both start it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job", "Queued")
        RUNNING = "running", pgettext_lazy("job", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("job", "Succeeded")
        FAILED = "failed", pgettext_lazy("job", "Failed")
        SKIPPED = "skipped", pgettext_lazy("job", "Skipped")

    name = models.CharField(max_length=60)
    for_date = models.DateField()
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    forced = models.BooleanField(default=False)
    # Who asked: "scheduler", "retry", "page", "cli", or "" when the task was called directly.
    trigger = models.CharField(max_length=20, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["name", "for_date", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["name", "for_date"],
                                    condition=models.Q(status="running"),
                                    name="job_run_one_running_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.for_date.isoformat()} #{self.attempt} {self.status}"


class ScheduleSlot(models.Model):
    """A slot the scheduler has enqueued (job name and its local due time), so a restarted
    scheduler neither enqueues a slot twice nor forgets one it missed while down."""

    name = models.CharField(max_length=60)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"],
                                               name="schedule_slot_once")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot.isoformat()}"


# --- archive governance: query, borrowing and issuance rules (brief §7; issue 10 items 2–4) --
# They live in core because core.scoping reads the borrowing grants (scope needs no upward
# import) and the customer pages, API and export (customers) write the access log; the
# pages, reports and jobs that work on them are the `access` app's. Customers are named by
# plain id, as elsewhere in core.


class AccessLog(models.Model):
    """One look at the archive (查询制度): who, which customer (or how many rows), when, from
    where. Written with one INSERT per page or API call (core.accesslog); the daily per-user
    summary (AccessDaily) answers the reports, and raw rows are purged after
    settings.ACCESS_LOG_KEEP_DAYS."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed the card")
        API_VIEW = "api_view", _("Read the card through the API")
        SEARCH_OPEN = "search_open", _("Opened from a search")
        EXPORT = "export", pgettext_lazy("access", "Export")
        PRINT = "print", _("Printed the card")

    user_id = models.BigIntegerField()  # a plain id: the log outlives a deleted account
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    customer_id = models.BigIntegerField(null=True, blank=True)
    row_count = models.IntegerField(default=1)
    borrowed = models.BooleanField(default=False)  # seen through a borrowing grant
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user_id", "at"], name="core_accesslog_user_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.customer_id} @ {self.at:%Y-%m-%d %H:%M}"


class AccessDaily(models.Model):
    """One user's looks at the archive on one day, summed from AccessLog by the nightly
    "access-summary" job; the access report and the anomaly list read only these rows."""

    day = models.DateField()
    user_id = models.BigIntegerField()
    views = models.IntegerField(default=0)  # card views: page, API and opened from a search
    customers = models.IntegerField(default=0)  # distinct customers looked at
    exports = models.IntegerField(default=0)
    export_rows = models.IntegerField(default=0)
    off_hours_exports = models.IntegerField(default=0)
    prints = models.IntegerField(default=0)
    borrowed_views = models.IntegerField(default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["day", "user_id"],
                                               name="access_daily_once_per_user")]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} user {self.user_id}: {self.views}"


class BorrowRequest(models.Model):
    """A request to read customers outside one's scope for a while (借阅制度): the custodian
    (or an administrator) approves or refuses; while approved and inside the period the
    customers are readable, read-only, by the borrower (core.scoping). Nothing has to run
    when the period ends: scope compares the period with now()."""

    class Purpose(models.TextChoices):
        RIDE_ALONG = "ride_along", pgettext_lazy("borrowing", "Ride-along")
        HANDOVER = "handover", pgettext_lazy("borrowing", "Handover")
        AUDIT = "audit", pgettext_lazy("borrowing", "Audit")
        OTHER = "other", pgettext_lazy("borrowing", "Other")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("borrowing", "Pending")
        APPROVED = "approved", pgettext_lazy("borrowing", "Approved")
        REFUSED = "refused", pgettext_lazy("borrowing", "Refused")
        WITHDRAWN = "withdrawn", pgettext_lazy("borrowing", "Withdrawn")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    purpose = models.CharField(pgettext_lazy("borrowing", "Purpose"), max_length=12, choices=Purpose.choices)
    reason = models.CharField(pgettext_lazy("borrowing", "Reason"), max_length=300)
    starts_at = models.DateTimeField(pgettext_lazy("borrowing", "From"))
    ends_at = models.DateTimeField(pgettext_lazy("borrowing", "Until"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requester", "status", "ends_at"],
                                name="core_borrow_requester")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="borrow_period_positive")]

    def __str__(self) -> str:
        return f"borrow #{self.pk} by {self.requester_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return (self.status == self.Status.APPROVED
                and self.starts_at <= timezone.now() < self.ends_at)


class BorrowItem(models.Model):
    """One customer of a borrowing request (by id; core sits below customers)."""

    request = models.ForeignKey(BorrowRequest, on_delete=models.CASCADE, related_name="items")
    customer_id = models.BigIntegerField(db_index=True)
    region_id = models.BigIntegerField(null=True, blank=True)  # whose custodian decides

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "customer_id"],
                                               name="borrow_item_once")]

    def __str__(self) -> str:
        return f"{self.request_id}: customer {self.customer_id}"


class ExportRequest(models.Model):
    """Every export of the archive (发放制度): who, when, the filter, how many rows, and who
    approved it. Exports above settings.EXPORT_APPROVAL_ROWS wait for the custodian; once
    approved the workbook is made (as the requester sees the archive then) and downloaded
    once through a scoped view (core/files.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("export", "Waiting for approval")
        APPROVED = "approved", pgettext_lazy("export", "Approved, ready to download")
        REFUSED = "refused", pgettext_lazy("export", "Refused")
        DOWNLOADED = "downloaded", pgettext_lazy("export", "Downloaded")
        DONE = "done", pgettext_lazy("export", "Exported (within the limit)")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=10, default="web")
    filters = models.JSONField(default=dict, blank=True)
    filter_text = models.CharField(max_length=500, blank=True)
    row_count = models.IntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=200, blank=True)  # relative to MEDIA_ROOT until fetched
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export #{self.pk} by {self.requester_id}: {self.row_count} ({self.status})"
