"""Tasks the worker tests queue: they touch files only (no database), so a bare worker
process can run them."""

import time
from pathlib import Path

from django.tasks import task


@task()
def hold(started: str, release: str) -> None:
    """Say it started, then run until `release` exists (at most two minutes)."""
    Path(started).write_text("started")
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@task()
def touch(path: str) -> None:
    Path(path).write_text("done")
