"""Production refuses unsafe settings and demo credentials (issue 2, item 10)."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from outletcrm.core.checks import refuse_unsafe_production
from tests.factories import UserFactory

# Long and varied enough for production (a weak key is refused: tests/accounts/test_hardening.py).
STRONG_KEY = "k3Jx9-vQ2mZr7TnW_pL4sYb8HcE1uFa6DgR0oIeNtVwXyA5jKlMq"
# A Fernet key for contacts' personal data, required in production (docs/privacy.md).
FIELD_KEY = "Jx0cQmV8o1pZbWc3k5u7Yq9sT2vR4nL6hG8fD0aS1eE="


def settings_import(env: dict) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "OUTLETCRM_ENV"}}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import outletcrm.settings"], env=full, capture_output=True,
        text=True, check=False,
    )


def test_production_without_secret_key_refuses_to_start():
    result = settings_import({"OUTLETCRM_ENV": "production"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_without_a_field_encryption_key_refuses_to_start():
    result = settings_import({"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY})
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEY" in result.stderr
    result = settings_import({"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY,
                              "FIELD_ENCRYPTION_KEY": "not-a-key"})
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEY" in result.stderr


def test_production_with_debug_refuses_to_start():
    result = settings_import({"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY, "DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_production_with_own_secret_starts():
    assert settings_import({"OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY}).returncode == 0


def test_demo_accounts_block_production(db, settings):
    settings.ENVIRONMENT = "production"
    settings.DEBUG = False
    refuse_unsafe_production()  # no demo users: fine
    demo = UserFactory(username="rep01")
    type(demo).objects.filter(pk=demo.pk).update(is_demo=True)
    with pytest.raises(ImproperlyConfigured):
        refuse_unsafe_production()
    type(demo).objects.filter(pk=demo.pk).update(is_active=False)
    refuse_unsafe_production()
