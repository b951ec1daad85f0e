"""Pages of the notification centre: the list, the bell in the top bar, the settings."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outletcrm.notifications import selectors, services
from outletcrm.notifications.kinds import kinds

PAGE_SIZE = 25


def _is_fragment(request: HttpRequest, target: str) -> bool:
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Target") == target
            and request.headers.get("HX-History-Restore-Request") != "true")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, a page at a time; ?unread=1 for unread ones."""
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notifications_of(request.user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    clean_query = request.GET.copy()
    clean_query.pop("page", None)
    context = {"page": page, "notifications": page.object_list, "unread_only": unread_only,
               "unread": selectors.unread_count(request.user), "clean_query": clean_query,
               "target": "notification-results"}
    if _is_fragment(request, "notification-results"):
        return render(request, "notifications/_results.html", context)
    return render(request, "notifications/list.html", context)


@login_required
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count (htmx refreshes it in the top bar)."""
    return render(request, "notifications/_bell.html",
                  {"unread": selectors.unread_count(request.user)})


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about, and mark it read."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    link = notification.link
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; htmx gets the row back, a plain form the list."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if request.headers.get("HX-Request") == "true":
        response = render(request, "notifications/_item.html", {"n": notification})
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all the user's notifications read."""
    marked = services.notifications_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which channels each kind of notification reaches the user on, and in which language."""
    user = request.user
    if request.method == "POST":
        choices = {k.kind: {"email": request.POST.get(f"{k.kind}:email") == "on",
                            "robot": request.POST.get(f"{k.kind}:robot") == "on"}
                   for k in kinds()}
        language = request.POST.get("language", "")
        try:
            services.preferences_set(user=user, choices=choices, language=language)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    choices = services.channel_choices(user)
    rows = [{"kind": k.kind, "label": k.label, **choices[k.kind]} for k in kinds()]
    return render(request, "notifications/settings.html", {
        "rows": rows, "language": services.profile_language(user),
        "languages": settings.LANGUAGES, "has_email": bool(user.email),
        "robots": services.robots_for(user),
    })
