"""Error pages that answer an API client in JSON (issue 7, §3).

Django answers a URL that matches no route (`/api/v1/customers/abc/contacts/`), a request it
refuses outright (a body over DATA_UPLOAD_MAX_MEMORY_SIZE) or a crash with its HTML error
pages. Under /api/ a client expects the API's own error body, `{"detail": "…"}` in the
reader's language, as the schema documents; the pages keep their HTML.
"""

from django.http import JsonResponse
from django.shortcuts import render
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


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values)
               for key, values in query.lists())


class RejectNulMiddleware:
    """A query string with a NUL character is answered 400 before any view reads it.

    PostgreSQL refuses NUL in text (SQLite does not), so a search box or filter given `%00`
    would otherwise crash on one database and not the other. Forms and serializers already
    refuse NUL in what they read (Django's ProhibitNullCharactersValidator); this covers the
    query strings, which every list page and filter reads without a form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET):
            message = _("The address contains a character that cannot be searched for (NUL). "
                        "Remove it and try again.")
            if _is_api(request):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "core/bad_request.html", {"message": message}, status=400)
        return self.get_response(request)
