"""Weekly route design on a generated territory, against the address-order baseline.

Usage: .venv/bin/python bench/routing_design.py [--outlets 600] [--cycle 2] [--seconds 60]
Target (issue 4): ≥ 25 % less travel per cycle than the baseline, with zero frequency violations.
"""

import argparse
import sys
import time

from _city import CENTRE, generate_territory
from _machine import load_average, machine_info

from outletcrm.routing.design import Outlet, baseline_design, design_routes, split_territory
from outletcrm.routing.problem import Place

# Minutes per visit by class for a routine maintenance round (quick shelf and stock checks);
# with 600 outlets a longer visit would not fit one rep's cycle at all.
SERVICE = {"key": 10.0, "ordinary": 6.0, "potential": 4.0}


def main() -> int:
    """Design, baseline and a team split on one generated territory; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outlets", type=int, default=600)
    parser.add_argument("--cycle", type=int, default=2, choices=(1, 2, 4))
    parser.add_argument("--seconds", type=float, default=60.0, help="budget of the design")
    parser.add_argument("--radius", type=float, default=4.0, help="territory half-width, km")
    parser.add_argument("--shift-hours", type=float, default=9.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    raw = generate_territory(args.outlets, args.seed, radius_km=args.radius)
    outlets = [Outlet(o["id"], o["lat"], o["lng"], o["class"], address=o["address"]) for o in raw]
    counts = {
        c: sum(1 for o in outlets if o.outlet_class == c) for c in ("key", "ordinary", "potential")
    }
    home = Place(*CENTRE, label="office")
    options = {
        "cycle_weeks": args.cycle,
        "shift_minutes": args.shift_hours * 60,
        "service_minutes": SERVICE,
        "home": home,
        "mode": "ebike",
        "seed": args.seed,
    }

    print("# Routing engine: weekly route design vs address-order baseline\n")
    print(machine_info())
    print(
        f"Territory: {args.outlets} generated outlets within ±{args.radius:g} km of central Hangzhou "
        f"(key {counts['key']}, ordinary {counts['ordinary']}, potential {counts['potential']}); "
        f"{args.cycle}-week cycle, 5 workdays, {args.shift_hours:g} h shift, e-bike, start/end at the "
        f"office; service minutes {SERVICE}; key weekly, ordinary fortnightly, potential every 4 "
        "weeks (once per cycle when the cycle is shorter). Both designs are measured the same way: "
        "each day's order solved by PyVRP, travel = straight line × 1.3 at 15 km/h.\n"
    )
    started = time.perf_counter()
    design = design_routes(outlets, seconds=args.seconds, **options)
    design_time = time.perf_counter() - started
    started = time.perf_counter()
    baseline = baseline_design(outlets, seconds=max(10.0, args.seconds / 3), **options)
    baseline_time = time.perf_counter() - started

    print(
        "| method | travel per cycle min | km | max day h | min day h | days over shift | frequency violations | time s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for result, elapsed in ((design, design_time), (baseline, baseline_time)):
        print(
            f"| {result.method} | {result.travel_minutes:.0f} | {result.distance_km:.1f} | "
            f"{result.max_day_hours:.2f} | {result.min_day_hours:.2f} | {len(result.days_over_shift)} | "
            f"{len(result.frequency_violations)} | {elapsed:.1f} |"
        )
    saving = 100 * (1 - design.travel_minutes / baseline.travel_minutes)
    ok = saving >= 25 and not design.frequency_violations
    print(
        f"\nTravel saved vs baseline: **{saving:.1f} %** (target ≥ 25 % with zero violations: {'met' if ok else 'NOT met'}).\n"
    )

    print("| day | design outlets | design work h | baseline outlets | baseline work h |")
    print("|---|---:|---:|---:|---:|")
    for ours, theirs in zip(design.days, baseline.days, strict=True):
        print(
            f"| {ours.label} | {len(ours.outlet_ids)} | {ours.work_minutes / 60:.2f} | "
            f"{len(theirs.outlet_ids)} | {theirs.work_minutes / 60:.2f} |"
        )

    started = time.perf_counter()
    shares = split_territory(
        outlets, reps=3, cycle_weeks=args.cycle, service_minutes=SERVICE, office=home, seconds=10
    )
    print(
        f"\nTeam split of the same outlets between 3 reps ({time.perf_counter() - started:.1f} s):\n"
    )
    print("| rep | outlets | service h per cycle | tour km | spread km |")
    print("|---:|---:|---:|---:|---:|")
    for share in shares:
        print(
            f"| {share.rep + 1} | {len(share.outlet_ids)} | {share.service_hours_per_cycle:.1f} | "
            f"{share.tour_km:.1f} | {share.spread_km:.2f} |"
        )
    print(f"\nload average at end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
