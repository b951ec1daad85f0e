"""Error pages that answer an API client in JSON (issue 7, §3).

Django answers a URL that matches no route (`/api/v1/customers/abc/contacts/`), a request it
refuses outright (a body over DATA_UPLOAD_MAX_MEMORY_SIZE) or a crash with its HTML error
pages. Under /api/ a client expects the API's own error body, `{"detail": "…"}` in the
reader's language, as the schema documents; the pages keep their HTML.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("You are not allowed to do this.")}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Something went wrong on our side.")}, status=500)
    return defaults.server_error(request)
