"""Setting robots up: the Django admin never shows the secret back; the CLI reads it from
standard input, lists without it, and sends a test message."""

import io

import pytest
from django.core.management import CommandError, call_command

from outletcrm.notifications.models import RobotChannel

pytestmark = pytest.mark.django_db


def test_admin_keeps_the_secret_write_only(cast, login):
    client = login(cast.admin)
    url = "/admin/notifications/robotchannel/add/"
    response = client.post(url, {"name": "杭州一组群", "kind": "dingtalk", "team": cast.team_hz.pk,
                                 "url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                                 "secret": "SECsecret", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    robot = RobotChannel.objects.get()
    assert robot.secret == "SECsecret"
    change = f"/admin/notifications/robotchannel/{robot.pk}/change/"
    assert "SECsecret" not in client.get(change).content.decode()
    # Saving without typing a secret keeps it; "clear" removes it.
    data = {"name": "杭州一组群", "kind": "dingtalk", "team": cast.team_hz.pk,
            "url": robot.url, "secret": "", "active": "on"}
    assert client.post(change, data).status_code == 302
    robot.refresh_from_db()
    assert robot.secret == "SECsecret"
    assert client.post(change, {**data, "clear_secret": "on"}).status_code == 302
    robot.refresh_from_db()
    assert robot.secret == ""
    # A plain-http address is refused.
    response = client.post(change, {**data, "url": "http://oapi.dingtalk.com/robot/send"})
    assert response.status_code == 200 and "https://" in response.content.decode()


def test_a_rep_cannot_open_the_robot_admin(cast, login):
    response = login(cast.alice).get("/admin/notifications/robotchannel/")
    assert response.status_code == 302  # to the admin login


def test_cli_adds_lists_tests_and_switches_off(cast, fake_robot, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(fake_robot.secret + "\n"))
    out = io.StringIO()
    call_command("robots", "add", "--name", "Ding", "--kind", "dingtalk",
                 "--url", fake_robot.base + "/dingtalk", "--team", str(cast.team_hz.pk),
                 "--secret-stdin", stdout=out)
    robot = RobotChannel.objects.get()
    assert robot.secret == fake_robot.secret and robot.team == cast.team_hz
    out = io.StringIO()
    call_command("robots", "list", stdout=out)
    assert "Ding" in out.getvalue() and fake_robot.secret not in out.getvalue()
    call_command("robots", "test", str(robot.pk), stdout=io.StringIO())
    assert len(fake_robot.accepted) == 1
    call_command("robots", "disable", str(robot.pk), stdout=io.StringIO())
    robot.refresh_from_db()
    assert robot.active is False
    with pytest.raises(CommandError):
        call_command("robots", "add", "--name", "x", "--kind", "wecom",
                     "--url", "ftp://example.com/", stdout=io.StringIO())
    bad = RobotChannel.objects.create(name="bad", kind="wecom", url=fake_robot.base + "/error500")
    with pytest.raises(CommandError, match="HTTP 500"):
        call_command("robots", "test", str(bad.pk), stdout=io.StringIO())


def test_deploy_check_warns_about_a_missing_site_url(settings):
    from outletcrm.notifications.checks import site_url_check

    settings.ENVIRONMENT = "production"
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in site_url_check(None)] == ["notifications.W001"]
    settings.SITE_URL = "https://crm.example.com"
    assert site_url_check(None) == []
