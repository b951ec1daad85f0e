"""Signed-in sessions, one row per browser session (accounts.middleware keeps it)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def key_hash(session_key: str) -> str:
    """The session key as stored here: a SHA-256, so this table cannot be used to sign in."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()


class UserSession(models.Model):
    """A browser session of a user: where from, since when, last seen (at most a minute old).

    Ending it deletes the row; the middleware then signs the browser out on its next request
    (the session remembers that it was tracked, so a missing row means "ended").
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="web_sessions", verbose_name=_("Account"))
    key_hash = models.CharField(max_length=64, unique=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("Browser"), max_length=300, blank=True)
    created = models.DateTimeField(_("Signed in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("Last seen"), db_index=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        verbose_name = _("Session")
        verbose_name_plural = _("Sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.ip or ''}"
