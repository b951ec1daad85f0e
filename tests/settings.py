"""Test settings: the real settings in `test` mode (fast hashing, immediate tasks)."""

import os

os.environ["OUTLETCRM_ENV"] = "test"
os.environ.setdefault("OUTLETCRM_DATA_DIR", "/tmp/outletcrm-test")

from outletcrm.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns without it
