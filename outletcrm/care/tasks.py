"""Background work of customer care (django.tasks): the nightly care tasks.

settings.SCHEDULE["care-tasks"] runs it at 01:00; by hand: `outletcrm care-tasks --day
2027-01-01`. Safe to run twice for a day (care.services.generate_care_tasks).
"""

from django.tasks import task

from outletcrm.care import services
from outletcrm.core.jobs import run_job


@task()
def generate_care_tasks(day: str | None = None) -> dict:
    """Make the day's care tasks (birthdays, festivals, return visits, calls, family events)."""
    return run_job("care-tasks", day, services.generate_care_tasks)
