"""Error pages that answer an API client in JSON (issue 7, §3).

Django answers a URL that matches no route (`/api/v1/customers/abc/contacts/`), a request it
refuses outright (a body over DATA_UPLOAD_MAX_MEMORY_SIZE) or a crash with its HTML error
pages. Under /api/ a client expects the API's own error body, `{"detail": "…"}` in the
reader's language, as the schema documents; the pages keep their HTML.

A request that fails because the database does not answer (restarting, a failover, the
connection cut: OperationalError / InterfaceError) is a 503 with Retry-After, saying to try
again in a moment, not a 500 "something went wrong": nothing was written (each request's writes
are one transaction), and the field app keeps the upload queued and sends it again (issue 11).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
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


RETRY_AFTER_S = 5


def _database_unavailable(request):
    message = _("The database is not answering for a moment (a restart?). Nothing was saved "
                "by this request: try again in a few seconds.")
    if _is_api(request):
        response = JsonResponse({"detail": message}, status=503)
    else:  # no template: its context processors would ask the database again
        response = HttpResponse(format_html(
            '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>503</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            "<body><p>{}</p></body></html>", getattr(request, "LANGUAGE_CODE", "zh-hans"),
            message), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def server_error(request):
    # Django calls this while handling the exception: sys.exc_info() is the crash.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return _database_unavailable(request)
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
