"""Cross-cutting records: change history, customer timeline and the audit log.

They key on plain ids (not foreign keys to customers) so that `core` depends on no app above
it; higher apps write entries through `core.history` and `core.timeline`. Text the system
writes into them is stored language-neutrally and shown in the reader's language
(`core.i18n`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
