"""Password hashing: Argon2 for new passwords, PBKDF2 hashes upgraded at the next login."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def strong(settings):
    settings.PASSWORD_HASHERS = settings.STRONG_PASSWORD_HASHERS


def test_a_served_installation_hashes_with_argon2_and_tests_stay_fast(settings):
    env = {**os.environ, "OUTLETCRM_ENV": "demo", "OUTLETCRM_DATA_DIR": "/tmp/outletcrm-test"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", "import outletcrm.settings as s; print(s.PASSWORD_HASHERS)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("['django.contrib.auth.hashers.Argon2PasswordHasher', "
                          "'django.contrib.auth.hashers.PBKDF2PasswordHasher'")
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_new_password_is_hashed_with_argon2(cast, strong):
    cast.alice.set_password("a-new-password-1")
    cast.alice.save()
    assert cast.alice.password.startswith("argon2$argon2id$")
    assert cast.alice.check_password("a-new-password-1")


@pytest.mark.parametrize("path", ["page", "api"])
def test_a_pbkdf2_password_still_logs_in_and_is_upgraded_to_argon2(cast, strong, path):
    cast.alice.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    cast.alice.save(update_fields=["password"])
    if path == "page":
        response = Client().post("/login/", {"username": "alice", "password": PASSWORD})
        assert response.status_code == 302
    else:
        response = APIClient().post("/api/v1/auth/token", {"username": "alice",
                                                           "password": PASSWORD})
        assert response.status_code == 200
    cast.alice.refresh_from_db()
    assert cast.alice.password.startswith("argon2$")
