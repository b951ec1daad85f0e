"""Shared page plumbing."""

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from outletcrm.core import maps
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


logger = logging.getLogger(__name__)


@require_safe
def map_base_layer(request):
    """The street layer the maps draw without a tile server (GeoJSON), for logged-in users."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in to see the map.")}, status=403)
    try:
        layer = maps.base_layer()
    except ImproperlyConfigured:
        logger.exception("MAP_BASE_GEOJSON cannot be used")
        layer = None
    if layer is None:
        return JsonResponse({"detail": _("No street layer is configured.")}, status=404)
    if request.headers.get("If-None-Match") == layer.etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(layer.body, content_type="application/geo+json")
    response["ETag"] = layer.etag
    # Per user (behind the login), kept a day; the ETag makes a refresh cheap.
    response["Cache-Control"] = "private, max-age=86400"
    patch_vary_headers(response, ["Cookie"])
    return response
