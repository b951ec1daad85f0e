"""Test settings: the real settings in `test` mode (fast hashing, immediate tasks)."""

import os
import tempfile
from pathlib import Path

os.environ["OUTLETCRM_ENV"] = "test"
os.environ.setdefault("OUTLETCRM_DATA_DIR", "/tmp/outletcrm-test")

from outletcrm.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns without it


def _sqlite_test_file() -> str:
    """A file for the SQLite test database: one per test process, on tmpfs where there is one.

    Not Django's default in-memory database: the browser tests' live server serves each request
    in a thread of its own, and with an in-memory database Django hands every such thread the
    test's one connection (another connection would open another, empty database), so the
    page's concurrent requests (the service worker, the sync queue, the snapshot) use one
    SQLite connection at once and break it ("bad parameter or other API misuse", "database
    table is locked"). With a file each thread opens its own connection, as in production.
    Files left by killed runs are removed.
    """
    shm = Path("/dev/shm")
    folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    for stale in folder.glob("outletcrm-test-*.sqlite3*"):
        pid = stale.name.removeprefix("outletcrm-test-").split(".", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            pass
    return str(folder / f"outletcrm-test-{os.getpid()}.sqlite3")


if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": _sqlite_test_file()}  # noqa: F405
