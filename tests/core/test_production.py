"""Running in production (docs/deploy.md): /healthz, request ids in the logs, JSON logs, the
serve and worker commands, and settings that refuse a half-configured queue or store."""

import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from outletcrm.core import health
from outletcrm.core.management.commands.serve import default_workers, gunicorn_argv
from outletcrm.core.models import JobRun, ScheduleSlot

ROOT = Path(__file__).resolve().parents[2]
FIELD_KEY = "Jx0cQmV8o1pZbWc3k5u7Yq9sT2vR4nL6hG8fD0aS1eE="  # a Fernet key (production refuses to start without one)
STRONG_KEY = "k3Jx9-vQ2mZr7TnW_pL4sYb8HcE1uFa6DgR0oIeNtVwXyA5jKlMq"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- /healthz -------------------------------------------------------------------------------

def healthz(client=None, **extra):
    response = (client or Client()).get("/healthz", **extra)
    return response, json.loads(response.content)


@pytest.mark.django_db
def test_healthz_answers_json_without_login_and_sets_no_cookie():
    response, body = healthz()
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert set(body["checks"]) == {"database", "queue", "storage", "scheduler"}
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert not response.cookies and response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_healthz_reports_a_late_scheduler_as_degraded_but_still_200(settings):
    response, body = healthz()
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["scheduler"] == {"ok": False, "last_queued": None,
                                           "ms": body["checks"]["scheduler"]["ms"]}
    ScheduleSlot.objects.create(name="notifications-sweep", slot="2026-01-01T00:00:00Z")
    response, body = healthz()
    assert body["status"] == "ok" and body["checks"]["scheduler"]["ok"]
    assert body["checks"]["scheduler"]["age_s"] < 60
    old = ScheduleSlot.objects.get()
    ScheduleSlot.objects.filter(pk=old.pk).update(enqueued_at="2026-01-01T00:00:00Z")
    response, body = healthz()
    assert (response.status_code, body["status"]) == (200, "degraded")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(monkeypatch):
    def broken():
        from django.db import OperationalError
        raise OperationalError("could not connect to server at db.internal:5432")

    monkeypatch.setattr(health, "check_database", broken)
    response, body = healthz()
    assert response.status_code == 503 and body["status"] == "failing"
    # The error's class only: no host names or messages that may carry data.
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "db.internal" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_503_when_the_media_store_cannot_be_written(settings, tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    settings.MEDIA_ROOT = blocked / "media"
    response, body = healthz()
    assert response.status_code == 503 and not body["checks"]["storage"]["ok"]


@pytest.mark.django_db
def test_healthz_answers_a_probe_by_address_over_http_in_production(settings):
    """A load balancer asks http://10.0.0.5/healthz: no HTTPS redirect, no bad-host 400."""
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response, body = healthz(HTTP_HOST="10.0.0.5")
    assert response.status_code == 200 and body["checks"]["database"]["ok"]
    assert Client().get("/login/", HTTP_HOST="crm.example.com").status_code == 301


@pytest.mark.django_db
def test_healthz_writes_nothing(django_assert_max_num_queries):
    before = JobRun.objects.count(), ScheduleSlot.objects.count()
    with django_assert_max_num_queries(4):
        healthz()
    assert (JobRun.objects.count(), ScheduleSlot.objects.count()) == before


# --- request ids ----------------------------------------------------------------------------

class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        from outletcrm.core.requestid import RequestIdFilter
        self.addFilter(RequestIdFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def collected():
    handler = Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_id(collected):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and collected and all(r.request_id == rid for r in collected)
    other = Client().get("/no-such-page/")
    assert other["X-Request-ID"] != rid


@pytest.mark.django_db
def test_a_client_cannot_choose_the_request_id_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="chosen-by-client-123")
    assert response["X-Request-ID"] != "chosen-by-client-123"
    settings.TRUSTED_PROXY_COUNT = 1
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="nginx-4f1c2a9e0b7d")
    assert response["X-Request-ID"] == "nginx-4f1c2a9e0b7d"
    bad = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert bad["X-Request-ID"] != "<script>alert(1)</script>" and len(bad["X-Request-ID"]) == 32


def test_a_log_line_outside_a_request_has_a_dash_for_its_id():
    from outletcrm.core.requestid import RequestIdFilter
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


@pytest.mark.django_db
def test_json_logs_are_one_object_per_line_with_the_request_id(settings, collected):
    from outletcrm.core.requestid import current
    config = json.loads(json.dumps(settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    stream = io.StringIO()
    logging.config.dictConfig(config)
    try:
        logging.getLogger().handlers[0].setStream(stream)
        token = current.set("abc123def456")
        try:
            logging.getLogger("outletcrm.test").warning("stock low at %s", "联华超市")
        finally:
            current.reset(token)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "stock low at 联华超市" and line["request_id"] == "abc123def456"
    assert line["level"] == "WARNING" and line["logger"] == "outletcrm.test" and line["time"]


# --- the commands and the settings ------------------------------------------------------------

def run(args, env, tmp_path, code=None):
    cleared = {"OUTLETCRM_ENV", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
               "TASK_BACKEND", "REDIS_URL", "MEDIA_STORAGE", "CACHE_URL", "SENTRY_DSN",
               "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LOG_FORMAT",
               # set by the browser tests' conftest in the same pytest process
               "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {k: v for k, v in os.environ.items() if k not in cleared}
    full.update({"PYTHONPATH": str(ROOT), "OUTLETCRM_DATA_DIR": str(tmp_path), **env})
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "outletcrm", *args]
    return subprocess.run(command, env=full, cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.parametrize("env, says", [
    ({"TASK_BACKEND": "rq"}, "REDIS_URL"),
    ({"TASK_BACKEND": "celery"}, "TASK_BACKEND"),
    ({"MEDIA_STORAGE": "s3"}, "S3_BUCKET"),
    ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
    ({"CACHE_URL": "memcached://x"}, "CACHE_URL"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
])
def test_a_half_configured_queue_store_or_cache_is_refused_in_one_line(tmp_path, env, says):
    result = run(["check"], {"OUTLETCRM_ENV": "demo", **env}, tmp_path)
    assert result.returncode == 78, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.stderr


def test_the_refusal_is_chinese_for_a_chinese_operator(tmp_path):
    result = run(["check"], {"OUTLETCRM_ENV": "demo", "TASK_BACKEND": "rq",
                             "LANG": "zh_CN.UTF-8"}, tmp_path)
    assert result.returncode == 78 and "REDIS_URL" in result.stderr
    assert "需要" in result.stderr


SHOW = ("import django, sys; django.setup(); from django.conf import settings as s; "
        "print(s.TASKS['default']['BACKEND'], 'django_rq' in s.INSTALLED_APPS, "
        "s.CACHES['default']['BACKEND'], s.STORAGES['default']['BACKEND'], "
        "'sentry_sdk' in sys.modules)")


def test_rq_redis_cache_and_s3_come_from_the_environment(tmp_path):
    env = {"OUTLETCRM_ENV": "demo", "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
           "TASK_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "CACHE_URL": "redis://127.0.0.1:6379/1", "MEDIA_STORAGE": "s3",
           "S3_BUCKET": "photos", "S3_ENDPOINT_URL": "https://oss.example.com"}
    out = run([], env, tmp_path, code=SHOW).stdout.split()
    assert out == ["django_tasks_rq.RQBackend", "True",
                   "django.core.cache.backends.redis.RedisCache",
                   "storages.backends.s3.S3Storage", "False"]
    default = run([], {"OUTLETCRM_ENV": "demo", "DJANGO_SETTINGS_MODULE": "outletcrm.settings"},
                  tmp_path, code=SHOW).stdout.split()
    assert default[:2] == ["django_tasks_db.DatabaseBackend", "False"]
    assert default[3] == "django.core.files.storage.FileSystemStorage"


def test_sentry_is_imported_and_started_only_with_a_dsn(tmp_path):
    pytest.importorskip("sentry_sdk")
    code = ("import django, sys; django.setup(); import sentry_sdk; "
            "print(sentry_sdk.get_client().is_active(), "
            "sentry_sdk.get_client().options['send_default_pii'])")
    env = {"OUTLETCRM_ENV": "demo", "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
           "SENTRY_DSN": "https://key@sentry.example.com/1"}
    assert run([], env, tmp_path, code=code).stdout.split() == ["True", "False"]


def test_serve_sizes_workers_from_the_cores_and_runs_gunicorn(tmp_path, monkeypatch):
    monkeypatch.delenv("SERVE_WORKERS", raising=False)
    assert default_workers() == 2 * (os.cpu_count() or 1) + 1
    monkeypatch.setenv("SERVE_WORKERS", "3")
    assert default_workers() == 3
    argv = gunicorn_argv(bind="127.0.0.1:9000", workers=4, threads=2)
    assert argv[1:3] == ["-m", "gunicorn"] and "127.0.0.1:9000" in argv
    assert argv[argv.index("--workers") + 1] == "4" and "gthread" in argv
    result = run(["serve", "--check-only", "--bind", "0.0.0.0:8080"],
                 {"OUTLETCRM_ENV": "demo"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gunicorn" in result.stdout and "0.0.0.0:8080" in result.stdout


def test_serve_refuses_to_start_in_production_before_collectstatic(tmp_path):
    env = {"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run(["serve", "--check-only"], env, tmp_path)
    assert result.returncode != 0 and "collectstatic" in result.stderr


def test_worker_without_a_queue_says_there_is_none(tmp_path):
    result = run(["worker", "--burst"], {"OUTLETCRM_ENV": "demo",
                                         "TASK_BACKEND": "immediate"}, tmp_path)
    assert result.returncode != 0 and "ImmediateBackend" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_with_the_queue_cache_and_store_of_several_machines(tmp_path):
    """docs/deploy.md's settings for two machines (RQ, Redis cache, S3) keep check --deploy
    clean, like the single-machine ones (tests/accounts/test_hardening.py)."""
    env = {"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "ALLOWED_HOSTS": "crm.example.com", "TRUSTED_PROXY_COUNT": "1",
           "SITE_URL": "https://crm.example.com", "CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
           "TASK_BACKEND": "rq", "REDIS_URL": "redis://10.0.0.20:6379/0",
           "CACHE_URL": "redis://10.0.0.20:6379/1", "MEDIA_STORAGE": "s3",
           "S3_BUCKET": "outletcrm-media", "S3_ENDPOINT_URL": "https://oss.example.com",
           "S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret", "LOG_FORMAT": "json"}
    migrated = run(["migrate", "--noinput"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
