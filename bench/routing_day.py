"""Daily plans: default engine settings vs the best of a long run, on generated city days.

Usage: .venv/bin/python bench/routing_day.py [--sizes 10,20,30,40] [--days 3] [--reference 30]
Target (issue 4): on days of 10–40 stops with windows, the default result equals the best found
by a 30-second run, in under 1 s. Days are Hangzhou-like e-bike days (bench/_city.py).
"""

import argparse
import sys
import time

from _city import generate_day
from _machine import load_average, machine_info

from outletcrm.routing.engine import optimise_day


def main() -> int:
    """Solve every generated day twice (default, long reference) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,20,30,40")
    parser.add_argument("--days", type=int, default=3, help="generated days per size")
    parser.add_argument(
        "--reference", type=float, default=30.0, help="seconds of the reference run"
    )
    args = parser.parse_args()

    print("# Routing engine: daily plans on generated city days\n")
    print(machine_info())
    print(
        "Default = `optimise_day(problem)` (seed 0, 1 s cap, stops after 1,000 iterations without "
        f"improvement). Reference = the same model run for {args.reference:g} s without the "
        "no-improvement stop (seed 1). Objective: most stops planned, then least travel time.\n"
    )
    print(
        "| stops | day | planned | default travel min | default time s | reference travel min | reference planned | result |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    summary: dict[int, list[tuple[bool, float, float]]] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        for day in range(args.days):
            problem = generate_day(size, day)
            started = time.perf_counter()
            plan = optimise_day(problem)
            elapsed = time.perf_counter() - started
            best = optimise_day(problem, seconds=args.reference, seed=1, patience=None)
            if (
                len(plan.visits) == len(best.visits)
                and abs(plan.travel_minutes - best.travel_minutes) < 0.01
            ):
                verdict, gap = "equal", 0.0
            elif len(plan.visits) > len(best.visits) or (
                len(plan.visits) == len(best.visits) and plan.travel_minutes < best.travel_minutes
            ):
                verdict, gap = "better than reference", 0.0
            elif len(plan.visits) < len(best.visits):
                verdict, gap = f"{len(best.visits) - len(plan.visits)} stop(s) fewer", 100.0
            else:
                gap = 100 * (plan.travel_minutes - best.travel_minutes) / best.travel_minutes
                verdict = f"gap {gap:.2f} %"
            summary.setdefault(size, []).append((gap == 0.0, elapsed, gap))
            print(
                f"| {size} | {day} | {len(plan.visits)} | {plan.travel_minutes:.2f} | {elapsed:.2f} | "
                f"{best.travel_minutes:.2f} | {len(best.visits)} | {verdict} |",
                flush=True,
            )
    print("\n| stops | days equal to or better than reference | max default time s | mean gap % |")
    print("|---:|---:|---:|---:|")
    for size, rows in summary.items():
        equal = sum(1 for ok, _, _ in rows if ok)
        print(
            f"| {size} | {equal}/{len(rows)} | {max(t for _, t, _ in rows):.2f} | "
            f"{sum(g for _, _, g in rows) / len(rows):.2f} |"
        )
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
