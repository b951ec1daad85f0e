"""A request id in every log line (docs/deploy.md, "Logs").

`RequestIdMiddleware` (first in settings.MIDDLEWARE) gives each request an id, keeps it in a
context variable for the request's duration and sends it back as the `X-Request-ID` response
header; `RequestIdFilter` (on the console log handler, settings.LOGGING) stamps every log
record with it (`-` outside a request: the worker, the scheduler, commands).

The id is our own random one, unless a proxy of ours (TRUSTED_PROXY_COUNT > 0: nginx sets
`X-Request-ID $request_id`, deploy/nginx-outletcrm.conf) sent one: then nginx's access log,
the app's lines and the answer carry the same id. A client cannot choose it when no trusted
proxy stands in front, and a value that is not a short token is replaced.
"""

import contextvars
import logging
import re
import sys
import uuid

from django.conf import settings
from django.core.signals import request_finished

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
current: contextvars.ContextVar[str] = contextvars.ContextVar("outletcrm_request_id", default="-")


def request_id() -> str:
    """The id of the request being served in this thread or task, or "-" outside one."""
    return current.get()


def new_id() -> str:
    return uuid.uuid4().hex


def incoming_id(request) -> str:
    """The proxy's id when a trusted proxy is in front and sent a sane one, else a new id."""
    if getattr(settings, "TRUSTED_PROXY_COUNT", 0) > 0:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        if _VALID.match(given):
            return given
    return new_id()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_id(request)
        request.request_id = rid
        # Not reset on the way out: Django logs a 4xx/5xx answer ("Not Found: …") after the
        # middleware has returned. The id is cleared when the response is closed
        # (request_finished, below), so nothing after the request carries it.
        current.set(rid)
        if "sentry_sdk" in sys.modules:  # only when SENTRY_DSN imported it
            sys.modules["sentry_sdk"].set_tag("request_id", rid)
        response = self.get_response(request)
        response[HEADER] = rid
        return response


def _clear(**kwargs) -> None:
    current.set("-")


request_finished.connect(_clear, dispatch_uid="outletcrm.core.requestid.clear")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (the formatters in settings.LOGGING print it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current.get()
        return True
