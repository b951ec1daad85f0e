"""Independent feasibility checker for CVRPTW solutions (DIMACS convention).

It shares only the file reader with the solver path: distances are recomputed here with integer
arithmetic (``isqrt`` on tenths), not taken from PyVRP or numpy, so a modelling slip in the
solver path (a wrong window, a lost customer, a miscounted distance) shows up as an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from outletcrm.routing.vrplib_io import Instance


@dataclass
class CheckReport:
    """Outcome of a check: feasible when there are no errors; cost recomputed from scratch."""

    errors: list[str] = field(default_factory=list)
    cost: float = 0.0
    vehicles: int = 0

    @property
    def feasible(self) -> bool:
        """True when the solution broke no rule."""
        return not self.errors


def arc_tenths(a: tuple[float, float], b: tuple[float, float]) -> int:
    """``floor(10·d)`` of the Euclidean distance between a and b, exact for integer coordinates."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    if dx == int(dx) and dy == int(dy):
        return math.isqrt(int(100 * (dx * dx + dy * dy)))
    return math.floor(10 * math.hypot(dx, dy))


def _tenths(value: float) -> int:
    return int(round(10 * value)) if math.isfinite(value) else 1 << 62


def check_solution(
    instance: Instance, routes: list[list[int]], *, claimed_cost: float | None = None
) -> CheckReport:
    """Check capacity, time windows, depot return, every customer exactly once, fleet and cost."""
    report = CheckReport()
    n = instance.num_customers
    seen: dict[int, int] = {}
    used_routes = [route for route in routes if route]
    report.vehicles = len(used_routes)
    if len(used_routes) > instance.vehicles:
        report.errors.append(
            f"{len(used_routes)} routes used but only {instance.vehicles} vehicles available"
        )

    total = 0
    depot_early, depot_late = (_tenths(v) for v in instance.windows[0])
    for number, route in enumerate(used_routes, 1):
        load = 0
        time = depot_early
        previous = 0
        for customer in route:
            if not 1 <= customer <= n:
                report.errors.append(f"route {number}: customer {customer} does not exist (1..{n})")
                continue
            if customer in seen:
                report.errors.append(
                    f"customer {customer} visited twice (routes {seen[customer]} and {number})"
                )
            seen[customer] = number
            load += instance.demands[customer]
            leg = arc_tenths(instance.coords[previous], instance.coords[customer])
            total += leg
            arrival = time + leg
            ready, due = (_tenths(v) for v in instance.windows[customer])
            if arrival > due:
                report.errors.append(
                    f"route {number}: customer {customer} reached at {arrival / 10:.1f}, after its due time {due / 10:.1f}"
                )
            # Arriving early means waiting until the window opens.
            time = max(arrival, ready) + _tenths(instance.service[customer])
            previous = customer
        leg = arc_tenths(instance.coords[previous], instance.coords[0])
        total += leg
        if time + leg > depot_late:
            report.errors.append(
                f"route {number}: back at the depot at {(time + leg) / 10:.1f}, after it closes at {depot_late / 10:.1f}"
            )
        if load > instance.capacity:
            report.errors.append(
                f"route {number}: load {load} exceeds capacity {instance.capacity}"
            )

    missing = [c for c in range(1, n + 1) if c not in seen]
    if missing:
        report.errors.append(f"{len(missing)} customer(s) not visited, e.g. {missing[:10]}")
    report.cost = total / 10
    if claimed_cost is not None and abs(claimed_cost - report.cost) > 0.05:
        report.errors.append(
            f"claimed cost {claimed_cost} differs from the recomputed {report.cost:.1f}"
        )
    return report
