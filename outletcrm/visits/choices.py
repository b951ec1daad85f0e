"""Choice lists of routes, plans and visits (brief §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    FIRST = "first", _("First visit")
    SECOND = "second", _("Second visit")
    MORNING = "morning", _("Morning visit")
    DAY = "day", _("Day visit")
    HOME = "home", _("Home visit")
    RETURN = "return", _("Return visit")
    PHONE = "phone", _("Phone visit")
    RIDE_ALONG = "ride_along", _("Ride-along")


class StopOrigin(models.TextChoices):
    """How a stop got on a day's plan; the KPI counts generated and supervisor-added stops."""

    GENERATED = "generated", _("From the route")
    SUPERVISOR = "supervisor", _("Added by the supervisor")
    REP = "rep", _("Added by the rep")


# When two origins put the same customer on the same plan, the stronger one holds the stop,
# whoever came first (issue 7 §1): the route over the supervisor over the rep.
ORIGIN_RANK = {StopOrigin.REP: 0, StopOrigin.SUPERVISOR: 1, StopOrigin.GENERATED: 2}

# Check-ins that are contact, not a visit at the outlet: never a route visit (visits/kpis.py).
NOT_ROUTE_VISIT_KINDS = (VisitKind.PHONE, VisitKind.RIDE_ALONG)


class VisitStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Checked out")
    REJECTED = "rejected", _("Rejected")


class PhotoKind(models.TextChoices):
    DISPLAY = "display", _("Display / shelf")
    FRONT = "front", _("Shop front")
    POSTER = "poster", _("Poster")
    OTHER = "other", _("Other")


class TaskKind(models.TextChoices):
    """The kinds of task the field work makes; higher apps add theirs (register_task_kind)."""

    RETURN_VISIT = "return_visit", _("Return visit")
    APPOINTMENT = "appointment", _("Appointment")
    COMMITMENT = "commitment", _("Commitment")
    TODO = "todo", _("To-do")


# Every kind of task on a rep's list. The task list lives in visits, the lowest app that knows
# reps' days and customers, so that later apps (care, complaints, churn: issue 9) put their own
# kinds of task on the same list without a migration: they register a kind here and create
# tasks through visits.services.task_add (docs/architecture.md, "Tasks").
_TASK_KINDS: dict[str, object] = dict(TaskKind.choices)


def register_task_kind(value: str, label) -> None:
    """Let a higher app add a kind of task (call it from its AppConfig.ready)."""
    _TASK_KINDS[value] = label


def task_kind_choices() -> list[tuple[str, object]]:
    return list(_TASK_KINDS.items())


# The hard- and soft-terminal checklists (brief §2), as (key, label) pairs.
HARD_TERMINAL = [
    ("display", _("Display and shelf presence")),
    ("front_ad", _("Shop-front advertising")),
    ("poster", _("Posters")),
    ("flag", _("Hanging flags")),
    ("cabinet", _("Display cabinet")),
    ("packaging", _("Packaging in good order")),
]
SOFT_TERMINAL = [
    ("staff_recommend", _("Staff recommend our product")),
    ("promotion", _("In-store promotion running")),
    ("gift", _("Prize or gift promotion")),
]
