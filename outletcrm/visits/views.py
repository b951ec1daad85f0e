"""Supervision pages: routes, day plans, the supervisor's day, visit detail and KPIs.

Thin views: parse input, fetch scoped records through visits.selectors, call the services
(visits.routes, visits.services, visits.planning) and render. A service's ValidationError
becomes a message on the page and changes nothing; a record outside the caller's scope is 404;
an action the caller may not take is 403.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from outletcrm.core import files, params, scoping
from outletcrm.visits import kpis, planning, routes, selectors, services
from outletcrm.visits.choices import StopOrigin, VisitStatus


def kpi_group_names() -> list[tuple[str, str]]:
    """The KPI page's groupings (kpis.GROUPS) in display order, in the reader's language."""
    return [("day", pgettext("period", "Day")), ("week", pgettext("period", "Week")),
            ("month", pgettext("period", "Month")), ("rep", _("Rep")),
            ("team", _("Team")), ("region", _("Region"))]


def weekday_names() -> list[tuple[int, str]]:
    """Weekday labels in the reader's language (looked up per request, not at import)."""
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday")]
    return list(enumerate(names))


def error_text(exc: ValidationError) -> str:
    """A service's validation error as one line for a page message."""
    return " ".join(str(m) for m in exc.messages)


def back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the `next` the form carried (same site only), else to `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def date_param(request: HttpRequest, name: str = "date", default=None) -> datetime.date:
    """A date from the query string; a bad one is reported and today is shown instead."""
    try:
        value = params.parse_date(request.GET.get(name), field=name)
    except ValidationError as exc:
        shown = _("The default date is shown instead.")
        messages.warning(request, f"{error_text(exc)} {shown}")
        value = None
    return value or default or timezone.localdate()


def posted_date(request: HttpRequest) -> datetime.date:
    value = params.parse_date(request.POST.get("date"))
    if value is None:
        raise ValidationError({"date": _("Enter a valid date (YYYY-MM-DD).")})
    return value


def chosen_rep(request: HttpRequest, param: str = "rep"):
    """The rep a page is about: the `rep` parameter (in scope, else 404) or the caller."""
    raw = request.GET.get(param) or request.POST.get(param)
    if raw:
        return selectors.rep_get(user=request.user, pk=raw)
    return None


# --- routes ------------------------------------------------------------------------------

@login_required
@require_GET
def route_list(request: HttpRequest) -> HttpResponse:
    """A rep's routes with the frequency warnings and the stops-per-day summary."""
    reps = list(selectors.rep_choices(user=request.user))
    rep = chosen_rep(request)
    if rep is None:
        # A rep sees their own routes; a supervisor starts with the first of their reps.
        others = [r for r in reps if r.pk != request.user.pk]
        rep = (others[0] if others and routes.can_generate_plans(request.user)
               else next((r for r in reps if r.pk == request.user.pk), None))
    context = {"reps": reps, "rep": rep, "weekdays": weekday_names()}
    if rep is not None:
        names = dict(weekday_names())
        rep_routes = list(selectors.route_list(user=request.user, rep=rep))
        for route in rep_routes:
            route.weekday_name = names.get(route.weekday, "")
        context.update(
            routes=rep_routes,
            report=routes.frequency_report(actor=request.user, rep=rep),
            can_edit=scoping.can_supervise(request.user, rep),
        )
    return render(request, "visits/route_list.html", context)


def _route_form_values(request: HttpRequest) -> dict:
    return {key: request.POST.get(key, "") for key in
            ("name", "cycle_weeks", "week_of_cycle", "weekday")}


@login_required
def route_create(request: HttpRequest) -> HttpResponse:
    """A new route for a rep (supervisor)."""
    rep = chosen_rep(request)
    if rep is None:
        return redirect("visits:routes")
    if not scoping.can_supervise(request.user, rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can change routes."))
    values = {"name": "", "cycle_weeks": "1", "week_of_cycle": "1",
              "weekday": str(timezone.localdate().weekday())}
    errors = {}
    status = 200
    if request.method == "POST":
        values = _route_form_values(request)
        try:
            route = routes.route_create(actor=request.user, rep=rep,
                                        customer_ids=request.POST.getlist("customer"), **values)
        except ValidationError as exc:
            errors = exc.message_dict
            status = 400
        else:
            messages.success(request, _("Route “%(name)s” created. Now add its outlets.")
                             % {"name": route.name})
            return redirect("visits:route_detail", pk=route.pk)
    return render(request, "visits/route_form.html", {
        "rep": rep, "values": values, "errors": errors, "weekdays": weekday_names(),
        "cycles": routes.CYCLE_CHOICES,
    }, status=status)


@login_required
def route_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The route editor: settings, ordered outlets on a map, add / remove / reorder."""
    route = selectors.route_get(user=request.user, pk=pk)
    can_edit = scoping.can_supervise(request.user, route.rep)
    errors = {}
    status = 200
    values = {"name": route.name, "cycle_weeks": str(route.cycle_weeks),
              "week_of_cycle": str(route.week_of_cycle), "weekday": str(route.weekday)}
    if request.method == "POST":
        values = _route_form_values(request)
        try:
            routes.route_update(actor=request.user, route=route,
                                is_active=request.POST.get("is_active") == "on", **values)
        except ValidationError as exc:
            errors = exc.message_dict
            status = 400
        else:
            messages.success(request, _("Route saved."))
            return redirect("visits:route_detail", pk=route.pk)
    stops = list(route.stops.all())
    on_route = {s.customer_id for s in stops}
    own = list(routes.route_customer_choices(actor=request.user, rep=route.rep)
               .select_related("customer_class").order_by("name_sort", "pk"))
    choices = [c for c in own if c.pk not in on_route] if can_edit else []
    map_stops = [{"id": s.customer_id, "name": s.customer.name, "position": i,
                  "lat": float(s.customer.latitude) if s.customer.latitude is not None else None,
                  "lng": float(s.customer.longitude) if s.customer.longitude is not None else None}
                 for i, s in enumerate(stops, start=1)]
    return render(request, "visits/route_detail.html", {
        "route": route, "stops": stops, "foreign": on_route - {c.pk for c in own},
        "choices": choices, "can_edit": can_edit, "values": values, "errors": errors,
        "weekdays": weekday_names(), "cycles": routes.CYCLE_CHOICES, "map_stops": map_stops,
    }, status=status)


@login_required
@require_POST
def route_stops(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the route's outlets: the ordered list, plus an add, a remove or a move."""
    route = selectors.route_get(user=request.user, pk=pk)
    ids = [i for i in request.POST.getlist("customer") if i]
    if request.POST.get("add"):
        ids.append(request.POST["add"])
    remove = request.POST.get("remove")
    if remove:
        ids = [i for i in ids if i != remove]
    for direction in ("up", "down"):
        moving = request.POST.get(direction)
        if moving in ids:
            index = ids.index(moving)
            other = index - 1 if direction == "up" else index + 1
            if 0 <= other < len(ids):
                ids[index], ids[other] = ids[other], ids[index]
    try:
        routes.route_set_stops(actor=request.user, route=route, customer_ids=ids)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Outlets of the route saved."))
    return redirect("visits:route_detail", pk=route.pk)


@login_required
@require_POST
def route_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a route; plans already generated from it stay as they were."""
    route = selectors.route_get(user=request.user, pk=pk)
    rep_id, name = route.rep_id, route.name
    routes.route_delete(actor=request.user, route=route)
    messages.success(request, _("Route “%(name)s” deleted.") % {"name": name})
    return redirect(f"{reverse('visits:routes')}?rep={rep_id}")


# --- day plans ---------------------------------------------------------------------------

def plan_url(rep_id: int, date: datetime.date) -> str:
    return f"{reverse('visits:plan')}?rep={rep_id}&date={date.isoformat()}"


@login_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    """A rep's plan for a day: origin of every stop, progress, add / reorder / drop."""
    rep = chosen_rep(request) or request.user
    date = date_param(request)
    view = selectors.plan_view(user=request.user, rep=rep, date=date)
    is_own = rep.pk == request.user.pk
    can_supervise = scoping.can_supervise(request.user, rep)
    can_change = is_own or can_supervise
    return render(request, "visits/plan.html", {
        "view": view, "rep": view.rep, "date": date, "is_own": is_own,
        "can_supervise": can_supervise, "can_change": can_change,
        "reps": selectors.rep_choices(user=request.user),
        # A supervisor may still add a customer the rep added himself (or one released):
        # his addition takes the stop over and counts (visits/kpis.py).
        "choices": (selectors.plan_customer_choices(user=request.user, rep=view.rep)
                    .exclude(pk__in=[r.stop.customer_id for r in view.rows if not (
                        can_supervise and (r.stop.origin == StopOrigin.REP
                                           or r.stop.released_at))])
                    if can_change else []),
        "prev_day": date - datetime.timedelta(days=1),
        "next_day": date + datetime.timedelta(days=1),
        "today": timezone.localdate(),
        "can_generate": routes.can_generate_plans(request.user),
        "origins": StopOrigin,
        "holiday": routes_day_note(date),
        "calendar_gap": planning.calendar_gap(date),
    })


def routes_day_note(date: datetime.date) -> str:
    """Explain the calendar: a public holiday has no plan; a make-up day works another day."""
    day = planning.route_day_for(date)
    if day is None:
        return _("Rest day or public holiday: no plan is generated.")
    if day != date:
        return _("Make-up working day (调休): the routes of %(weekday)s %(date)s are worked.") % {
            "weekday": dict(weekday_names())[day.weekday()], "date": day.isoformat()}
    return ""


@login_required
@require_POST
def plan_add(request: HttpRequest) -> HttpResponse:
    """Add a customer to a day's plan (a rep's own addition, or a supervisor's counted one)."""
    rep = chosen_rep(request) or request.user
    try:
        date = posted_date(request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return back(request, plan_url(rep.pk, timezone.localdate()))
    try:
        customer = selectors.plan_customer_get(user=request.user, rep=rep,
                                               pk=request.POST.get("customer"))
    except Http404:  # unknown and out of scope read the same
        messages.error(request, _("Choose one of the rep's customers to add."))
        return back(request, plan_url(rep.pk, date))
    try:
        stop = services.plan_add_stop(actor=request.user, rep=rep, date=date, customer=customer)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return back(request, plan_url(rep.pk, date))
    if stop.origin == StopOrigin.SUPERVISOR:
        messages.success(request, _("%(name)s added to the plan; it counts as planned.")
                         % {"name": customer.name})
    else:
        messages.success(request, _("%(name)s added to your plan (your own addition does not "
                                    "count as planned).") % {"name": customer.name})
    return back(request, plan_url(rep.pk, date))


@login_required
@require_POST
def plan_drop(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a stop with a reason; it stays on the plan, struck through, and still counts."""
    stop = selectors.planned_stop_get(user=request.user, pk=pk)
    try:
        services.plan_drop_stop(actor=request.user, stop=stop,
                                reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Stop dropped: %(name)s.") % {"name": stop.customer.name})
    return back(request, plan_url(stop.rep_id, stop.date))


@login_required
@require_POST
def plan_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the plan's stops in a new order (a dragged list, or one stop up or down)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    ids = request.POST.getlist("stop")
    for direction in ("up", "down"):
        moving = request.POST.get(direction)
        if moving and moving in ids:
            index = ids.index(moving)
            other = index - 1 if direction == "up" else index + 1
            if 0 <= other < len(ids):
                ids[index], ids[other] = ids[other], ids[index]
    try:
        services.plan_reorder(actor=request.user, plan=plan, stop_ids=ids)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("New order saved."))
    return back(request, plan_url(plan.rep_id, plan.date))


@login_required
@require_POST
def plans_generate(request: HttpRequest) -> HttpResponse:
    """Generate the day's plans now for the caller's reps (the nightly run does everyone's)."""
    try:
        date = posted_date(request)
        result = routes.plans_generate(actor=request.user, date=date)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return back(request, reverse("visits:day"))
    if result["plans"]:
        messages.success(request, _("Plans generated for %(date)s: %(plans)d plans, %(stops)d "
                                    "stops.") % result)
    else:
        note = routes_day_note(date)
        messages.info(request, _("No new plans for %(date)s: existing plans are never "
                                 "regenerated, and only routes worked that day make plans.")
                      % result + (f" {note}" if note else ""))
    return back(request, f"{reverse('visits:day')}?date={date.isoformat()}")


# --- the supervisor's day ----------------------------------------------------------------

@login_required
@require_GET
def day_page(request: HttpRequest) -> HttpResponse:
    """The team's plans and progress on a map and a list, with the exceptions."""
    date = date_param(request)
    teams = list(selectors.team_choices(user=request.user))
    team = selectors.team_get(user=request.user, pk=request.GET["team"]) \
        if request.GET.get("team") else None
    day = selectors.supervision_day(user=request.user, date=date, team=team)
    return render(request, "visits/day.html", {
        "day": day, "date": date, "teams": teams, "team": team,
        "tasks": selectors.day_tasks(user=request.user, date=date,
                                     reps=[rep_day.rep for rep_day in day.reps]),
        "map_points": selectors.day_map_points(day),
        "prev_day": date - datetime.timedelta(days=1),
        "next_day": date + datetime.timedelta(days=1),
        "today": timezone.localdate(),
        "can_generate": routes.can_generate_plans(request.user),
        "holiday": routes_day_note(date),
        "calendar_gap": planning.calendar_gap(date),
        "definition": kpis.DEFINITION_BY_KEY["completion_rate"],
    })


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit with its evidence, photos, steps, stock, sightings and orders."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    threshold = selectors.visit_min_minutes(visit)
    return render(request, "visits/visit_detail.html", {
        "visit": visit,
        "orders": selectors.orders_of_visit(visit),
        "can_reject": scoping.can_supervise(request.user, visit.rep)
        and visit.status != VisitStatus.REJECTED,
        "can_accept": scoping.can_supervise(request.user, visit.rep)
        and visit.status != VisitStatus.REJECTED and visit.off_site and not visit.accepted_at,
        "threshold": threshold,
        "is_short": visit.duration_s is not None and visit.duration_s < threshold * 60,
        "clock_gap_s": (visit.checkin_received_at - visit.checked_in_at).total_seconds(),
        "map_point": ({
            "outlet": ({"lat": float(visit.customer.latitude),
                        "lng": float(visit.customer.longitude)}
                       if visit.customer.latitude is not None else None),
            "checkin": ({"lat": float(visit.checkin_lat), "lng": float(visit.checkin_lng)}
                        if visit.checkin_lat is not None else None),
        }),
    })


@require_GET
def photo_file(request: HttpRequest, client_id) -> HttpResponse:
    """A visit photo, for whoever may see its visit (session or API token); 404 otherwise."""
    user = files.file_user(request)
    if user is None:
        return files.anonymous_response(request)
    photo = selectors.photo_get(user=user, client_id=client_id)
    return files.file_response(photo.image.name, content_type="image/jpeg",
                               filename=f"{photo.client_id}.jpg",
                               cache_control=files.PHOTO_CACHE)


@login_required
@require_POST
def visit_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Reject a visit with a reason: it then counts for no KPI."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    try:
        services.visit_reject(actor=request.user, visit=visit,
                              reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Visit rejected. It no longer counts for any KPI."))
    return back(request, reverse("visits:visit_detail", args=[visit.pk]))


@login_required
@require_POST
def visit_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept an off-site check-in after review, with a reason: it then counts as a visit."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    try:
        services.visit_accept(actor=request.user, visit=visit,
                              reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Check-in accepted. It now counts as a visit at the outlet."))
    return back(request, reverse("visits:visit_detail", args=[visit.pk]))


# --- KPIs --------------------------------------------------------------------------------

@login_required
@require_GET
def kpi_page(request: HttpRequest) -> HttpResponse:
    """Visit KPIs per rep, team, region, day, week or month, with their definitions."""
    today = timezone.localdate()
    date_from = date_param(request, "from", default=today.replace(day=1))
    date_to = date_param(request, "to", default=today)
    if date_to < date_from:
        messages.warning(request, _("The period ends before it starts; the dates were swapped."))
        date_from, date_to = date_to, date_from
    if (date_to - date_from).days > selectors.MAX_KPI_DAYS:
        messages.warning(request, _("A period is at most a year; it was shortened."))
        date_from = date_to - datetime.timedelta(days=selectors.MAX_KPI_DAYS)
    group = request.GET.get("group") or "day"
    if group not in kpis.GROUPS:
        messages.warning(request, _("Unknown grouping; grouped by day instead."))
        group = "day"
    chosen = {key: (request.GET.get(key) or "").strip() for key in ("rep", "team", "region")}
    named = [key for key, value in chosen.items() if value]
    if len(named) > 1:
        messages.warning(request, _("Choose a rep, a team or a region, not several; showing "
                                    "the first."))
        chosen = {key: (value if key == named[0] else "") for key, value in chosen.items()}
    report = selectors.kpi_report(user=request.user, date_from=date_from, date_to=date_to,
                                  group=group, **chosen)
    definitions = {d["key"]: d for d in report["definitions"]}
    own = report["scope"]["kind"] == "self"  # a rep: his own figures, per day, week or month
    groups = [g for g in kpi_group_names() if not own or g[0] in {"day", "week", "month"}]
    return render(request, "visits/kpis.html", {
        "report": report, "definitions": definitions, "group": group, "groups": groups,
        "own": own,
        "date_from": date_from, "date_to": date_to, "chosen": chosen,
        "reps": selectors.rep_choices(user=request.user),
        "teams": selectors.team_choices(user=request.user),
        "regions": selectors.region_choices(user=request.user),
        "chart": {"labels": [r["name"] for r in report["rows"]],
                  "completion": [r["completion_rate"] for r in report["rows"]],
                  "success": [r["success_rate"] for r in report["rows"]],
                  "planned": [r["planned"] for r in report["rows"]],
                  "visited": [r["visited_on_plan"] for r in report["rows"]]},
    })
