"""`outletcrm worker` on the RQ backend rides out a Redis outage (issue 11; bench/faults_bench.py
found RQ's worker exiting with 1 when Redis went away as it finished a job): it starts RQ's
worker again with a backoff, logging it in the app's JSON format, works the jobs queued once
Redis is back, and stops cleanly on SIGTERM.

The Redis server is the one scripts/with-redis started (TEST_REDIS_URL): the test stops it
(SHUTDOWN NOSAVE) and starts it again with the same port, folder and pid file, so
scripts/with-redis still removes it afterwards. The worker runs in its own process on the real
clock; every wait is for a signal (a file, a log line, the worker's registration), bounded.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL", "")
DB = 7  # the stack test uses 5 and 6

pytestmark = [
    pytest.mark.real_clock,
    pytest.mark.skipif(not REDIS, reason="no Redis: run under scripts/with-redis"),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server"),
]


def wait_for(what: str, predicate, *, timeout: float = 90.0, every: float = 0.1,
              worker: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while True:
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker ended ({worker.returncode}) while waiting for {what}:\n"
                        f"{log.read_text(errors='replace')[-4000:] if log else ''}")
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


class RedisServer:
    """The scripts/with-redis server, which the test may stop and start again."""

    def __init__(self, url: str):
        import redis

        self.url = url
        self.admin = redis.Redis.from_url(url)
        config = self.admin.config_get("*")
        self.args = ["--port", config["port"], "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", config["dir"], "--daemonize", "yes",
                     "--pidfile", config["pidfile"], "--logfile", config["logfile"]]

    def up(self) -> bool:
        import redis

        try:
            return bool(self.admin.ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        import redis

        try:
            self.admin.shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass  # the server closes the connection as it goes
        wait_for("Redis to stop", lambda: not self.up())

    def start(self) -> None:
        subprocess.run([shutil.which("redis-server"), *self.args], check=True, timeout=30)
        wait_for("Redis to answer", self.up)


@pytest.fixture
def redis_server():
    server = RedisServer(REDIS)
    try:
        yield server
    finally:
        if not server.up():  # never leave scripts/with-redis without its server
            server.start()


def worker_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "PYTEST_")) and k not in {
               "DATABASE_URL", "OUTLETCRM_ENV", "TASK_BACKEND", "REDIS_URL", "CACHE_URL"}}
    env.update({"PYTHONPATH": str(ROOT), "OUTLETCRM_ENV": "test", "TASK_BACKEND": "rq",
                "REDIS_URL": f"{REDIS.rsplit('/', 1)[0]}/{DB}",
                "DATABASE_URL": f"sqlite:///{tmp / 'unused.sqlite3'}",
                "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "LANG": "C.UTF-8",
                "PYTHONFAULTHANDLER": "1"})
    return env


def enqueue(env: dict, tmp: Path, call: str) -> None:
    """Queue a probe task the way the app does (`Task.enqueue`, django-tasks-rq)."""
    subprocess.run([sys.executable, "-m", "outletcrm", "shell", "-c",
                    f"from tests.deploy import worker_probe; worker_probe.{call}"],
                   env=env, cwd=tmp, check=True, timeout=120, capture_output=True)


def registered_workers(server: RedisServer) -> int:
    import redis

    try:
        return redis.Redis.from_url(f"{REDIS.rsplit('/', 1)[0]}/{DB}").scard("rq:workers")
    except redis.exceptions.ConnectionError:
        return 0


def json_lines(log: Path) -> list[dict]:
    records = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def restart_logged(log: Path) -> list[dict]:
    return [r for r in json_lines(log) if r.get("event") == "worker_restart"]


def test_the_rq_worker_rides_out_redis_going_away_as_it_finishes_a_job(tmp_path,
                                                                       redis_server):
    import redis

    redis.Redis.from_url(f"{REDIS.rsplit('/', 1)[0]}/{DB}").flushdb()
    env = worker_env(tmp_path)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "outletcrm", "worker"], env=env,
                                  cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_for("the worker to register", lambda: registered_workers(redis_server),
                 worker=worker, log=log)

        # A job runs; Redis goes away before it ends, so the worker finishes it without Redis.
        started, release = tmp_path / "started", tmp_path / "release"
        enqueue(env, tmp_path, f"hold.enqueue({str(started)!r}, {str(release)!r})")
        wait_for("the job to start", started.exists, worker=worker, log=log)
        redis_server.stop()
        release.write_text("go")
        record = wait_for("the worker to log that it starts again",
                          lambda: restart_logged(log), worker=worker, log=log)[0]
        assert record["level"] == "WARNING" and record["logger"] == "outletcrm.worker"
        assert record["retry_seconds"] >= 1

        # Redis is back (empty: no persistence); the worker registers again and goes on.
        redis_server.start()
        wait_for("the worker to register again", lambda: registered_workers(redis_server),
                 worker=worker, log=log)
        done = tmp_path / "done"
        enqueue(env, tmp_path, f"touch.enqueue({str(done)!r})")
        wait_for("the job queued after the outage to run", done.exists, worker=worker, log=log)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            code = worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # where it hangs: faulthandler prints every thread
            os.kill(worker.pid, signal.SIGABRT)
            worker.wait(timeout=10)
            code = None
        print(log.read_text(errors="replace")[-6000:])
    assert code == 0  # SIGTERM: a clean stop, in seconds (not RQ's minute-long wait)


def test_sigterm_while_waiting_for_redis_stops_the_worker_at_once(tmp_path, redis_server):
    """Redis is down when the worker starts: it waits with a growing backoff, and SIGTERM ends
    the wait (no waiting out the backoff)."""
    env = worker_env(tmp_path)
    redis_server.stop()
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "outletcrm", "worker"], env=env,
                                  cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        records = wait_for("two restarts with a growing wait",
                           lambda: len(restart_logged(log)) >= 2 and restart_logged(log),
                           worker=worker, log=log)
        assert [r["retry_seconds"] for r in records[:2]] == [1.0, 2.0]
        os.killpg(worker.pid, signal.SIGTERM)
        stopped = time.monotonic()
        assert worker.wait(timeout=30) == 0
        assert time.monotonic() - stopped < 10
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        print(log.read_text(errors="replace")[-4000:])
