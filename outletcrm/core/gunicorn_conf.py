"""gunicorn's configuration for `outletcrm serve` (docs/deploy.md).

`serve` passes bind address, workers and threads on the command line; this file holds what
does not change between installs. Its logging goes through settings.LOGGING, so gunicorn's
own lines and its access log come out in the same format (JSON in production) as the app's,
each access line with the request's id (the X-Request-ID header the app sets).
"""

import os

wsgi_app = "outletcrm.wsgi:application"
# Workers are recycled after this many requests (with jitter, so not all at once): a slow leak
# in any library cannot grow for ever.
max_requests = int(os.environ.get("SERVE_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# A request may take this long (the longest page: an Excel import of IMPORT_MAX_ROWS rows).
timeout = int(os.environ.get("SERVE_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# nginx in front: the proxy's own address is trusted for X-Forwarded-* (loopback by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-" if os.environ.get("SERVE_ACCESS_LOG", "on").lower() in {"1", "on", "true", "yes"} else None
access_log_format = ('%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s')
proc_name = "outletcrm"


def _logconfig() -> dict:
    """settings.LOGGING, with gunicorn's two loggers sent to the same console handler."""
    import copy

    from django.conf import settings

    config = copy.deepcopy(settings.LOGGING)
    loggers = config.setdefault("loggers", {})
    for name in ("gunicorn.error", "gunicorn.access"):
        loggers[name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    return config


logconfig_dict = _logconfig()
