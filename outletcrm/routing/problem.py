"""Plain data in and out of the routing engine: a rep's day as a problem, and the plan for it.

Times are minutes from midnight of the plan's day; places are WGS-84 latitude/longitude.
Nothing here knows about the solver or about Django models.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

Window = tuple[int, int]


class TransportMode(StrEnum):
    """How a rep moves between outlets; picks the speed of the travel-time provider."""

    WALK = "walk"
    EBIKE = "ebike"
    CAR = "car"


class Reason(StrEnum):
    """Why a stop is not in the plan; every dropped stop carries one (never dropped silently)."""

    # No window of the stop can be reached in time from the start (or the windows are shorter
    # than the visit itself).
    WINDOW_UNREACHABLE = "window_unreachable"
    # A window can be reached, but the visit then cannot end (and the rep get back to the end
    # point) within the working hours.
    EXCEEDS_SHIFT = "exceeds_shift"
    # Each of these stops fits on its own, but not all of them together in one working day:
    # the engine kept the set with the highest total priority and dropped this one.
    DAY_FULL = "day_full"
    # The stop has no visit window on this day at all (e.g. closed on that weekday).
    NO_WINDOW = "no_window"
    # The travel-time provider found no route to the stop (e.g. OSRM answered null).
    NO_ROUTE = "no_route"


REASON_TEXT: dict[Reason, str] = {
    Reason.WINDOW_UNREACHABLE: "Cannot arrive inside any of its visit windows with time to finish the visit.",
    Reason.EXCEEDS_SHIFT: "The visit (with travel there and back to the end point) does not fit in the working hours.",
    Reason.DAY_FULL: "Fits on its own, but not together with the other stops in today's working hours.",
    Reason.NO_WINDOW: "The outlet has no visit window on this day.",
    Reason.NO_ROUTE: "The travel-time provider found no route to this outlet.",
}


@dataclass(frozen=True)
class Place:
    """A fixed point a rep starts or ends at: home, office, depot, or the current position."""

    lat: float
    lng: float
    label: str = ""


@dataclass
class Stop:
    """One outlet to visit today.

    ``windows`` are the allowed visit windows ``(start_min, end_min)``; the whole visit (service
    time) must fit inside one of them. ``None`` means "any time in the working hours", while an
    empty list means "no window today" (reported as ``no_window``).
    """

    id: str
    lat: float
    lng: float
    service_minutes: float = 20
    windows: list[Window] | None = None
    # Higher priority stops are kept first when the day cannot hold every stop.
    priority: int = 1
    # Visited: already done today; kept first in the plan in the given order, not re-planned.
    visited: bool = False
    # Fixed: not yet visited but pinned to the head of the remaining plan in the given order
    # (e.g. the outlet the rep is already walking to).
    fixed: bool = False
    # Actual times of a visited stop, when known (shown back unchanged in the plan).
    arrival_min: float | None = None
    departure_min: float | None = None


@dataclass
class Shift:
    """A rep's working day: start and end point, working hours and transport mode.

    ``start``/``end`` of ``None`` mean an open start/end: the day begins at the first outlet
    (no travel counted before it) or ends at the last one.
    """

    start: Place | None = None
    end: Place | None = None
    work_start_min: int = 9 * 60
    work_end_min: int = 18 * 60
    mode: TransportMode | str = TransportMode.EBIKE
    rep_id: str = ""


@dataclass
class DayProblem:
    """A rep's stops for one day plus the shift; ``now_min``/``position`` re-plan mid-day."""

    stops: list[Stop]
    shift: Shift = field(default_factory=Shift)
    # Mid-day re-optimisation: the current time and where the rep is now. The position defaults
    # to the last visited stop, or the shift start when nothing was visited yet.
    now_min: float | None = None
    position: Place | None = None


@dataclass
class PlannedVisit:
    """A stop in the plan, with its times and the leg travelled to reach it."""

    stop_id: str
    # None only for a visited stop whose actual times were not given.
    arrival_min: float | None
    start_min: float | None
    departure_min: float | None
    wait_minutes: float
    travel_minutes: float
    distance_km: float
    window: Window | None = None
    visited: bool = False


@dataclass
class UnassignedStop:
    """A stop left out of the plan, with a reason code and a sentence a user can read."""

    stop_id: str
    reason: Reason
    message: str


@dataclass
class DayPlan:
    """The optimised day: visits in order, totals, and every stop that could not be planned."""

    visits: list[PlannedVisit]
    unassigned: list[UnassignedStop]
    start_min: float
    end_min: float
    travel_minutes: float
    distance_km: float
    # Leg from the last visit to the end point (also included in the totals above).
    return_travel_minutes: float = 0.0
    return_distance_km: float = 0.0
    # "pyvrp", or "trivial" when there was nothing to optimise.
    solver: str = "pyvrp"
    # True when the wall-clock cap stopped the search (then the result may differ run to run).
    stopped_by_time: bool = False

    @property
    def stop_ids(self) -> list[str]:
        """Stop ids in visiting order."""
        return [visit.stop_id for visit in self.visits]

    def to_dict(self) -> dict:
        """JSON-ready representation, for the API and background-job results."""
        data = asdict(self)
        data["unassigned"] = [
            {"stop_id": u.stop_id, "reason": str(u.reason), "message": u.message}
            for u in self.unassigned
        ]
        return data


def unassigned(stop_id: str, reason: Reason) -> UnassignedStop:
    """An unassigned entry with the standard message for its reason."""
    return UnassignedStop(stop_id=stop_id, reason=reason, message=REASON_TEXT[reason])
