"""Channels and the notifications sweep (issue 9, item 4): preferences decide the channels,
messages go out in the background in the recipient's language, a failing robot is retried
and then marked failed without holding up anyone else."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outletcrm.notifications import channels
from outletcrm.notifications.kinds import get_kind, register_kind
from outletcrm.notifications.models import Delivery, Notification, Profile, RobotChannel
from outletcrm.notifications.services import (
    MAX_ATTEMPTS,
    deliveries_send,
    notify,
    preferences_set,
    robot_save,
)
from outletcrm.notifications.tasks import notifications_sweep

pytestmark = pytest.mark.django_db

BREACH = _("Complaint %(code)s missed its service target")


def breach(user, key="c1", **kwargs):
    return notify(user=user, kind="complaint.breach", title=BREACH, params={"code": "T-1"},
                  link="/complaints/1/", dedupe_key=key, **kwargs)


def robot(fake, path="/dingtalk", *, team=None, kind="dingtalk", secret="", name="群"):
    return robot_save(robot=RobotChannel(name=name, kind=kind, url=fake.base + path,
                                         team=team), secret=secret)


def later(minutes):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes),
                               tick=False)


def test_notify_plans_deliveries_by_default_channels_and_sends_nothing_itself(cast, fake_robot):
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    robot(fake_robot, "/wecom", kind="wecom", team=cast.team_hz)
    n = breach(cast.alice)
    # Breaches default to e-mail and the team's robot; nothing is sent before the sweep.
    assert sorted(n.deliveries.values_list("channel", flat=True)) == ["email", "robot"]
    assert mail.outbox == [] and fake_robot.received == []
    # A due task is in-app only by default.
    task = notify(user=cast.alice, kind="task.due", title=_("A task is due"))
    assert task.deliveries.count() == 0


def test_email_needs_an_address_and_is_sent_by_the_sweep(cast):
    breach(cast.bob)  # bob has no e-mail address
    assert Delivery.objects.count() == 0
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    n = breach(cast.alice)
    summary = notifications_sweep.call()
    assert summary["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "T-1" in message.subject
    assert "http://127.0.0.1:8000/complaints/1/" in message.body
    delivery = n.deliveries.get()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1


def test_message_is_in_the_recipients_language(cast, settings):
    settings.SITE_URL = "https://crm.example.com"
    for user, language in ((cast.alice, "en"), (cast.bob, "")):
        user.email = f"{user.username}@example.com"
        user.save()
        Profile.objects.create(user=user, language=language)
        notify(user=user, kind="complaint.breach", link="/complaints/1/",
               title=_("A complaint missed its service target"))
    deliveries_send()
    by_to = {m.to[0]: m for m in mail.outbox}
    english = by_to["alice@example.com"]
    assert english.subject == "[OutletCRM] A complaint missed its service target"
    assert "Open: https://crm.example.com/complaints/1/" in english.body
    chinese = by_to["bob@example.com"]  # no choice: the site's language, zh-hans
    assert chinese.subject == "[OutletCRM] 投诉超出服务时限"
    assert "打开：https://crm.example.com/complaints/1/" in chinese.body


def test_preferences_are_honoured(cast, fake_robot):
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    robot(fake_robot, team=cast.team_hz)
    preferences_set(user=cast.alice, choices={"complaint.breach": {"email": False,
                                                                   "robot": False},
                                              "task.due": {"email": True, "robot": True}})
    assert breach(cast.alice).deliveries.count() == 0
    due = notify(user=cast.alice, kind="task.due", title=_("A task is due"))
    assert sorted(due.deliveries.values_list("channel", flat=True)) == ["email", "robot"]
    with pytest.raises(ValidationError):
        preferences_set(user=cast.alice, choices={"no.such.kind": {"email": True}})


def test_dedupe_key_stores_and_sends_once(cast):
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    assert breach(cast.alice, key="k") is not None
    assert breach(cast.alice, key="k") is None
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1
    deliveries_send()
    deliveries_send()  # a second sweep sends nothing again
    assert len(mail.outbox) == 1


def test_wecom_and_signed_dingtalk_formats(cast, fake_robot):
    cast.sup.mobile = "13900000000"
    cast.sup.save()
    robot(fake_robot, "/wecom", kind="wecom", team=cast.team_hz, name="WeCom")
    robot(fake_robot, "/dingtalk", team=cast.team_hz, secret=fake_robot.secret, name="Ding")
    breach(cast.sup)
    assert deliveries_send()["sent"] == 2
    assert len(fake_robot.accepted) == 2
    wecom = next(b for b in fake_robot.accepted if "content" in b.get("markdown", {}))
    assert "T-1" in wecom["markdown"]["content"]
    ding = next(b for b in fake_robot.accepted if "text" in b.get("markdown", {}))
    assert ding["at"]["atMobiles"] == ["13900000000"]
    assert "@13900000000" in ding["markdown"]["text"]
    signed = next(r for r in fake_robot.received if r["path"] == "/dingtalk")
    assert set(signed["query"]) == {"timestamp", "sign"}


def test_a_wrong_signature_is_a_failure(cast, fake_robot):
    robot(fake_robot, team=cast.team_hz, secret="SECwrong")
    n = breach(cast.alice)
    assert deliveries_send()["retrying"] == 1
    delivery = n.deliveries.get()
    assert delivery.status == Delivery.Status.PENDING
    assert "310000" in delivery.last_error


def test_failing_robots_are_retried_with_backoff_then_failed_without_blocking_others(
        cast, fake_robot):
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    robot(fake_robot, "/error500", team=cast.team_hz, name="broken")
    robot(fake_robot, "/slow", team=cast.team_hz, name="slow")
    robot(fake_robot, "/wecom", kind="wecom", team=cast.team_hz, name="fine")
    breach(cast.alice, key="a")
    breach(cast.alice, key="b")
    first = deliveries_send()
    # Every healthy channel got both messages at once; each dead robot cost one attempt, and
    # its second message waited for the next run instead of a second timeout.
    assert len(mail.outbox) == 2 and len(fake_robot.accepted) == 2
    assert first == {"sent": 4, "retrying": 2, "failed": 0, "postponed": 2}
    failing = Delivery.objects.filter(robot__name__in=["broken", "slow"])
    errors = set(failing.exclude(last_error="").values_list("last_error", flat=True))
    assert any("HTTP 500" in e for e in errors) and any("timed out" in e.lower() for e in errors)
    # Not due again before the back-off delay.
    assert deliveries_send() == {"sent": 0, "retrying": 0, "failed": 0, "postponed": 0}
    # A dead robot's messages are tried one at a time, each up to MAX_ATTEMPTS times.
    minutes = 0
    for _attempt in range(2 * MAX_ATTEMPTS):
        minutes += 61
        with later(minutes):
            deliveries_send()
    assert set(failing.values_list("status", flat=True)) == {Delivery.Status.FAILED}
    assert set(failing.values_list("attempts", flat=True)) == {MAX_ATTEMPTS}
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 4


def test_a_robot_switched_off_after_planning_fails_its_deliveries(cast, fake_robot):
    r = robot(fake_robot, "/wecom", kind="wecom")  # company-wide: alice's team has none
    n = breach(cast.alice)
    r.active = False
    r.save()
    deliveries_send()
    delivery = n.deliveries.get()
    # Trying again cannot help: failed at once, not retried.
    assert delivery.last_error == "The robot was switched off."
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1


def test_nothing_leaves_for_a_deactivated_login(cast):
    cast.alice.email = "alice@example.com"
    cast.alice.is_active = False
    cast.alice.save()
    assert breach(cast.alice).deliveries.count() == 0


def test_team_robots_first_then_company_wide(cast, fake_robot):
    company = robot(fake_robot, "/wecom", kind="wecom", name="company")
    team = robot(fake_robot, "/wecom", kind="wecom", team=cast.team_hz, name="team")
    for user, expected in ((cast.alice, team), (cast.charlie, company), (cast.mgr_zj, company)):
        n = breach(user, key=f"breach-for-{user.username}")
        assert list(n.deliveries.values_list("robot", flat=True)) == [expected.pk]


def test_robot_address_must_be_https(cast, settings):
    settings.NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS = False
    for url in ("http://127.0.0.1:9/robot", "http://oapi.dingtalk.com/robot/send",
                "ftp://x/", "https://user:pw@oapi.dingtalk.com/robot/send"):
        with pytest.raises(ValidationError):
            robot_save(robot=RobotChannel(name="x", kind="dingtalk", url=url))
    robot_save(robot=RobotChannel(name="ok", kind="dingtalk",
                                  url="https://oapi.dingtalk.com/robot/send?access_token=t"))
    with pytest.raises(ValidationError):  # WeCom robots have no secret
        robot_save(robot=RobotChannel(name="w", kind="wecom", url="https://qyapi.weixin.qq.com/x"),
                   secret="s")


def test_dingtalk_signature_matches_the_documented_example():
    # HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, base64, url-encoded.
    url = channels.dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t",
                                       "SECabc", timestamp_ms=1577808000000)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t"
                          "&timestamp=1577808000000&sign=")
    assert "%2B" in url or "%2F" in url or "%3D" in url  # base64 characters are encoded


def test_registered_kinds_have_defaults():
    register_kind("test.kind", _("A task is due"), email=True)
    assert get_kind("test.kind").email is True
    assert get_kind("unknown.kind").email is False


def test_two_sweeps_at_once_send_once(cast, monkeypatch):
    cast.alice.email = "alice@example.com"
    cast.alice.save()
    breach(cast.alice)
    real_send = channels.send_email
    inner = {}

    def send_while_another_sweep_runs(*args, **kwargs):
        if not inner:
            inner["summary"] = deliveries_send()  # the second sweep, mid-send of the first
        return real_send(*args, **kwargs)

    monkeypatch.setattr(channels, "send_email", send_while_another_sweep_runs)
    assert deliveries_send()["sent"] == 1
    assert inner["summary"]["sent"] == 0
    assert len(mail.outbox) == 1


def test_an_event_told_to_several_people_is_posted_once_per_group(cast, fake_robot):
    team = robot(fake_robot, "/wecom", kind="wecom", team=cast.team_hz)
    for person in (cast.alice, cast.sup):  # the assignee and her supervisor, one team group
        breach(person, key="complaint.breach:7:respond:0")
    assert Delivery.objects.filter(robot=team).count() == 1
    breach(cast.alice, key="complaint.breach:8:respond:0")  # another event is posted
    assert Delivery.objects.filter(robot=team).count() == 2
