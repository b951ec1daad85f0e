"""Stored files (visit photos, an import's rejected rows) leave the server only through here.

Nothing under MEDIA_ROOT has a public URL, in any mode. A view first finds the record in the
caller's scope (`core.scoping`; 404 otherwise, like a missing record), then hands the file to
`file_response`, which either

- answers with `X-Accel-Redirect` when MEDIA_ACCEL_REDIRECT is set (production behind nginx:
  nginx streams the file from an `internal` location, Python never reads it), or
- streams it with Django's FileResponse (demo, tests, a server without nginx).

With MEDIA_STORAGE=s3 (docs/deploy.md) the bucket is private and the same views, after the
same scope check, either redirect to a signed URL that expires after S3_URL_EXPIRE_SECONDS
(MEDIA_DELIVERY=redirect) or stream the object through the app (MEDIA_DELIVERY=proxy).

Files are addressed by their name in the storage (the path relative to MEDIA_ROOT on disk); a
name that tries to leave it is a 404. The same views accept a browser session and an API token (`file_user`), so the pages, the
phone app and API clients all use the one URL.
"""

import os
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils._os import safe_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Photos never change once stored (a new photo gets a new client id), so a browser may keep
# one for an hour, but only in its own cache: never a shared proxy's.
PHOTO_CACHE = "private, max-age=3600"
NO_STORE = "private, no-store"


def file_user(request: HttpRequest):
    """The caller, from the session (pages, phone) or an API token; None when anonymous."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def anonymous_response(request: HttpRequest) -> HttpResponse:
    """An API client (it sent a token, or asks for JSON) gets 401; a browser the login page."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if "Authorization" in request.headers or wants_json:
        response = JsonResponse(
            {"detail": _("Authentication credentials were not provided.")}, status=401)
        response["WWW-Authenticate"] = "Token"
        return response
    return redirect_to_login(request.get_full_path())


def media_path(relative: str) -> Path:
    """The absolute path of a stored file; Http404 if it would leave MEDIA_ROOT or is missing."""
    try:
        path = Path(safe_join(settings.MEDIA_ROOT, relative))
    except (SuspiciousFileOperation, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not path.is_file():
        raise Http404
    return path


def file_response(relative: str, *, content_type: str, filename: str,
                  as_attachment: bool = False, cache_control: str = NO_STORE) -> HttpResponse:
    """Send the stored file at `relative` (under MEDIA_ROOT) to a caller already in scope."""
    if not isinstance(default_storage, FileSystemStorage):
        return _remote_response(relative, content_type=content_type, filename=filename,
                                as_attachment=as_attachment, cache_control=cache_control)
    path = media_path(relative)
    prefix = settings.MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        inside = Path(os.path.relpath(path, os.path.abspath(settings.MEDIA_ROOT))).as_posix()
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(inside)
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def storage_name(relative: str) -> str:
    """A stored file's name as the object storage knows it; Http404 for one that would leave
    the store (absolute, "..", backslashes, empty)."""
    name = str(relative or "")
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise Http404
    return name


def _remote_response(relative: str, *, content_type: str, filename: str, as_attachment: bool,
                     cache_control: str) -> HttpResponse:
    """Object storage: a redirect to a short-lived signed URL, or the object streamed."""
    name = storage_name(relative)
    if not default_storage.exists(name):
        raise Http404
    disposition = content_disposition_header(as_attachment, filename)
    if settings.MEDIA_DELIVERY == "redirect":
        url = default_storage.url(name, parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": cache_control,
        }, expire=settings.S3_URL_EXPIRE_SECONDS)
        response = HttpResponseRedirect(url)
        # The signed URL is a bearer ticket: not kept by any cache, not sent on as a referrer.
        response["Cache-Control"] = NO_STORE
        response["Referrer-Policy"] = "no-referrer"
        return response
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
