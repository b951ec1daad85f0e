"""Solomon / Gehring–Homberger VRPTW benchmark: gap to best known at 1, 10 and 30 s.

Usage: .venv/bin/python bench/routing_solomon.py [--instances DIR] [--seconds 1,10,30] [--seed 0]
Prints a markdown table; every solution is verified by our independent checker.
"""

import argparse
import sys
import time
from pathlib import Path

from _machine import REPO, load_average, machine_info

from outletcrm.routing.checker import check_solution
from outletcrm.routing.vrplib_io import read_instance, read_solution, solve_instance


def main() -> int:
    """Run every instance at every time budget and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", default=str(REPO.parent / "shared" / "bench" / "vrptw"))
    parser.add_argument("--seconds", default="1,10,30")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    budgets = [float(s) for s in args.seconds.split(",")]
    files = sorted(Path(args.instances).glob("*.vrp"))
    if not files:
        print(f"no .vrp files in {args.instances}", file=sys.stderr)
        return 2

    print("# Routing engine on Solomon / Gehring–Homberger VRPTW (DIMACS convention)\n")
    print(machine_info())
    print(
        f"seed {args.seed}; gap = (our distance − best known) / best known; one run each, sequential.\n"
    )
    header = "| instance | n | best known |"
    rule = "|---|---:|---:|"
    for budget in budgets:
        header += f" {budget:g} s dist | gap % | veh | time s | checker |"
        rule += "---:|---:|---:|---:|---|"
    print(header)
    print(rule, flush=True)

    gaps: dict[float, list[float]] = {b: [] for b in budgets}
    failures = 0
    for path in files:
        instance = read_instance(path)
        best = read_solution(path.with_suffix(".sol")).cost
        row = f"| {instance.name} | {instance.num_customers} | {best:.1f} |"
        for budget in budgets:
            started = time.perf_counter()
            result = solve_instance(instance, seconds=budget, seed=args.seed)
            elapsed = time.perf_counter() - started
            report = check_solution(instance, result.routes, claimed_cost=result.distance)
            verdict = (
                "ok"
                if report.feasible and result.feasible
                else "FAIL: " + "; ".join(report.errors[:2])
            )
            failures += verdict != "ok"
            gap = 100 * (report.cost - best) / best
            gaps[budget].append(gap)
            row += (
                f" {report.cost:.1f} | {gap:.2f} | {report.vehicles} | {elapsed:.1f} | {verdict} |"
            )
        print(row, flush=True)

    print()
    print("| budget | mean gap % | max gap % | instances |")
    print("|---:|---:|---:|---:|")
    for budget in budgets:
        values = gaps[budget]
        print(
            f"| {budget:g} s | {sum(values) / len(values):.2f} | {max(values):.2f} | {len(values)} |"
        )
    print(f"\nchecker failures: {failures}")
    print(f"load average at end: {load_average()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
