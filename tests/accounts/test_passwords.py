"""Password rules: length, common, numeric, similarity, not the username or mobile."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from outletcrm.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["short1!", "password1234", "12345678901234",
                                      "alice-secret-x", "x13812345678y"])
def test_weak_passwords_are_refused(cast, password):
    cast.alice.mobile = "138 1234 5678"
    with pytest.raises(ValidationError):
        validate_password(password, cast.alice)


def test_a_good_password_passes(cast):
    validate_password("晴天-Hangzhou-walk", cast.alice)


def test_the_demo_password_passes_the_rules(cast):
    from outletcrm.demo import services

    validate_password(settings.DEMO_PASSWORD or services.DEMO_PASSWORD, cast.alice)
    validate_password(services.DEMO_PASSWORD, cast.alice)


def test_messages_are_chinese(cast):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            validate_password("alice-secret-x", cast.alice)
    assert "用户名" in " ".join(error.value.messages)
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            validate_password("short", cast.alice)
    assert "密码" in " ".join(error.value.messages)


def test_the_password_change_page_applies_the_rules_and_keeps_the_session(cast, client):
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "alice12345678",
                                 "new_password2": "alice12345678"})
    assert response.status_code == 200  # refused, the form again
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "晴天-Hangzhou-walk",
                                 "new_password2": "晴天-Hangzhou-walk"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:security")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(action="password_changed", actor=cast.alice).exists()


def test_the_admin_user_form_applies_the_rules(cast, client):
    client.force_login(cast.admin)
    response = client.post("/admin/org/user/add/", {
        "username": "newrep", "password1": "1234567890", "password2": "1234567890",
        "usable_password": "true"})
    assert response.status_code == 200
    from outletcrm.org.models import User

    assert not User.objects.filter(username="newrep").exists()
