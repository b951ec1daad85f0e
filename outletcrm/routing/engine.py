"""Best visit order for a rep's day (issue 4, "Best order for today"), solved with PyVRP.

PyVRP is used only here and in ``vrplib_io``/``design``; callers pass a ``DayProblem`` and get a
``DayPlan`` back. The model: one vehicle (the rep) from the start point to the end point within
the working hours, travel time as the cost. A stop with several windows is a mutually exclusive
client group, one client per window. Every stop is first required; when no feasible day holds
them all, a second run makes stops optional with prizes far above any travel, so the solver
keeps the highest total priority and then minimises travel. Times in the plan are recomputed
by our own forward pass over the solver's order (arrive, wait if early, serve), which also
guards against any modelling slip: a stop it cannot fit is reported, never silently dropped.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from outletcrm.routing.problem import (
    DayPlan,
    DayProblem,
    Place,
    PlannedVisit,
    Reason,
    Stop,
    UnassignedStop,
    Window,
    unassigned,
)
from outletcrm.routing.travel import StraightLineProvider, TravelProvider

Progress = Callable[[float], None]

# Outlets are busy 07:00–09:00 and 16:30–18:30 (brief §5); visits belong in the free windows.
BUSY_WINDOWS: tuple[Window, ...] = ((7 * 60, 9 * 60), (16 * 60 + 30, 18 * 60 + 30))

# The search stops after this many iterations without a better day (deterministic for a seed),
# or at the wall-clock cap ``seconds``, whichever comes first. Tuned with bench/routing_day.py:
# days of up to 30 stops settle well within it; on 40-stop days a smaller patience loses
# quality (measured 2026-12-05: 500 iterations leave 4 of 16 runs above the 30-second
# reference, mean gap 0.67 %, against 3 of 16 and 0.41 % at 1,000; with the settings below,
# 2026-12-06, 32 runs: 20 equal to the reference at 500, 22 at 1,000).
NO_IMPROVEMENT_ITERATIONS = 1_000
# A day of at most this many stops to order settles much sooner: with the settings below every
# one of 40 runs (10 days × 4 seeds) of 10 stops equalled the 30-second reference already at
# 100 idle iterations, so such days stop at SMALL_DAY_PATIENCE (0.02 s instead of 0.08 s CPU).
# From 20 stops on 1,000 still pays (20 stops: 34 of 40 runs equal at 500, 35 at 1,000).
SMALL_DAY_STOPS = 10
SMALL_DAY_PATIENCE = 200
# An overfull day (no order holds every stop) is recognised when the required-stops model has
# found no feasible day after this many iterations; the optional-stops model takes over. With
# the low starting penalties below, the first feasible day came at iteration 201 at worst
# (median 0) in 72 runs (bench/routing_day_search.py, 30 and 40 stops, 4 seeds), so 300 was
# too close; 600 such iterations cost ~0.12 s, less than 300 of the old ones did.
OVERFULL_AFTER_ITERATIONS = 600
# A day has at most a few dozen stops: 10 nearest neighbours per stop make each iteration
# about 40 % cheaper than 20 (0.55 against 1.0 ms on 40-stop days) at the same quality, and
# half the CPU per day (profiled with py-spy: ~95 % of a call is PyVRP's local search, the
# travel matrix and model ~2 ms).
NEIGHBOURS = 10
# The required-stops search (an ordinary day). PyVRP's defaults are made for long runs on big
# instances: time-warp penalties start at 50,000 per second and are revised every 500
# iterations (so never, in a day's few hundred iterations), which keeps a day's search almost
# entirely on feasible orders, and each iteration perturbs 1–25 stops. Measured 2026-12-06
# with bench/routing_day_search.py (10 days × 4 seeds, 30 and 40 stops, CPU time): starting at
# 1 per second of time warp, revised every 50 iterations, with 1–10 perturbations, a history
# of 20 and a restart from the best after 300 idle iterations, an iteration costs ~0.2 ms
# instead of ~0.55 at 40 stops and the search reaches the 30-second reference in a median of
# 0.14 s instead of 0.39 s; with the same stop rule (1,000 idle iterations) 40-stop days take
# 0.33 s instead of 0.99 s for 22 instead of 23 of 32 runs equal to the reference (30 stops:
# 0.21 s instead of 0.51 s, 33 instead of 35 of 40). Through optimise_day (bench/routing_day.py,
# seeds 0 and 1, feasible 40-stop days): 11 instead of 13 of 16 equal, the same mean gap
# (0.41 %), median CPU ~0.4 s instead of 0.75–1.0 s. Each part alone measured worse: low
# penalties alone (same speed as before), 1–10 perturbations alone (10/16 reach the reference
# within 2 s), 1–5 perturbations (stuck: 8/16), history 10 or 50, no restart (30-stop days
# stuck 8.5 % above the reference on 2 of 40 runs), 20 neighbours, wait-time weight 0 or 1,
# fewer operators, and a model with only each stop's widest window (infeasible on every
# 40-stop day: the second windows are needed, and it was no faster per iteration).
INITIAL_PENALTY = 1.0
PENALTY_UPDATE_EVERY = 50
MAX_PERTURBATIONS = 10
HISTORY_LENGTH = 20
RESTART_AFTER = 300
# The optional-stops search (overfull days) keeps PyVRP's penalties and perturbations: its
# prizes are huge, so low time-warp penalties would keep infeasible days for long; a
# late-acceptance history of 50 (default 300) suits the few thousand iterations a day gets.
OVERFULL_HISTORY_LENGTH = 50


def search_settings() -> tuple:
    """Every setting a day's answer depends on besides the problem and seed (cache keys)."""
    return (
        NO_IMPROVEMENT_ITERATIONS,
        SMALL_DAY_STOPS,
        SMALL_DAY_PATIENCE,
        OVERFULL_AFTER_ITERATIONS,
        NEIGHBOURS,
        INITIAL_PENALTY,
        PENALTY_UPDATE_EVERY,
        MAX_PERTURBATIONS,
        HISTORY_LENGTH,
        RESTART_AFTER,
        OVERFULL_HISTORY_LENGTH,
        WARM_PATIENCE,
    )


# A warm start (optimise_day_warm: the search starts from the night's order of the same day)
# stops after this many iterations without improvement. Measured 2026-12-06 with
# bench/routing_morning.py; see bench/results/routing_day.md.
WARM_PATIENCE = 200
# A day's ``seconds`` is CPU time of the search; wall time is capped at this multiple of it, a
# guard for a machine so loaded that a request would otherwise wait too long. Measured
# 2026-12-05 at load average 6–10 on 2 cores: with the old wall-clock cap of 1 s, 40-stop days
# got 0.2 s of CPU, planned up to 2 stops fewer than the reference and differed run to run.
WALL_FACTOR = 4

# What PyVRP's CostEvaluator.cost() returns for an infeasible solution.
INFEASIBLE_COST = 2**63 - 1

# Stands in for "no route" in the solver's integer matrix: far beyond any working day.
UNREACHABLE_SECONDS = 10 * 24 * 3600


def visit_windows(
    business_open: int | None,
    business_close: int | None,
    busy: Sequence[Window] = BUSY_WINDOWS,
) -> list[Window]:
    """Free visit windows: business hours minus the outlet type's busy windows (brief §5)."""
    start = 0 if business_open is None else business_open
    end = 24 * 60 if business_close is None else business_close
    windows: list[Window] = [(start, end)] if start < end else []
    for busy_start, busy_end in sorted(busy):
        remaining: list[Window] = []
        for w_start, w_end in windows:
            if busy_end <= w_start or busy_start >= w_end:
                remaining.append((w_start, w_end))
                continue
            if w_start < busy_start:
                remaining.append((w_start, busy_start))
            if busy_end < w_end:
                remaining.append((busy_end, w_end))
        windows = remaining
    return windows


class ProgressStop:
    """PyVRP stopping criterion: time caps, optional no-improvement limit, progress report.

    ``seconds`` caps wall-clock time. ``cpu_seconds`` caps the CPU time of the calling
    thread: on a machine where many requests share the cores (the morning's "optimise my
    day"), wall time stretches with the load but CPU time does not, so a CPU cap gives the
    same search, and the same plan, on a busy machine as on a quiet one.
    """

    def __init__(
        self,
        seconds: float,
        progress: Progress | None = None,
        no_improvement: int | None = None,
        give_up_infeasible: int | None = None,
        cpu_seconds: float | None = None,
    ):
        self.seconds = max(seconds, 1e-3)
        self.cpu_seconds = None if cpu_seconds is None else max(cpu_seconds, 1e-3)
        self.progress = progress
        self.no_improvement = no_improvement
        # Stop after this many iterations without any feasible solution (PyVRP reports the
        # cost of an infeasible best as the largest int64).
        self.give_up_infeasible = give_up_infeasible
        self.started: float | None = None
        self.cpu_started = 0.0
        self.best: float | None = None
        self.stale = 0
        self.last_report = 0.0
        self.stopped_by_time = False

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        cpu = time.thread_time() if self.cpu_seconds is not None else 0.0
        if self.started is None:
            self.started, self.cpu_started = now, cpu
        elapsed = now - self.started
        cpu_elapsed = cpu - self.cpu_started
        if self.best is None or best_cost < self.best:
            self.best, self.stale = best_cost, 0
        else:
            self.stale += 1
        if self.progress and now - self.last_report >= 0.1:
            self.last_report = now
            done = elapsed / self.seconds
            if self.cpu_seconds is not None:
                done = max(done, cpu_elapsed / self.cpu_seconds)
            if self.no_improvement:
                done = max(done, self.stale / self.no_improvement)
            self.progress(min(done, 0.99))
        infeasible = self.give_up_infeasible is not None and best_cost >= INFEASIBLE_COST
        # While no feasible day is known, only give_up_infeasible ends the search: a short
        # patience (a warm start, a small day) must not hand a day that merely needs a few
        # more iterations to the optional-stops model, which would plan fewer stops.
        if self.no_improvement is not None and self.stale >= self.no_improvement and not infeasible:
            return True
        if infeasible and self.stale >= self.give_up_infeasible:
            return True
        if elapsed >= self.seconds or (
            self.cpu_seconds is not None and cpu_elapsed >= self.cpu_seconds
        ):
            self.stopped_by_time = True
            return True
        return False


@dataclass
class _Leg:
    seconds: int
    metres: float


class _Day:
    """Travel data of one day: integer seconds (what the solver sees) and metres (reported)."""

    def __init__(
        self,
        start: Place | None,
        end: Place | None,
        stops: list[Stop],
        provider: TravelProvider,
        mode: str,
    ):
        points: list[tuple[float, float]] = []
        self.start_index = self.end_index = None
        if start is not None:
            self.start_index = len(points)
            points.append((start.lat, start.lng))
        if end is not None:
            self.end_index = len(points)
            points.append((end.lat, end.lng))
        self.stop_index: dict[str, int] = {}
        for stop in stops:
            self.stop_index[stop.id] = len(points)
            points.append((stop.lat, stop.lng))
        minutes, metres = provider.matrix(points, mode=mode) if points else ([], [])
        self.seconds = [
            [UNREACHABLE_SECONDS if not math.isfinite(m) else round(m * 60) for m in row]
            for row in minutes
        ]
        self.metres = metres

    def leg(self, origin: int | None, destination: int | None) -> _Leg:
        """Leg between two point indices; ``None`` is an open start or end (no travel)."""
        if origin is None or destination is None:
            return _Leg(0, 0.0)
        return _Leg(self.seconds[origin][destination], self.metres[origin][destination])

    def reachable(self, origin: int | None, destination: int | None) -> bool:
        """False when the provider reported no route."""
        if origin is None or destination is None:
            return True
        return self.seconds[origin][destination] < UNREACHABLE_SECONDS


def _windows_seconds(stop: Stop, day_start: int, day_end: int) -> list[tuple[int, int]]:
    """The stop's windows in seconds, clipped to the day; a missing list means the whole day."""
    if stop.windows is None:
        return [(day_start, day_end)]
    return sorted((round(a * 60), round(b * 60)) for a, b in stop.windows if b > a)


def _fit(
    arrival: int, service: int, windows: list[tuple[int, int]]
) -> tuple[int, tuple[int, int]] | None:
    """Service start in the earliest window that holds the whole visit, or None."""
    for window_start, window_end in windows:
        start = max(arrival, window_start)
        if start + service <= window_end:
            return start, (window_start, window_end)
    return None


def _to_min(seconds: float) -> float:
    return round(seconds / 60, 2)


class _Schedule:
    """Forward pass along an order: arrive, wait if early, serve; keeps what fits."""

    def __init__(self, day: _Day, position: int | None, now: int, work_end: int):
        self.day = day
        self.position = position
        self.time = now
        self.work_end = work_end
        self.visits: list[PlannedVisit] = []
        self.travel_seconds = 0
        self.metres = 0.0

    def try_add(self, stop: Stop) -> Reason | None:
        """Append the stop if it fits (window and the way to the end point); else the reason."""
        target = self.day.stop_index[stop.id]
        if not self.day.reachable(self.position, target):
            return Reason.NO_ROUTE
        windows = _windows_seconds(stop, self.time, self.work_end)
        if not windows:
            return Reason.NO_WINDOW
        leg = self.day.leg(self.position, target)
        service = round(stop.service_minutes * 60)
        fitted = _fit(self.time + leg.seconds, service, windows)
        if fitted is None:
            return Reason.WINDOW_UNREACHABLE
        start, window = fitted
        back = self.day.leg(target, self.day.end_index)
        if not self.day.reachable(target, self.day.end_index):
            return Reason.NO_ROUTE
        if start + service + back.seconds > self.work_end:
            return Reason.EXCEEDS_SHIFT
        arrival = self.time + leg.seconds
        self.visits.append(
            PlannedVisit(
                stop_id=stop.id,
                arrival_min=_to_min(arrival),
                start_min=_to_min(start),
                departure_min=_to_min(start + service),
                wait_minutes=_to_min(start - arrival),
                travel_minutes=_to_min(leg.seconds),
                distance_km=round(leg.metres / 1000, 3),
                window=(round(window[0] / 60), round(window[1] / 60))
                if stop.windows is not None
                else None,
            )
        )
        self.travel_seconds += leg.seconds
        self.metres += leg.metres
        self.time = start + service
        self.position = target
        return None


def _check_problem(problem: DayProblem) -> None:
    ids = [stop.id for stop in problem.stops]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"stop ids must be unique, repeated: {duplicates}")
    shift = problem.shift
    if shift.work_end_min <= shift.work_start_min:
        raise ValueError("work_end_min must be after work_start_min")
    for stop in problem.stops:
        if stop.service_minutes < 0:
            raise ValueError(f"stop {stop.id}: negative service time")


def optimise_day(
    problem: DayProblem,
    *,
    seconds: float = 1.0,
    seed: int = 0,
    provider: TravelProvider | None = None,
    progress: Progress | None = None,
    patience: int | None = NO_IMPROVEMENT_ITERATIONS,
    wall_seconds: float | None = None,
    initial: Sequence[str] | None = None,
) -> DayPlan:
    """Order a rep's stops to minimise travel time within windows and working hours.

    Visited stops stay first, in their given order; fixed stops follow in their given order;
    the rest is optimised from the current position and time. Stops that cannot be fitted come
    back in ``unassigned`` with a reason. The search ends after ``patience`` iterations without
    improvement (``None``: run the full ``seconds``), after ``seconds`` of CPU time of this
    thread, or after ``wall_seconds`` of wall-clock time (default ``WALL_FACTOR × seconds``).
    The result is the same for the same input and seed unless a time cap stopped the search
    (``plan.stopped_by_time``).

    ``initial`` (stop ids) is a known good order, e.g. the night's plan of the same stops: when
    it is an order of exactly the stops left to optimise, the search starts from it instead of
    a random order (a warm start; any other list is ignored). With a short ``patience`` that
    is what makes a morning call cheap (bench/routing_morning.py).
    """
    _check_problem(problem)
    shift = problem.shift
    provider = provider or StraightLineProvider()
    visited = [stop for stop in problem.stops if stop.visited]
    fixed = [stop for stop in problem.stops if stop.fixed and not stop.visited]
    free = [stop for stop in problem.stops if not stop.fixed and not stop.visited]

    # Where and when the plan continues: the current position mid-day, else the shift start.
    work_start = round(shift.work_start_min * 60)
    work_end = round(shift.work_end_min * 60)
    if problem.now_min is not None:
        now = max(work_start, round(problem.now_min * 60))
    elif visited and visited[-1].departure_min is not None:
        now = max(work_start, round(visited[-1].departure_min * 60))
    else:
        now = work_start
    start_place = problem.position
    if start_place is None and visited:
        start_place = Place(visited[-1].lat, visited[-1].lng, visited[-1].id)
    if start_place is None:
        start_place = shift.start

    day = _Day(start_place, shift.end, fixed + free, provider, str(shift.mode))
    schedule = _Schedule(day, day.start_index, now, work_end)
    dropped: list[UnassignedStop] = []
    for stop in fixed:
        if (reason := schedule.try_add(stop)) is not None:
            dropped.append(unassigned(stop.id, reason))

    # A stop that cannot fit even as the only remaining visit is reported up front, with why.
    candidates: list[Stop] = []
    for stop in free:
        probe = _Schedule(day, schedule.position, schedule.time, work_end)
        if (reason := probe.try_add(stop)) is not None:
            dropped.append(unassigned(stop.id, reason))
        else:
            candidates.append(stop)

    solver = "trivial"
    stopped_by_time = False
    order = candidates
    if len(candidates) > 1:
        wall = WALL_FACTOR * seconds if wall_seconds is None else wall_seconds
        order, stopped_by_time = _solve_order(
            day, schedule, candidates, work_end, seconds, wall, seed, progress, patience, initial
        )
        solver = "pyvrp"
    for stop in order:
        # Each candidate fits on its own, so one that does not fit here is crowded out.
        if schedule.try_add(stop) is not None:
            dropped.append(unassigned(stop.id, Reason.DAY_FULL))
    planned_ids = {visit.stop_id for visit in schedule.visits} | {u.stop_id for u in dropped}
    dropped += [
        unassigned(stop.id, Reason.DAY_FULL) for stop in candidates if stop.id not in planned_ids
    ]
    if progress:
        progress(1.0)

    back = day.leg(schedule.position, day.end_index)
    end_time = schedule.time + back.seconds
    done = [
        PlannedVisit(
            stop_id=stop.id,
            arrival_min=stop.arrival_min,
            start_min=stop.arrival_min,
            departure_min=stop.departure_min,
            wait_minutes=0.0,
            travel_minutes=0.0,
            distance_km=0.0,
            visited=True,
        )
        for stop in visited
    ]
    order_of_input = {stop.id: i for i, stop in enumerate(problem.stops)}
    dropped.sort(key=lambda u: order_of_input[u.stop_id])
    return DayPlan(
        visits=done + schedule.visits,
        unassigned=dropped,
        start_min=_to_min(now),
        end_min=_to_min(end_time),
        travel_minutes=_to_min(schedule.travel_seconds + back.seconds),
        distance_km=round((schedule.metres + back.metres) / 1000, 3),
        return_travel_minutes=_to_min(back.seconds),
        return_distance_km=round(back.metres / 1000, 3),
        solver=solver,
        stopped_by_time=stopped_by_time,
    )


@dataclass
class KnownOrder:
    """A best order of a day's stops found for a start at ``start_min`` (the night's search),
    and its travel minutes."""

    start_min: float
    order: list[str]
    travel_minutes: float


def start_of(problem: DayProblem) -> float:
    """When the plan of the day begins: the later of work start and ``now_min``."""
    start = problem.shift.work_start_min
    return start if problem.now_min is None else max(start, problem.now_min)


def _replay(problem: DayProblem, order: Sequence[str], **options) -> DayPlan | None:
    """The day driven in the given order (no search), or None when the order is not of the
    day's stops or does not hold every one of them. An order of only some of the stops (an
    overfull day's best) reports the others as not fitting the day."""
    position = {stop_id: i for i, stop_id in enumerate(order)}
    free = [stop for stop in problem.stops if not stop.visited]
    if not order or any(stop.fixed for stop in free) or len(position) != len(order):
        return None
    if not set(order) <= {stop.id for stop in free}:
        return None
    visited = [stop for stop in problem.stops if stop.visited]
    ordered = sorted((s for s in free if s.id in position), key=lambda s: position[s.id])
    replay = dataclasses.replace(
        problem, stops=visited + [dataclasses.replace(s, fixed=True) for s in ordered]
    )
    plan = optimise_day(replay, **options)
    if plan.unassigned:
        return None
    left = [unassigned(s.id, Reason.DAY_FULL) for s in free if s.id not in position]
    return dataclasses.replace(plan, unassigned=left, solver="known")


def optimise_day_warm(
    problem: DayProblem,
    known: Sequence[KnownOrder],
    *,
    seconds: float = 1.0,
    seed: int = 0,
    provider: TravelProvider | None = None,
    patience: int | None = WARM_PATIENCE,
) -> DayPlan:
    """The day from ``known``: best orders of the same day's stops (same start point, hours
    and settings) for several start times, e.g. the night's search of work start, +15 min, …
    (``precompute_orders``), for the morning's problem (its ``now_min``).

    A later start only removes orders (waiting is allowed and travel is the cost), so the best
    order for a start at or before now that still holds every stop is the best now (as good
    as the night's search was); and an order for a start after now holds every stop now, and
    is the best when it is no longer than the best for the start before now. Either way no
    search (``solver == "known"``). Otherwise PyVRP searches from the order for the next start
    after now (``optimise_day(initial=...)``) with a short ``patience``. The caller must make
    sure the orders were found for this day; orders of other stops are harmless.
    """
    options = {"seconds": seconds, "seed": seed, "provider": provider}
    now = start_of(problem)
    earlier = sorted((k for k in known if k.start_min <= now), key=lambda k: -k.start_min)
    later = sorted((k for k in known if k.start_min > now), key=lambda k: k.start_min)
    for candidate in earlier:
        if (plan := _replay(problem, candidate.order, **options)) is not None:
            return plan
    upper = _replay(problem, later[0].order, **options) if later else None
    if (
        upper is not None
        and earlier
        and set(later[0].order) == set(earlier[0].order)
        and upper.travel_minutes <= earlier[0].travel_minutes + 0.005
    ):
        return upper
    start = later[0].order if later else earlier[0].order if earlier else None
    plan = optimise_day(problem, patience=patience, initial=start, **options)
    if upper is not None and (len(upper.visits), -upper.travel_minutes) > (
        len(plan.visits),
        -plan.travel_minutes,
    ):
        return upper
    return plan


def precompute_orders(
    problem: DayProblem,
    offsets: Sequence[float],
    seeds: Sequence[int],
    *,
    seconds: float = 1.0,
    provider: TravelProvider | None = None,
    more_seeds: Sequence[int] = (),
) -> list[KnownOrder]:
    """Best orders of the day for starts ``offsets`` minutes after work start (the first
    should be 0): each the best of a search per seed, or, when the previous start's order
    still holds every stop, that order (then it is the best for the later start too).

    When only one of those searches found the best order, the searches disagree and the day
    is a hard one: a search per ``more_seeds`` follows, one at a time, until a second one
    finds the best so far (or they run out). Easy days cost no more; on the 40-stop days of
    bench/routing_morning.py this found the references the first searches missed."""
    found: list[KnownOrder] = []
    for offset in offsets:
        start = problem.shift.work_start_min + offset
        at = problem if offset == 0 else dataclasses.replace(problem, now_min=start)
        best = _replay(at, found[-1].order, seconds=seconds, provider=provider) if found else None
        if best is None:
            # Cold searches, and one from the previous start's order: measured on 40-stop days
            # (bench/routing_morning.py), each alone misses the 30-second reference on some
            # later starts that the other finds.
            runs = [(seed, None) for seed in seeds]
            if found:
                runs.append((seeds[0], found[-1].order))
            plans = [
                optimise_day(at, seconds=seconds, seed=seed, provider=provider, initial=initial)
                for seed, initial in runs
            ]
            extra = iter(more_seeds)
            while sum(_same_result(p, max(plans, key=_result)) for p in plans) < 2:
                seed = next(extra, None)
                if seed is None:
                    break
                plans.append(optimise_day(at, seconds=seconds, seed=seed, provider=provider))
            best = max(plans, key=_result)
        found.append(KnownOrder(start, best.stop_ids, best.travel_minutes))
        if len(best.visits) < len([s for s in problem.stops if not s.visited]):
            break  # an overfull day: later starts are not precomputed
    return found


def _result(plan: DayPlan) -> tuple[int, float]:
    """How good a day is: more stops first, then less travel."""
    return len(plan.visits), -plan.travel_minutes


def _same_result(plan: DayPlan, other: DayPlan) -> bool:
    """Two searches found an equally good day (the same number of stops, travel equal to the
    hundredth of a minute the results are rounded to)."""
    return len(plan.visits) == len(other.visits) and (
        abs(plan.travel_minutes - other.travel_minutes) <= 0.005
    )


def _monotonic(progress: Progress) -> Progress:
    """A progress callback that never goes backwards."""
    shown = 0.0

    def report(done: float) -> None:
        nonlocal shown
        shown = max(shown, done)
        progress(shown)

    return report


def _solve_order(
    day: _Day,
    schedule: _Schedule,
    candidates: list[Stop],
    work_end: int,
    seconds: float,
    wall_seconds: float,
    seed: int,
    progress: Progress | None,
    patience: int | None,
    initial: Sequence[str] | None = None,
) -> tuple[list[Stop], bool]:
    """Visit order of the candidates from the schedule's current state, by PyVRP.

    First every stop is required: on an ordinary day that model is the plain shortest order
    and PyVRP searches it fastest. Only when no feasible day holding every stop is found does
    a second run make stops optional (prize-collecting) to keep the most valuable ones.
    """
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.search import NeighbourhoodParams

    if progress is not None:
        # Two runs may each report from 0; the caller sees one rising bar.
        progress = _monotonic(progress)
    started, cpu_started = time.perf_counter(), time.thread_time()
    data, owner = _day_model(day, schedule, candidates, work_end, required=True)
    if len(candidates) <= SMALL_DAY_STOPS and patience is not None:
        patience = min(patience, SMALL_DAY_PATIENCE)
    # Without any feasible day after a while, the day is overfull: go to the optional model.
    first = ProgressStop(
        wall_seconds,
        progress,
        no_improvement=patience,
        give_up_infeasible=OVERFULL_AFTER_ITERATIONS,
        cpu_seconds=seconds,
    )
    with warnings.catch_warnings():
        # An overfull day makes PyVRP warn that its penalties hit the cap; the optional-stop
        # run below handles exactly that case.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = _required_search(data, first, seed, _initial_routes(data, owner, initial))
    stopped_by_time = first.stopped_by_time
    if not result.best.is_feasible():
        data, owner = _day_model(day, schedule, candidates, work_end, required=False)
        second = ProgressStop(
            max(0.05, wall_seconds - (time.perf_counter() - started)),
            progress,
            no_improvement=patience,
            cpu_seconds=max(0.05, seconds - (time.thread_time() - cpu_started)),
        )
        params = pyvrp.SolveParams(
            ils=pyvrp.IteratedLocalSearchParams(history_length=OVERFULL_HISTORY_LENGTH),
            neighbourhood=NeighbourhoodParams(num_neighbours=NEIGHBOURS),
        )
        result = pyvrp.solve(data, second, seed=seed, collect_stats=False, params=params)
        stopped_by_time = second.stopped_by_time
    order: list[Stop] = []
    for route in result.best.routes():
        order += [owner[activity.idx] for activity in route.schedule() if activity.is_client()]
    return order, stopped_by_time


def _initial_routes(data, owner: list[Stop], initial: Sequence[str] | None):
    """The solver route (client indices) of a known order, or None when it is not an order of
    exactly the current stops. A stop with several windows gets the client of the first
    window its visit can still start in along the order (else the last one: the search
    repairs that time warp)."""
    if not initial or len(set(initial)) != len(initial):
        return None
    clients_of: dict[str, list[int]] = {}
    for index, stop in enumerate(owner):
        clients_of.setdefault(stop.id, []).append(index)
    if set(initial) != set(clients_of):
        return None
    matrix = data.duration_matrix(0)
    vehicle = data.vehicle_type(0)
    time_now, location, route = vehicle.tw_early, vehicle.start_depot, []
    for stop_id in initial:
        options = clients_of[stop_id]
        client = data.client(options[-1])
        for index in options:
            candidate = data.client(index)
            if time_now + matrix[location, candidate.location] <= candidate.tw_late:
                client = candidate
                break
        else:
            index = options[-1]
        route.append(index)
        arrival = time_now + matrix[location, client.location]
        time_now = max(arrival, client.tw_early) + client.service_duration
        location = client.location
    return [route]


def _required_search(data, stop, seed: int, initial_routes=None):
    """PyVRP's iterated local search as ``pyvrp.solve`` assembles it, with a day's settings.

    Only the library's own parts (``LocalSearch`` with its operators, ``PenaltyManager``,
    ``IteratedLocalSearch``); assembled here because ``pyvrp.solve`` always starts the
    penalties at the midpoint of their range (see ``INITIAL_PENALTY``).
    """
    import pyvrp
    from pyvrp.search import (
        OPERATORS,
        LocalSearch,
        NeighbourhoodParams,
        PerturbationManager,
        PerturbationParams,
        compute_neighbours,
    )

    rng = pyvrp.RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=NEIGHBOURS))
    perturbation = PerturbationManager(PerturbationParams(1, MAX_PERTURBATIONS))
    search = LocalSearch(data, rng, neighbours, perturbation)
    for operator in OPERATORS:
        if operator.supports(data):
            search.add_operator(operator(data))
    penalty_params = pyvrp.PenaltyParams(solutions_between_updates=PENALTY_UPDATE_EVERY)
    initial = ([INITIAL_PENALTY] * data.num_load_dimensions, INITIAL_PENALTY, INITIAL_PENALTY)
    penalties = pyvrp.PenaltyManager(initial, penalty_params)
    # As pyvrp.solve: a random order (or the known one), improved by one exhaustive local
    # search.
    if initial_routes is not None:
        first = pyvrp.Solution(data, initial_routes)
    else:
        first = pyvrp.Solution.make_random(data, rng)
    start = search(first, penalties.max_cost_evaluator(), exhaustive=True)
    ils = pyvrp.IteratedLocalSearch(
        data,
        penalties,
        search,
        start,
        pyvrp.IteratedLocalSearchParams(
            history_length=HISTORY_LENGTH, num_iters_no_improvement=RESTART_AFTER
        ),
    )
    return ils.run(stop, collect_stats=False)


def _day_model(
    day: _Day, schedule: _Schedule, candidates: list[Stop], work_end: int, *, required: bool
):
    """PyVRP data for the rest of the day, and the stop behind each solver client."""
    import numpy as np
    import pyvrp

    # Solver locations: 0 = where the rep is now, 1 = end point, 2.. = candidates.
    indices = [schedule.position, day.end_index] + [day.stop_index[s.id] for s in candidates]
    size = len(indices)
    matrix = np.zeros((size, size), dtype=np.int64)
    for i, origin in enumerate(indices):
        for j, destination in enumerate(indices):
            # An open start (None) costs nothing to leave, an open end nothing to reach.
            if i != j and origin is not None and destination is not None and j != 0 and i != 1:
                matrix[i, j] = day.seconds[origin][destination]
    # Any full route costs less than one prize, so visiting more (priority-weighted) stops
    # always beats shorter travel: the objective is lexicographic.
    prize_unit = 0 if required else int(matrix.max()) * (size + 1) + 1

    clients: list[pyvrp.Client] = []
    groups: list[pyvrp.ClientGroup] = []
    owner: list[Stop] = []
    for k, stop in enumerate(candidates):
        service = round(stop.service_minutes * 60)
        # Service must start early enough to end inside the window and the working day.
        windows = []
        for a, b in _windows_seconds(stop, schedule.time, work_end):
            early, late = max(a, schedule.time), min(b, work_end) - service
            if late >= early:
                windows.append((early, late))
        # Several windows: a mutually exclusive group, one client per window (PyVRP wants
        # the group's clients optional; the group itself carries "required").
        group = len(groups) if len(windows) > 1 else None
        if group is not None:
            members = list(range(len(clients), len(clients) + len(windows)))
            groups.append(pyvrp.ClientGroup(members, required=required))
        for early, late in windows:
            clients.append(
                pyvrp.Client(
                    location=k + 2,
                    service_duration=service,
                    tw_early=early,
                    tw_late=late,
                    prize=prize_unit * max(1, stop.priority),
                    required=required and group is None,
                    group=group,
                    name=stop.id,
                )
            )
            owner.append(stop)
    locations = [pyvrp.Location(x=0, y=0) for _ in range(size)]
    depots = [pyvrp.Depot(location=0), pyvrp.Depot(location=1)]
    rep = pyvrp.VehicleType(
        num_available=1,
        start_depot=0,
        end_depot=1,
        tw_early=schedule.time,
        tw_late=work_end,
        unit_distance_cost=1,
        unit_duration_cost=0,
    )
    data = pyvrp.ProblemData(locations, clients, depots, [rep], [matrix], [matrix], groups)
    return data, owner
