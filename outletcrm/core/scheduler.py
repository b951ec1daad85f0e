"""The scheduler's tick: which periodic jobs of settings.SCHEDULE are due, and retries.

`outletcrm scheduler` calls `tick()` every SCHEDULER_TICK_SECONDS. A slot is a job's due
moment in local time: today's "at" time, or the current "every_minutes" interval counted from
midnight. Each slot enqueued is remembered in core.ScheduleSlot (unique per job and slot), so:
  * a restarted scheduler (or a second one by mistake) does not enqueue a slot twice;
  * a slot missed while the scheduler was down (down at 00:30, started at 02:00) is still
    today's latest slot and not yet remembered, so it runs once at start. Only the latest slot
    is caught up: the jobs are per day, and yesterday's was its own slot.
A failed run of a daily job is retried: when the latest run of a job and day failed, fewer than
JOB_MAX_ATTEMPTS runs have failed, and JOB_RETRY_MINUTES × 2^(failures−1) have passed since.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from outletcrm.core.jobs import job_enqueue, reap_abandoned

log = logging.getLogger(__name__)


def parse_at(value: str) -> datetime.time:
    """An "at": "HH:MM" entry as a time (ValueError when it is not one)."""
    hours, _, minutes = value.partition(":")
    return datetime.time(int(hours), int(minutes))


def current_slot(entry: dict, now: datetime.datetime) -> datetime.datetime | None:
    """The job's latest due moment at `now` (local, aware), or None when none is due yet."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if "at" in entry:
        at = parse_at(entry["at"])
        slot = midnight.replace(hour=at.hour, minute=at.minute)
        return slot if slot <= local else None
    every = int(entry["every_minutes"])
    minutes = (local - midnight).seconds // 60
    return midnight + datetime.timedelta(minutes=minutes - minutes % every)


def due_day(entry: dict, slot: datetime.datetime) -> datetime.date:
    """The day the job runs for: the slot's local date, plus "day_offset" days if given."""
    return timezone.localtime(slot).date() + datetime.timedelta(days=int(entry.get("day_offset", 0)))


def _enqueue_due(now: datetime.datetime) -> list[tuple[str, datetime.date, str]]:
    from outletcrm.core.models import ScheduleSlot

    done = []
    for name, entry in settings.SCHEDULE.items():
        slot = current_slot(entry, now)
        if slot is None:
            continue
        day = due_day(entry, slot)
        if ScheduleSlot.objects.filter(name=name, slot=slot).exists():
            continue  # the usual case all day long: no failed insert in the server's log
        try:
            with transaction.atomic():
                ScheduleSlot.objects.create(name=name, slot=slot)
                job_enqueue(name=name, day=day, trigger="scheduler")
        except IntegrityError:  # this slot was enqueued before (a restart, a second scheduler)
            continue
        done.append((name, day, "scheduler"))
    return done


def _retry_failed(now: datetime.datetime) -> list[tuple[str, datetime.date, str]]:
    from outletcrm.core.models import JobRun

    max_attempts = getattr(settings, "JOB_MAX_ATTEMPTS", 3)
    pause = getattr(settings, "JOB_RETRY_MINUTES", 5)
    since = timezone.localdate(now) - datetime.timedelta(days=2)
    done = []
    recent = (JobRun.objects.filter(name__in=list(settings.SCHEDULE), for_date__gte=since)
              .values_list("name", "for_date").distinct())
    for name, day in set(recent):
        if settings.SCHEDULE[name].get("every_minutes"):
            continue  # its next slot comes soon enough
        runs = list(JobRun.objects.filter(name=name, for_date=day).order_by("-queued_at", "-pk"))
        latest = runs[0]
        if latest.status != JobRun.Status.FAILED:
            continue
        failures = sum(1 for run in runs if run.status == JobRun.Status.FAILED)
        if failures >= max_attempts:
            continue
        wait = datetime.timedelta(minutes=pause * 2 ** (failures - 1))
        if (latest.finished_at or latest.queued_at) + wait > now:
            continue
        with transaction.atomic():
            # Lock the latest run: two schedulers must not both queue the retry.
            locked = JobRun.objects.select_for_update().filter(pk=latest.pk,
                                                               status=JobRun.Status.FAILED)
            if not locked.exists() or JobRun.objects.filter(
                    name=name, for_date=day, pk__gt=latest.pk).exists():
                continue
            job_enqueue(name=name, day=day, trigger="retry", attempt=failures + 1,
                        force=latest.forced)
        done.append((name, day, "retry"))
    return done


def tick(now: datetime.datetime | None = None) -> list[tuple[str, datetime.date, str]]:
    """Enqueue what is due and what should be retried: [(job name, day, why)]."""
    now = now or timezone.now()
    try:  # first: a run whose worker died is failed now, and retried below when it is due
        reap_abandoned()
    except Exception:  # noqa: BLE001 - the queue does not answer: the next tick tries again
        log.warning("scheduler: could not look for abandoned jobs", exc_info=True)
    done = _enqueue_due(now) + _retry_failed(now)
    for name, day, why in done:
        log.info("scheduler: queued %s for %s (%s)", name, day, why)
    return done


def prune(days: int = 30) -> None:
    """Forget slots older than `days` (the scheduler only ever looks at today's), and the
    successful runs of jobs run every few minutes older than two days (hundreds a day)."""
    from outletcrm.core.models import JobRun, ScheduleSlot

    now = timezone.now()
    ScheduleSlot.objects.filter(slot__lt=now - datetime.timedelta(days=days)).delete()
    recurring = [name for name, entry in settings.SCHEDULE.items() if entry.get("every_minutes")]
    JobRun.objects.filter(name__in=recurring, status=JobRun.Status.SUCCEEDED,
                          queued_at__lt=now - datetime.timedelta(days=2)).delete()
