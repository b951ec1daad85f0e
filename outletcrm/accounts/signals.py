"""Logins, failed logins and deactivation, seen from Django's signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from outletcrm.accounts import services, twofactor
from outletcrm.core.audit import audit_record
from outletcrm.core.logins import attempted_username, client_ip
from outletcrm.core.models import AuditEvent

User = get_user_model()


def _channel(request) -> str:
    return "api" if request is not None and request.path.startswith("/api/") else "web"


@receiver(user_logged_in, dispatch_uid="accounts-login")
def on_login(sender, request, user, **kwargs):
    if request is None:
        return
    if hasattr(request, "session"):
        services.session_track(request=request, user=user)
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target.startswith("/m/"):  # logged in for the field app: its longer idle time
            request.session[services.MOBILE] = True
        if twofactor.needs_verification(user):
            request.session[twofactor.PENDING] = True
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, object_type="user",
                 channel=_channel(request), detail={"ip": client_ip(request)})


@receiver(user_login_failed, dispatch_uid="accounts-login-failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    detail = {"username": (attempted_username(request, credentials) or "")[:150]
              if request is not None else str(credentials.get("username", ""))[:150]}
    if request is not None:
        detail["ip"] = client_ip(request)
    audit_record(action=AuditEvent.Action.LOGIN_FAILED, actor=None, object_type="user",
                 channel=_channel(request), detail=detail)


@receiver(pre_save, sender=User, dispatch_uid="accounts-user-active-before")
def remember_active(sender, instance, **kwargs):
    if instance.pk:
        instance._was_active = (User.objects.filter(pk=instance.pk)
                                .values_list("is_active", flat=True).first())


@receiver(post_save, sender=User, dispatch_uid="accounts-user-deactivated")
def end_sessions_on_deactivation(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_was_active", False) and not instance.is_active:
        services.user_sessions_end(actor=None, user=instance, reason="deactivated")
        audit_record(action=AuditEvent.Action.USER_DEACTIVATED, actor=None, object_type="user",
                     detail={"user": instance.username, "user_id": instance.pk})
