"""Account security pages: own sessions and token, password change; administrators' lists."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outletcrm.accounts import selectors, services, twofactor
from outletcrm.accounts.models import UserSession, key_hash
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent
from outletcrm.org.models import User


def _annotate_tokens(tokens):
    for token in tokens:
        token.expires = services.token_expires(token)
        token.expired = services.token_expired(token)
    return tokens


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """The user's own signed-in sessions and API token."""
    current = key_hash(request.session.session_key or "")
    return render(request, "accounts/security.html", {
        "sessions": selectors.session_list(request.user),
        "tokens": _annotate_tokens(list(selectors.token_list(request.user))),
        "current_hash": current,
        "can_manage": selectors.can_manage_accounts(request.user),
        "may_enrol": twofactor.may_enrol(request.user),
        "enrolled": twofactor.enrolled(request.user),
    })


@login_required
@require_GET
def sessions_all(request: HttpRequest) -> HttpResponse:
    """Every signed-in session and every API token: administrators only."""
    if not selectors.can_manage_accounts(request.user):
        raise Http404
    return render(request, "accounts/sessions_all.html", {
        "sessions": selectors.session_list(request.user, everyone=True)[:500],
        "tokens": _annotate_tokens(list(selectors.token_list(request.user, everyone=True)[:500])),
        "current_hash": key_hash(request.session.session_key or ""),
        "enrolled_users": User.objects.filter(totpdevice__confirmed=True).distinct()
                          .order_by("username"),
    })


def _back(request: HttpRequest):
    target = request.POST.get("back")
    if target == "all" and selectors.can_manage_accounts(request.user):
        return redirect("accounts:sessions_all")
    return redirect("accounts:security")


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.session_list(request.user, everyone=True), pk=pk)
    services.session_end(actor=request.user, session=session)
    messages.success(request, _("The session was ended."))
    return _back(request)


@login_required
@require_POST
def token_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.token_list(request.user, everyone=True), user_id=user_id)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The API token was revoked."))
    return _back(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change with our rules; keeps this session signed in and listed."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        old = key_hash(self.request.session.session_key or "")
        response = super().form_valid(form)  # rotates the session key
        UserSession.objects.filter(key_hash=old).update(
            key_hash=key_hash(self.request.session.session_key or ""))
        # Other sessions were signed out by the new password's hash; drop their rows.
        UserSession.objects.filter(user=self.request.user).exclude(
            key_hash=key_hash(self.request.session.session_key or "")).delete()
        audit_record(action=AuditEvent.Action.PASSWORD_CHANGED, actor=self.request.user,
                     object_type="user", detail={"user": self.request.user.username})
        messages.success(self.request, _("Your password was changed."))
        return response


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up two-factor authentication: scan the QR code, confirm with a code."""
    if not twofactor.may_enrol(request.user):
        raise Http404
    device = twofactor.pending_device(request.user)
    error = ""
    if request.method == "POST":
        codes = twofactor.enrol_confirm(request=request, device=device,
                                        code=request.POST.get("code", ""))
        if codes is not None:
            return render(request, "accounts/two_factor_codes.html",
                          {"codes": codes, "next": _next_url(request)})
        error = _("That code is not right. Check the phone's clock and enter the code shown now.")
    return render(request, "accounts/two_factor.html", {
        "enrolled": twofactor.enrolled(request.user),
        "required": twofactor.required_for(request.user),
        "qr": twofactor.qr_data_uri(device), "secret": twofactor.secret_text(device),
        "error": error, "next": request.GET.get("next") or request.POST.get("next", ""),
    })


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The login's second step: a code from the authenticator app, or a backup code."""
    if not twofactor.enrolled(request.user):
        return redirect("accounts:two_factor")
    error = ""
    if request.method == "POST":
        if twofactor.verify(request=request, code=request.POST.get("code", "")):
            return redirect(_next_url(request))
        error = _("That code is not right.")
    return render(request, "accounts/two_factor_verify.html",
                  {"error": error, "next": request.GET.get("next") or request.POST.get("next", "")})


@login_required
@require_POST
def two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator removes a user's second factor (a lost phone)."""
    if not selectors.can_manage_accounts(request.user):
        raise Http404
    user = get_object_or_404(User, pk=user_id)
    twofactor.reset(actor=request.user, user=user)
    messages.success(request, _("Two-factor authentication was reset for %(user)s.")
                     % {"user": user})
    return redirect("accounts:sessions_all")
