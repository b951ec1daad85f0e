"""Weekly route design (issue 4, "Weekly route design 路线规划") and team territory splits.

A design assigns every outlet of a rep's territory to days of a visit cycle of 1, 2 or 4 weeks
so that its class frequency is met with even spacing: an outlet visited every k weeks always
comes on the same weekday, in weeks w, w+k, ... (a weekly outlet in a 2-week cycle is on the
same weekday of both weeks; a fortnightly one in a 4-week cycle on weeks 1&3 or 2&4).

How (``design_routes``):
1. PyVRP builds one compact route per day of the cycle: a capacitated VRP from the rep's home
   with one vehicle per day, each outlet once, its load being the minutes it adds to a day per
   cycle (service plus a travel share) and the capacity a balanced share.
2. Routes are grouped into weekdays by least-cost matching (for a 4-week cycle, first into
   fortnight pairs, then pairs of pairs): an outlet visited more than once a cycle repeats on
   its weekday in the partner routes, so partners are chosen close by and of similar work.
   Once-a-cycle outlets then move between the weeks of a weekday to even the days out.
3. Each day's visiting order is solved with PyVRP, and travel, work hours and frequencies are
   measured by ``_evaluate``, which also scores the baseline (``baseline_design``).

Time windows are not part of the weekly design: they are honoured by ``optimise_day`` when the
day is planned. Frequencies below once a cycle (a "potential" outlet every 4 weeks in a 2-week
cycle) become once a cycle, since the cycle is the shortest pattern that repeats.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from outletcrm.routing.engine import ProgressStop
from outletcrm.routing.problem import Place
from outletcrm.routing.travel import StraightLineProvider, TravelProvider, haversine_m

Progress = Callable[[float], None]
Day = tuple[int, int]  # (week 0-based, weekday 0-based)

# Visit every N weeks by outlet class (issue 4: key weekly, ordinary fortnightly, potential 4-weekly).
DEFAULT_PERIOD_WEEKS: dict[str, int] = {"key": 1, "ordinary": 2, "potential": 4}
DEFAULT_SERVICE_MINUTES: dict[str, float] = {"key": 20.0, "ordinary": 15.0, "potential": 10.0}
CYCLE_WEEKS = (1, 2, 4)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Day-route capacity = fair share × this: tight enough to balance, loose enough to stay compact.
BALANCE_SLACK = 1.04
# An outlet's travel share in its load: the mean leg to this many nearest outlets.
NEAREST_FOR_TRAVEL_SHARE = 2
# Searches stop after this many iterations without improvement (or at their time share), so
# small territories finish early and the same input and seed give the same design.
DAY_PATIENCE = 1_500
ROUTE_PATIENCE = 2_000


@dataclass
class Outlet:
    """An outlet of a territory: where it is, its class, and optional overrides."""

    id: str
    lat: float
    lng: float
    outlet_class: str = "ordinary"
    # Overrides of the class defaults: visits per cycle and minutes per visit.
    visits_per_cycle: int | None = None
    service_minutes: float | None = None
    # Used by the baseline, which fills days in address order (as a supervisor's list would).
    address: str = ""


@dataclass
class DesignDay:
    """One day of the cycle: outlets in visiting order and the day's work."""

    week: int
    weekday: int
    outlet_ids: list[str]
    travel_minutes: float
    distance_km: float
    service_minutes: float

    @property
    def work_minutes(self) -> float:
        """Travel plus service, from leaving home to coming back."""
        return self.travel_minutes + self.service_minutes

    @property
    def label(self) -> str:
        """E.g. "W1 Mon"."""
        return f"W{self.week + 1} {WEEKDAY_NAMES[self.weekday % 7]}"


@dataclass
class FrequencyViolation:
    """An outlet whose planned visits do not meet its frequency or even spacing."""

    outlet_id: str
    required: int
    planned: list[Day]
    message: str


@dataclass
class RouteDesign:
    """A proposed cycle of routes with the figures a supervisor compares (issue 4)."""

    cycle_weeks: int
    workdays: int
    days: list[DesignDay]
    shift_minutes: float
    frequency_violations: list[FrequencyViolation] = field(default_factory=list)
    method: str = "pyvrp"

    @property
    def travel_minutes(self) -> float:
        """Total travel per cycle."""
        return round(sum(day.travel_minutes for day in self.days), 1)

    @property
    def distance_km(self) -> float:
        """Total distance per cycle."""
        return round(sum(day.distance_km for day in self.days), 2)

    @property
    def max_day_hours(self) -> float:
        """Longest day (travel + service) in hours."""
        return round(max(day.work_minutes for day in self.days) / 60, 2)

    @property
    def min_day_hours(self) -> float:
        """Shortest day (travel + service) in hours."""
        return round(min(day.work_minutes for day in self.days) / 60, 2)

    @property
    def days_over_shift(self) -> list[str]:
        """Labels of days whose work does not fit the shift."""
        return [day.label for day in self.days if day.work_minutes > self.shift_minutes + 1e-6]

    def assignment(self) -> dict[str, list[Day]]:
        """Outlet id → the (week, weekday) days it is visited on."""
        result: dict[str, list[Day]] = {}
        for day in self.days:
            for outlet_id in day.outlet_ids:
                result.setdefault(outlet_id, []).append((day.week, day.weekday))
        return result

    def summary(self) -> dict:
        """The headline figures, JSON-ready."""
        return {
            "method": self.method,
            "cycle_weeks": self.cycle_weeks,
            "travel_minutes": self.travel_minutes,
            "distance_km": self.distance_km,
            "max_day_hours": self.max_day_hours,
            "min_day_hours": self.min_day_hours,
            "days_over_shift": self.days_over_shift,
            "frequency_violations": len(self.frequency_violations),
        }


@dataclass
class TerritoryShare:
    """One rep's part of a team split."""

    rep: int
    outlet_ids: list[str]
    service_hours_per_cycle: float
    tour_km: float
    # Mean distance of the outlets to their centroid: lower is more compact.
    spread_km: float


def visits_per_cycle(outlet: Outlet, cycle_weeks: int, periods: dict[str, int]) -> int:
    """Required visits of the outlet in one cycle (at least one, see the module docstring)."""
    if outlet.visits_per_cycle is not None:
        return outlet.visits_per_cycle
    try:
        period = periods[outlet.outlet_class]
    except KeyError:
        raise ValueError(f"outlet {outlet.id}: unknown class {outlet.outlet_class!r}") from None
    return max(1, cycle_weeks // period)


def _service(outlet: Outlet, service_minutes: float | dict[str, float]) -> float:
    if outlet.service_minutes is not None:
        return outlet.service_minutes
    if isinstance(service_minutes, dict):
        return service_minutes.get(outlet.outlet_class, 15.0)
    return float(service_minutes)


def frequency_violations(
    required: dict[str, int], assignment: dict[str, list[Day]], cycle_weeks: int
) -> list[FrequencyViolation]:
    """Outlets visited the wrong number of times, or not evenly (same weekday, equal gaps)."""
    violations = []
    for outlet_id, count in required.items():
        days = sorted(assignment.get(outlet_id, []))
        if len(days) != count:
            message = f"{len(days)} visit(s) planned, {count} required per cycle"
        elif len({weekday for _, weekday in days}) > 1:
            message = "visits fall on different weekdays"
        elif count > 1 and any(
            b[0] - a[0] != cycle_weeks // count for a, b in zip(days, days[1:], strict=False)
        ):
            message = f"visits are not every {cycle_weeks // count} week(s)"
        else:
            continue
        violations.append(FrequencyViolation(outlet_id, count, days, message))
    return violations


class _Territory:
    """Outlets plus home, with one travel matrix (seconds, metres); index 0 is home."""

    def __init__(
        self,
        outlets: Sequence[Outlet],
        home: Place | None,
        provider: TravelProvider,
        mode: str,
    ):
        if not outlets:
            raise ValueError("no outlets to design routes for")
        ids = [o.id for o in outlets]
        if len(set(ids)) != len(ids):
            raise ValueError("outlet ids must be unique")
        if home is None:
            # No home given: start from the territory's centroid, like an office in its middle.
            home = Place(
                sum(o.lat for o in outlets) / len(outlets),
                sum(o.lng for o in outlets) / len(outlets),
                "centre",
            )
        self.outlets = list(outlets)
        self.home = home
        self.index = {o.id: i + 1 for i, o in enumerate(outlets)}
        points = [(home.lat, home.lng)] + [(o.lat, o.lng) for o in outlets]
        minutes, metres = provider.matrix(points, mode=mode)
        self.seconds = [
            [round(m * 60) if math.isfinite(m) else 10**9 for m in row] for row in minutes
        ]
        self.metres = metres

    def tour(
        self, outlet_ids: list[str], seconds: float, seed: int
    ) -> tuple[list[str], int, float]:
        """Best found home→outlets→home order: (ids, travel seconds, metres)."""
        if not outlet_ids:
            return [], 0, 0.0
        if len(outlet_ids) > 1:
            outlet_ids = _solve_tours(self, outlet_ids, 1, None, seconds, seed, DAY_PATIENCE)[0]
        nodes = [0] + [self.index[i] for i in outlet_ids] + [0]
        legs = list(zip(nodes, nodes[1:], strict=False))
        return (
            outlet_ids,
            sum(self.seconds[a][b] for a, b in legs),
            sum(self.metres[a][b] for a, b in legs),
        )


def _solve_tours(
    territory: _Territory,
    outlet_ids: list[str],
    vehicles: int,
    loads: dict[str, int] | None,
    seconds: float,
    seed: int,
    patience: int | None,
    capacity: int | None = None,
    progress: Progress | None = None,
) -> list[list[str]]:
    """PyVRP from home over the given outlets; one route per vehicle, in the solver's order."""
    import numpy as np
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning

    nodes = [0] + [territory.index[i] for i in outlet_ids]
    full = np.asarray(territory.seconds, dtype=np.int64)
    matrix = full[np.ix_(nodes, nodes)]
    locations = [pyvrp.Location(x=0, y=0) for _ in nodes]
    clients = [
        pyvrp.Client(location=k + 1, delivery=[loads[i]] if loads else [], name=i)
        for k, i in enumerate(outlet_ids)
    ]
    vehicle_type = pyvrp.VehicleType(
        num_available=vehicles,
        capacity=[capacity] if capacity is not None else [],
    )
    data = pyvrp.ProblemData(
        locations, clients, [pyvrp.Depot(location=0)], [vehicle_type], [matrix], [matrix]
    )
    stop = ProgressStop(seconds, progress, no_improvement=patience)
    with warnings.catch_warnings():
        # A tight balance can make PyVRP raise its penalties to the cap; that is expected here.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    routes = [
        [outlet_ids[activity.idx] for activity in route.schedule() if activity.is_client()]
        for route in result.best.routes()
    ]
    # Never lose an outlet: should the search end without a complete solution, the missing
    # ones join the lightest route (the design report then shows any overload).
    placed = {i for route in routes for i in route}
    missing = [i for i in outlet_ids if i not in placed]
    if missing:
        routes += [[] for _ in range(vehicles - len(routes))]
        for outlet_id in missing:
            lightest = min(routes, key=lambda r: sum(loads[i] for i in r) if loads else len(r))
            lightest.append(outlet_id)
    return routes


def _workloads(
    territory: _Territory, visits: dict[str, int], work: dict[str, float]
) -> dict[str, int]:
    """Minutes per cycle an outlet adds to its day, in tenths: service plus a travel share.

    Balancing service alone leaves sparse regions with long travel days; the travel share is the
    mean leg to the outlet's nearest neighbours, about what a tour spends reaching it.
    """
    ids = list(visits)
    loads = {}
    for outlet_id in ids:
        row = territory.seconds[territory.index[outlet_id]]
        legs = sorted(row[territory.index[other]] for other in ids if other != outlet_id)
        nearest = legs[:NEAREST_FOR_TRAVEL_SHARE]
        travel_min = sum(nearest) / len(nearest) / 60 if nearest else 0.0
        loads[outlet_id] = max(1, round(10 * (work[outlet_id] + travel_min) * visits[outlet_id]))
    return loads


def _check_cycle(cycle_weeks: int, workdays: int) -> None:
    if cycle_weeks not in CYCLE_WEEKS:
        raise ValueError(f"cycle_weeks must be one of {CYCLE_WEEKS}")
    if not 1 <= workdays <= 7:
        raise ValueError("workdays must be between 1 and 7")


def _requirements(
    outlets: Sequence[Outlet],
    cycle_weeks: int,
    periods: dict[str, int] | None,
    service_minutes: float | dict[str, float],
) -> tuple[dict[str, int], dict[str, float]]:
    periods = {**DEFAULT_PERIOD_WEEKS, **(periods or {})}
    visits = {o.id: visits_per_cycle(o, cycle_weeks, periods) for o in outlets}
    for outlet_id, count in visits.items():
        if count < 1 or cycle_weeks % count:
            raise ValueError(
                f"outlet {outlet_id}: {count} visits per {cycle_weeks}-week cycle cannot be evenly "
                f"spaced (use a divisor of {cycle_weeks})"
            )
    work = {o.id: _service(o, service_minutes) for o in outlets}
    return visits, work


def _evaluate(
    territory: _Territory,
    day_outlets: dict[Day, list[str]],
    *,
    cycle_weeks: int,
    workdays: int,
    visits: dict[str, int],
    work: dict[str, float],
    shift_minutes: float,
    seconds_per_day: float,
    seed: int,
    method: str,
    progress: Progress | None = None,
) -> RouteDesign:
    """Order every day, total its travel and work, and check frequencies: the shared yardstick."""
    days = []
    all_days = [(w, d) for w in range(cycle_weeks) for d in range(workdays)]
    for count, (week, weekday) in enumerate(all_days, 1):
        ordered, travel_s, metres = territory.tour(
            day_outlets.get((week, weekday), []), seconds_per_day, seed
        )
        days.append(
            DesignDay(
                week=week,
                weekday=weekday,
                outlet_ids=ordered,
                travel_minutes=round(travel_s / 60, 2),
                distance_km=round(metres / 1000, 3),
                service_minutes=sum(work[i] for i in ordered),
            )
        )
        if progress:
            progress(count / len(all_days))
    design = RouteDesign(
        cycle_weeks=cycle_weeks,
        workdays=workdays,
        days=days,
        shift_minutes=shift_minutes,
        method=method,
    )
    design.frequency_violations = frequency_violations(visits, design.assignment(), cycle_weeks)
    return design


def design_routes(
    outlets: Sequence[Outlet],
    *,
    cycle_weeks: int = 2,
    workdays: int = 5,
    shift_minutes: float = 8 * 60,
    service_minutes: float | dict[str, float] = DEFAULT_SERVICE_MINUTES,
    periods: dict[str, int] | None = None,
    home: Place | None = None,
    mode: str = "ebike",
    provider: TravelProvider | None = None,
    seed: int = 0,
    seconds: float = 30.0,
    progress: Progress | None = None,
) -> RouteDesign:
    """Assign outlets to the days of the cycle: frequencies met evenly, days compact and balanced."""
    _check_cycle(cycle_weeks, workdays)
    visits, work = _requirements(outlets, cycle_weeks, periods, service_minutes)
    territory = _Territory(outlets, home, provider or StraightLineProvider(), mode)

    def report(share: float, offset: float) -> Progress | None:
        return (lambda done: progress(offset + share * done)) if progress else None

    loads = _workloads(territory, visits, work)
    started = time.perf_counter()
    day_outlets = _days_first(
        territory, visits, loads, cycle_weeks, workdays, seconds * 0.6, seed, report(0.6, 0.0)
    )
    remaining = max(0.1, seconds - (time.perf_counter() - started))
    return _evaluate(
        territory,
        day_outlets,
        cycle_weeks=cycle_weeks,
        workdays=workdays,
        visits=visits,
        work=work,
        shift_minutes=shift_minutes,
        seconds_per_day=remaining / (cycle_weeks * workdays),
        seed=seed,
        method="pyvrp",
        progress=report(0.4, 0.6),
    )


def _days_first(
    territory: _Territory,
    visits: dict[str, int],
    loads: dict[str, int],
    cycle_weeks: int,
    workdays: int,
    seconds: float,
    seed: int,
    progress: Progress | None,
) -> dict[Day, list[str]]:
    """One compact route per day of the cycle, then routes grouped into weekdays.

    A capacitated VRP with one vehicle per day of the cycle visits every outlet once; routes
    are then grouped by weekday (pairs of weeks first) so that an outlet needed more than once
    a cycle is repeated on its weekday in a neighbouring route, where the detour is small.
    """
    days = cycle_weeks * workdays
    capacity = max(max(loads.values()), math.ceil(sum(loads.values()) / days * BALANCE_SLACK))
    routes = _solve_tours(
        territory, list(visits), days, loads, seconds, seed, ROUTE_PATIENCE, capacity, progress
    )
    routes += [[] for _ in range(days - len(routes))]
    interval = {i: cycle_weeks // visits[i] for i in visits}

    def detour(outlets: list[str], route: list[str]) -> float:
        # Twice the way from each repeated outlet to the nearest stop of the other route.
        nodes = [0] + [territory.index[i] for i in route]
        return sum(
            2 * min(territory.seconds[territory.index[o]][n] for n in nodes) for o in outlets
        )

    def pair_cost(first: list[str], second: list[str], span: int) -> float:
        # Outlets visited every `span` weeks or more often appear in both members of a pair:
        # the cost is their detours plus the work gap the exchange leaves between the two days
        # (load tenths of a minute → seconds), so a pair stays balanced as well as close.
        first_shared = [o for o in first if interval[o] <= span]
        second_shared = [o for o in second if interval[o] <= span]
        first_day = sum(loads[o] / visits[o] for o in first + second_shared)
        second_day = sum(loads[o] / visits[o] for o in second + first_shared)
        gap = abs(first_day - second_day) * 6
        return detour(first_shared, second) + detour(second_shared, first) + gap

    # groups: lists of routes, position in the list = week offset within the weekday.
    groups: list[list[list[str]]] = [[route] for route in routes]
    span = cycle_weeks // 2
    while span >= 1:
        pairs = _match([sum(g, []) for g in groups], lambda a, b, span=span: pair_cost(a, b, span))
        # Pairing groups g and h: g takes the even weeks of the merged group, h the odd ones,
        # so in a 4-week cycle a fortnight pair ends up on weeks w and w + 2.
        groups = [
            [week for pair in zip(groups[a], groups[b], strict=True) for week in pair]
            for a, b in pairs
        ]
        span //= 2
    groups.sort(key=lambda group: _bearing(territory, sum(group, [])))

    day_outlets: dict[Day, list[str]] = {}
    for weekday, group in enumerate(groups):
        for week, route in enumerate(group):
            for outlet_id in route:
                weeks = range(week % interval[outlet_id], cycle_weeks, interval[outlet_id])
                for visit_week in weeks:
                    day_outlets.setdefault((visit_week, weekday), []).append(outlet_id)
        _balance_weekday(territory, day_outlets, weekday, cycle_weeks, interval, loads, visits)
    return day_outlets


def _balance_weekday(
    territory: _Territory,
    day_outlets: dict[Day, list[str]],
    weekday: int,
    cycle_weeks: int,
    interval: dict[str, int],
    loads: dict[str, int],
    visits: dict[str, int],
) -> None:
    """Even out the weeks of one weekday by moving once-a-cycle outlets from heavy to light.

    Such an outlet may sit in any week of its weekday without breaking its spacing, and the
    weeks of a weekday are neighbouring routes, so the nearest ones move at little cost.
    """
    days = [(week, weekday) for week in range(cycle_weeks)]
    for day in days:
        day_outlets.setdefault(day, [])

    def work(day: Day) -> float:
        return sum(loads[o] / visits[o] for o in day_outlets[day])

    for _ in range(sum(len(day_outlets[day]) for day in days)):
        heavy, light = max(days, key=work), min(days, key=work)
        gap = work(heavy) - work(light)
        movable = [o for o in day_outlets[heavy] if interval[o] == cycle_weeks]
        if not movable:
            return
        targets = [0] + [territory.index[o] for o in day_outlets[light]]
        nearest = min(
            movable,
            key=lambda o: min(territory.seconds[territory.index[o]][t] for t in targets),
        )
        # Move only while it narrows the gap between the heaviest and the lightest week.
        if abs(gap - 2 * loads[nearest] / visits[nearest]) >= gap:
            return
        day_outlets[heavy].remove(nearest)
        day_outlets[light].append(nearest)


def _match(
    items: list[list[str]], cost: Callable[[list[str], list[str]], float]
) -> list[tuple[int, int]]:
    """Pairs of item indices of least total cost: exact for up to 14 items, else greedy."""
    n = len(items)
    table = [[cost(items[a], items[b]) if a < b else 0.0 for b in range(n)] for a in range(n)]
    if n <= 14:
        memo: dict[int, tuple[float, list[tuple[int, int]]]] = {}

        def best(mask: int) -> tuple[float, list[tuple[int, int]]]:
            if mask == 0:
                return 0.0, []
            if mask not in memo:
                first = (mask & -mask).bit_length() - 1
                options = []
                for other in range(first + 1, n):
                    if mask >> other & 1:
                        rest, pairs = best(mask & ~(1 << first) & ~(1 << other))
                        options.append((rest + table[first][other], [(first, other), *pairs]))
                memo[mask] = min(options)
            return memo[mask]

        return best((1 << n) - 1)[1]
    free = set(range(n))
    pairs = []
    ranked = sorted((table[a][b], a, b) for a in range(n) for b in range(a + 1, n))
    for _, first, second in ranked:
        if first in free and second in free:
            pairs.append((first, second))
            free -= {first, second}
    return pairs


def _bearing(territory: _Territory, region: list[str]) -> float:
    if not region:
        return math.inf
    lat = sum(territory.outlets[territory.index[i] - 1].lat for i in region) / len(region)
    lng = sum(territory.outlets[territory.index[i] - 1].lng for i in region) / len(region)
    return math.atan2(lng - territory.home.lng, lat - territory.home.lat) % (2 * math.pi)


def baseline_design(
    outlets: Sequence[Outlet],
    *,
    cycle_weeks: int = 2,
    workdays: int = 5,
    shift_minutes: float = 8 * 60,
    service_minutes: float | dict[str, float] = DEFAULT_SERVICE_MINUTES,
    periods: dict[str, int] | None = None,
    home: Place | None = None,
    mode: str = "ebike",
    provider: TravelProvider | None = None,
    seed: int = 0,
    seconds: float = 10.0,
    progress: Progress | None = None,
) -> RouteDesign:
    """The simple way: walk the outlets in address order and fill day after day.

    Each outlet takes the pattern (same weekday, every k weeks) through the day being filled;
    the day is closed once it holds its fair share of service. Days are then ordered and
    measured exactly like ``design_routes``, so the comparison is about the assignment only.
    """
    _check_cycle(cycle_weeks, workdays)
    visits, work = _requirements(outlets, cycle_weeks, periods, service_minutes)
    territory = _Territory(outlets, home, provider or StraightLineProvider(), mode)
    fair_share = sum(work[i] * visits[i] for i in visits) / (cycle_weeks * workdays)
    ordered = sorted(outlets, key=lambda o: (o.address or o.id, o.id))
    load: dict[Day, float] = {}
    day_outlets: dict[Day, list[str]] = {}
    cursor = 0  # day index in week-major order: W1 Mon, W1 Tue, ..., W2 Mon, ...
    last = cycle_weeks * workdays - 1
    for outlet in ordered:
        while cursor < last and load.get(divmod(cursor, workdays), 0.0) >= fair_share:
            cursor += 1
        week, weekday = divmod(cursor, workdays)
        interval = cycle_weeks // visits[outlet.id]
        for visit_week in range(week % interval, cycle_weeks, interval):
            day = (visit_week, weekday)
            day_outlets.setdefault(day, []).append(outlet.id)
            load[day] = load.get(day, 0.0) + work[outlet.id]
    return _evaluate(
        territory,
        day_outlets,
        cycle_weeks=cycle_weeks,
        workdays=workdays,
        visits=visits,
        work=work,
        shift_minutes=shift_minutes,
        seconds_per_day=seconds / (cycle_weeks * workdays),
        seed=seed,
        method="baseline (address order)",
        progress=progress,
    )


def split_territory(
    outlets: Sequence[Outlet],
    *,
    reps: int,
    cycle_weeks: int = 2,
    service_minutes: float | dict[str, float] = DEFAULT_SERVICE_MINUTES,
    periods: dict[str, int] | None = None,
    office: Place | None = None,
    mode: str = "ebike",
    provider: TravelProvider | None = None,
    seed: int = 0,
    seconds: float = 10.0,
    progress: Progress | None = None,
) -> list[TerritoryShare]:
    """Split a team's outlets between reps: equal service hours per cycle, compact parts.

    An aid for the supervisor (issue 4, "Team territories"): a balanced capacitated VRP from
    the office with one vehicle per rep, the same model as the weekday regions of a design.
    """
    if reps < 1:
        raise ValueError("reps must be at least 1")
    _check_cycle(cycle_weeks, 5)
    visits, work = _requirements(outlets, cycle_weeks, periods, service_minutes)
    territory = _Territory(outlets, office, provider or StraightLineProvider(), mode)
    loads = _workloads(territory, visits, work)
    capacity = max(max(loads.values()), math.ceil(sum(loads.values()) / reps * BALANCE_SLACK))
    parts = _solve_tours(
        territory, list(visits), reps, loads, seconds, seed, ROUTE_PATIENCE, capacity, progress
    )
    parts += [[] for _ in range(reps - len(parts))]
    parts.sort(key=lambda part: _bearing(territory, part))
    shares = []
    for rep, part in enumerate(parts):
        points = [territory.outlets[territory.index[i] - 1] for i in part]
        nodes = [0] + [territory.index[i] for i in part] + [0]
        tour_m = sum(territory.metres[a][b] for a, b in zip(nodes, nodes[1:], strict=False))
        if points:
            lat = sum(p.lat for p in points) / len(points)
            lng = sum(p.lng for p in points) / len(points)
            spread = sum(haversine_m((p.lat, p.lng), (lat, lng)) for p in points) / len(points)
        else:
            spread = 0.0
        shares.append(
            TerritoryShare(
                rep=rep,
                outlet_ids=part,
                service_hours_per_cycle=round(sum(work[i] * visits[i] for i in part) / 60, 2),
                tour_km=round(tour_m / 1000, 2),
                spread_km=round(spread / 1000, 3),
            )
        )
    if progress:
        progress(1.0)
    return shares
