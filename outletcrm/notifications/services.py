"""Writes of the notifications app: notify, read state, preferences, and the delivery sweep.

A notification is stored for the in-app centre at once; e-mail and robot messages are planned
as Delivery rows in the same transaction and sent later by the notifications sweep (a periodic
job), never inside the request or job that notified.
"""

import datetime
import logging
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from outletcrm.core import i18n
from outletcrm.notifications import channels
from outletcrm.notifications.kinds import get_kind, kinds
from outletcrm.notifications.models import (
    Channel,
    Delivery,
    Notification,
    Preference,
    Profile,
    RobotChannel,
)

log = logging.getLogger(__name__)

# Retries: the delay before attempt n+1 after n failed attempts; after the last the delivery
# is marked failed (about an hour and a half of trying covers a robot's or mail server's
# restart, and a message older than that has lost most of its point).
RETRY_DELAYS = (datetime.timedelta(minutes=1), datetime.timedelta(minutes=5),
                datetime.timedelta(minutes=15), datetime.timedelta(minutes=60))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A delivery being sent is leased for this long: a second sweep running at the same time
# skips it, and a sweep that died mid-send leaves it to be retried after the lease.
LEASE = datetime.timedelta(minutes=5)
# One sweep sends at most this many, for at most this long (it runs every minute).
SWEEP_LIMIT = 200
SWEEP_SECONDS = 45.0


# --- choosing channels --------------------------------------------------------------------

def channel_choices(user) -> dict[str, dict[str, bool]]:
    """{kind: {"email": bool, "robot": bool}} for every registered kind: the user's choice
    where they made one, else the kind's default."""
    chosen = {p.kind: p for p in Preference.objects.filter(user=user)}
    result = {}
    for k in kinds():
        pref = chosen.get(k.kind)
        result[k.kind] = ({"email": pref.email, "robot": pref.robot} if pref is not None
                          else {"email": k.email, "robot": k.robot})
    return result


def _choice(user, kind: str) -> tuple[bool, bool]:
    pref = Preference.objects.filter(user=user, kind=kind).values_list("email", "robot").first()
    if pref is not None:
        return pref
    default = get_kind(kind)
    return default.email, default.robot


def robots_for(user) -> list[RobotChannel]:
    """The group robots that post a user's notifications: their team's active robots, or the
    company-wide ones (no team) when the team has none or the user has no team."""
    active = RobotChannel.objects.filter(active=True)
    team_id = getattr(user, "team_id", None)
    if team_id:
        team_robots = list(active.filter(team_id=team_id))
        if team_robots:
            return team_robots
    return list(active.filter(team__isnull=True))


def _plan_deliveries(notification: Notification, user) -> int:
    """Delivery rows for the channels the user chose for the notification's kind."""
    if not user.is_active:  # a deactivated login keeps its centre, but nothing is sent
        return 0
    email, robot = _choice(user, notification.kind)
    rows = []
    if email and user.email:
        rows.append(Delivery(notification=notification, channel=Channel.EMAIL))
    if robot:
        robots = robots_for(user)
        if robots and notification.dedupe_key:
            # One event told to several people (a breach: the assignee and the supervisor)
            # is posted once to a group they share, not once per person.
            posted = set(Delivery.objects.filter(
                robot__in=robots, notification__dedupe_key=notification.dedupe_key,
            ).values_list("robot_id", flat=True))
            robots = [r for r in robots if r.pk not in posted]
        rows += [Delivery(notification=notification, channel=Channel.ROBOT, robot=r)
                 for r in robots]
    Delivery.objects.bulk_create(rows)
    return len(rows)


# --- notifying ------------------------------------------------------------------------------

def notify(*, user, kind: str, title, params: Mapping | None = None, body: str = "",
           link: str = "", customer_id: int | None = None, source=None,
           dedupe_key: str = "") -> Notification | None:
    """Notify `user`: stored for the in-app centre, then delivered on the channels the user
    chose for `kind` (e-mail, WeCom/DingTalk robot) by the notifications sweep.

    `title` is a lazy message with its `params` (shown in the reader's language). With a
    `dedupe_key`, a second call with the same key for the same user stores and sends nothing
    and returns None (periodic jobs run twice must not notify twice).
    """
    text, message = i18n.store(title, params, max_length=200)
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, title=text, title_message=message, body=body,
                link=link[:300], customer_id=customer_id, dedupe_key=dedupe_key[:120],
                source_type=source._meta.model_name if source is not None else "",
                source_id=source.pk if source is not None else None,
            )
            _plan_deliveries(notification, user)
            return notification
    except IntegrityError:  # the same key, stored by a concurrent run
        return None


# --- read state ------------------------------------------------------------------------------

def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (again: nothing changes)."""
    if notification.user_id != user.pk:
        raise ValidationError(_("This is not your notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark all the user's unread notifications read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now())


# --- preferences ------------------------------------------------------------------------------

def preferences_set(*, user, choices: Mapping[str, Mapping[str, bool]],
                    language: str | None = None) -> dict[str, dict[str, bool]]:
    """Save the user's channels for the kinds in `choices` ({kind: {"email", "robot"}}), and
    the language of their messages when given ("" for the site's). Unknown kinds are refused.
    Returns the choices for every kind, as channel_choices does."""
    known = {k.kind for k in kinds()}
    unknown = sorted(set(choices) - known)
    if unknown:
        raise ValidationError({"kinds": _("Unknown kinds: %(kinds)s")
                               % {"kinds": ", ".join(unknown)}})
    if language is not None and language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the site's languages.")})
    with transaction.atomic():
        for kind, chosen in choices.items():
            Preference.objects.update_or_create(
                user=user, kind=kind,
                defaults={"email": bool(chosen.get("email")),
                          "robot": bool(chosen.get("robot"))})
        if language is not None:
            Profile.objects.update_or_create(user=user, defaults={"language": language})
    return channel_choices(user)


def profile_language(user) -> str:
    """The language the user chose for their messages ("" for the site's)."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


# --- robots ---------------------------------------------------------------------------------

def robot_save(*, robot: RobotChannel, secret: str | None = None) -> RobotChannel:
    """Validate and save a group robot; `secret` None keeps the stored one ("" clears it)."""
    if secret is not None:
        robot.secret = secret
    robot.full_clean()
    robot.save()
    return robot


# --- the sweep ----------------------------------------------------------------------------

def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    user = notification.user
    language = channels.message_language(user)
    if delivery.channel == Channel.EMAIL:
        channels.send_email(notification, user, language)
    elif delivery.robot is None or not delivery.robot.active:
        raise channels.DeliveryError("The robot was switched off.", permanent=True)
    else:
        channels.send_robot(delivery.robot, notification, user, language)


def _finish(delivery: Delivery, error: str | None, *, permanent: bool = False) -> str:
    now = timezone.now()
    if error is None:
        delivery.status, delivery.sent_at, delivery.last_error = (
            Delivery.Status.SENT, now, "")
    elif permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.last_error = Delivery.Status.FAILED, error[:500]
    else:
        delivery.last_error = error[:500]
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    delivery.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return delivery.status


def deliveries_send(*, limit: int = SWEEP_LIMIT, seconds: float = SWEEP_SECONDS) -> dict:
    """Send the deliveries that are due: the notifications sweep.

    Safe to run twice at once: each delivery is claimed with a conditional update (a lease)
    before it is sent, so only one run sends it. A robot or mail server that fails is retried
    later with a growing delay (RETRY_DELAYS), then the delivery is marked failed. Within one
    run, after a robot has failed once its other deliveries wait as long as the failed one,
    so a dead robot costs one timeout per try instead of one per message and holds up nobody
    else.
    """
    started = time.monotonic()
    now = timezone.now()
    due = list(Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", "robot_id")[:limit])
    summary = {"sent": 0, "retrying": 0, "failed": 0, "postponed": 0}
    failing_robots: dict[int, datetime.datetime] = {}  # robot → when it is tried again
    for pk, robot_id in due:
        if robot_id in failing_robots:
            # The robot is down: its other messages wait as long as the failed one, without
            # an attempt counted against them.
            # (Only if still due: another sweep may hold its lease.)
            Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING,
                                    next_attempt_at__lte=now).update(
                next_attempt_at=failing_robots[robot_id])
            summary["postponed"] += 1
            continue
        if time.monotonic() - started > seconds:
            summary["postponed"] += 1
            continue
        claimed = Delivery.objects.filter(
            pk=pk, status=Delivery.Status.PENDING, next_attempt_at__lte=now,
        ).update(next_attempt_at=timezone.now() + LEASE, attempts=F("attempts") + 1)
        if not claimed:
            continue
        delivery = Delivery.objects.select_related(
            "notification__user__notification_profile", "robot").get(pk=pk)
        user = delivery.notification.user
        try:  # read with the delivery, so the language costs no query of its own
            user._notification_profile = user.notification_profile
        except Profile.DoesNotExist:
            user._notification_profile = Profile(user=user)
        try:
            _send(delivery)
        except channels.DeliveryError as exc:
            log.warning("delivery %s failed (attempt %s): %s", pk, delivery.attempts, exc)
            status = _finish(delivery, str(exc), permanent=exc.permanent)
            if robot_id and not exc.permanent:
                failing_robots[robot_id] = max(delivery.next_attempt_at, timezone.now())
            summary["failed" if status == Delivery.Status.FAILED else "retrying"] += 1
        else:
            _finish(delivery, None)
            summary["sent"] += 1
    return summary

