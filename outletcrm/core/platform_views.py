"""Administrators' pages of the platform: the company calendar (/calendar/) and the runs of
the periodic jobs (/jobs/). Anyone else gets 404, as if the pages did not exist."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outletcrm.core import calendar, jobs, params, scoping, workcal
from outletcrm.core.models import CalendarDay, JobRun
from outletcrm.org.models import Region


def _admin_only(request: HttpRequest) -> None:
    if not scoping.can_run_platform(request.user):
        raise Http404


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _year(raw, default: int) -> int:
    try:
        return params.parse_int(raw, field="year", minimum=calendar.FIRST_YEAR,
                                maximum=calendar.LAST_YEAR) or default
    except ValidationError:
        return default


def _calendar_url(year: int) -> str:
    return f"{reverse('calendar')}?year={year}"


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """A year of the company calendar: its entries, whether it is known, and the forms."""
    _admin_only(request)
    year = _year(request.GET.get("year"), timezone.localdate().year)
    return render(request, "core/calendar.html", {
        "view": calendar.calendar_year(year=year), "year": year,
        "prev_year": year - 1, "next_year": year + 1,
        "known_until": workcal.known_until(),
        "kinds": CalendarDay.Kind.choices, "regions": Region.objects.order_by("path"),
    })


@login_required
@require_POST
def calendar_edit(request: HttpRequest) -> HttpResponse:
    """Add days (a holiday range, a make-up working day…) or remove them; all or nothing."""
    _admin_only(request)
    post = request.POST
    year = _year(post.get("year"), timezone.localdate().year)
    try:
        start = params.parse_date(post.get("start"), field="start")
        if start is None:
            raise ValidationError({"start": _("Enter a valid date (YYYY-MM-DD).")})
        end = params.parse_date(post.get("end"), field="end") or start
        region = None
        region_id = params.parse_id(post.get("region"), field="region")
        if region_id is not None:
            region = Region.objects.filter(pk=region_id).first()
            if region is None:
                raise ValidationError({"region": _("Choose a region from the list.")})
        if post.get("action") == "remove":
            count = calendar.calendar_days_remove(start=start, end=end, region=region)
            messages.success(request, _("%(count)d days removed from the calendar.")
                             % {"count": count})
        else:
            count = calendar.calendar_days_set(start=start, end=end, kind=post.get("kind", ""),
                                               name=post.get("name", ""), region=region,
                                               actor=request.user)
            messages.success(request, _("%(count)d days saved in the calendar.")
                             % {"count": count})
        year = start.year
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(_calendar_url(year))


@login_required
@require_POST
def calendar_confirm(request: HttpRequest) -> HttpResponse:
    """Mark a year's holidays complete (or take the mark back)."""
    _admin_only(request)
    year = _year(request.POST.get("year"), timezone.localdate().year)
    if request.POST.get("action") == "unconfirm":
        calendar.calendar_year_unconfirm(year=year)
        messages.info(request, _("%(year)d is marked incomplete again.") % {"year": year})
    else:
        calendar.calendar_year_confirm(year=year, actor=request.user)
        messages.success(request, _("%(year)d is marked complete: plans no longer warn about it.")
                         % {"year": year})
    return redirect(_calendar_url(year))


@login_required
@require_GET
def jobs_page(request: HttpRequest) -> HttpResponse:
    """Each job's latest run, failures with their error, durations, and a "run now" button."""
    _admin_only(request)
    names = list(settings.SCHEDULE) + sorted(
        set(JobRun.objects.values_list("name", flat=True).distinct()) - set(settings.SCHEDULE))
    week_ago = timezone.now() - datetime.timedelta(days=7)
    failures = dict(JobRun.objects.filter(status=JobRun.Status.FAILED, queued_at__gte=week_ago)
                    .values_list("name").annotate(n=Count("pk")).values_list("name", "n"))
    summary = []
    for name in names:
        latest = JobRun.objects.filter(name=name).order_by("-queued_at", "-pk").first()
        last_ok = (JobRun.objects.filter(name=name, status=JobRun.Status.SUCCEEDED)
                   .order_by("-finished_at", "-pk").first())
        entry = settings.SCHEDULE.get(name, {})
        summary.append({"name": name, "entry": entry, "latest": latest, "last_ok": last_ok,
                        "failures": failures.get(name, 0), "scheduled": name in settings.SCHEDULE})
    runs = JobRun.objects.select_related("requested_by")
    only = request.GET.get("job")
    if only in names:
        runs = runs.filter(name=only)
    else:
        # A job run every minute or two would fill the list: its successes show on its own.
        recurring = [n for n, e in settings.SCHEDULE.items() if e.get("every_minutes")]
        runs = runs.exclude(name__in=recurring, status=JobRun.Status.SUCCEEDED)
    if request.GET.get("failed"):
        runs = runs.filter(Q(status=JobRun.Status.FAILED))
    return render(request, "core/jobs.html", {
        "jobs": summary, "runs": runs[:100], "only": only if only in names else "",
        "today": timezone.localdate(), "max_attempts": settings.JOB_MAX_ATTEMPTS,
    })


@login_required
@require_POST
def job_run_now(request: HttpRequest, name: str) -> HttpResponse:
    """Queue the job for the worker now, forced (even when it already succeeded that day)."""
    _admin_only(request)
    if name not in settings.SCHEDULE:
        raise Http404
    try:
        day = params.parse_date(request.POST.get("day"), field="day") or timezone.localdate()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("jobs")
    # The row is saved (committed) first, so the worker finds it; then its task is sent.
    run = jobs.job_enqueue(name=name, day=day, force=True, trigger="page", actor=request.user,
                           send=False)
    if not jobs.send_run(run):  # the queue did not answer (Redis down)
        messages.error(request, _("The job queue did not answer, so %(name)s for %(day)s was "
                                  "not queued; try again in a minute.")
                       % {"name": name, "day": day.isoformat()})
        return redirect("jobs")
    messages.success(request, _("%(name)s for %(day)s is queued; the worker runs it shortly.")
                     % {"name": name, "day": day.isoformat()})
    return redirect("jobs")
