"""VRPLIB / Solomon-format instances (CVRPTW): read, validate, solve, and read ``.sol`` files.

Conventions (the DIMACS ones the best-known ``.sol`` files use, see ``shared/bench/vrptw``):

* distance and travel time of an arc are the Euclidean distance truncated to one decimal,
  ``floor(10·d)/10``; PyVRP needs integers, so all times and distances are solved in tenths;
* the objective is total distance only, with at most ``VEHICLES`` routes (fleet not minimised);
* customer numbers are the 0-based position of the node in the file, i.e. node id − 1. With the
  depot as node 1 (all the benchmark files) customers are 1..n, exactly as the ``.sol`` routes
  number them; the depot never appears in a route.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SECTIONS = (
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION",
    "DEPOT_SECTION",
)
REQUIRED_SECTIONS = ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION")
# Row width (after the node id) of each numeric section.
SECTION_WIDTH = {
    "NODE_COORD_SECTION": 2,
    "DEMAND_SECTION": 1,
    "TIME_WINDOW_SECTION": 2,
    "SERVICE_TIME_SECTION": 1,
}


class InstanceError(ValueError):
    """An instance or solution file that cannot be used; the message says what and where."""


@dataclass(frozen=True)
class Instance:
    """A single-depot CVRPTW instance; index 0 is the depot, index i is customer number i."""

    name: str
    coords: list[tuple[float, float]]
    demands: list[int]
    capacity: int
    vehicles: int
    windows: list[tuple[float, float]]
    service: list[float]

    @property
    def num_customers(self) -> int:
        """Number of customers (nodes other than the depot)."""
        return len(self.coords) - 1


@dataclass(frozen=True)
class SolutionFile:
    """Routes (customer numbers) and the ``Cost`` line of a ``.sol`` file."""

    routes: list[list[int]]
    cost: float | None


@dataclass(frozen=True)
class VrpResult:
    """A solved instance: routes with customer numbers as in the file, and the distance."""

    name: str
    routes: list[list[int]]
    distance: float
    feasible: bool
    runtime: float
    iterations: int

    @property
    def vehicles(self) -> int:
        """Number of routes used."""
        return len(self.routes)

    def to_dict(self) -> dict:
        """JSON-ready representation."""
        return {
            "instance": self.name,
            "feasible": self.feasible,
            "vehicles": self.vehicles,
            "distance": self.distance,
            "routes": self.routes,
            "runtime_s": round(self.runtime, 3),
            "iterations": self.iterations,
        }

    def to_text(self) -> str:
        """The routes in the ``.sol`` style, then vehicles and distance."""
        lines = [
            f"Route #{i}: {' '.join(map(str, route))}" for i, route in enumerate(self.routes, 1)
        ]
        lines.append(f"Vehicles {self.vehicles}")
        lines.append(f"Cost {self.distance:.1f}")
        if not self.feasible:
            lines.append("INFEASIBLE: no solution within the vehicles and time windows was found")
        return "\n".join(lines)


def _read_text(path: str | Path) -> tuple[Path, list[str]]:
    path = Path(path)
    if not path.exists():
        raise InstanceError(f"{path}: no such file")
    if not path.is_file():
        raise InstanceError(f"{path}: not a file")
    try:
        return path, path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InstanceError(f"{path}: not a text file (VRPLIB files are plain text)") from None


def _number(text: str, path: Path, lineno: int, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InstanceError(f"{path}:{lineno}: non-numeric value {text!r} in {where}") from None
    if not math.isfinite(value):
        raise InstanceError(f"{path}:{lineno}: value {text!r} in {where} is not finite")
    return value


def read_instance(path: str | Path) -> Instance:
    """Read and validate a VRPLIB CVRPTW instance (EUC_2D, one depot); raise InstanceError."""
    path, lines = _read_text(path)
    header: dict[str, str] = {}
    header_line: dict[str, int] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        key = line.split()[0].rstrip(":")
        if key in SECTIONS:
            current = key
            sections[current] = []
        elif ":" in line and not line[0].isdigit() and not line.startswith("-"):
            name, _, value = line.partition(":")
            header[name.strip().upper()] = value.strip()
            header_line[name.strip().upper()] = lineno
            current = None
        elif current is not None:
            sections[current].append((lineno, line.split()))
        elif line.endswith("_SECTION"):
            raise InstanceError(
                f"{path}:{lineno}: section {line} is not supported (supported: {', '.join(SECTIONS)})"
            )
        else:
            raise InstanceError(
                f"{path}:{lineno}: not a VRPLIB file (unexpected line {raw[:40]!r})"
            )

    if "DIMENSION" not in header and not sections:
        raise InstanceError(f"{path}: not a VRPLIB file (no DIMENSION and no *_SECTION found)")
    for key in ("DIMENSION", "CAPACITY"):
        if key not in header:
            raise InstanceError(f"{path}: missing header field {key}")
    for section in REQUIRED_SECTIONS:
        if section not in sections:
            raise InstanceError(f"{path}: missing {section}")
    weight_type = header.get("EDGE_WEIGHT_TYPE", "EUC_2D")
    if weight_type != "EUC_2D":
        raise InstanceError(
            f"{path}: EDGE_WEIGHT_TYPE {weight_type} is not supported (only EUC_2D)"
        )

    def header_int(key: str) -> int:
        value = _number(header[key], path, header_line[key], f"header field {key}")
        if value != int(value) or value < 0:
            raise InstanceError(
                f"{path}: header field {key} must be a non-negative integer, got {header[key]!r}"
            )
        return int(value)

    dimension = header_int("DIMENSION")
    capacity = header_int("CAPACITY")
    if dimension < 2:
        raise InstanceError(f"{path}: empty instance (DIMENSION {dimension}: no customers)")

    def table(section: str) -> list[list[float]]:
        width = SECTION_WIDTH[section]
        rows: list[list[float] | None] = [None] * dimension
        for lineno, fields in sections[section]:
            if len(fields) != width + 1:
                raise InstanceError(
                    f"{path}:{lineno}: {section} row needs a node id and {width} value(s), got {len(fields)} fields"
                )
            node = _number(fields[0], path, lineno, section)
            if node != int(node) or not 1 <= node <= dimension:
                raise InstanceError(
                    f"{path}:{lineno}: node id {fields[0]} in {section} is outside 1..{dimension}"
                )
            if rows[int(node) - 1] is not None:
                raise InstanceError(f"{path}:{lineno}: node {int(node)} appears twice in {section}")
            rows[int(node) - 1] = [_number(v, path, lineno, section) for v in fields[1:]]
        missing = [i + 1 for i, row in enumerate(rows) if row is None]
        if missing:
            raise InstanceError(
                f"{path}: {section} has no row for node(s) {missing[:5]} (DIMENSION is {dimension})"
            )
        return rows  # type: ignore[return-value]

    coords = [(row[0], row[1]) for row in table("NODE_COORD_SECTION")]
    demands_raw = [row[0] for row in table("DEMAND_SECTION")]

    depot_ids = []
    for lineno, fields in sections["DEPOT_SECTION"]:
        for field in fields:
            value = _number(field, path, lineno, "DEPOT_SECTION")
            if value == -1:
                break
            depot_ids.append(value)
    if len(depot_ids) != 1:
        raise InstanceError(
            f"{path}: exactly one depot is supported, DEPOT_SECTION lists {len(depot_ids)}"
        )
    if depot_ids[0] != 1:
        # Customer numbers are node id − 1; that only leaves the depot out of 1..n when it is node 1.
        raise InstanceError(
            f"{path}: the depot must be node 1 (DEPOT_SECTION says {depot_ids[0]:g})"
        )

    for node, demand in enumerate(demands_raw, 1):
        if demand < 0 or demand != int(demand):
            raise InstanceError(
                f"{path}: demand of node {node} must be a non-negative integer, got {demand:g}"
            )
        if demand > capacity:
            raise InstanceError(
                f"{path}: demand {demand:g} of node {node} exceeds the vehicle capacity {capacity}"
            )

    if "TIME_WINDOW_SECTION" in sections:
        windows = [(row[0], row[1]) for row in table("TIME_WINDOW_SECTION")]
    else:
        windows = [(0.0, math.inf)] * dimension
    for node, (early, late) in enumerate(windows, 1):
        if early > late:
            raise InstanceError(
                f"{path}: time window of node {node} starts after it ends ({early:g} > {late:g})"
            )

    if "SERVICE_TIME_SECTION" in sections:
        service = [row[0] for row in table("SERVICE_TIME_SECTION")]
    elif "SERVICE_TIME" in header:
        service = [
            _number(
                header["SERVICE_TIME"],
                path,
                header_line["SERVICE_TIME"],
                "header field SERVICE_TIME",
            )
        ] * dimension
    else:
        service = [0.0] * dimension
    service[0] = 0.0  # the depot is not served
    if any(s < 0 for s in service):
        raise InstanceError(f"{path}: negative service time")

    vehicles = header_int("VEHICLES") if "VEHICLES" in header else dimension - 1
    if vehicles < 1:
        raise InstanceError(f"{path}: VEHICLES must be at least 1")

    return Instance(
        name=header.get("NAME", path.stem),
        coords=coords,
        demands=[int(d) for d in demands_raw],
        capacity=capacity,
        vehicles=vehicles,
        windows=windows,
        service=service,
    )


def read_solution(path: str | Path) -> SolutionFile:
    """Read a VRPLIB ``.sol`` file: ``Route #k: c1 c2 ...`` lines and an optional ``Cost`` line."""
    path, lines = _read_text(path)
    routes: list[list[int]] = []
    cost: float | None = None
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.lower().startswith("route"):
            _, _, visits = line.partition(":")
            try:
                routes.append([int(v) for v in visits.split()])
            except ValueError:
                raise InstanceError(
                    f"{path}:{lineno}: non-integer customer number in {line!r}"
                ) from None
        elif line.lower().startswith("cost"):
            cost = _number(line.split()[-1], path, lineno, "Cost line")
    if not routes:
        raise InstanceError(f"{path}: no 'Route #' lines: not a VRPLIB solution file")
    return SolutionFile(routes=routes, cost=cost)


def tenths_matrix(coords: list[tuple[float, float]]) -> np.ndarray:
    """Arc lengths in tenths, ``floor(10·d)`` (DIMACS truncation), as int64."""
    xy = np.asarray(coords, dtype=float)
    diff = xy[:, None, :] - xy[None, :, :]
    # sqrt of 100·(dx²+dy²) is exact enough for integer coordinates: a non-square under ~1e9
    # is never within float error of an integer, so floor() truncates correctly.
    return np.floor(np.sqrt(100.0 * (diff**2).sum(axis=2))).astype(np.int64)


def _scaled(value: float) -> int:
    # Time data is given in whole units in every Solomon/GH file; scale to tenths, exactly.
    return int(round(10 * value))


def solve_instance(
    instance: Instance,
    *,
    seconds: float = 10.0,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> VrpResult:
    """Minimise total distance (DIMACS convention) with at most ``instance.vehicles`` routes."""
    import pyvrp

    from outletcrm.routing.engine import ProgressStop

    dist = tenths_matrix(instance.coords)
    depot_early, depot_late = instance.windows[0]
    horizon = _scaled(depot_late) if math.isfinite(depot_late) else np.iinfo(np.int64).max
    locations = [pyvrp.Location(x=x, y=y) for x, y in instance.coords]
    depots = [pyvrp.Depot(location=0, tw_early=_scaled(depot_early), tw_late=horizon)]
    clients = []
    for node in range(1, len(instance.coords)):
        early, late = instance.windows[node]
        clients.append(
            pyvrp.Client(
                location=node,
                delivery=[instance.demands[node]],
                service_duration=_scaled(instance.service[node]),
                tw_early=_scaled(early),
                tw_late=_scaled(late) if math.isfinite(late) else horizon,
                name=str(node),
            )
        )
    vehicle_type = pyvrp.VehicleType(
        num_available=instance.vehicles,
        capacity=[instance.capacity],
        tw_early=_scaled(depot_early),
        tw_late=horizon,
    )
    data = pyvrp.ProblemData(locations, clients, depots, [vehicle_type], [dist], [dist])
    stop = ProgressStop(seconds, progress)
    started = time.perf_counter()
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    runtime = time.perf_counter() - started
    if progress:
        progress(1.0)
    # Client index k is file node k + 1, i.e. customer number k + 1 (see module docstring).
    routes = [
        [activity.idx + 1 for activity in route.schedule() if activity.is_client()]
        for route in result.best.routes()
    ]
    return VrpResult(
        name=instance.name,
        routes=routes,
        distance=result.best.distance() / 10,
        feasible=result.best.is_feasible(),
        runtime=runtime,
        iterations=result.num_iterations,
    )


def solve_file(path: str | Path, **options) -> VrpResult:
    """Read an instance file and solve it; InstanceError for a bad file."""
    return solve_instance(read_instance(path), **options)
