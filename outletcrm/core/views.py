"""Shared page plumbing."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from outletcrm.org.models import Role, User

DEMO_ROLE_ORDER = [Role.ADMIN, Role.CUSTODIAN, Role.MANAGER, Role.SUPERVISOR, Role.REP]


class LoginView(auth_views.LoginView):
    """The login page; in demo mode it names one demo account per role."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_users"] = demo_accounts()
            context["demo_password"] = getattr(settings, "DEMO_PASSWORD", "")
        return context


def demo_accounts() -> list[User]:
    """The first active demo account of each role, most powerful first."""
    first_by_role: dict[str, User] = {}
    for user in User.objects.filter(is_demo=True, is_active=True).order_by("username")[:500]:
        first_by_role.setdefault(user.role, user)
    return [first_by_role[role] for role in DEMO_ROLE_ORDER if role in first_by_role]
