"""Background tasks of the notifications app (django.tasks; scheduled by settings.SCHEDULE)."""

from django.tasks import task

from outletcrm.core.jobs import run_job
from outletcrm.notifications.services import deliveries_send


@task
def notifications_sweep(day: str | None = None) -> dict:
    """Send the e-mail and robot messages that are due (every minute)."""
    return run_job("notifications-sweep", day, lambda _day: deliveries_send())
