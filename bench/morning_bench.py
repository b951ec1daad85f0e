"""A company's morning under load (issue 11): locust against the production stack on loopback.

Starts a throwaway PostgreSQL cluster (Debian's binaries, like scripts/with-postgres, but with
PostgreSQL's durable defaults) and a Redis server (like scripts/with-redis), migrates, collects
static files, seeds a company (bench/morning/company.py: 1,000 reps on 100,000 outlets with
routes, today's plans, a few days of history, signed-in sessions), then for each server
(`outletcrm serve --server gunicorn|granian`) starts serve + the RQ `outletcrm worker` +
`outletcrm scheduler` in production mode and runs locust headless (bench/morning/locustfile.py)
through the levels, one stage after the other in one locust process. Afterwards it uploads what
the clients still had queued (as the phone does when it gets a signal back) and counts rows:
every operation sent exactly once, nothing half-written. Writes bench/results/morning.md.

The load (1×), defined from the real morning and written into the results:
  the peak half-hour 08:30–09:00 of a company of 1,000 reps: every rep opens the field app
  (today page + notification count) and makes his first visit (check-in sync, photo, record +
  order + check-out sync, each sync followed by the app's GET /api/v1/me/today), 1 rep in 10
  presses "optimise my day" (optimise, proposal, apply); 50 supervisors refresh the
  supervisor's day every 5 minutes; 10 managers open the KPI page twice. That half-hour is
  compressed --compress times (default 10: 90 s of a stage = 15 minutes of the peak).
  Each user is a Poisson process at its rate × the level; a rep's steps continue from stage to
  stage and run to run, so over the bench a rep works through about a morning (4–5 visits of
  5 operations: the issue's queue of 20 operations).

Usage (from the repository root; ~12–15 minutes at full size, mostly seeding and the stages):

  /work/main/.venv/bin/python bench/morning_bench.py --scale 0.05 --seconds 30 --out /tmp/m.md
  /work/main/.venv/bin/python bench/morning_bench.py              # 1,000 reps, 1×/2×/4×,
                                                                  # gunicorn then granian 1×
  … --reuse   keep the cluster and company of the last run (--workdir) and skip the seeding

The fair server comparison (bench/results/servers.md): seed once, then each server on its own
copy of the seeded database (CREATE DATABASE … TEMPLATE), Redis flushed, the clients' state
fresh, every stage for each server, round 1 in --servers order and round 2 reversed; each
server's run holds flock(--lock) so timed runs on a shared machine do not overlap:

  … --fair --seconds 60 --levels 1,4,10 --compress 1 --history-days 1 --lock /tmp/bench.lock
"""

import argparse
import contextlib
import datetime
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

sys.path.insert(0, str(REPO / "bench/morning"))

from _machine import load_average  # noqa: E402
from photo import jpeg  # noqa: E402

PY = sys.executable
STRONG_KEY = "k3Jx9-vQ2mZr7TnW_pL4sYb8HcE1uFa6DgR0oIeNtVwXyA5jKlMq"  # the integration test's
FIELD_KEY = "Jx0cQmV8o1pZbWc3k5u7Yq9sT2vR4nL6hG8fD0aS1eE="
DB_NAME = "outletcrm_morning"


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


HTTP_PORT = 0  # --http-port: the web server's port (0: any free one)


def free_port() -> int:
    if HTTP_PORT:
        return HTTP_PORT
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL and Redis ------------------------------------------------------------------

class Postgres:
    """A cluster of its own on loopback (the postgres system user owns it when run as root)."""

    def __init__(self, root: Path, port: int):
        self.dir, self.port = root / "pg", port
        self.data = self.dir / "data"
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
        if not bindirs:
            raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = bindirs[-1]
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.url = f"postgresql://outletcrm@127.0.0.1:{port}/{DB_NAME}"

    def run(self, *args, check=True):
        return subprocess.run([*self.as_pg, *args], check=check, capture_output=True, text=True)

    def create(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.as_pg:
            shutil.chown(self.dir, "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "outletcrm",
                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    def start(self) -> None:
        # PostgreSQL's durable defaults (fsync, synchronous_commit on), unlike the test suite's
        # cluster: a restart in the fault run must not lose an acknowledged write.
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c shared_buffers=256MB")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                 "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                 check=False)

    def restart(self) -> None:
        # -l: the restarted server must not inherit our captured stdout (run() would wait for
        # its end of file for ever).
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                 "-m", "fast", "-w", "restart", check=False)

    def createdb(self) -> None:
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "outletcrm", DB_NAME)

    def url_of(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def clone(self, name: str) -> str:
        """A fresh copy of the seeded database (CREATE DATABASE … TEMPLATE, a file copy: the
        same rows, indexes and statistics), replacing any earlier copy of that name."""
        started = time.monotonic()
        self.run(str(self.bin / "dropdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "outletcrm", "--if-exists", name)
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "outletcrm", "-T", DB_NAME, "-S", "FILE_COPY", name)
        log(f"database {name}: a copy of {DB_NAME} in {time.monotonic() - started:.0f} s")
        return self.url_of(name)

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


class Redis:
    def __init__(self, root: Path, port: int):
        self.dir, self.port = root / "redis", port
        self.url = f"redis://127.0.0.1:{port}"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                        "--daemonize", "yes", "--pidfile", str(self.dir / "pid"),
                        "--logfile", str(self.dir / "log")], check=True)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("redis-server did not answer")

    def flush(self) -> None:
        """Queue, cache and rate counters gone: each server starts from the same empty Redis."""
        subprocess.run(["redis-cli", "-p", str(self.port), "FLUSHALL"], check=True,
                       capture_output=True)

    def pid(self) -> int | None:
        try:
            return int((self.dir / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self.pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            for _ in range(50):
                if not psutil.pid_exists(pid):
                    break
                time.sleep(0.1)


# --- the production processes -----------------------------------------------------------------

class Stack:
    """serve + worker + scheduler with one production environment (tests/deploy's way)."""

    def __init__(self, root: Path, pg: Postgres, redis: Redis, *, db_url: str = "",
                 media: Path | None = None):
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("DJANGO_", "PYTEST_")) and k not in {
                        "DATABASE_URL", "OUTLETCRM_ENV", "SECRET_KEY", "TASK_BACKEND", "DEBUG"}}
        self.env.update({
            "PYTHONPATH": str(REPO), "OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY,
            "FIELD_ENCRYPTION_KEY": FIELD_KEY, "DATABASE_URL": db_url or pg.url,
            "OUTLETCRM_DATA_DIR": str(root / "data"), "MEDIA_ROOT": str(media or root / "media"),
            "ALLOWED_HOSTS": "127.0.0.1", "HTTPS": "off", "SECURE_COOKIES": "off",
            "TASK_BACKEND": "rq", "REDIS_URL": f"{redis.url}/0", "CACHE_URL": f"{redis.url}/1",
            "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING", "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
        })
        self.processes: dict[str, subprocess.Popen] = {}
        (root / "logs").mkdir(parents=True, exist_ok=True)

    def command(self, *args, timeout=1800) -> str:
        started = time.monotonic()
        result = subprocess.run([PY, "-m", "outletcrm", *args], env=self.env, cwd=self.root,
                                capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode:
            raise SystemExit(f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}")
        log(f"{args[0]}: {time.monotonic() - started:.0f} s")
        return result.stdout

    def script(self, *args, timeout=3600) -> None:
        result = subprocess.run([PY, str(REPO / "bench/morning/company.py"), *args],
                                env=self.env, cwd=self.root, timeout=timeout, check=False)
        if result.returncode:
            raise SystemExit(f"company.py {args[0]} failed ({result.returncode})")

    def start(self, name: str, *args, tag: str) -> None:
        handle = (self.root / "logs" / f"{tag}-{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [PY, "-m", "outletcrm", *args], env=self.env, cwd=self.root, stdout=handle,
            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def wait_healthy(self, timeout=120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SystemExit(f"{name} ended (exit {process.returncode}); see logs/")
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code in (200, 503):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("the web server did not come up")


# --- measuring the machine while the load runs -------------------------------------------------

def tree_cpu(root: int | None) -> float:
    """CPU seconds (user + system) a process tree has used so far: every live process's own
    time plus what its reaped children used (children_user/system). A worker that exits
    (gunicorn recycles them after SERVE_MAX_REQUESTS) moves from the first sum to its parent's
    second, so the difference of two readings is exact: nothing counted twice or lost."""
    if not root:
        return 0.0
    try:
        parent = psutil.Process(root)
        family = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in family:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class Sampler(threading.Thread):
    """Load average, and CPU used by our processes and by everything else, every 2 s; with
    `exact` (a group name), that group's cumulative tree CPU every second (tree_cpu)."""

    def __init__(self, groups, exact: str = ""):
        super().__init__(daemon=True)
        self.groups = groups  # name → callable giving the root pids of the group
        self.samples: list[dict] = []
        self.halt = threading.Event()
        self.last: dict[int, float] = {}
        self.exact = exact
        self.cumulative: list[tuple[float, float]] = []  # (time, tree CPU s) of `exact`

    def read_exact(self) -> None:
        if self.exact:
            roots = self.groups[self.exact]()
            self.cumulative.append((time.time(), sum(tree_cpu(r) for r in roots)))

    def cpu_between(self, start: float, end: float) -> float | None:
        """The `exact` group's CPU seconds from start to end (readings 1 s apart)."""
        before = [c for t, c in self.cumulative if t <= start]
        upto = [c for t, c in self.cumulative if t <= end]
        if not before or not upto:
            return None
        return upto[-1] - before[-1]

    def cpu_of(self, roots) -> tuple[float, set[int]]:
        total, seen = 0.0, set()
        for root in roots:
            if not root:
                continue
            try:
                parent = psutil.Process(root)
                family = [parent, *parent.children(recursive=True)]
            except psutil.Error:
                continue
            for process in family:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                now = times.user + times.system + times.children_user + times.children_system
                total += now - self.last.get(process.pid, now)
                self.last[process.pid] = now
                seen.add(process.pid)
        return total, seen

    def run(self):
        psutil.cpu_percent()
        busy_before = self.busy()
        self.read_exact()
        tick = 0
        while not self.halt.wait(1.0):
            self.read_exact()
            tick += 1
            if tick % 2:
                continue
            busy = self.busy()
            row = {"t": time.time(), "load1": os.getloadavg()[0],
                   "machine": busy - busy_before}
            busy_before = busy
            for name, roots in self.groups.items():
                row[name], _ = self.cpu_of(roots())
            self.samples.append(row)

    @staticmethod
    def busy() -> float:
        times = psutil.cpu_times()
        return times.user + times.nice + times.system + times.irq + times.softirq + times.steal

    def window(self, start: float, end: float) -> dict:
        rows = [s for s in self.samples if start < s["t"] <= end + 1]
        if not rows:
            return {}
        seconds = 2.0 * len(rows)
        out = {"load1_mean": sum(r["load1"] for r in rows) / len(rows),
               "load1_max": max(r["load1"] for r in rows),
               "machine_cores": sum(r["machine"] for r in rows) / seconds}
        for name in self.groups:
            out[f"{name}_cores"] = sum(r.get(name, 0) for r in rows) / seconds
        out["others_cores"] = max(0.0, out["machine_cores"] - sum(
            out[f"{name}_cores"] for name in self.groups))
        if self.exact:
            out[f"{self.exact}_cpu_s"] = self.cpu_between(start, end)
        return out


# --- one run: a server through its stages ------------------------------------------------------

def warm_up(stack: Stack, company: dict) -> None:
    """Each page a few times, so the first timed requests do not pay the workers' imports."""
    for person, path in ((company["reps"][0], "/m/"), (company["supervisors"][0], "/visits/day/"),
                         (company["managers"][0], "/visits/kpis/"),
                         (company["reps"][0], "/api/v1/me/today")):
        cookies = {"sessionid": person["session"], "csrftoken": person["csrf"]}
        for _ in range(12):
            requests.get(stack.base + path, cookies=cookies, timeout=60, allow_redirects=False)


def drain(stack: Stack, company: dict, state_path: Path) -> dict:
    """Upload what the clients still had queued (an in-flight request cut off at the end of a
    stage, an upload that failed during a fault), the same ids again, as the phone does."""
    state = json.loads(state_path.read_text(encoding="utf-8"))
    reps = {str(r["id"]): r for r in company["reps"]}
    photo = jpeg()
    done = failed = 0
    for rep_id, rep_state in state["reps"].items():
        rep = reps[rep_id]
        cookies = {"sessionid": rep["session"], "csrftoken": rep["csrf"]}
        headers = {"X-CSRFToken": rep["csrf"]}
        while rep_state["pending"]:
            item = rep_state["pending"][0]
            try:
                if item["kind"] == "ops":
                    response = requests.post(f"{stack.base}/api/v1/sync", json={
                        "ops": item["ops"]}, cookies=cookies, headers=headers, timeout=60)
                    ok = response.status_code == 200
                    if ok:
                        state.setdefault("refused", []).extend(
                            r for r in response.json()["results"]
                            if r["status"] not in ("applied", "duplicate"))
                else:
                    response = requests.post(
                        f"{stack.base}/api/v1/visits/{item['visit']}/photos", cookies=cookies,
                        headers=headers, timeout=60, files={
                            "image": (f"{item['client_id']}.jpg", photo, "image/jpeg")},
                        data={"client_id": item["client_id"], "kind": "display",
                              "captured_live": "true", "taken_at": item["taken_at"]})
                    ok = response.status_code in (200, 201)
            except requests.RequestException:
                ok = False
            if not ok:
                failed += 1
                break
            rep_state["pending"].pop(0)
            done += 1
    state_path.write_text(json.dumps(state), encoding="utf-8")
    return {"uploaded": done, "still_failing": failed}


@contextlib.contextmanager
def bench_lock(path: str):
    """flock(1)'s lock (HELPERS: timed runs on a shared machine do not overlap); held for one
    server's run only, a few minutes."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        started = time.monotonic()
        fcntl.flock(handle, fcntl.LOCK_EX)
        log(f"lock {path} after {time.monotonic() - started:.0f} s")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_server(args, root: Path, pg: Postgres, redis: Redis, company: dict, *, server: str,
               stages: str, tag: str, faults=None, extra_locust_args=(), db_url: str = "",
               state: Path | None = None) -> dict:
    state = state or root / "state.json"
    media = root / f"media-{tag}" if db_url else None
    stack = Stack(root, pg, redis, db_url=db_url, media=media)
    serve = ["serve", "--bind", f"127.0.0.1:{stack.port}", "--server", server]
    lock = bench_lock(args.lock)
    lock.__enter__()
    stack.start("serve", *serve, tag=tag)
    stack.start("worker", "worker", tag=tag)
    stack.start("scheduler", "scheduler", tag=tag)
    result: dict = {"server": server, "tag": tag, "stages_arg": stages}
    locust = None
    try:
        stack.wait_healthy()
        warm_up(stack, company)
        sampler = Sampler({
            "web": lambda: [stack.processes["serve"].pid],
            "worker": lambda: [stack.processes["worker"].pid,
                               stack.processes["scheduler"].pid],
            "postgres": lambda: [pg.pid()],
            "locust": lambda: [locust.pid] if locust else [],
        }, exact="web")
        sampler.start()
        out = root / f"{tag}-locust.json"
        log(f"{tag}: locust {stages} against {server} (load average {load_average()})")
        result["load_before"] = load_average()
        with (root / "logs" / f"{tag}-locust.log").open("w") as handle:
            locust = subprocess.Popen(
                [PY, "-m", "locust", "-f", str(REPO / "bench/morning/locustfile.py"),
                 "--headless", "--host", stack.base, "--stop-timeout", "30",
                 "--loglevel", "WARNING", "--only-summary",
                 "--morning-company", str(root / "company.json"),
                 "--morning-state", str(state), "--morning-out", str(out),
                 "--morning-stages", stages, "--morning-compress", str(args.compress),
                 *extra_locust_args],
                cwd=root, env={**os.environ, "PYTHONPATH": str(REPO / "bench/morning")},
                stdout=handle, stderr=subprocess.STDOUT)
            if faults:
                result["faults"] = faults(stack, locust)
            locust.wait(timeout=3600)
        sampler.halt.set()
        sampler.join()
        sampler.read_exact()
        result["locust"] = json.loads(out.read_text(encoding="utf-8"))
        for stage in result["locust"]["stages"]:
            stage["machine"] = sampler.window(stage["start"], stage["end"])
        result["load_after"] = load_average()
        result["drain"] = drain(stack, company, state)
        result["logs_errors"] = count_log_errors(root / "logs" / f"{tag}-serve.log")
    finally:
        if locust and locust.poll() is None:
            locust.kill()
        stack.stop()
        lock.__exit__(None, None, None)
    return result


def count_log_errors(path: Path) -> dict:
    errors = {}
    for line in path.read_text(errors="replace").splitlines():
        if '"level": "ERROR"' in line or '"level":"ERROR"' in line:
            try:
                message = json.loads(line).get("message", "")[:100]
            except ValueError:
                message = line[:100]
            errors[message] = errors.get(message, 0) + 1
    return errors


# --- the results file ---------------------------------------------------------------------------

def ms(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def stage_table(run: dict) -> list[str]:
    lines = []
    for stage in run["locust"]["stages"]:
        m = stage.get("machine", {})
        total = sum(e["n"] for e in stage["endpoints"].values())
        failures = sum(e["failures"] for e in stage["endpoints"].values())
        lines += [
            f"#### {run['server']}, {stage['level']:g}× ({stage['elapsed']:.0f} s)",
            "",
            f"{total:,} requests, **{total / stage['elapsed']:.1f} requests/s**, "
            f"{failures} errors. Load average (1 min) during the stage: mean "
            f"{m.get('load1_mean', 0):.1f}, max {m.get('load1_max', 0):.1f}; CPU in cores: "
            f"web {m.get('web_cores', 0):.2f}, PostgreSQL {m.get('postgres_cores', 0):.2f}, "
            f"worker+scheduler {m.get('worker_cores', 0):.2f}, locust "
            f"{m.get('locust_cores', 0):.2f}, other work on the machine "
            f"{m.get('others_cores', 0):.2f} (of 2).",
            "",
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, e in stage["endpoints"].items():
            lines.append(f"| {name} | {e['n']:,} | {e['rps']:.2f} | {ms(e['p50'])} | "
                         f"{ms(e['p95'])} | {ms(e['p99'])} | {ms(e['max'])} | {e['failures']} |")
        errors = {}
        for e in stage["endpoints"].values():
            for message, n in e["errors"].items():
                errors[message] = errors.get(message, 0) + n
        if errors:
            lines += ["", "Errors: " + "; ".join(f"{n}× {m}" for m, n in errors.items())]
        lines.append("")
    return lines


def report(args, facts: dict, company: dict, runs: list[dict], counts: dict) -> str:
    c = company["counts"]
    lines = [
        "# A company's morning under load (issue 11)",
        "",
        f"- date: {facts['date']}; machine: {facts['nproc']} cores ({facts['cpu']}), "
        f"{facts['ram']} RAM, **shared** with other sessions' work (tests, benchmarks): the load "
        "average and the CPU other work took are given for every stage",
        f"- load average (1/5/15 min) before the bench: {facts['load_start']}; after: "
        f"{load_average()}",
        f"- stack: PostgreSQL {facts['pg']} (durable defaults: fsync and synchronous_commit "
        "on), Redis (RQ queue db 0, cache db 1), `outletcrm serve` (5 workers = 2 × cores + 1), "
        "`outletcrm worker` (RQ), `outletcrm scheduler`, locust "
        f"{facts['locust']} (FastHttpUser), all on this machine, loopback; production settings "
        "(`OUTLETCRM_ENV=production`, `TASK_BACKEND=rq`, `CACHE_URL` Redis, JSON logs at "
        "WARNING and gunicorn's access log)",
        f"- company: {c['reps']:,} reps, {c['outlets']:,} outlets, {c['routes']:,} weekly "
        f"routes, {c['planned_stops_today']:,} planned stops today, {c['history_days']} working "
        f"days of history (visits, orders, KPI summary), {len(company['supervisors'])} "
        f"supervisors, {len(company['managers'])} managers; seeded in {company['seed_seconds']} "
        "s (bench/visits_bench.py's seeding)",
        f"- command: `python bench/morning_bench.py {' '.join(sys.argv[1:])}`",
        "",
        "## What 1× is",
        "",
        "The peak half-hour of a company of 1,000 reps, 08:30–09:00: every rep opens the field "
        "app (GET /m/ and the notification count it asks for) and makes his first visit — "
        "sync the check-in (POST /api/v1/sync, then GET /api/v1/me/today as the app does after "
        "every sync), upload a photo (multipart, ~20 KB), sync record + order + check-out (one "
        "batch of three operations, then /api/v1/me/today); 1 rep in 10 presses \"optimise my "
        "day\" (POST /optimise/day/, the proposal page, POST …/apply/); 50 supervisors refresh "
        "the supervisor's day (/visits/day/) every 5 minutes; 10 managers open the KPI page "
        "(/visits/kpis/, this month by day) twice. That is 7.3 requests per rep, ~7,600 "
        f"requests in 1,800 s = **4.2 requests/s in reality**. 1× here is that half-hour "
        f"compressed **{args.compress:g}×** (a stage of 90 s holds 15 minutes of the peak): "
        f"~{4.23 * args.compress:.0f} requests/s offered; 2× and 4× double and quadruple every "
        "user's pace. Every user is a Poisson process (exponential think times) that waits for "
        "its answer, so an overloaded server sees fewer requests than offered: the table gives "
        "the rate achieved. A rep's steps run on from stage to stage and from run to run, so over "
        "the whole bench each rep works through about a morning: 4–5 visits of 5 operations "
        "(check-in, photo, record, order, check-out), each with a client-generated uuid4 as "
        "the field app makes them. Sessions exist before the run (signed in by "
        "bench/morning/company.py): logins are not part of the load (see the note on logins).",
        "",
        "## Results",
        "",
    ]
    for run in runs:
        lines += stage_table(run)
        if run.get("logs_errors"):
            lines += ["Server log errors: " + "; ".join(
                f"{n}× {m}" for m, n in run["logs_errors"].items()), ""]
        lines += [f"After the run the clients' queues were uploaded again: "
                  f"{run['drain']['uploaded']} items uploaded, "
                  f"{run['drain']['still_failing']} still failing.", ""]
        if run.get("faults"):
            lines += ["Faults: " + json.dumps(run["faults"]), ""]
    lines += [
        "## Every operation exactly once",
        "",
        "Operations sent (ledger kept by the locust users): "
        + ", ".join(f"{op} {n:,}" for op, n in counts["sent"].items())
        + f"; refused by the server: {counts['refused']}.",
        "",
        *ledger_lines(counts),
    ]
    return "\n".join(lines)


def ledger_lines(counts: dict) -> list[str]:
    """The ledger's verdict (count_ledger), as the morning and the fault reports print it."""
    return [f"- lost: **{counts['total_lost']}** ({counts['lost']})",
            f"- duplicated: **{counts['total_duplicated']}** ({counts['duplicated']})",
            f"- half-written: **{counts['total_half_written']}** ({counts['half_written']})",
            ""]


FAIR_ENDPOINTS = (("today page", "GET /m/ (today page)"),
                  ("sync (check-in)", "POST /api/v1/sync (check-in)"),
                  ("optimise my day", "POST /optimise/day/ (optimise my day)"))


def stage_figures(stage: dict) -> dict:
    m = stage.get("machine", {})
    total = sum(e["n"] for e in stage["endpoints"].values())
    cpu = m.get("web_cpu_s")
    return {"level": stage["level"], "requests": total, "rps": total / stage["elapsed"],
            "errors": sum(e["failures"] for e in stage["endpoints"].values()),
            "cpu_per_1000": None if cpu is None or not total else cpu / total * 1000,
            "web_cpu_s": cpu, "load1_mean": m.get("load1_mean", 0),
            "load1_max": m.get("load1_max", 0), "others": m.get("others_cores", 0),
            **{label: stage["endpoints"].get(name, {}) for label, name in FAIR_ENDPOINTS}}


def pcts(e: dict) -> str:
    if not e:
        return "–"
    return f"{ms(e['p50'])} / {ms(e['p95'])} / {ms(e['p99'])}"


def report_fair(args, facts: dict, company: dict, runs: list[dict]) -> str:
    c = company["counts"]
    stages = ", ".join(f"{lv}× ({args.seconds:g} s)" for lv in args.levels.split(","))
    lines = [
        "# gunicorn or granian under the company's morning (issue 11)",
        "",
        "Each server on its own identical copy of one seeded company (PostgreSQL `CREATE "
        "DATABASE … TEMPLATE`), Redis flushed, the clients' state fresh, the same stages; the "
        "order alternates (round 1 gunicorn first, round 2 granian first) so neither always "
        "gets the warmer machine. Written by `bench/morning_bench.py --fair`.",
        "",
        f"- date: {facts['date']}; machine: {facts['nproc']} cores ({facts['cpu']}), "
        f"{facts['ram']} RAM, **shared** with other helpers' work: the load average and the CPU "
        "other work took are given for every stage; each server's run held `flock "
        f"{args.lock or '(none)'}` so no other timed run overlapped",
        f"- load average (1/5/15 min) before the bench: {facts['load_start']}; after: "
        f"{load_average()}",
        f"- stack: PostgreSQL {facts['pg']}, Redis, `outletcrm serve --server gunicorn|granian` "
        f"({facts['workers']} workers, 1 thread each), `outletcrm worker` (RQ), `outletcrm "
        f"scheduler`, locust {facts['locust']}, gunicorn {facts['gunicorn']}, granian "
        f"{facts['granian']}, Python {facts['python']}; production settings, loopback",
        f"- company: {c['reps']:,} reps, {c['outlets']:,} outlets, {c['planned_stops_today']:,} "
        f"planned stops today, {c['history_days']} days of history, "
        f"{len(company['supervisors'])} supervisors, {len(company['managers'])} managers",
        f"- stages, one after the other in one locust run per server: {stages}; the rate is "
        f"the real peak half-hour × the level × `--compress {args.compress:g}` (1× = 4.2 "
        "requests/s offered in the half-hour's average, more in its opening minute)",
        f"- command: `python bench/morning_bench.py {' '.join(sys.argv[1:])}`",
        "- web CPU: the CPU seconds (user + system) of the `serve` process tree — master, workers "
        "and the workers it reaped — between the stage's start and end, read from /proc every "
        "second (psutil), divided by the requests completed in the stage",
        "",
        "## Per server, round and stage",
        "",
        "| server | round | stage | load 1 min mean / max | other work, cores | req/s | "
        "errors | web CPU s / 1,000 req | today page p50/p95/p99 ms | sync p50/p95/p99 ms | "
        "optimise my day p50/p95/p99 ms |",
        "|---|---|---:|---|---:|---:|---:|---:|---|---|---|",
    ]
    for run in runs:
        for stage in run["locust"]["stages"]:
            f = stage_figures(stage)
            cpu = "–" if f["cpu_per_1000"] is None else f"{f['cpu_per_1000']:.1f}"
            lines.append(
                f"| {run['server']} | {run['round']} ({run['position']}) | {f['level']:g}× | "
                f"{f['load1_mean']:.1f} / {f['load1_max']:.1f} | {f['others']:.2f} | "
                f"{f['rps']:.1f} | {f['errors']} | {cpu} | "
                + " | ".join(pcts(f[label]) for label, _ in FAIR_ENDPOINTS) + " |")
    lines += ["", "## Per server and stage, the rounds together", "",
              "Requests/s and CPU: the two rounds' sum; latencies: the mean of the rounds' "
              "percentiles.", "",
              "| server | stage | req/s | errors | web CPU s / 1,000 req | today page p50/p95/p99 "
              "ms | sync p50/p95/p99 ms | optimise my day p50/p95/p99 ms |",
              "|---|---:|---:|---:|---:|---|---|---|"]
    servers = list(dict.fromkeys(run["server"] for run in runs))
    for server in servers:
        mine = [run for run in runs if run["server"] == server]
        for index in range(len(mine[0]["locust"]["stages"])):
            figures = [stage_figures(run["locust"]["stages"][index]) for run in mine
                       if index < len(run["locust"]["stages"])]
            elapsed = sum(run["locust"]["stages"][index]["elapsed"] for run in mine)
            requests_ = sum(f["requests"] for f in figures)
            cpus = [f["web_cpu_s"] for f in figures]
            cpu = "–" if None in cpus or not requests_ else f"{sum(cpus) / requests_ * 1000:.1f}"
            cells = []
            for label, _ in FAIR_ENDPOINTS:
                got = [f[label] for f in figures if f[label]]
                if not got:
                    cells.append("–")
                    continue
                cells.append(" / ".join(ms(sum(e[k] for e in got) / len(got))
                                        for k in ("p50", "p95", "p99")))
            lines.append(f"| {server} | {figures[0]['level']:g}× | {requests_ / elapsed:.1f} | "
                         f"{sum(f['errors'] for f in figures)} | {cpu} | " + " | ".join(cells)
                         + " |")
    lines += ["", "## Every run in full", ""]
    for run in runs:
        lines += [f"### {run['server']}, round {run['round']} ({run['position']})", "",
                  f"Load average before: {run['load_before']}; after: {run['load_after']}. "
                  f"Database copied in {run['clone_s']:.0f} s.", ""]
        lines += stage_table(run)
        if run.get("logs_errors"):
            lines += ["Server log errors: " + "; ".join(
                f"{n}× {m}" for m, n in run["logs_errors"].items()), ""]
        counts = run["counts"]
        lines += [f"After the run the clients' queues were uploaded again: "
                  f"{run['drain']['uploaded']} items uploaded, "
                  f"{run['drain']['still_failing']} still failing. Operations sent: "
                  + ", ".join(f"{op} {n:,}" for op, n in counts["sent"].items())
                  + f"; lost **{counts['total_lost']}**, duplicated "
                  f"**{counts['total_duplicated']}**, half-written "
                  f"**{counts['total_half_written']}**.", ""]
    return "\n".join(lines)


def run_fair(args, root: Path, pg: Postgres, redis: Redis, company: dict) -> list[dict]:
    """Every server on its own copy of the seeded company, Redis flushed, fresh client state;
    round 1 in --servers order, round 2 reversed, and so on."""
    servers = args.servers.split(",")
    stages = ",".join(f"{level}:{args.seconds:g}" for level in args.levels.split(","))
    runs = []
    for round_ in range(1, args.rounds + 1):
        order = servers if round_ % 2 else list(reversed(servers))
        for position, server in enumerate(order, start=1):
            tag = f"{server}-r{round_}"
            started = time.monotonic()
            db_url = pg.clone(f"{DB_NAME}_run")
            clone_s = time.monotonic() - started
            redis.flush()
            state = root / f"state-{tag}.json"
            state.unlink(missing_ok=True)
            subprocess.run(["rm", "-rf", str(root / f"media-{tag}")], check=True)
            if (root / "media").exists():
                shutil.copytree(root / "media", root / f"media-{tag}")
            result = run_server(args, root, pg, redis, company, server=server, stages=stages,
                                tag=tag, db_url=db_url, state=state)
            result.update(round=round_, position="first" if position == 1 else "second",
                          clone_s=clone_s)
            Stack(root, pg, redis, db_url=db_url, media=root / f"media-{tag}").script(
                "count", "--state", str(state), "--company", str(root / "company.json"),
                "--out", str(root / f"counts-{tag}.json"))
            result["counts"] = json.loads((root / f"counts-{tag}.json").read_text(
                encoding="utf-8"))
            runs.append(result)
            (root / "runs.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return runs


def machine_facts(pg: Postgres) -> dict:
    import platform
    from importlib.metadata import version

    cpu, ram = "unknown", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
            break
    server = pg.run(str(pg.bin / "postgres"), "--version", check=False).stdout.split()[-1]
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "cpu": cpu, "ram": ram, "pg": server,
            "python": platform.python_version(), "locust": version("locust"),
            "gunicorn": version("gunicorn"), "granian": version("granian"),
            "workers": os.environ.get("SERVE_WORKERS") or 2 * (os.cpu_count() or 1) + 1,
            "load_start": load_average()}


def prepare(args) -> tuple[Path, Postgres, Redis, dict]:
    """The throwaway cluster and Redis started, migrated and seeded (or reused with --reuse):
    (root, pg, redis, machine facts). The caller stops pg and redis (cleanup())."""
    global HTTP_PORT
    HTTP_PORT = args.http_port
    root = args.workdir
    fresh = not (args.reuse and (root / "company.json").exists())
    if fresh and root.exists():  # keep the collected static files: they take minutes
        for child in root.iterdir():
            if child.name != "data":
                subprocess.run(["rm", "-rf", str(child)], check=True)
        subprocess.run(["rm", "-rf", *[str(p) for p in (root / "data").glob("*")
                                       if p.name != "static"]], check=True)
    root.mkdir(parents=True, exist_ok=True)
    pg, redis = Postgres(root, args.pg_port), Redis(root, args.redis_port)
    if fresh:
        pg.create()
    pg.start()
    redis.start()
    try:
        stack = Stack(root, pg, redis)
        facts = machine_facts(pg)
        if fresh:
            pg.createdb()
            stack.command("migrate", "--noinput", "-v0")
            if not (root / "data/static/staticfiles.json").exists():
                stack.command("collectstatic", "--noinput", "-v0")
            reps = max(1, round(1000 * args.scale))
            stack.script("seed", "--reps", str(reps),
                         "--supervisors", str(max(1, round(50 * args.scale))),
                         "--managers", str(max(1, round(10 * args.scale))),
                         "--history-days", str(args.history_days),
                         "--out", str(root / "company.json"))
            (root / "state.json").unlink(missing_ok=True)
    except BaseException:
        cleanup(args, root, pg, redis)
        raise
    return root, pg, redis, facts


def cleanup(args, root: Path, pg: Postgres, redis: Redis) -> None:
    redis.stop()
    pg.stop()
    if not args.reuse:
        subprocess.run(["rm", "-rf", str(root / "pg"), str(root / "media"),
                        *map(str, root.glob("media-*"))], check=False)


def count_ledger(root: Path, pg: Postgres, redis: Redis) -> dict:
    """Every operation the clients sent, counted in the database: lost, duplicated,
    half-written (bench/morning/company.py count)."""
    Stack(root, pg, redis).script("count", "--state", str(root / "state.json"), "--company",
                                  str(root / "company.json"), "--out", str(root / "counts.json"))
    return json.loads((root / "counts.json").read_text(encoding="utf-8"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options the morning bench and the fault bench share."""
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the company: 0.05 = 50 reps on 5,000 outlets")
    parser.add_argument("--compress", type=float, default=10.0,
                        help="how many times faster than the real peak half-hour 1× is")
    parser.add_argument("--history-days", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/outletcrm-morning"))  # noqa: S108
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT_TEST", 54361)))
    parser.add_argument("--redis-port", type=int,
                        default=int(os.environ.get("REDISPORT_TEST", 63791)))
    parser.add_argument("--http-port", type=int, default=0,
                        help="the web server's port (default: any free one)")
    parser.add_argument("--lock", default="",
                        help="hold flock on this file during each server's run "
                             "(/tmp/bench.lock on a shared machine)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--levels", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=90, help="length of a stage")
    parser.add_argument("--servers", default="gunicorn,granian",
                        help="the first runs every level, the others 1× only")
    parser.add_argument("--out", type=Path, default=None,
                        help="default bench/results/morning.md (servers.md with --fair)")
    parser.add_argument("--fair", action="store_true",
                        help="seed once, then every server on its own copy of the company "
                             "(CREATE DATABASE … TEMPLATE), Redis flushed, every stage, in "
                             "alternating order (--rounds); writes bench/results/servers.md")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --fair: rounds; odd ones in --servers order, even reversed")
    args = parser.parse_args()
    if args.out is None:
        args.out = REPO / "bench/results" / ("servers.md" if args.fair else "morning.md")

    root, pg, redis, facts = prepare(args)
    try:
        company = json.loads((root / "company.json").read_text(encoding="utf-8"))
        if args.fair:
            runs = run_fair(args, root, pg, redis, company)
            text = report_fair(args, facts, company, runs)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text + "\n", encoding="utf-8")
            print(text)
            return 0
        servers = args.servers.split(",")
        levels = [float(x) for x in args.levels.split(",")]
        runs = []
        first = ",".join(f"{level:g}:{args.seconds:g}" for level in levels)
        runs.append(run_server(args, root, pg, redis, company, server=servers[0], stages=first,
                               tag=f"{servers[0]}-levels"))
        for server in servers[1:]:
            runs.append(run_server(args, root, pg, redis, company, server=server,
                                   stages=f"1:{args.seconds:g}", tag=f"{server}-1x"))
        counts = count_ledger(root, pg, redis)
        (root / "runs.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
        text = report(args, facts, company, runs, counts)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(text)
    finally:
        cleanup(args, root, pg, redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
