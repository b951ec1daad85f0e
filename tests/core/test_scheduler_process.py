"""`outletcrm scheduler` as a process: it queues the nightly plans job on start (its 00:30
slot is past), records the run, and ends cleanly on SIGTERM (what `make demo`'s trap sends)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from outletcrm.core.models import JobRun

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@pytest.mark.usefixtures("seed_rows")
def test_the_scheduler_queues_the_nightly_job_once_and_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update({"OUTLETCRM_ENV": "test", "DATABASE_URL": database_url(),
                "OUTLETCRM_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)})
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "outletcrm", "scheduler", "--interval", "1"], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not JobRun.objects.filter(
                name="plans", status="succeeded").exists():
            assert process.poll() is None, process.communicate()
            time.sleep(0.2)
        time.sleep(1.5)  # a further tick or two: nothing queued twice
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "queued plans" in out and out.count("queued plans") == 1, out
    assert "scheduler: stopped" in out
    assert JobRun.objects.filter(name="plans").count() == 1
