"""Complaints' cast: the shared one (tests/conftest.py) plus a customer-service user."""

import io

import pytest
from PIL import Image

from outletcrm.org.models import Role
from tests.factories import UserFactory


@pytest.fixture
def kefu(cast):
    """A customer-service user (客服): sees every customer's complaints, no field data."""
    return UserFactory(username="kefu", display_name="客服小周", role=Role.CUSTOMER_SERVICE,
                       team=None)


def jpeg_bytes(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
