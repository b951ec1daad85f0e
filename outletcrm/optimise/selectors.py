"""Reads of the route optimiser: jobs in the caller's scope and what the pages show of them.

Scope comes from core.scoping only: a job about a rep is visible to whoever may see that rep's
plans (rep_scope_q); a team split, which lists every rep's outlets, to a supervisor, manager or
administrator with reps of that team in scope. Anything else answers 404, like a missing job.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from outletcrm.core import scoping
from outletcrm.customers.text import name_sort_key
from outletcrm.optimise import conf, services
from outletcrm.optimise.models import JobKind, JobStatus, OptimisationJob
from outletcrm.org.models import User
from outletcrm.routing.problem import Reason
from outletcrm.visits.models import DailyPlan, Route

# The engine's reasons (routing.problem.REASON_TEXT, English) and ours, in the reader's language.
REASON_TEXT = {
    Reason.WINDOW_UNREACHABLE: gettext_lazy(
        "Cannot arrive inside any of its visit windows with time to finish the visit."),
    Reason.EXCEEDS_SHIFT: gettext_lazy(
        "The visit (with travel there and back to the end point) does not fit in the working "
        "hours."),
    Reason.DAY_FULL: gettext_lazy(
        "Fits on its own, but not together with the other stops in today's working hours."),
    Reason.NO_WINDOW: gettext_lazy("The outlet has no visit window on this day."),
    Reason.NO_ROUTE: gettext_lazy("The travel-time provider found no route to this outlet."),
    services.NO_COORDINATES: gettext_lazy(
        "The outlet has no coordinates: capture them on the customer page or the phone."),
}
STATUS_TEXT = {
    "planned": pgettext_lazy("stop status", "Planned"), "visited": gettext_lazy("Visited"),
    "unassigned": gettext_lazy("Does not fit"), "dropped": gettext_lazy("Dropped"),
}
START_TEXT = {
    "home": gettext_lazy("Home"), "office": gettext_lazy("Office"),
    "first_outlet": gettext_lazy("First outlet"),
}
MODE_TEXT = {"walk": gettext_lazy("On foot"), "ebike": gettext_lazy("E-bike"),
             "car": gettext_lazy("Car")}
WEEKDAY_SHORT = [gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"),
                 gettext_lazy("Thu"), gettext_lazy("Fri"), gettext_lazy("Sat"),
                 gettext_lazy("Sun")]


def reason_text(code: str | None) -> str:
    return str(REASON_TEXT.get(code, code or ""))


def job_error(job: OptimisationJob) -> str:
    """The job's error in the reader's language (known messages are English msgids)."""
    return _(job.error) if job.error else ""


def day_label(week: int, weekday: int, cycle_weeks: int) -> str:
    """"Mon" for a weekly cycle, "W1 Mon" otherwise."""
    name = str(WEEKDAY_SHORT[weekday % 7])
    return name if cycle_weeks == 1 else _("W%(week)d %(day)s") % {"week": week + 1, "day": name}


# --- jobs --------------------------------------------------------------------------------

def jobs_visible(*, user: User) -> QuerySet:
    """Jobs `user` may read (see the module docstring)."""
    jobs = OptimisationJob.objects.select_related("rep", "team", "created_by")
    rep_q = scoping.rep_scope_q(user, via="rep__")
    if rep_q is None:
        return jobs
    visible = Q(rep__isnull=False) & rep_q
    if services.can_split_territory(user):
        visible |= Q(kind=JobKind.TERRITORY,
                     team_id__in=scoping.reps_in_scope(user).values("team_id"))
    return jobs.filter(visible)


# A running job that has not finished this long after its time budget lost its worker.
STALE_AFTER_S = 120


def job_is_stale(job: OptimisationJob) -> bool:
    """A job still running well past its time budget (its worker was stopped)."""
    if job.status != JobStatus.RUNNING or job.started_at is None:
        return False
    budget = float(job.params.get("seconds") or conf.design_seconds())
    return (timezone.now() - job.started_at).total_seconds() > 3 * budget + STALE_AFTER_S


def job_get(*, user: User, pk, kind: str | None = None) -> OptimisationJob:
    """One job in scope (of a kind, if given), or Http404."""
    from django.core.exceptions import ValidationError

    from outletcrm.core.params import parse_id

    jobs = jobs_visible(user=user)
    if kind:
        jobs = jobs.filter(kind=kind)
    try:
        return jobs.get(pk=parse_id(pk, field="job"))
    except (OptimisationJob.DoesNotExist, ValidationError, TypeError, ValueError) as exc:
        raise Http404 from exc


def recent_jobs(*, user: User, kind: str, rep: User | None = None, team=None, limit: int = 8):
    jobs = jobs_visible(user=user).filter(kind=kind)
    if rep is not None:
        jobs = jobs.filter(rep=rep)
    if team is not None:
        jobs = jobs.filter(team=team)
    return list(jobs.order_by("-created_at", "-pk")[:limit])


def job_json(job: OptimisationJob, *, with_result: bool = True) -> dict:
    """A job as the API shows it."""
    data = {
        "id": job.pk, "kind": job.kind, "status": job.status, "progress": round(job.progress, 3),
        "params": job.params, "error": job_error(job),
        "rep": job.rep_id, "team": job.team_id, "created_by": job.created_by_id,
        "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "adopted_at": job.applied_at,
    }
    if with_result:
        data["result"] = job.result if job.status == JobStatus.DONE else None
    return data


# --- the day page ------------------------------------------------------------------------

@dataclass
class DayView:
    """A rep's plan for a day and the latest optimisation of it."""

    rep: User
    date: datetime.date
    plan: DailyPlan | None
    stops: list
    job: OptimisationJob | None
    rows: list = field(default_factory=list)
    setup: services.RepSetup | None = None

    @property
    def is_current(self) -> bool:
        """The shown result still describes the plan (nothing was reordered since)."""
        if self.job is None or self.plan is None:
            return False
        return [r["stop"] for r in self.job.result.get("rows", [])] == [s.pk for s in self.stops]


def _day_rows(job: OptimisationJob) -> list[dict]:
    return [{**row, "reason_text": reason_text(row.get("reason")),
             "status_text": str(STATUS_TEXT.get(row["status"], row["status"]))}
            for row in job.result.get("rows", [])]


def default_day_rep(*, user: User, date: datetime.date) -> User:
    """Whose day the optimiser opens on: the user's own when he has a plan, else the first rep
    in his scope with stops that day, else the first rep in his scope (a supervisor has none)."""
    from outletcrm.visits.selectors import rep_choices

    if DailyPlan.objects.filter(rep=user, date=date, stops__isnull=False).exists():
        return user
    others = rep_choices(user=user).exclude(pk=user.pk)
    busy = others.filter(plans__date=date, plans__stops__isnull=False).distinct().first()
    return busy or others.first() or user


def day_view(*, user: User, rep: User, date: datetime.date) -> DayView:
    """The plan's stops and the latest day optimisation of (rep, date) put on the plan."""
    plan = DailyPlan.objects.filter(rep=rep, date=date).first()
    stops = list(plan.stops.select_related("customer").order_by("position", "pk")) if plan else []
    job = (jobs_visible(user=user).filter(kind=JobKind.DAY, rep=rep, status=JobStatus.DONE,
                                          params__date=date.isoformat(),
                                          applied_at__isnull=False)
           .order_by("-applied_at", "-pk").first())
    rows = _day_rows(job) if job is not None else []
    return DayView(rep=rep, date=date, plan=plan, stops=stops, job=job, rows=rows,
                   setup=services.rep_setup(rep))


@dataclass
class DayProposal:
    """A proposed order for a rep's day, before it is put on the plan (issue 7, §4)."""

    job: OptimisationJob
    date: datetime.date
    rows: list
    is_current: bool

    @property
    def totals(self) -> dict:
        return self.job.result["totals"]

    @property
    def baseline(self) -> dict:
        return self.job.result.get("baseline") or {}

    @property
    def saving(self) -> dict:
        return self.job.result.get("saving") or {}

    @property
    def applied(self) -> bool:
        return self.job.applied_at is not None


def day_proposal(*, user: User, pk) -> DayProposal:
    """A day job in the user's scope with what its page shows, or 404."""
    job = job_get(user=user, pk=pk, kind=JobKind.DAY)
    if job.status != JobStatus.DONE:
        raise Http404
    date = datetime.date.fromisoformat(job.result["date"])
    plan = DailyPlan.objects.filter(rep=job.rep_id, date=date).first()
    return DayProposal(job=job, date=date, rows=_day_rows(job),
                       is_current=services.proposal_is_current(job, plan))


def day_map(view: DayView | DayProposal) -> dict:
    """What the day map draws: start/end, the ordered stops with arrival times."""
    if view.job is None:
        return {"stops": [], "start": None, "end": None, "position": None}
    result = view.job.result
    return {
        "start": result.get("start_place"), "end": result.get("end_place"),
        "position": result.get("position"),
        "stops": [{"n": r["position"], "name": r["name"], "lat": r["lat"], "lng": r["lng"],
                   "arrival": r["arrival"], "status": r["status"]}
                  for r in view.rows if r["lat"] is not None and r["status"] != "dropped"],
    }


# --- the design page ---------------------------------------------------------------------

def violation_text(violation: dict, cycle_weeks: int) -> str:
    planned, required = violation["planned"], violation["required"]
    if len(planned) != required:
        return _("%(planned)d visit(s) planned, %(required)d required per cycle") % {
            "planned": len(planned), "required": required}
    if len({day[1] for day in planned}) > 1:
        return _("Visits fall on different weekdays.")
    return _("Visits are not evenly spaced.")


def design_view(job: OptimisationJob) -> dict:
    """The design page's data from a finished job: figures, days, outlets with their choices."""
    result = job.result
    cycle = int(result["cycle_weeks"])
    outlets = result["outlets"]
    days = []
    pattern_of: dict[str, str] = {}
    for day in sorted(result["proposal"]["days"], key=lambda d: (d["week"], d["weekday"])):
        days.append({**day, "label": day_label(day["week"], day["weekday"], cycle),
                     "work_hours": round((day["travel_minutes"] + day["service_minutes"]) / 60,
                                         2),
                     "over": day["travel_minutes"] + day["service_minutes"]
                     > result["shift_minutes"] + 1e-6,
                     "outlets": [{"id": i, **outlets[i]} for i in day["outlet_ids"]]})
        for outlet_id in day["outlet_ids"]:
            interval = cycle // int(outlets[outlet_id]["visits"])
            pattern_of.setdefault(outlet_id, f"{day['week'] % interval}-{day['weekday']}")
    choices_of: dict[int, list] = {}
    rows = []
    for outlet_id, outlet in sorted(outlets.items(),
                                    key=lambda item: name_sort_key(item[1]["name"])):
        visits = int(outlet["visits"])
        if visits not in choices_of:
            interval = cycle // visits
            choices_of[visits] = [
                (f"{week}-{weekday}", _pattern_label(week, weekday, interval, cycle))
                for week, weekday in services.design_patterns(cycle_weeks=cycle, visits=visits)]
        rows.append({"id": outlet_id, **outlet, "pattern": pattern_of.get(outlet_id, ""),
                     "choices": choices_of[visits]})
    violations = [{**v, "name": outlets.get(v["outlet"], {}).get("name", v["outlet"]),
                   "text": violation_text(v, cycle)}
                  for v in result["proposal"]["violations"]]
    current = result.get("current") or {}
    current_violations = [{**v, "name": outlets.get(v["outlet"], {}).get("name", v["outlet"]),
                           "text": violation_text(v, 4)}
                          for v in current.get("violations", [])]
    return {
        "cycle": cycle, "mode": str(MODE_TEXT.get(result["mode"], result["mode"])),
        "shift_hours": round(result["shift_minutes"] / 60, 2),
        "proposal": result["proposal"]["summary"], "original": result.get("original_summary"),
        "baseline": result.get("baseline"), "current": current.get("summary"),
        "current_routes": current.get("routes", 0),
        "current_unmeasured": current.get("unmeasured_stops", 0),
        "current_violations": current_violations,
        "days": days, "rows": rows, "violations": violations,
        "excluded": result.get("excluded", []), "edited": result.get("edited", False),
        "home": result.get("home"),
    }


def _pattern_label(week: int, weekday: int, interval: int, cycle: int) -> str:
    name = str(WEEKDAY_SHORT[weekday])
    if interval == 1:
        return name if cycle == 1 else _("%(day)s, every week") % {"day": name}
    weeks = ", ".join(str(w + 1) for w in range(week, cycle, interval))
    return _("%(day)s, week %(weeks)s") % {"day": name, "weeks": weeks}


def design_map(view: dict) -> dict:
    """Per-day outlet lists with coordinates for the maps (one colour per weekday)."""
    return {
        "home": view["home"],
        "days": [{"label": d["label"], "weekday": d["weekday"], "week": d["week"],
                  "outlets": [{"name": o["name"], "lat": o["lat"], "lng": o["lng"]}
                              for o in d["outlets"]]} for d in view["days"]],
    }


def active_routes(*, user: User, rep: User) -> list[Route]:
    """The rep's active routes as the user may see them (for the design start page)."""
    return list(scoping.restrict_to_reps(Route.objects.filter(rep=rep, is_active=True), user)
                .order_by("week_of_cycle", "weekday", "name"))


def design_setup(*, user: User, rep: User) -> dict:
    """What a new design would work with: outlets with and without coordinates, hours, home."""
    outlets, _info, excluded = services.design_outlets(actor=user, rep=rep, cycle_weeks=1)
    setup = services.rep_setup(rep)
    return {"outlets": len(outlets), "excluded": len(excluded), "setup": setup,
            "default_mode": setup.mode or conf.default_mode()}


# --- the territory page ------------------------------------------------------------------

def territory_view(job: OptimisationJob) -> dict:
    result = job.result
    names = {row["rep"]: row["name"] for row in result["reps"]}
    applied = set(result.get("applied", []))
    moves = []
    for outlet_id in result["moves"]:
        outlet = result["outlets"][outlet_id]
        moves.append({"id": outlet_id, **outlet, "from": names.get(outlet["owner"], "—"),
                      "to": names.get(outlet["proposed"], "—"), "applied": outlet_id in applied})
    return {"reps": result["reps"], "moves": moves, "excluded": result.get("excluded", []),
            "cycle": result["cycle_weeks"], "applied": len(applied),
            "mode": str(MODE_TEXT.get(result["mode"], result["mode"]))}


def territory_map(job: OptimisationJob) -> dict:
    result = job.result
    order = [row["rep"] for row in result["reps"]]
    return {"reps": [{"rep": row["rep"], "name": row["name"]} for row in result["reps"]],
            "outlets": [{"name": o["name"], "lat": o["lat"], "lng": o["lng"],
                         "rep": order.index(o["proposed"]) if o.get("proposed") in order else -1,
                         "owner": order.index(o["owner"]) if o["owner"] in order else -1}
                        for o in result["outlets"].values()]}
