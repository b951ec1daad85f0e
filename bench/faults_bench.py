"""Faults survived, measured (issue 11): the morning load test with three faults in one stage.

Reuses bench/morning_bench.py (the throwaway PostgreSQL and Redis, the seeding, the production
stack: `outletcrm serve` (gunicorn) + the RQ `outletcrm worker` + `outletcrm scheduler`, the
locust users and the ledger count). During one stage at a fixed level, at fixed offsets:

  (a) PostgreSQL restarted (`pg_ctl restart -m fast`);
  (b) a weekly route design started through the app (POST /optimise/design/ as a supervisor:
      an RQ job of up to ROUTING_DESIGN_SECONDS) and, once it runs, the worker killed
      (SIGKILL to the worker and its work-horse, which RQ puts in a session of its own: the
      machine lost, the OOM killer, systemd's stop timeout), then started again;
  (c) Redis stopped (SIGTERM; the bench's Redis keeps nothing on disk, so the queue is lost
      as well) for --redis-down seconds, then started again.

Every request's end time and outcome is recorded (locust, --morning-timeline), so each fault
gets: requests during it, failed during it, failed after it ended (until the next fault or
the end), and the seconds from its end to the last failure. Afterwards the clients upload
what they still had queued, the ledger is counted (lost / duplicated / half-written), and the
killed design job is followed until it ends (or --job-wait seconds): its final state and
error, and how long after the kill it got there.

Usage (from the repository root; a few minutes at --scale 0.05):

  PGPORT_TEST=54410 REDISPORT_TEST=6410 /work/main/.venv/bin/python bench/faults_bench.py \\
      --scale 0.05 --compress 20 --level 2 --http-port 8410
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import morning_bench as mb  # noqa: E402
from _machine import load_average  # noqa: E402


class Faults:
    """Injects the three faults while locust runs; run_server calls it right after locust
    started and waits for it."""

    def __init__(self, args, pg: mb.Postgres, redis: mb.Redis, company: dict, tag: str):
        self.args, self.pg, self.redis, self.company, self.tag = args, pg, redis, company, tag
        self.events: list[dict] = []

    def at(self, started: float, offset: float) -> None:
        time.sleep(max(0.0, started + offset - time.time()))

    def __call__(self, stack: mb.Stack, locust: subprocess.Popen) -> dict:
        started = time.time()
        args = self.args
        self.at(started, args.pg_at)
        mb.log("fault a: PostgreSQL restart")
        begin = time.time()
        self.pg.restart()
        self.events.append({"fault": "PostgreSQL restart (pg_ctl restart -m fast)",
                            "start": begin, "end": time.time()})

        self.at(started, args.kill_at)
        job = self.start_design(stack)
        mb.log(f"fault b: design job {job['id']} started; waiting until it runs")
        deadline = time.time() + 60
        while time.time() < deadline and self.job_state(stack, job["id"]).get(
                "status") != "running":
            time.sleep(0.5)
        time.sleep(args.kill_after)
        job["state_at_kill"] = self.job_state(stack, job["id"])
        begin = time.time()
        # The worker and its work-horse: RQ's horse runs in a session of its own (setsid), so
        # killing the worker's process group alone leaves the horse to finish the job.
        worker = psutil.Process(stack.processes["worker"].pid)
        family = [worker, *worker.children(recursive=True)]
        job["killed_processes"] = len(family)
        mb.log(f"fault b: kill -9 the worker and its horse ({len(family)} processes, job "
               f"{job['state_at_kill'].get('status')})")
        for process in family:
            try:
                process.kill()
            except psutil.Error:
                pass
        stack.kill("worker")
        time.sleep(args.worker_down)
        stack.start("worker", "worker", tag=f"{self.tag}-restarted")
        job["killed_at"] = begin
        self.events.append({"fault": f"worker killed (SIGKILL) mid-job, restarted after "
                                     f"{args.worker_down:g} s", "start": begin,
                            "end": time.time()})

        self.at(started, args.redis_at)
        mb.log("fault c: Redis stopped")
        begin = time.time()
        self.redis.stop()
        time.sleep(args.redis_down)
        self.redis.start()
        self.events.append({"fault": f"Redis stopped for {args.redis_down:g} s",
                            "start": begin, "end": time.time()})
        mb.log("fault c: Redis started again")
        job["processes_after"] = {name: ("running" if p.poll() is None else
                                         f"exited {p.returncode}")
                                  for name, p in stack.processes.items()}
        # Follow the killed job until it ends (the reaper's work), while locust runs on.
        deadline = job["killed_at"] + args.job_wait
        state = self.job_state(stack, job["id"])
        while time.time() < deadline and state.get("status") not in ("done", "failed"):
            time.sleep(2)
            state = self.job_state(stack, job["id"])
        job["final"] = state
        job["seconds_after_kill"] = round(time.time() - job["killed_at"])
        job["processes_end"] = {name: ("running" if p.poll() is None else
                                       f"exited {p.returncode}")
                                for name, p in stack.processes.items()}
        return {"events": self.events, "job": job}

    def supervisor(self) -> tuple[dict, dict]:
        person = self.company["supervisors"][0]
        return ({"sessionid": person["session"], "csrftoken": person["csrf"]},
                {"X-CSRFToken": person["csrf"], "Referer": "http://127.0.0.1/"})

    def start_design(self, stack: mb.Stack) -> dict:
        cookies, headers = self.supervisor()
        response = requests.post(f"{stack.base}/optimise/design/", cookies=cookies,
                                 headers=headers, allow_redirects=False, timeout=120,
                                 data={"cycle_weeks": "2",
                                       "csrfmiddlewaretoken": cookies["csrftoken"]})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/design/" not in location:
            raise SystemExit(f"design did not start: HTTP {response.status_code} {location}")
        return {"id": int(location.rstrip("/").rsplit("/", 1)[-1])}

    def job_state(self, stack: mb.Stack, pk: int) -> dict:
        cookies, _ = self.supervisor()
        try:
            response = requests.get(f"{stack.base}/api/v1/optimise/jobs/{pk}", cookies=cookies,
                                    timeout=30)
            body = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            return {}
        return {key: body.get(key) for key in ("status", "progress", "error")}


def analyse(timeline: list, events: list[dict], end: float, window: float) -> list[dict]:
    """Per fault: requests ending during it and in the `window` seconds after it ended (cut at
    the next fault's start), failures of each, and when the last failure after it came."""
    timeline = sorted(timeline)
    rows = []
    for index, event in enumerate(events):
        stop = min(event["end"] + window,
                   events[index + 1]["start"] if index + 1 < len(events) else end)
        during = [r for r in timeline if event["start"] <= r[0] <= event["end"]]
        after = [r for r in timeline if event["end"] < r[0] <= stop]
        failed_after = [r for r in after if not r[2]]
        errors: dict[str, int] = {}
        for r in during + after:
            if not r[2]:
                key = f"{r[1].split(' (')[0]}: {r[3][:60]}"
                errors[key] = errors.get(key, 0) + 1
        rows.append({
            "fault": event["fault"], "seconds": round(event["end"] - event["start"], 1),
            "during": len(during), "failed_during": sum(1 for r in during if not r[2]),
            "after": len(after), "after_window": round(stop - event["end"]),
            "failed_after": len(failed_after),
            "clean_after_s": (round(failed_after[-1][0] - event["end"], 1)
                              if failed_after else 0.0),
            "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:6])})
    return rows


def report(args, facts: dict, company: dict, run: dict, rows: list[dict], counts: dict) -> str:
    job = run["faults"]["job"]
    stage = run["locust"]["stages"][0]
    total = sum(e["n"] for e in stage["endpoints"].values())
    failures = sum(e["failures"] for e in stage["endpoints"].values())
    m = stage.get("machine", {})
    lines = [
        "# Faults survived, measured (issue 11)",
        "",
        f"- date: {facts['date']}; machine: {facts['nproc']} cores ({facts['cpu']}), "
        f"{facts['ram']} RAM, shared with other sessions' work: load average (1/5/15 min) "
        f"before {facts['load_start']}, after {load_average()}; during the stage mean "
        f"{m.get('load1_mean', 0):.1f}, max {m.get('load1_max', 0):.1f}",
        f"- stack: PostgreSQL {facts['pg']} (fsync, synchronous_commit on), Redis without "
        "persistence (RQ queue db 0, cache db 1), `outletcrm serve --server gunicorn`, "
        "`outletcrm worker` (RQ), `outletcrm scheduler`, production settings "
        "(CONN_MAX_AGE 60 with CONN_HEALTH_CHECKS)",
        f"- company: {company['counts']['reps']:,} reps, {company['counts']['outlets']:,} "
        f"outlets, {len(company['supervisors'])} supervisors, {len(company['managers'])} "
        "managers (bench/morning/company.py)",
        f"- load: one stage of {args.seconds:g} s at {args.level:g}× with --compress "
        f"{args.compress:g} (1× = the real peak half-hour's 4.2 requests/s for 1,000 reps, "
        "bench/results/morning.md, scaled by --scale): "
        f"{total:,} requests, {total / stage['elapsed']:.1f} requests/s, {failures} failed",
        f"- faults at {args.pg_at:g} s, {args.kill_at:g} s and {args.redis_at:g} s into the "
        "stage",
        f"- command: `python bench/faults_bench.py {' '.join(sys.argv[1:])}`",
        "",
        "## Requests per fault",
        "",
        "\"After\" is the window from the fault's end to the next fault (or the end of the "
        f"stage), at most {args.window:g} s; \"clean after\" is the time from the fault's end "
        "to the last failed request in that window (0 = none failed after it ended).",
        "",
        "| fault | lasted s | requests during | failed during | requests after | "
        "failed after | clean after s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['fault']} | {row['seconds']} | {row['during']} | "
                     f"{row['failed_during']} | {row['after']} (in {row['after_window']} s) | "
                     f"{row['failed_after']} | {row['clean_after_s']} |")
    lines.append("")
    for row in rows:
        if row["errors"]:
            lines.append(f"- {row['fault']}: " + "; ".join(
                f"{n}× {e}" for e, n in row["errors"].items()))
    lines += [
        "",
        "## The killed job",
        "",
        f"Weekly route design #{job['id']} (started by a supervisor through POST "
        f"/optimise/design/): at the kill {json.dumps(job.get('state_at_kill'))}; final state "
        f"**{(job.get('final') or {}).get('status')}** with error "
        f"\"{(job.get('final') or {}).get('error') or ''}\", "
        f"{job.get('seconds_after_kill')} s after the kill of {job.get('killed_processes')} "
        f"processes (worker and work-horse; followed for at most "
        f"{args.job_wait:g} s). Processes after the Redis fault: "
        f"{json.dumps(job.get('processes_after'))}; at the end: "
        f"{json.dumps(job.get('processes_end'))}.",
        "",
        "## Every operation exactly once",
        "",
        f"After the stage the clients uploaded what they still had queued: "
        f"{run['drain']['uploaded']} items, {run['drain']['still_failing']} still failing. "
        "Operations sent: " + ", ".join(f"{op} {n:,}" for op, n in counts["sent"].items())
        + f"; refused by the server: {counts['refused']}.",
        "",
        *mb.ledger_lines(counts),
    ]
    if run.get("logs_errors"):
        lines += ["Server log errors: " + "; ".join(
            f"{n}× {m}" for m, n in run["logs_errors"].items()), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    mb.add_arguments(parser)
    parser.add_argument("--level", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=280, help="length of the stage")
    parser.add_argument("--pg-at", type=float, default=30)
    parser.add_argument("--kill-at", type=float, default=60)
    parser.add_argument("--kill-after", type=float, default=3,
                        help="seconds the design job runs before the kill")
    parser.add_argument("--worker-down", type=float, default=5)
    parser.add_argument("--redis-at", type=float, default=200,
                        help="after the killed job was reaped (<= 120 s after the kill)")
    parser.add_argument("--redis-down", type=float, default=30)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--job-wait", type=float, default=300)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/faults.md")
    parser.set_defaults(workdir=Path("/tmp/outletcrm-faults"), history_days=1)  # noqa: S108
    args = parser.parse_args()

    root, pg, redis, facts = mb.prepare(args)
    try:
        company = json.loads((root / "company.json").read_text(encoding="utf-8"))
        tag = "faults"
        faults = Faults(args, pg, redis, company, tag)
        timeline_path = root / "timeline.json"
        run = mb.run_server(args, root, pg, redis, company, server="gunicorn",
                            stages=f"{args.level:g}:{args.seconds:g}", tag=tag, faults=faults,
                            extra_locust_args=("--morning-timeline", str(timeline_path)))
        timeline = json.loads(timeline_path.read_text(encoding="utf-8"))
        end = run["locust"]["stages"][0]["end"]
        rows = analyse(timeline, run["faults"]["events"], end, args.window)
        counts = mb.count_ledger(root, pg, redis)
        (root / "faults-run.json").write_text(json.dumps({"run": run, "rows": rows}, indent=1),
                                              encoding="utf-8")
        text = report(args, facts, company, run, rows, counts)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(text)
    finally:
        mb.cleanup(args, root, pg, redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
