"""Pages of the route optimiser: a rep's best day, weekly route design, team territories.

Thin views: parse input, fetch scoped records (visits.selectors for reps and teams, our
selectors for jobs), call optimise.services, render. A bad input becomes a message and changes
nothing; a rep, team or job outside the caller's scope is 404; an action the caller may not
take is 403. Long runs are jobs: their pages poll the job's status fragment every second.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outletcrm.core import params, scoping
from outletcrm.optimise import conf, selectors, services
from outletcrm.optimise.forms import RepBaseForm
from outletcrm.optimise.models import JobKind, JobStatus, StartPoint, TransportMode
from outletcrm.routing.design import CYCLE_WEEKS
from outletcrm.visits import selectors as visit_selectors


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _date(raw) -> datetime.date | None:
    try:
        return params.parse_date(raw)
    except ValidationError:
        return None


def day_url(rep_id: int, date: datetime.date) -> str:
    return f"{reverse('optimise:day')}?rep={rep_id}&date={date.isoformat()}"


def _rep(request: HttpRequest, date: datetime.date | None = None):
    raw = request.GET.get("rep") or request.POST.get("rep")
    if raw:
        return visit_selectors.rep_get(user=request.user, pk=raw)
    if date is not None:
        return selectors.default_day_rep(user=request.user, date=date)
    return request.user


# --- best order for a day ----------------------------------------------------------------

@login_required
def day(request: HttpRequest) -> HttpResponse:
    """A rep's day: propose a better order (POST) and see the order, arrival times and map
    (GET). Without a rep it opens on the caller's own day if he has one, else on the first rep
    of his with stops that day."""
    if request.method == "POST":
        rep = _rep(request)
        if rep.pk != request.user.pk and not scoping.can_supervise(request.user, rep):
            raise PermissionDenied(_("You cannot change this rep's plan."))
        return _day_post(request, rep)
    try:
        date = params.parse_date(request.GET.get("date")) or timezone.localdate()
    except ValidationError as exc:
        shown = _("The default date is shown instead.")
        messages.warning(request, f"{_error_text(exc)} {shown}")
        date = timezone.localdate()
    rep = _rep(request, date)
    if rep.pk != request.user.pk and not scoping.can_supervise(request.user, rep):
        raise PermissionDenied(_("You cannot change this rep's plan."))
    view = selectors.day_view(user=request.user, rep=rep, date=date)
    return render(request, "optimise/day.html", {
        "view": view, "rep": rep, "date": date, "today": timezone.localdate(),
        "map_data": selectors.day_map(view),
        "starts": StartPoint.choices, "default_start": view.setup.default_start,
        "reps": visit_selectors.rep_choices(user=request.user),
        "base_form": RepBaseForm(instance=view.setup.own),
        "prev_day": date - datetime.timedelta(days=1),
        "next_day": date + datetime.timedelta(days=1),
        "can_supervise": scoping.can_supervise(request.user, rep),
    })


def _day_post(request: HttpRequest, rep) -> HttpResponse:
    date = _date(request.POST.get("date"))
    fallback = day_url(rep.pk, date or timezone.localdate())
    try:
        if date is None:
            raise ValidationError({"date": _("Enter a valid date (YYYY-MM-DD).")})
        position = services.parse_position(request.POST.get("lat"), request.POST.get("lng"))
        result = services.optimise_rep_day(actor=request.user, rep=rep, date=date,
                                           start=request.POST.get("start") or None,
                                           current_position=position, apply=False)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(fallback)  # the phone has no message area: the day page shows it
    except services.OptimiserUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(fallback)
    # Shown first, put on the plan only when confirmed (issue 7, §4).
    url = reverse("optimise:day_proposal", args=[result.job.pk])
    target = _safe_next(request)
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _on_phone(target: str) -> bool:
    return target.startswith(reverse("mobile:today"))


@login_required
@require_GET
def day_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposed order for a day: order, arrival times, distance saved; apply or leave it."""
    proposal = selectors.day_proposal(user=request.user, pk=pk)
    target = _safe_next(request)
    context = {"proposal": proposal, "rep": proposal.job.rep, "date": proposal.date,
               "next": target, "map_data": selectors.day_map(proposal),
               "day_url": day_url(proposal.job.rep_id, proposal.date),
               "can_apply": proposal.is_current and not proposal.applied
               and (proposal.job.rep_id == request.user.pk
                    or scoping.can_supervise(request.user, proposal.job.rep))}
    if _on_phone(target):
        from outletcrm.visits.mobile_views import page_strings

        return render(request, "optimise/phone_proposal.html",
                      {**context, "page": "optimise", "strings": page_strings()})
    return render(request, "optimise/day_proposal.html", context)


@login_required
@require_POST
def day_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a proposed order on the plan (only if the plan has not changed since)."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DAY)
    target = _safe_next(request)
    try:
        services.day_apply(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        url = reverse("optimise:day_proposal", args=[job.pk])
        return redirect(f"{url}?{urlencode({'next': target})}" if target else url)
    if _on_phone(target):
        return redirect(target)  # the today page shows the new order (it has no message area)
    totals = job.result["totals"]
    text = _("Day optimised. Stops in order: %(planned)d; travel: %(travel)s min.") % {
        "planned": totals["planned"] + totals["visited"],
        "travel": round(totals["travel_minutes"])}
    if totals["unassigned"]:
        text += " " + _("Stops that do not fit: %(n)d, listed at the end.") % {
            "n": totals["unassigned"]}
    messages.success(request, text)
    return redirect(target or day_url(job.rep_id, datetime.date.fromisoformat(
        job.result["date"])))


@login_required
@require_POST
def rep_base(request: HttpRequest) -> HttpResponse:
    """Save the rep's home, office, working hours and transport."""
    rep = _rep(request)
    date = _date(request.POST.get("date")) or timezone.localdate()
    form = RepBaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[k].label}: {' '.join(v)}"
                                         if k in form.fields else " ".join(v)
                                         for k, v in form.errors.items()))
        return redirect(day_url(rep.pk, date))
    try:
        services.rep_base_update(actor=request.user, rep=rep, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Start points and working hours saved."))
    return redirect(day_url(rep.pk, date))


# --- jobs --------------------------------------------------------------------------------

@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment a job page polls; a finished job makes the page reload."""
    job = selectors.job_get(user=request.user, pk=pk)
    response = render(request, "optimise/_job_status.html", {
        "job": job, "error": selectors.job_error(job), "poll": not job.is_finished,
        "stale": selectors.job_is_stale(job)})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


# --- weekly route design -----------------------------------------------------------------

@login_required
def design(request: HttpRequest) -> HttpResponse:
    """Start a route design for a rep (POST); choose the rep, cycle and transport (GET)."""
    # can_supervise for every rep in scope: the caller's role, and not the caller.
    reps = (list(visit_selectors.rep_choices(user=request.user).exclude(pk=request.user.pk))
            if services.can_split_territory(request.user) else [])
    raw = request.GET.get("rep") or request.POST.get("rep")
    rep = visit_selectors.rep_get(user=request.user, pk=raw) if raw else (reps[0] if reps else None)
    if rep is not None and not scoping.can_supervise(request.user, rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can design routes."))
    values = {"cycle_weeks": request.POST.get("cycle_weeks", "2"),
              "mode": request.POST.get("mode", "")}
    status = 200
    if request.method == "POST" and rep is not None:
        try:
            job = services.design_start(actor=request.user, rep=rep, **values)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            status = 400
        except services.OptimiserUnavailable as exc:
            messages.error(request, str(exc))
            status = 503
        else:
            return redirect("optimise:design_job", pk=job.pk)
    context = {"reps": reps, "rep": rep, "values": values, "cycles": CYCLE_WEEKS,
               "modes": TransportMode.choices}
    if rep is not None:
        context.update(
            setup=selectors.design_setup(user=request.user, rep=rep),
            routes=selectors.active_routes(user=request.user, rep=rep),
            jobs=selectors.recent_jobs(user=request.user, kind=JobKind.DESIGN, rep=rep))
        if not values["mode"]:
            values["mode"] = context["setup"]["default_mode"]
    return render(request, "optimise/design.html", context, status=status)


@login_required
@require_GET
def design_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A design: progress while it runs, then the proposal against the current routes."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DESIGN)
    context = {"job": job, "rep": job.rep, "error": selectors.job_error(job),
               "poll": not job.is_finished, "stale": selectors.job_is_stale(job),
               "can_adopt": scoping.can_supervise(request.user, job.rep)
               and job.applied_at is None}
    if job.status == JobStatus.DONE:
        view = selectors.design_view(job)
        context.update(view=view, map_data=selectors.design_map(view))
    return render(request, "optimise/design_job.html", context)


@login_required
@require_POST
def design_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move outlets to other days of the proposal (one select per outlet)."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DESIGN)
    moves = {key.removeprefix("day-"): value for key, value in request.POST.items()
             if key.startswith("day-")}
    try:
        services.design_edit(actor=request.user, job=job, moves=moves)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except services.OptimiserUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Proposal changed; the changed days were measured again."))
    return redirect("optimise:design_job", pk=job.pk)


@login_required
@require_POST
def design_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Adopt the proposal as the rep's routes (the old ones are deactivated, not deleted)."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DESIGN)
    try:
        created = services.design_adopt(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("optimise:design_job", pk=job.pk)
    messages.success(request, _("Design adopted. Routes created: %(n)d; the previous routes "
                                "were deactivated. Plans generated from now on use them.")
                     % {"n": len(created)})
    return redirect(f"{reverse('visits:routes')}?rep={job.rep_id}")


# --- team territories --------------------------------------------------------------------

@login_required
def territory(request: HttpRequest) -> HttpResponse:
    """Start a territory split for a team (POST); choose the team (GET)."""
    if not services.can_split_territory(request.user):
        raise PermissionDenied(_("Only supervisors and managers split territories."))
    teams = list(visit_selectors.team_choices(user=request.user))
    raw = request.GET.get("team") or request.POST.get("team")
    team = visit_selectors.team_get(user=request.user, pk=raw) if raw else (
        teams[0] if teams else None)
    values = {"cycle_weeks": request.POST.get("cycle_weeks", "2"),
              "mode": request.POST.get("mode", "") or conf.default_mode()}
    status = 200
    if request.method == "POST" and team is not None:
        try:
            job = services.territory_start(actor=request.user, team=team, **values)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            status = 400
        except services.OptimiserUnavailable as exc:
            messages.error(request, str(exc))
            status = 503
        else:
            return redirect("optimise:territory_job", pk=job.pk)
    context = {"teams": teams, "team": team, "values": values, "cycles": CYCLE_WEEKS,
               "modes": TransportMode.choices}
    if team is not None:
        context.update(
            reps=list(services.territory_reps(actor=request.user, team=team)),
            jobs=selectors.recent_jobs(user=request.user, kind=JobKind.TERRITORY, team=team))
    return render(request, "optimise/territory.html", context, status=status)


@login_required
@require_GET
def territory_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A team split: progress while it runs, then the table per rep, the map and the moves."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.TERRITORY)
    context = {"job": job, "error": selectors.job_error(job), "poll": not job.is_finished,
               "stale": selectors.job_is_stale(job)}
    if job.status == JobStatus.DONE:
        context.update(view=selectors.territory_view(job), map_data=selectors.territory_map(job))
    return render(request, "optimise/territory_job.html", context)


@login_required
@require_POST
def territory_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the ticked outlets to the proposed reps (each change in the customer's history)."""
    job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.TERRITORY)
    try:
        changed = services.territory_apply(actor=request.user, job=job,
                                           customer_ids=request.POST.getlist("customer"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Outlets with a new owner: %(n)d. Their old routes keep them "
                                    "until the routes are changed or designed again.")
                         % {"n": changed})
    return redirect("optimise:territory_job", pk=job.pk)
