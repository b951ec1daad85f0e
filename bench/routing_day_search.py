"""Search settings for the day optimiser, replayed from best-cost trajectories (issue 11).

Usage: .venv/bin/python bench/routing_day_search.py [--sizes 30,40] [--days 10] [--seeds 0,1]
       [--configs base,lowpen] [--max-iters 3000] [--max-cpu 2.5]

Each config runs PyVRP on the engine's own model of each generated day (captured from
``optimise_day``) until ``--max-iters`` iterations without improvement or ``--max-cpu`` CPU
seconds, recording the CPU time and iteration of every improvement. Stop rules are then
evaluated on those trajectories against the stored 30-second references
(bench/results/routing_day_reference.json): days equal to or better than the reference,
median CPU, worst gap. CPU = thread time of the search plus the model building.
"""

import argparse
import json
import statistics
import sys
import time
import warnings

import pyvrp
from _city import generate_day
from _machine import REPO, load_average, machine_info
from pyvrp import IteratedLocalSearch, PenaltyManager, PenaltyParams, RandomNumberGenerator
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    Relocate1,
    Relocate2,
    RelocateAlternative,
    Swap11,
    Swap21,
    compute_neighbours,
)

from outletcrm.routing import engine

REFERENCES = REPO / "bench" / "results" / "routing_day_reference.json"


def capture(problem):
    """The engine's first (required-stops) model of a day: ProblemData."""
    captured = []
    real = engine._required_search

    def fake(data, stop, seed):
        captured.append(data)
        return real(data, pyvrp.stop.MaxIterations(1), seed)

    engine._required_search = fake
    try:
        engine.optimise_day(problem)
    finally:
        engine._required_search = real
    return captured[0]


class Recorder:
    def __init__(self, max_stale, max_cpu):
        self.max_stale, self.max_cpu = max_stale, max_cpu
        self.cpu0 = time.thread_time()
        self.best = None
        self.iters = 0
        self.stale = 0
        self.trace = []  # (iteration, cpu, cost)

    def __call__(self, cost):
        cpu = time.thread_time() - self.cpu0
        if self.best is None or cost < self.best:
            self.best, self.stale = cost, 0
            self.trace.append((self.iters, cpu, cost))
        else:
            self.stale += 1
        self.iters += 1
        self.end = (self.iters, cpu)
        return self.stale >= self.max_stale or cpu >= self.max_cpu


def run(data, seed, cfg, max_stale, max_cpu):
    """One search with config ``cfg``; returns (trace, end, setup_cpu)."""
    if cfg.get("transform") == "nogroup":
        data = widest_window_only(data)
    rec = Recorder(max_stale, max_cpu)
    rng = RandomNumberGenerator(seed=seed)
    nb = compute_neighbours(data, NeighbourhoodParams(num_neighbours=cfg.get("nb", 10),
                                                      weight_wait_time=cfg.get("wwait", 0.2)))
    pert = PerturbationManager(PerturbationParams(cfg.get("pmin", 1), cfg.get("pmax", 25)))
    ls = LocalSearch(data, rng, nb, pert)
    for op in cfg.get("ops", OPERATORS):
        if op.supports(data):
            ls.add_operator(op(data))
    pparams = PenaltyParams(**cfg.get("penalty", {}))
    init_pen = cfg.get("init_pen")
    if init_pen is None:
        penalties = pparams.midpoint_penalties(data)
    else:
        penalties = ([init_pen] * data.num_load_dimensions, init_pen, init_pen)
    pm = PenaltyManager(penalties, pparams)
    init = pyvrp.Solution.make_random(data, rng)
    init = ls(init, pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(
        data, pm, ls, init, pyvrp.IteratedLocalSearchParams(
            history_length=cfg.get("hist", 50),
            num_iters_no_improvement=cfg.get("restart", 150_000),
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        algo.run(rec, collect_stats=False)
    return rec.trace, rec.end


CONFIGS = {
    "base": {},
    "lowpen": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50}},
    "pen10": {"init_pen": 10.0, "penalty": {"solutions_between_updates": 50}},
    "pen100": {"init_pen": 100.0, "penalty": {"solutions_between_updates": 50}},
    "upd50": {"penalty": {"solutions_between_updates": 50}},
    "opsmin": {"ops": [Relocate1, Relocate2, Swap11, Swap21, RelocateAlternative]},
    "ww0": {"wwait": 0.0},
    "ww1": {"wwait": 1.0},
    "nb20ww1": {"nb": 20, "wwait": 1.0},
    "lowpen_p10": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50}, "pmax": 10},
    "nogroup": {"transform": "nogroup"},
    "lowpen_p5": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50}, "pmax": 5},
    "lowpen_p15": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50}, "pmax": 15},
    "pen10_p10": {"init_pen": 10.0, "penalty": {"solutions_between_updates": 50}, "pmax": 10},
    "lowpen_p10_h20": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
                       "pmax": 10, "hist": 20},
    "lowpen_p10_ww0": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
                       "pmax": 10, "wwait": 0.0},
    "p10": {"pmax": 10},
    "lp10h20w0": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
                  "pmax": 10, "hist": 20, "wwait": 0.0},
    "lp10h10": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
                "pmax": 10, "hist": 10},
    "lp8h20": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
               "pmax": 8, "hist": 20},
    "lp10h20u20": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 20},
                   "pmax": 10, "hist": 20},
    # the engine's setting since 2026-12-06
    "lp10h20r300": {"init_pen": 1.0, "penalty": {"solutions_between_updates": 50},
                    "pmax": 10, "hist": 20, "restart": 300},
}


def widest_window_only(data):
    """The same day with each multi-window stop reduced to its widest window (no groups)."""
    keep = []
    for g in range(data.num_groups):
        members = list(data.group(g).clients)
        widest = max(members, key=lambda c: data.client(c).tw_late - data.client(c).tw_early)
        keep.append(widest)
    grouped = {c for g in range(data.num_groups) for c in data.group(g).clients}
    clients = []
    for idx in range(data.num_clients):
        if idx in grouped and idx not in keep:
            continue
        cl = data.client(idx)
        clients.append(pyvrp.Client(location=cl.location, service_duration=cl.service_duration,
                                    tw_early=cl.tw_early, tw_late=cl.tw_late, required=True,
                                    name=cl.name))
    return data.replace(clients=clients, groups=[])


def cost_at(trace, cpu=None, iters=None):
    best = None
    for it, c, cost in trace:
        if (cpu is not None and c > cpu) or (iters is not None and it > iters):
            break
        best = cost
    return best


def stop_patience(trace, end, patience):
    """(cost, cpu) when 'stop after patience iterations without improvement' would stop."""
    for k, (it, c, cost) in enumerate(trace):
        nxt = trace[k + 1][0] if k + 1 < len(trace) else None
        if nxt is None or nxt - it > patience:
            # stopped at it + patience; cpu by linear interpolation of iterations
            stop_it = it + patience
            if nxt is None and stop_it > end[0]:
                return cost, end[1], False  # trajectory too short to know
            cpu_per_it = end[1] / max(1, end[0])
            return cost, c + patience * cpu_per_it, True
    raise AssertionError


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="30,40")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--configs", default="base")
    parser.add_argument("--max-iters", type=int, default=3000)
    parser.add_argument("--max-cpu", type=float, default=2.5)
    parser.add_argument("--patience", default="100,200,300,500,1000")
    parser.add_argument("--dump", help="write trajectories to this JSON file")
    args = parser.parse_args()
    refs = json.loads(REFERENCES.read_text())
    print(machine_info())
    dump = {}
    for name in args.configs.split(","):
        cfg = CONFIGS[name]
        rows = {}
        for size in map(int, args.sizes.split(",")):
            for day in range(args.days):
                ref = refs[f"{size}/{day}/30"]
                data = capture(generate_day(size, day))
                if ref["planned"] != size:
                    continue  # overfull day: not the required model
                for seed in map(int, args.seeds.split(",")):
                    trace, end = run(data, seed, cfg, args.max_iters, args.max_cpu)
                    rows.setdefault(size, []).append((day, seed, trace, end, ref))
                    dump[f"{name}/{size}/{day}/{seed}"] = {"trace": trace, "end": end}
        print(f"\n## {name} {cfg}  (load {load_average()})\n")
        print("| stops | patience | equal | median CPU s | worst gap % | mean iters/ms |")
        print("|---:|---:|---:|---:|---:|---:|")
        for size, rs in rows.items():
            for p in map(int, args.patience.split(",")):
                eq, cpus, gaps, unknown = 0, [], [], 0
                for _day, _seed, trace, end, ref in rs:
                    cost, cpu, known = stop_patience(trace, end, p)
                    unknown += not known
                    travel = round(cost / 60, 2)
                    gap = 100 * (travel - ref["travel_minutes"]) / ref["travel_minutes"]
                    eq += gap < 0.01 / ref["travel_minutes"] * 100 or gap <= 0
                    gaps.append(gap)
                    cpus.append(cpu)
                ipm = statistics.mean(e[0] / max(e[1], 1e-9) / 1000 for *_, e, _ in rs)
                print(f"| {size} | {p} | {eq}/{len(rs)} | {statistics.median(cpus):.3f} | "
                      f"{max(gaps):.2f} | {ipm:.2f} |" + (f" ({unknown} cut)" if unknown else ""))
            firsts = [next(it for it, c, cost in trace if cost < engine.INFEASIBLE_COST)
                      for day, seed, trace, end, ref in rs]
            print(f"\nfirst feasible at {size}: median iteration {statistics.median(firsts)}, "
                  f"max {max(firsts)}")
            # time to target: CPU until the reference cost (or better) is first reached
            ttt = []
            for _day, _seed, trace, _end, ref in rs:
                hit = next((c for it, c, cost in trace
                            if round(cost / 60, 2) <= ref["travel_minutes"] + 0.005), None)
                ttt.append(hit if hit is not None else float("inf"))
            ttt.sort()
            print(f"\ntime to reference at {size}: median {statistics.median(ttt):.3f} s, "
                  f"reached {sum(t < 1e9 for t in ttt)}/{len(ttt)}, "
                  f"all {[round(t, 3) for t in ttt]}\n")
    if args.dump:
        with open(args.dump, "w") as fh:
            json.dump(dump, fh)
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
