"""Production hardening: a weak SECRET_KEY is refused in one line, and `check --deploy` is
clean with the documented production settings (docs/security.md, README)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from outletcrm.configuration import EX_CONFIG

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3Jx9-vQ2mZr7TnW_pL4sYb8HcE1uFa6DgR0oIeNtVwXyA5jKlMq"
# A Fernet key for contacts' personal data, required in production (docs/privacy.md).
FIELD_KEY = "Jx0cQmV8o1pZbWc3k5u7Yq9sT2vR4nL6hG8fD0aS1eE="
CLEARED = {"OUTLETCRM_ENV", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DATABASE_URL",
           "OUTLETCRM_DATA_DIR", "DJANGO_SETTINGS_MODULE", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
           "LANG", "HTTPS", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
           "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT",
           # set by the browser tests' conftest in the same pytest process
           "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run(args, env, tmp_path):
    full = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full.update({"PYTHONPATH": str(ROOT), "OUTLETCRM_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-m", "outletcrm", *args], env=full, cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize("key", ["x", "x" * 60, "short-but-varied-key-123",
                                 "django-insecure-" + STRONG_KEY])
def test_a_weak_secret_key_is_refused_in_production_in_one_line(tmp_path, key):
    result = run(["check"], {"OUTLETCRM_ENV": "production", "SECRET_KEY": key}, tmp_path)
    assert result.returncode == EX_CONFIG, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY" in lines[0] and "Traceback" not in result.stderr


def test_the_weak_key_message_is_chinese_for_a_chinese_operator(tmp_path):
    result = run(["check"], {"OUTLETCRM_ENV": "production", "SECRET_KEY": "x",
                             "LANG": "zh_CN.UTF-8"}, tmp_path)
    assert result.returncode == EX_CONFIG
    assert "SECRET_KEY" in result.stderr and "太弱" in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY, "DATABASE_URL": database,
           "ALLOWED_HOSTS": "crm.example.com", "TRUSTED_PROXY_COUNT": "1",
           "SITE_URL": "https://crm.example.com"}
    migrated = run(["migrate", "--noinput"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_redirect_to_https_and_send_hsts(tmp_path):
    code = ("import outletcrm.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
            "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    full = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full.update({"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY,
                 "OUTLETCRM_DATA_DIR": str(tmp_path), "TRUSTED_PROXY_COUNT": "1"})
    out = subprocess.run([sys.executable, "-c", code], env=full, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:4] == ["True", "31536000", "True", "True"]
    assert "HTTP_X_FORWARDED_PROTO" in out[4]
    full["HTTPS"] = "off"
    out = subprocess.run([sys.executable, "-c", code], env=full, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:2] == ["False", "0"]
