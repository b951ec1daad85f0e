"""Account security reads: whose sessions and tokens a user may see."""

from rest_framework.authtoken.models import Token

from outletcrm.accounts.models import UserSession
from outletcrm.org.models import Role


def can_manage_accounts(user) -> bool:
    """Administrators see and end everyone's sessions and tokens; others only their own."""
    return user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser)


def session_list(user, *, everyone: bool = False):
    qs = UserSession.objects.select_related("user")
    if not (everyone and can_manage_accounts(user)):
        qs = qs.filter(user=user)
    return qs


def token_list(user, *, everyone: bool = False):
    qs = Token.objects.select_related("user").order_by("-created")
    if not (everyone and can_manage_accounts(user)):
        qs = qs.filter(user=user)
    return qs
