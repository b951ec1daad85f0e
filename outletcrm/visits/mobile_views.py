"""The field app's pages for reps' phones (/m/, issue 3 item 3; brief §9).

The pages are thin shells: the server embeds the data (the day's snapshot, a visit) as JSON and
the field app (frontend/mobile) renders it, so the same page works from the service worker's
cache and the device's queue when there is no signal. Every write goes through the field API
(visits.sync), never through these views.
"""

import functools
import hashlib
import io
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from outletcrm.customers.selectors import CustomerFilters, customer_list
from outletcrm.visits import sync
from outletcrm.visits.choices import DoneAction, VisitKind

SEARCH_LIMIT = 30
ICON_SIZES = (192, 512)


def field_page(view):
    """A field-app page: logged in, never cached by the browser (the service worker caches),
    and with the CSRF cookie the queued uploads need."""
    return require_GET(login_required(never_cache(ensure_csrf_cookie(view))))


# What the field app's scripts say, translated here so the phone shows the user's language.
STRINGS = {
    "checkIn": gettext_lazy("Check in"),
    "drop": gettext_lazy("Drop"),
    "dropReason": gettext_lazy("Why is this stop dropped?"),
    "dropped": gettext_lazy("Dropped"),
    "visited": gettext_lazy("Visited"),
    "inProgress": gettext_lazy("In progress"),
    "notYet": gettext_lazy("Not yet visited"),
    "unplanned": gettext_lazy("Unplanned"),
    "planned": gettext_lazy("On the plan"),
    "repAdded": gettext_lazy("Added by you"),
    "open": gettext_lazy("Open"),
    "away": gettext_lazy("%(d)s away"),
    "km": gettext_lazy("%(n)s km"),
    "metres": gettext_lazy("%(n)s m"),
    "visitKind": gettext_lazy("Visit kind"),
    "offSite": gettext_lazy("Off site: %(d)s m from the outlet, more than the %(r)s m allowed. "
                            "The check-in is kept and flagged for your supervisor."),
    "onSite": gettext_lazy("On site: %(d)s m from the outlet."),
    "noCoords": gettext_lazy("The outlet has no coordinates: distance unknown."),
    "locating": gettext_lazy("Getting your position…"),
    "geoFailed": gettext_lazy("Could not get your position. Allow location access and try "
                              "again."),
    "geoUnsupported": gettext_lazy("This browser cannot give a position."),
    "pending": gettext_lazy("Waiting to upload"),
    "synced": gettext_lazy("Synced"),
    "allSynced": gettext_lazy("All synced"),
    "nPending": gettext_lazy("%(n)s waiting"),
    "nFailed": gettext_lazy("%(n)s refused"),
    "syncing": gettext_lazy("Uploading…"),
    "refused": gettext_lazy("Refused by the server"),
    "discard": gettext_lazy("Discard"),
    "discardConfirm": gettext_lazy("Discard this record from the phone? It was not uploaded."),
    "offline": gettext_lazy("Offline"),
    "savedOnPhone": gettext_lazy("Saved on the phone."),
    "loginAgain": gettext_lazy("Your session has expired: log in again to upload."),
    "checkedInAt": gettext_lazy("Checked in at %(t)s"),
    "duration": gettext_lazy("Checked out. Duration: %(m)s min"),
    "elapsed": gettext_lazy("%(m)s min since check-in"),
    "kindNeedsLive": gettext_lazy("This kind of visit needs photos taken with the camera now."),
    "kindAllowsAlbum": gettext_lazy("Photos may also be picked from the album."),
    "album": gettext_lazy("From the album"),
    "live": gettext_lazy("Taken live"),
    "noPlan": gettext_lazy("No plan for today."),
    "overdue": gettext_lazy("Overdue"),
    "dueToday": gettext_lazy("Due today"),
    "dueTomorrow": gettext_lazy("Due tomorrow"),
    "addedStop": gettext_lazy("Added to today's plan."),
    "capturedCoords": gettext_lazy("Coordinates captured: %(lat)s, %(lng)s"),
    "needPosition": gettext_lazy("A check-in needs your position."),
    "noLines": gettext_lazy("Add at least one product line with a quantity."),
    "orderLine": gettext_lazy("%(product)s × %(q)s"),
    "choose": gettext_lazy("Choose…"),
    "confirmCheckOut": gettext_lazy("Check out now?"),
    "alreadyOut": gettext_lazy("This visit is checked out."),
    "taskDone": gettext_lazy("Mark done"),
    "taskPostpone": gettext_lazy("Postpone"),
    "taskPostponeTo": gettext_lazy("Postpone to"),
    "taskPostponeReason": gettext_lazy("Why is it postponed?"),
    "taskPostponeLater": gettext_lazy("Choose a later date than %(date)s."),
    "taskPostponed": gettext_lazy("Postponed %(n)s×: %(reason)s"),
    "taskIsDone": gettext_lazy("Done, waiting to upload"),
    "taskGeneral": gettext_lazy("General task"),
    "taskTodo": gettext_lazy("To-do"),
    "taskNeedsTitle": gettext_lazy("Say what is to be done."),
    "taskAdded": gettext_lazy("Task added."),
    "taskDueFromText": gettext_lazy("Due date read from the text on upload"),
    "taskDoneAction": gettext_lazy("What was done"),
    "taskOutcome": gettext_lazy("Outcome: what happened?"),
    "taskDoneConfirm": gettext_lazy("Save as done"),
    "taskNeedsOutcome": gettext_lazy("Say what was done and how it went."),
    "doneActions": dict(DoneAction.choices),
    "dueOn": gettext_lazy("Due %(date)s"),
    "ops": {
        "check_in": gettext_lazy("Check-in"), "record": gettext_lazy("Visit record"),
        "check_out": gettext_lazy("Check-out"), "stock": gettext_lazy("Stock check"),
        "sighting": gettext_lazy("Competitor sighting"), "order": gettext_lazy("Order"),
        "payment": gettext_lazy("Payment"), "drop_stop": gettext_lazy("Dropped stop"),
        "add_stop": gettext_lazy("Added stop"),
        "capture_coordinates": gettext_lazy("Outlet coordinates"),
        "photo": gettext_lazy("Photo"),
        "task_add": gettext_lazy("New task"), "task_done": gettext_lazy("Task done"),
        "task_postpone": gettext_lazy("Task postponed"),
    },
}


def _strings() -> dict:
    return {key: ({k: str(v) for k, v in value.items()} if isinstance(value, dict) else str(value))
            for key, value in STRINGS.items()}


def page_strings() -> dict:
    """The field app's strings, for a page of a higher app in the field app's frame."""
    return _strings()


def _render(request, template: str, page: str, context: dict | None = None):
    return render(request, template, {"page": page, "strings": _strings(), **(context or {})})


@field_page
def today(request):
    """Today's plan in order, visits made, tasks due; rendered from the embedded snapshot."""
    return _render(request, "mobile/today.html", "today",
                   {"snapshot": sync.today_snapshot(request.user)})


@field_page
def visit(request, client_id):
    """One visit of the rep's: the visit flow (check-in done, record, check out)."""
    try:
        found = sync.visit_for(request.user, client_id)
    except sync.OpError:
        raise Http404 from None
    return _render(request, "mobile/visit.html", "visit", {
        "visit": found, "visit_data": sync.visit_detail(found), "catalogue": sync.catalogue()})


@field_page
def visit_shell(request):
    """The visit page without data: the service worker serves it for visits still queued on
    the device, whose page the server cannot render yet."""
    return _render(request, "mobile/visit.html", "visit",
                   {"visit": None, "visit_data": None, "catalogue": sync.catalogue()})


@field_page
def customers(request):
    """Search customers in scope to visit off the plan (计划外) or add to today's plan."""
    query = request.GET.get("q", "").strip()[:50]
    results = []
    if query:
        results = list(customer_list(user=request.user, filters=CustomerFilters(q=query))
                       [:SEARCH_LIMIT])
    return _render(request, "mobile/customers.html", "customers", {
        "query": query, "results": results,
        "results_data": [sync.customer_json(c) for c in results],
        "kinds": VisitKind.choices})


@field_page
def tasks(request):
    """The rep's open tasks (return visits, appointments, commitments, to-dos): complete,
    postpone or add one, offline too; rendered from the embedded snapshot."""
    return _render(request, "mobile/tasks.html", "tasks",
                   {"tasks_data": sync.tasks_snapshot(request.user)})


@field_page
def sync_page(request):
    """The device's upload queue: what is waiting, what was refused and why."""
    return _render(request, "mobile/sync.html", "sync")


@field_page
def positions(request):
    """What position data is kept about the rep, and for how long (issue 3, §9)."""
    paginator = Paginator(sync.positions_of(request.user), 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    return _render(request, "mobile/positions.html", "positions", {
        "page_obj": page_obj, "rows": [_position_row(v) for v in page_obj],
        "retention_days": settings.POSITION_RETENTION_DAYS,
        "radius_m": int(settings.CHECKIN_RADIUS_M)})


def _position_row(visit) -> dict:
    row = sync.position_json(visit)
    row["check_in"]["local"] = f"{timezone.localtime(visit.checked_in_at):%Y-%m-%d %H:%M}"
    if row["check_out"]:
        row["check_out"]["local"] = f"{timezone.localtime(visit.checked_out_at):%Y-%m-%d %H:%M}"
    return row


# --- the installable app: service worker, manifest, icons --------------------------------

SHELL_PAGES = ["mobile:today", "mobile:visit_shell", "mobile:customers", "mobile:tasks",
               "mobile:sync", "mobile:positions"]
SHELL_ASSETS = ["dist/mobile.js", "dist/mobile.css"]
# Pages of higher apps in the field app's frame that the service worker keeps from the start
# (a rep may open them first without signal): callables request -> list of URLs, registered
# from the app's ready() (development: the sweep pages of the rep's running campaigns).
SHELL_PROVIDERS: list = []


def register_shell_pages(provider) -> None:
    """Add pages a higher app wants cached when the field app is installed or updated."""
    if provider not in SHELL_PROVIDERS:
        SHELL_PROVIDERS.append(provider)


def _shell_pages(request) -> list[str]:
    pages = [reverse(name) for name in SHELL_PAGES]
    for provider in SHELL_PROVIDERS:
        pages += [url for url in provider(request) if url not in pages]
    return pages


def _assets_version() -> str:
    """Changes whenever the bundle changes, so the service worker refreshes its cache."""
    digest = hashlib.sha256()
    for name in SHELL_ASSETS:
        path = finders.find(name)
        if path:
            with open(path, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """The service worker at /m/sw.js, so its scope is the field app (/m/)."""
    body = render(request, "mobile/sw.js", {
        "version": _assets_version(),
        "shell_pages": json.dumps(_shell_pages(request)),
        "shell_assets": json.dumps([static(name) for name in SHELL_ASSETS]),
        "visit_shell": reverse("mobile:visit_shell"),
        "today_url": reverse("mobile:today"),
        "today_api": "/api/v1/me/today",
        # The maps' street layer, kept for offline use like the day's snapshot.
        "map_base": reverse("map-base"),
        "static_prefix": settings.STATIC_URL,
    }, content_type="application/javascript; charset=utf-8")
    body["Service-Worker-Allowed"] = reverse("mobile:today")
    body["Cache-Control"] = "no-cache"
    return body


@require_GET
def manifest(request):
    """The web app manifest: installable from the phone's browser as 外勤 (field app)."""
    data = {
        "name": _("OutletCRM field app"), "short_name": _("Field"),
        "start_url": reverse("mobile:today"), "scope": reverse("mobile:today"),
        "display": "standalone", "orientation": "portrait",
        "background_color": "#f4f6f8", "theme_color": "#0b6e4f",
        "lang": request.LANGUAGE_CODE,
        "icons": [{"src": reverse("mobile:icon", args=[size]), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any maskable"} for size in ICON_SIZES],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False),
                        content_type="application/manifest+json; charset=utf-8")


@functools.lru_cache(maxsize=4)
def _icon_png(size: int) -> bytes:
    """A plain icon drawn with Pillow: a map pin on the brand colour (no binaries in git)."""
    from PIL import Image, ImageDraw

    scale = 4  # draw large and shrink for smooth edges
    big = size * scale
    image = Image.new("RGB", (big, big), (11, 110, 79))
    draw = ImageDraw.Draw(image)
    cx, cy, r = big // 2, int(big * 0.42), int(big * 0.2)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 255, 255))
    draw.polygon([(cx - int(r * 0.86), cy + r // 2), (cx + int(r * 0.86), cy + r // 2),
                  (cx, int(big * 0.8))], fill=(255, 255, 255))
    hole = int(r * 0.42)
    draw.ellipse([cx - hole, cy - hole, cx + hole, cy + hole], fill=(11, 110, 79))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@require_GET
def icon(request, size: int):
    if size not in ICON_SIZES:
        raise Http404
    response = HttpResponse(_icon_png(size), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
