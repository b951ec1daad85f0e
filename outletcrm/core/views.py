"""Shared page plumbing."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.http import url_has_allowed_host_and_scheme

from outletcrm.org.models import Role, User

DEMO_ROLE_ORDER = [Role.ADMIN, Role.CUSTODIAN, Role.MANAGER, Role.SUPERVISOR, Role.REP]


class LoginView(auth_views.LoginView):
    """The login page; in demo mode it names one demo account per role.

    Failed logins are counted by django-axes; a locked account or address gets this page
    back with the reason and when to retry (core.logins.lockout_response).
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(demo_context())
        return context


def demo_context() -> dict:
    if not settings.DEMO_MODE:
        return {}
    return {"demo_users": demo_accounts(),
            "demo_password": getattr(settings, "DEMO_PASSWORD", "")}


def login_context(request, *, username: str = "", lockout: str = "") -> dict:
    """The login page's context outside LoginView (the lockout answer)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    return {"form": AuthenticationForm(request, initial={"username": username}),
            "next": next_url, "lockout": lockout, **demo_context()}


def demo_accounts() -> list[User]:
    """The first active demo account of each role, most powerful first."""
    first_by_role: dict[str, User] = {}
    for user in User.objects.filter(is_demo=True, is_active=True).order_by("username")[:500]:
        first_by_role.setdefault(user.role, user)
    return [first_by_role[role] for role in DEMO_ROLE_ORDER if role in first_by_role]
