"""`/healthz`: is this app machine fit to serve? For a load balancer (docs/deploy.md).

JSON, no login, no business data: each check says ok or not, with the error's class name only
(no host names, no messages that could carry data). Answered by `HealthMiddleware`, second in
settings.MIDDLEWARE, before the host check, the HTTPS redirect, sessions and the locale, so a
probe by address over plain HTTP gets the answer and writes nothing.

- `database`: one `SELECT 1` on the default connection;
- `queue`: the task queue the workers read: Redis answers PING (TASK_BACKEND=rq), or the
  django-tasks-db table can be read (database backend); "immediate" has nothing to check;
- `storage`: the media store answers (local: MEDIA_ROOT exists and is writable; S3: the bucket
  answers a HEAD with the configured keys);
- `scheduler`: when the scheduler last queued a slot (core.ScheduleSlot), and whether that is
  late. A late scheduler is reported ("status": "degraded") but keeps the answer 200: it runs
  on one machine only, and taking every app machine out of the balancer for it would turn a
  late nightly job into an outage.

200 with "status": "ok" or "degraded"; 503 with "status": "failing" when the database, the
queue or the storage fails.
"""

import datetime
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

PATH = "/healthz"


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check() or {}
        result.setdefault("ok", True)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, not a 500
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_queue() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    if getattr(settings, "TASK_QUEUE_RQ", False):
        import django_rq

        django_rq.get_connection("default").ping()
        return {"backend": "rq"}
    if backend.startswith("django_tasks_db."):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()
        return {"backend": "database"}
    return {"backend": backend.rsplit(".", 1)[-1]}


def check_storage() -> dict:
    if getattr(settings, "MEDIA_STORAGE", "local") == "s3":
        from django.core.files.storage import default_storage

        # HEAD on the bucket: it exists and the keys may use it (403/404 raise).
        default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
        return {"backend": "s3"}
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    if not os.access(root, os.W_OK):
        return {"ok": False, "backend": "local", "error": "not writable"}
    return {"backend": "local"}


def _late_after() -> datetime.timedelta:
    configured = getattr(settings, "HEALTH_SCHEDULER_LATE_SECONDS", 0)
    if configured:
        return datetime.timedelta(seconds=configured)
    every = [int(e["every_minutes"]) for e in settings.SCHEDULE.values() if e.get("every_minutes")]
    if every:  # three of the most frequent job's slots, and at least three ticks
        return datetime.timedelta(seconds=max(3 * 60 * min(every),
                                              3 * settings.SCHEDULER_TICK_SECONDS))
    return datetime.timedelta(hours=25)


def check_scheduler() -> dict:
    from outletcrm.core.models import ScheduleSlot

    slots = ScheduleSlot.objects.all()
    every = sorted((int(e["every_minutes"]), name) for name, e in settings.SCHEDULE.items()
                   if e.get("every_minutes"))
    if every:  # the most frequent job: its slots are found through the (name, slot) index
        slots = slots.filter(name=every[0][1])
    last = slots.order_by("-slot").values_list("enqueued_at", flat=True).first()
    if last is None:
        return {"ok": False, "last_queued": None}
    age = timezone.now() - last
    return {"ok": age <= _late_after(), "last_queued": last.isoformat(),
            "age_s": int(age.total_seconds())}


def health() -> tuple[int, dict]:
    checks = {"database": _timed(check_database), "queue": _timed(check_queue),
              "storage": _timed(check_storage)}
    essential_ok = all(c["ok"] for c in checks.values())
    checks["scheduler"] = (_timed(check_scheduler) if checks["database"]["ok"]
                           else {"ok": False, "error": "database"})
    if not essential_ok:
        status = "failing"
    elif not checks["scheduler"]["ok"]:
        status = "degraded"
    else:
        status = "ok"
    return (200 if essential_ok else 503), {"status": status, "checks": checks,
                                             "time": timezone.now().isoformat()}


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        code, body = health()
        response = JsonResponse(body, status=code)
        response["Cache-Control"] = "no-store"
        return response
