"""Daily plans: default engine settings vs a 30-second reference, on generated city days.

Usage: .venv/bin/python bench/routing_day.py [--sizes 10,20,30,40] [--days 10] [--repeats 5]
       [--seed 0] [--wall 60] [--reference 30] [--references bench/results/routing_day_reference.json]

Targets (issue 11, "the day optimiser at morning scale"): on days of up to 40 stops with
windows, the default result equals (or beats) the best found by a 30-second run, in a median
under 0.1 s of CPU, and is never more than 0.5 % longer at 40 stops. Days are Hangzhou-like
e-bike days (bench/_city.py).

The references are slow (30 s each), so they are kept in a JSON file keyed by size, day and
reference seconds and computed only when missing: a rerun after an engine change costs the
default runs only. Each default run is repeated; CPU time (process_time) is reported next to
wall time because other work on a shared machine stretches wall time but not CPU time.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from _city import generate_day
from _machine import REPO, load_average, machine_info

from outletcrm.routing.engine import optimise_day

DEFAULT_REFERENCES = REPO / "bench" / "results" / "routing_day_reference.json"


def load_references(path: Path) -> dict:
    """The stored 30-second references ({key: {travel_minutes, planned, ...}})."""
    if path.exists():
        return json.loads(path.read_text())
    return {}


def reference(problem, key: str, seconds: float, store: dict, path: Path) -> dict:
    """The reference of one day: from the store, else a long run (then stored at once)."""
    if key not in store:
        started = time.perf_counter()
        best = optimise_day(problem, seconds=seconds, seed=1, patience=None)
        store[key] = {
            "travel_minutes": best.travel_minutes,
            "planned": len(best.visits),
            "seconds": seconds,
            "wall_s": round(time.perf_counter() - started, 1),
        }
        path.write_text(json.dumps(store, indent=1, sort_keys=True) + "\n")
    return store[key]


def verdict(planned: int, travel: float, ref: dict) -> tuple[str, float, bool]:
    """Compare a plan with the reference: (text, gap %, equal-or-better)."""
    if planned == ref["planned"] and abs(travel - ref["travel_minutes"]) < 0.01:
        return "equal", 0.0, True
    if planned > ref["planned"] or (
        planned == ref["planned"] and travel < ref["travel_minutes"]
    ):
        gap = 100 * (travel - ref["travel_minutes"]) / ref["travel_minutes"]
        return "better than reference", gap, True
    if planned < ref["planned"]:
        return f"{ref['planned'] - planned} stop(s) fewer", 100.0, False
    gap = 100 * (travel - ref["travel_minutes"]) / ref["travel_minutes"]
    return f"gap {gap:.2f} %", gap, False


def main() -> int:
    """Solve every generated day (default settings, repeated) and compare with its reference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,20,30,40")
    parser.add_argument("--days", type=int, default=10, help="generated days per size")
    parser.add_argument("--repeats", type=int, default=5, help="default runs per day")
    parser.add_argument(
        "--reference", type=float, default=30.0, help="seconds of the reference run"
    )
    parser.add_argument("--references", type=Path, default=DEFAULT_REFERENCES)
    parser.add_argument("--seed", type=int, default=0, help="seed of the default runs")
    parser.add_argument(
        "--wall", type=float, default=None,
        help="wall-clock guard in s (default: the engine's, 4x the CPU cap; raise it on a "
        "loaded machine so that only the engine's own stop rule ends a search)",
    )
    parser.add_argument(
        "--references-only", action="store_true", help="compute missing references and stop"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    store = load_references(args.references)

    if args.references_only:
        for size in sizes:
            for day in range(args.days):
                key = f"{size}/{day}/{args.reference:g}"
                ref = reference(generate_day(size, day), key, args.reference, store, args.references)
                print(key, ref, flush=True)
        return 0

    print("# Routing engine: daily plans on generated city days\n")
    print(machine_info())
    print(
        f"Default = `optimise_day(problem, seed={args.seed})`, run {args.repeats} times per day (median wall and "
        "CPU time; the result must be the same every time). Reference = a run of "
        f"{args.reference:g} s (seed 1, no early stop), stored in "
        f"`{args.references.relative_to(REPO) if args.references.is_relative_to(REPO) else args.references}`. "
        "Objective: most stops planned, then least travel time. Time = the whole "
        "`optimise_day` call (travel matrix, model, search, schedule).\n"
    )
    print(
        "| stops | day | planned | travel min | median wall s | median CPU s | "
        "reference min | reference planned | result |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    optimise_day(generate_day(10, 99))  # imports and first-call set-up outside the timings
    summary: dict[int, list[tuple[bool, float, float, float]]] = {}
    deterministic = True
    for size in sizes:
        for day in range(args.days):
            problem = generate_day(size, day)
            ref = reference(
                problem, f"{size}/{day}/{args.reference:g}", args.reference, store, args.references
            )
            walls, cpus, results = [], [], set()
            for _ in range(args.repeats):
                wall, cpu = time.perf_counter(), time.process_time()
                plan = optimise_day(problem, seed=args.seed, wall_seconds=args.wall)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                results.add((tuple(plan.stop_ids), plan.travel_minutes))
            deterministic &= len(results) == 1
            text, gap, ok = verdict(len(plan.visits), plan.travel_minutes, ref)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            summary.setdefault(size, []).append((ok, wall, cpu, gap))
            print(
                f"| {size} | {day} | {len(plan.visits)} | {plan.travel_minutes:.2f} | "
                f"{wall:.3f} | {cpu:.3f} | {ref['travel_minutes']:.2f} | {ref['planned']} | "
                f"{text}{'' if len(results) == 1 else ' (differs between runs)'} |",
                flush=True,
            )
    print(
        "\n| stops | days equal to or better than reference | median wall s | median CPU s | "
        "max CPU s | mean gap % | worst gap % |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, rows in summary.items():
        equal = sum(1 for ok, *_ in rows if ok)
        print(
            f"| {size} | {equal}/{len(rows)} | {statistics.median(r[1] for r in rows):.3f} | "
            f"{statistics.median(r[2] for r in rows):.3f} | {max(r[2] for r in rows):.3f} | "
            f"{statistics.mean(max(0.0, r[3]) for r in rows):.2f} | "
            f"{max(r[3] for r in rows):.2f} |"
        )
    print(f"\nsame result on every repeat: {'yes' if deterministic else 'NO'}")
    print(f"load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
