"""Shared helpers for the routing engine tests: plain tests, no database."""

from pathlib import Path

import pytest

from outletcrm.routing.problem import DayProblem, Place, Shift, Stop

REPO = Path(__file__).resolve().parents[2]
# The benchmark instances live in the shared folder beside the repository (issue 4).
VRPTW_DIR = REPO.parent / "shared" / "bench" / "vrptw"

HOME = Place(30.2741, 120.1551, "home")


@pytest.fixture
def vrptw_dir() -> Path:
    """The Solomon / GH instances; missing means a broken checkout, so fail rather than skip."""
    assert (VRPTW_DIR / "C101.vrp").exists(), f"benchmark instances not found in {VRPTW_DIR}"
    return VRPTW_DIR


def stop_at(stop_id: str, east_km: float, north_km: float, **fields) -> Stop:
    """A stop placed by kilometres east/north of HOME (flat-earth is fine at this scale)."""
    lat = HOME.lat + north_km / 111.2
    lng = HOME.lng + east_km / (111.2 * 0.864)
    return Stop(stop_id, lat, lng, **fields)


def day(stops: list[Stop], **shift_fields) -> DayProblem:
    """A day from HOME back to HOME, 09:00–18:00 by e-bike unless overridden."""
    shift = Shift(
        start=HOME, end=HOME, **{"work_start_min": 540, "work_end_min": 1080, **shift_fields}
    )
    return DayProblem(stops=stops, shift=shift)


def check_plan(problem: DayProblem, plan) -> None:
    """Recompute a plan's times from the travel matrix and assert every rule (own arithmetic)."""
    from outletcrm.routing.travel import StraightLineProvider

    shift = problem.shift
    stops = {s.id: s for s in problem.stops}
    # Every stop is either planned or reported, exactly once.
    planned = [v.stop_id for v in plan.visits]
    reported = [u.stop_id for u in plan.unassigned]
    assert sorted(planned + reported) == sorted(stops), "a stop was dropped or duplicated"
    points = [(shift.start.lat, shift.start.lng), (shift.end.lat, shift.end.lng)]
    points += [(s.lat, s.lng) for s in problem.stops]
    minutes, _ = StraightLineProvider().matrix(points, mode=str(shift.mode))
    where = {s.id: i + 2 for i, s in enumerate(problem.stops)}
    position = 0
    clock = max(shift.work_start_min, problem.now_min or 0)
    for visit in plan.visits:
        if visit.visited:
            position, clock = where[visit.stop_id], max(clock, visit.departure_min or clock)
            continue
        stop = stops[visit.stop_id]
        leg = round(minutes[position][where[stop.id]] * 60) / 60
        assert abs(visit.arrival_min - (clock + leg)) < 0.02
        assert visit.start_min >= visit.arrival_min - 1e-9
        windows = stop.windows if stop.windows is not None else [(0, 24 * 60)]
        assert any(
            a - 1e-9 <= visit.start_min and visit.departure_min <= b + 1e-9 for a, b in windows
        )
        assert abs(visit.departure_min - visit.start_min - stop.service_minutes) < 0.02
        clock, position = visit.departure_min, where[stop.id]
    back = round(minutes[position][1] * 60) / 60
    assert clock + back <= shift.work_end_min + 0.02
    assert abs(plan.end_min - (clock + back)) < 0.05
