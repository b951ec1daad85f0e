"""Reads of the notifications app. A user sees only their own notifications, whatever their
role: administrators too (a notification is a personal message, not customer data)."""

from django.db.models import QuerySet

from outletcrm.notifications.models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    """How many of the user's notifications are unread (one indexed count)."""
    return notifications_of(user).filter(read_at__isnull=True).count()
