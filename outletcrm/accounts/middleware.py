"""Session expiry and the signed-in sessions list, at low cost per request.

After AuthenticationMiddleware. For a signed-in browser session:

- idle: more than SESSION_IDLE_MINUTES since the last request (SESSION_IDLE_MINUTES_MOBILE once
  the session has opened the field app under /m/) → signed out;
- absolute: more than SESSION_ABSOLUTE_HOURS since the login → signed out;
- second factor: a session that logged in by password and must pass TOTP reaches only the
  verify and enrolment pages until it has (accounts.twofactor);
- ended: the session's UserSession row was deleted (by its user, an administrator, or the
  user's deactivation) → signed out.

A signed-out request carries on as anonymous: pages send it to the login page, the API answers
401/403 and the field app keeps its queue until the rep logs in again.

Cost: nothing per request but reading the session Django loads anyway; at most once a minute
one UPDATE of the UserSession row (which also tells that it still exists) and a session save.
Ending a session deletes the session itself (services.end_sessions), so it takes effect at the
browser's next request; the missing row is the backstop for session engines that cannot be
searched.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from outletcrm.accounts import services, twofactor
from outletcrm.accounts.models import UserSession, key_hash

WRITE_EVERY_SECONDS = 60


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.check(request)
        blocked = self.second_factor(request)
        if blocked is not None:
            return blocked
        return self.get_response(request)

    def second_factor(self, request):
        """A session waiting for its second factor reaches only the verify/enrol pages."""
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or not session.get(twofactor.PENDING) or user is None \
                or not user.is_authenticated or user.is_verified():
            return None
        allowed = {reverse("accounts:two_factor_verify"), reverse("accounts:two_factor"),
                   reverse("logout")}
        if request.path in allowed or request.path.startswith(("/static/", "/i18n/")):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": gettext("Two-factor verification is needed: "
                                                   "finish the login in the browser."),
                                 "code": "otp_required"}, status=403)
        target = ("accounts:two_factor_verify" if twofactor.enrolled(user)
                  else "accounts:two_factor")
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    def check(self, request) -> None:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return
        now = time.time()
        # Kept with the once-a-minute write below, so the field app's pages cost no write.
        mobile = bool(session.get(services.MOBILE)) or request.path.startswith("/m/")
        idle_minutes = (settings.SESSION_IDLE_MINUTES_MOBILE if mobile
                        else settings.SESSION_IDLE_MINUTES)
        seen = session.get(services.SEEN)
        started = session.get(services.STARTED)
        expired = (
            (idle_minutes > 0 and seen is not None and now - seen > idle_minutes * 60)
            or (settings.SESSION_ABSOLUTE_HOURS > 0 and started is not None
                and now - started > settings.SESSION_ABSOLUTE_HOURS * 3600))
        if expired:
            UserSession.objects.filter(key_hash=key_hash(session.session_key)).delete()
            logout(request)
            return
        if not session.get(services.TRACKED):  # a session from before this middleware
            services.session_track(request=request, user=user)
            return
        if seen is None or now - seen >= WRITE_EVERY_SECONDS:
            # One UPDATE a minute at most; no row means the session was ended meanwhile
            # (services.session_end also deletes the session itself, so this is the backstop).
            found = UserSession.objects.filter(
                key_hash=key_hash(session.session_key), user=user).update(
                last_seen=services.timezone.now())
            if not found:
                logout(request)
                return
            session[services.SEEN] = now
            session.setdefault(services.STARTED, now)
            if mobile and not session.get(services.MOBILE):
                session[services.MOBILE] = True
