"""Account security writes: sessions begun and ended, tokens revoked (keyword-only)."""

import datetime

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from outletcrm.accounts.models import UserSession, key_hash
from outletcrm.core.audit import audit_record
from outletcrm.core.logins import client_ip
from outletcrm.core.models import AuditEvent

# Session keys the middleware keeps (seconds since the epoch).
STARTED = "_acc_started"
SEEN = "_acc_seen"
TRACKED = "_acc_tracked"
MOBILE = "_acc_mobile"


def session_track(*, request, user) -> UserSession | None:
    """Record the request's session as one of the user's signed-in sessions."""
    session: SessionBase = request.session
    if not session.session_key:
        session.save()
    now = timezone.now()
    row, _created = UserSession.objects.update_or_create(
        key_hash=key_hash(session.session_key),
        defaults={"user": user, "ip": client_ip(request),
                  "user_agent": (request.headers.get("User-Agent") or "")[:300],
                  "last_seen": now},
    )
    stamp = now.timestamp()
    session.setdefault(STARTED, stamp)
    session[SEEN] = stamp
    session[TRACKED] = True
    return row


def end_sessions(hashes: set[str]) -> int:
    """Delete the stored sessions whose key hashes are given (database session engine).

    UserSession keeps only a hash of the key, so the live sessions are scanned; ending is rare
    and an installation has at most a few thousand live sessions. With another engine the
    middleware's once-a-minute check signs the browser out instead.
    """
    if not hashes or settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    from django.contrib.sessions.models import Session

    doomed = [key for key in Session.objects.filter(expire_date__gt=timezone.now())
              .values_list("session_key", flat=True).iterator(chunk_size=2000)
              if key_hash(key) in hashes]
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def session_end(*, actor, session: UserSession, reason: str = "ended",
                channel: str = "web") -> None:
    """End a signed-in session: its browser is signed out at its next request."""
    with transaction.atomic():
        deleted, _ = UserSession.objects.filter(pk=session.pk).delete()
        end_sessions({session.key_hash})
        if deleted:
            audit_record(action=AuditEvent.Action.SESSION_ENDED, actor=actor,
                         object_type="user", channel=channel,
                         detail={"user": session.user.username, "user_id": session.user_id,
                                 "ip": session.ip, "reason": reason})


def user_sessions_end(*, actor, user, reason: str) -> int:
    """End every session of a user and revoke their API token (deactivation)."""
    with transaction.atomic():
        end_sessions(set(UserSession.objects.filter(user=user).values_list("key_hash", flat=True)))
        count, _ = UserSession.objects.filter(user=user).delete()
        tokens, _ = Token.objects.filter(user=user).delete()
        if count or tokens:
            audit_record(action=AuditEvent.Action.SESSION_ENDED, actor=actor,
                         object_type="user", row_count=count,
                         detail={"user": user.username, "user_id": user.pk, "reason": reason,
                                 "tokens_revoked": tokens})
    return count


def token_expires(token: Token) -> datetime.datetime:
    return token.created + datetime.timedelta(days=settings.TOKEN_LIFETIME_DAYS)


def token_expired(token: Token) -> bool:
    return settings.TOKEN_LIFETIME_DAYS > 0 and token_expires(token) <= timezone.now()


def token_revoke(*, actor, token: Token, channel: str = "web") -> None:
    """Revoke an API token: the next request with it answers 401."""
    with transaction.atomic():
        deleted, _ = Token.objects.filter(pk=token.pk).delete()
        if deleted:
            audit_record(action=AuditEvent.Action.TOKEN_REVOKED, actor=actor,
                         object_type="user", channel=channel,
                         detail={"user": token.user.username, "user_id": token.user_id})
