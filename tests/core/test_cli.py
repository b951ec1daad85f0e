"""The command line says what to set when the configuration is wrong: one line, in the
operator's language, a non-zero exit and no traceback (issue 7, §4)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from outletcrm.configuration import EX_CONFIG

ROOT = Path(__file__).resolve().parents[2]
CLEARED = {"OUTLETCRM_ENV", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DATABASE_URL",
           "OUTLETCRM_DATA_DIR", "DJANGO_SETTINGS_MODULE", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
           "LANG", "VENV"}


def run(args: list[str], env: dict, *, cwd: Path, command=None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full["PYTHONPATH"] = str(ROOT)
    full.update(env)
    return subprocess.run(command or [sys.executable, "-m", "outletcrm", *args], env=full,
                          cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def assert_one_line_refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == EX_CONFIG, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("outletcrm")
    return lines[0]


KPI = ["kpi", "--from", "2026-11-01", "--to", "2026-11-30"]


def test_without_an_environment_the_cli_says_to_set_the_secret_key_or_use_the_demo(tmp_path):
    line = assert_one_line_refusal(run(KPI, {"LANG": "C.UTF-8"}, cwd=tmp_path))
    assert "SECRET_KEY" in line and "OUTLETCRM_ENV=demo" in line and "bin/outletcrm" in line


def test_the_message_is_chinese_when_the_locale_is_chinese(tmp_path):
    line = assert_one_line_refusal(run(KPI, {"LANG": "zh_CN.UTF-8"}, cwd=tmp_path))
    assert "SECRET_KEY" in line and "请" in line
    assert "Set SECRET_KEY" not in line
    # LANGUAGE wins over LANG, as in gettext.
    english = assert_one_line_refusal(run(KPI, {"LANG": "zh_CN.UTF-8", "LANGUAGE": "en_GB"},
                                          cwd=tmp_path))
    assert "Set SECRET_KEY" in english


def test_a_bad_database_url_is_named(tmp_path):
    line = assert_one_line_refusal(run(KPI, {"OUTLETCRM_ENV": "test", "LANG": "C",
                                             "DATABASE_URL": "nonsense://somewhere/db"},
                                       cwd=tmp_path))
    assert "DATABASE_URL" in line


def test_a_setting_that_is_not_a_number_is_named(tmp_path):
    line = assert_one_line_refusal(run(["check"], {"OUTLETCRM_ENV": "test", "LANG": "C",
                                                   "CHECKIN_RADIUS_M": "300m"}, cwd=tmp_path))
    assert "CHECKIN_RADIUS_M" in line and "300m" in line


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    line = assert_one_line_refusal(run(KPI, {
        "OUTLETCRM_ENV": "test", "LANG": "C",
        "DATABASE_URL": "postgresql://someone:s3cret-pass@127.0.0.1:9/outletcrm"}, cwd=tmp_path))
    assert "cannot be reached" in line and "127.0.0.1:9" in line
    assert "s3cret-pass" not in line


def test_a_database_without_tables_asks_for_migrate(tmp_path):
    line = assert_one_line_refusal(run(KPI, {"OUTLETCRM_ENV": "test", "LANG": "C",
                                             "OUTLETCRM_DATA_DIR": str(tmp_path)}, cwd=tmp_path))
    assert "outletcrm migrate" in line and str(tmp_path) in line


def test_traceback_flag_shows_the_traceback(tmp_path):
    result = run([*KPI, "--traceback"], {"LANG": "C"}, cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_the_wsgi_entry_refuses_with_one_line(tmp_path):
    result = run([], {"LANG": "C"}, cwd=tmp_path,
                 command=[sys.executable, "-c", "import outletcrm.wsgi"])
    line = assert_one_line_refusal(result)
    assert "SECRET_KEY" in line


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_bin_outletcrm_runs_on_the_demo_database_after_make_demo(tmp_path):
    """The wrapper finds the checkout's venv and var/, and chooses demo mode by make demo's mark."""
    checkout = tmp_path / "checkout"
    (checkout / "bin").mkdir(parents=True)
    shutil.copy(ROOT / "bin/outletcrm", checkout / "bin/outletcrm")
    venv = Path(sys.prefix)
    probe = ["shell", "--no-imports", "-c", "from django.conf import settings; "
             "print(settings.ENVIRONMENT, settings.DATABASES['default']['NAME'])"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"LANG": "C", "VENV": str(venv)}

    # Before make demo: production settings, so the one-line refusal.
    (checkout / "var").mkdir()
    assert_one_line_refusal(run([], env, cwd=elsewhere,
                                command=[str(checkout / "bin/outletcrm"), *probe]))
    # After make demo: the demo database of the checkout, from any directory.
    (checkout / "var/DEMO").touch()
    result = run([], env, cwd=elsewhere, command=[str(checkout / "bin/outletcrm"), *probe])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["demo", str(checkout / "var/outletcrm.sqlite3")]
    # An explicit environment wins over the mark.
    result = run([], {**env, "OUTLETCRM_ENV": "test"}, cwd=elsewhere,
                 command=[str(checkout / "bin/outletcrm"), *probe])
    assert result.stdout.split()[0] == "test"
