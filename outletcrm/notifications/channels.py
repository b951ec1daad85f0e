"""Sending a notification out of the site: e-mail and WeCom/DingTalk group robots.

Called only by the notifications sweep (services.deliveries_send), never inside the request
or job that notified: a slow mail server or a dead robot must not hold up a rep's page or a
nightly job. Each function raises DeliveryError with a short reason when sending fails.

Robot message formats, as the vendors document them:
  WeCom (企业微信群机器人)   POST {"msgtype": "markdown", "markdown": {"content": "…"}}
                              to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
  DingTalk (钉钉自定义机器人) POST {"msgtype": "markdown", "markdown": {"title", "text"},
                              "at": {"atMobiles": [...]}} to
                              https://oapi.dingtalk.com/robot/send?access_token=…, and with
                              the "sign" security setting (加签) &timestamp=<ms>&sign=<s>, where
                              s = urlencode(base64(HMAC-SHA256(key=secret,
                                                               msg="<ms>\n<secret>")))
Both answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; any other errcode is a failure.
Every message starts with "OutletCRM", so a DingTalk robot secured by the keyword
"OutletCRM" (自定义关键词) accepts it.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from outletcrm.notifications.validators import validate_robot_url

BRAND = "OutletCRM"
# Enough of a robot's answer to read its errcode; a bigger answer is not a robot's.
MAX_ANSWER_BYTES = 64 * 1024


class DeliveryError(Exception):
    """Sending failed; the message says why (kept on the delivery as its last error).
    `permanent`: trying again cannot help (no address, the robot was switched off)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot answers; it does not redirect. Following a redirect would send the message
    (and the signature) to an address nobody validated."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def absolute_link(link: str) -> str:
    """The notification's link as an address a mail client or a chat app can open."""
    if not link:
        link = "/notifications/"
    if link.startswith("/") and not link.startswith("//"):
        return f"{settings.SITE_URL}{link}"
    return link if link.startswith(("https://", "http://")) else f"{settings.SITE_URL}/"


def message_language(user) -> str:
    """The language a user's e-mail and robot messages are written in."""
    profile = getattr(user, "_notification_profile", None)
    if profile is None:
        from outletcrm.notifications.models import Profile

        profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    return profile.language or settings.LANGUAGE_CODE


def send_email(notification, user, language: str) -> None:
    """Send the notification to the user's e-mail address."""
    if not user.email:
        raise DeliveryError("The user has no e-mail address.", permanent=True)
    with translation.override(language):
        title = notification.title_text
        lines = [title]
        if notification.body:
            lines += ["", notification.body]
        lines += ["", _("Open: %(link)s") % {"link": absolute_link(notification.link)}, "",
                  _("You receive this because of your notification settings: %(link)s")
                  % {"link": absolute_link("/notifications/settings/")}]
        subject = f"[{BRAND}] {title}"
    try:
        EmailMessage(subject=subject, body="\n".join(lines), to=[user.email]).send()
    except Exception as exc:  # noqa: BLE001 - any mail failure is this delivery's failure
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:500]) from exc


def robot_payload(robot, notification, user, language: str) -> dict:
    """The JSON a robot of `robot.kind` is sent for `notification` to `user`."""
    with translation.override(language):
        title = notification.title_text
        link = absolute_link(notification.link)
        to = _("For %(name)s") % {"name": str(user)}
        open_text = _("Open in OutletCRM")
    body = f"\n\n{notification.body}" if notification.body else ""
    if robot.kind == "wecom":
        content = f"**{BRAND}** · {title}\n> {to}{body}\n\n[{open_text}]({link})"
        return {"msgtype": "markdown", "markdown": {"content": content}}
    mention = f" @{user.mobile}" if getattr(user, "mobile", "") else ""
    text = f"#### {BRAND} · {title}\n\n> {to}{mention}{body}\n\n[{open_text}]({link})"
    payload = {"msgtype": "markdown", "markdown": {"title": f"{BRAND} · {title}", "text": text}}
    payload["at"] = {"atMobiles": [user.mobile] if mention else [], "isAtAll": False}
    return payload


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook address with DingTalk's timestamp and signature (加签) appended."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def send_robot(robot, notification, user, language: str) -> None:
    """Post the notification to the robot's group."""
    try:
        validate_robot_url(robot.url)
    except ValidationError as exc:
        raise DeliveryError("The robot's address is not allowed.", permanent=True) from exc
    url = robot.url
    if robot.kind == "dingtalk" and robot.secret:
        url = dingtalk_signed_url(url, robot.secret)
    data = json.dumps(robot_payload(robot, notification, user, language),
                      ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - https (or allowed loopback) checked above
        url, data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with _opener.open(request, timeout=settings.NOTIFICATIONS_ROBOT_TIMEOUT) as response:
            answer = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{type(exc).__name__}: {reason}"[:500]) from exc
    try:
        result = json.loads(answer)
    except ValueError as exc:
        raise DeliveryError("The robot's answer is not JSON.") from exc
    if not isinstance(result, dict) or result.get("errcode") != 0:
        errmsg = result.get("errmsg", "") if isinstance(result, dict) else ""
        errcode = result.get("errcode") if isinstance(result, dict) else None
        raise DeliveryError(f"errcode {errcode}: {errmsg}"[:500])
