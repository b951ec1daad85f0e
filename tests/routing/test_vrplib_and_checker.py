"""VRPLIB instances: clear errors for bad files, solving C101, and the independent checker."""

import copy

import pytest

from outletcrm.routing.checker import check_solution
from outletcrm.routing.vrplib_io import InstanceError, read_instance, read_solution, solve_instance

GOOD = """NAME : tiny
TYPE : CVRPTW
DIMENSION : 4
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 1
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 0 5
DEMAND_SECTION
1 0
2 4
3 4
4 5
TIME_WINDOW_SECTION
1 0 100
2 0 50
3 0 50
4 0 50
DEPOT_SECTION
1
-1
EOF
"""


def write(tmp_path, text, name="x.vrp"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_a_small_instance(tmp_path):
    instance = read_instance(write(tmp_path, GOOD))
    assert instance.num_customers == 3 and instance.vehicles == 2 and instance.capacity == 10
    assert instance.service == [0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello world\n", "not a VRPLIB file"),
        (GOOD.replace("DEMAND_SECTION\n1 0\n2 4\n3 4\n4 5\n", ""), "missing DEMAND_SECTION"),
        (GOOD.replace("CAPACITY : 10\n", ""), "missing header field CAPACITY"),
        (GOOD.replace("2 3 4", "2 3 x"), "x.vrp:10: non-numeric value 'x' in NODE_COORD_SECTION"),
        (
            GOOD.replace("4 5\nTIME", "4 11\nTIME"),
            "demand 11 of node 4 exceeds the vehicle capacity 10",
        ),
        (GOOD.replace("DIMENSION : 4", "DIMENSION : 1"), "empty instance"),
        (GOOD.replace("4 0 5\n", ""), "NODE_COORD_SECTION has no row for node(s) [4]"),
        (GOOD.replace("2 0 50", "2 60 50"), "starts after it ends"),
        (GOOD.replace("EUC_2D", "EXPLICIT"), "EDGE_WEIGHT_TYPE EXPLICIT is not supported"),
    ],
)
def test_bad_files_give_a_clear_error(tmp_path, text, message):
    with pytest.raises(InstanceError) as error:
        read_instance(write(tmp_path, text))
    assert message in str(error.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InstanceError, match="no such file"):
        read_instance(tmp_path / "nope.vrp")
    binary = tmp_path / "b.vrp"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InstanceError, match="not a text file"):
        read_instance(binary)
    with pytest.raises(InstanceError, match="no 'Route #' lines"):
        read_solution(write(tmp_path, "Cost 12\n", "x.sol"))


def test_solution_numbering_matches_the_sol_files(vrptw_dir):
    # The .sol files number customers 1..n (node id − 1, depot = node 1): every best-known
    # solution checks feasible and its recomputed cost equals its Cost line.
    for path in sorted(vrptw_dir.glob("*.vrp")):
        solution = read_solution(path.with_suffix(".sol"))
        report = check_solution(read_instance(path), solution.routes, claimed_cost=solution.cost)
        assert report.feasible, (path.name, report.errors)


def test_c101_short_run_passes_the_checker(vrptw_dir):
    instance = read_instance(vrptw_dir / "C101.vrp")
    result = solve_instance(instance, seconds=1.0, seed=0)
    report = check_solution(instance, result.routes, claimed_cost=result.distance)
    assert result.feasible and report.feasible, report.errors
    best = read_solution(vrptw_dir / "C101.sol").cost
    assert report.cost <= best * 1.02
    assert sorted(c for route in result.routes for c in route) == list(range(1, 101))


@pytest.fixture
def c101(vrptw_dir):
    return read_instance(vrptw_dir / "C101.vrp"), read_solution(vrptw_dir / "C101.sol")


def test_checker_accepts_the_unbroken_solution(c101):
    instance, solution = c101
    report = check_solution(instance, solution.routes, claimed_cost=solution.cost)
    assert report.feasible and report.cost == 827.3 and report.vehicles == 10


def test_checker_rejects_a_missing_customer(c101):
    instance, solution = c101
    routes = copy.deepcopy(solution.routes)
    routes[0].remove(75)
    report = check_solution(instance, routes)
    assert not report.feasible and "not visited, e.g. [75]" in report.errors[0]


def test_checker_rejects_a_duplicate_and_an_unknown_customer(c101):
    instance, solution = c101
    routes = copy.deepcopy(solution.routes)
    routes[1].append(75)
    routes[2].append(101)
    errors = " | ".join(check_solution(instance, routes).errors)
    assert "customer 75 visited twice" in errors
    assert "customer 101 does not exist" in errors


def test_checker_rejects_a_late_arrival(c101):
    instance, solution = c101
    routes = copy.deepcopy(solution.routes)
    routes[0].reverse()
    errors = check_solution(instance, routes).errors
    assert any("after its due time" in e for e in errors)


def test_checker_rejects_too_much_load(c101):
    instance, solution = c101
    # Merging two full routes of the best-known solution overloads the vehicle, whatever else.
    routes = copy.deepcopy(solution.routes)
    routes[0] += routes.pop(1)
    errors = check_solution(instance, routes).errors
    assert any("exceeds capacity 200" in e for e in errors), errors


def test_checker_rejects_a_late_return_and_a_wrong_cost(tmp_path):
    instance = read_instance(write(tmp_path, GOOD.replace("1 0 100", "1 0 20")))
    # Depot → 1 (5.0) → 2 (5.0), serve 2, back 10.0: home at 22 while the depot closes at 20.
    report = check_solution(instance, [[1, 2], [3]], claimed_cost=1.0)
    assert any("after it closes at 20.0" in e for e in report.errors), report.errors
    assert any("differs from the recomputed" in e for e in report.errors)


def test_checker_rejects_too_many_routes(tmp_path):
    instance = read_instance(write(tmp_path, GOOD))
    report = check_solution(instance, [[1], [2], [3]])
    assert "3 routes used but only 2 vehicles available" in report.errors
