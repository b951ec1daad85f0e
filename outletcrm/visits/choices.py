"""Choice lists of routes, plans and visits (brief §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class DoneAction(models.TextChoices):
    """What the rep did to complete a task (issue 9 §1: call, visit, gift, message)."""

    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    GIFT = "gift", pgettext_lazy("done action", "Gift")
    MESSAGE = "message", _("Message")
    OTHER = "other", _("Other")


# Every kind of task on a rep's list. The task list lives in visits, the lowest app that knows
# reps' days and customers, so that later apps (care, complaints, churn: issue 9) put their own
# kinds of task on the same list without a migration: they register a kind here and create
# tasks through visits.services (task_add, tasks_create_system) (docs/architecture.md, "Tasks").
_TASK_KINDS: dict[str, object] = dict(TaskKind.choices)
# Kinds whose completion must say what was done and how it went (a care call, a complaint's
# satisfaction follow-up): the done form then requires an action and an outcome.
_NEEDS_OUTCOME: set[str] = set()


def register_task_kind(value: str, label, needs_outcome: bool = False) -> None:
    """Let a higher app add a kind of task (call it from its AppConfig.ready).

    `needs_outcome`: completing a task of this kind requires the action taken and its outcome.
    """
    _TASK_KINDS[value] = label
    if needs_outcome:
        _NEEDS_OUTCOME.add(value)
    else:
        _NEEDS_OUTCOME.discard(value)


def task_kind_choices() -> list[tuple[str, object]]:
    return list(_TASK_KINDS.items())


def task_kind_needs_outcome(kind: str) -> bool:
    return kind in _NEEDS_OUTCOME


# Where a task's source record is shown: a higher app registers a function from the source id
# to its page's URL (register_task_source in its AppConfig.ready), so the to-do list links a
# care rule's task to its contact, a complaint action to the complaint… without visits
# importing those apps. source_type is the model's label_lower ("complaints.complaint").
_TASK_SOURCES: dict[str, object] = {}


def register_task_source(source_type: str, url_fn) -> None:
    """Register `url_fn(source_id) -> str | None`, the page of a task's source record."""
    _TASK_SOURCES[source_type] = url_fn


def task_source_url(source_type: str, source_id) -> str | None:
    """The page of a task's source record, when its app registered one (else None)."""
    url_fn = _TASK_SOURCES.get(source_type)
    if url_fn is None or source_id is None:
        return None
    try:
        return url_fn(source_id) or None
    except Exception:  # noqa: BLE001 - a broken resolver must not break the list
        return None


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
