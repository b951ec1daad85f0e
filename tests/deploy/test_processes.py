"""The production processes together (docs/deploy.md): `outletcrm serve` (the default server),
`outletcrm worker` on the RQ backend and `outletcrm scheduler`, in production mode, against a
PostgreSQL database of their own and the Redis server scripts/with-redis starts. Over HTTP: log
in, check in, upload a photo and read it back, run a route design through the queue to its
end, read /healthz; and the scheduler's job reaches the worker through Redis too. Then the
other server (`serve --server …`) serves the same pages, static files and photo.

Runs on the PostgreSQL leg of `make test` (scripts/with-postgres scripts/with-redis …);
skipped on SQLite and where no TEST_REDIS_URL is set.
"""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from outletcrm.core.management.commands.serve import DEFAULT_SERVER, SERVERS

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3Jx9-vQ2mZr7TnW_pL4sYb8HcE1uFa6DgR0oIeNtVwXyA5jKlMq"
REDIS = os.environ.get("TEST_REDIS_URL", "")
PG = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    # serve, worker and scheduler run in their own processes, on the real clock.
    pytest.mark.real_clock,
    pytest.mark.skipif(not PG, reason="the production stack runs on PostgreSQL"),
    pytest.mark.skipif(not REDIS, reason="no Redis: run under scripts/with-redis"),
]
requests = pytest.importorskip("requests")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def admin_sql(sql: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db.get("PASSWORD") or None,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


class Stack:
    """The three processes and the commands run before them, sharing one environment."""

    def __init__(self, tmp: Path, db_name: str):
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        redis_base = REDIS.rsplit("/", 1)[0]
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("DJANGO_", "PYTEST_")) and k not in {
                        "DATABASE_URL", "OUTLETCRM_ENV", "SECRET_KEY", "TASK_BACKEND",
                        "SERVE_SERVER"}}
        self.env.update({
            "PYTHONPATH": str(ROOT), "OUTLETCRM_ENV": "production", "SECRET_KEY": STRONG_KEY,
            "FIELD_ENCRYPTION_KEY": "Jx0cQmV8o1pZbWc3k5u7Yq9sT2vR4nL6hG8fD0aS1eE=",
            "DATABASE_URL": database_url(db_name), "OUTLETCRM_DATA_DIR": str(tmp / "data"),
            "MEDIA_ROOT": str(tmp / "media"), "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "off", "SECURE_COOKIES": "off",
            "TASK_BACKEND": "rq", "REDIS_URL": f"{redis_base}/5",
            "CACHE_URL": f"{redis_base}/6", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO",
            "SCHEDULER_TICK_SECONDS": "1", "ROUTING_DESIGN_SECONDS": "1",
            "SERVE_WORKERS": "2", "LANG": "C.UTF-8",
        })
        self.processes: dict[str, subprocess.Popen] = {}

    def command(self, *args, timeout=300) -> str:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "outletcrm", *args], env=self.env,
                                cwd=self.tmp, capture_output=True, text=True, timeout=timeout,
                                check=False)
        assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
        print(f"{args[0]}: {time.monotonic() - started:.1f}s")
        return result.stdout

    def start(self, name: str, *args) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "outletcrm", *args], env=self.env, cwd=self.tmp,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} ended:\n{self.log(name)[-3000:]}"

    def stop_one(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def wait_for(self, what, predicate, timeout=90.0, every=0.25):
        deadline = time.monotonic() + timeout
        while True:
            self.alive()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(every)


@pytest.fixture
def stack(tmp_path):
    import redis

    name = f"outletcrm_it_{os.getpid()}"
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(f'CREATE DATABASE "{name}"')
    for db in (5, 6):
        redis.Redis.from_url(f"{REDIS.rsplit('/', 1)[0]}/{db}").flushdb()
    running = Stack(tmp_path, name)
    try:
        yield running
    finally:
        running.stop()
        for log in sorted(tmp_path.glob("*.log")):  # shown by pytest when the test failed
            print(f"==== {log.name} ====\n{log.read_text(errors='replace')[-6000:]}")
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def healthz(stack):
    try:
        response = requests.get(f"{stack.base}/healthz", timeout=10)
    except requests.RequestException:  # not listening yet, or its workers still booting
        return None
    return response


def test_serve_worker_and_scheduler_work_a_morning_together(stack):
    stack.command("migrate", "--noinput", "-v0", timeout=600)
    stack.command("collectstatic", "--noinput", "-v0", timeout=600)
    company = json.loads(stack.command(
        "shell", "-c", "from tests.deploy.seed import seed; seed()").strip().splitlines()[-1])
    stack.command("check", "--deploy", "--fail-level", "ERROR")

    stack.start("serve", "serve", "--bind", f"127.0.0.1:{stack.port}")
    stack.start("worker", "worker")
    stack.start("scheduler", "scheduler")
    stack.wait_for("the web server", lambda: healthz(stack) is not None)

    # Log in over HTTP through the login page (session cookie, CSRF) …
    web = requests.Session()
    page = web.get(f"{stack.base}/login/", timeout=10)
    assert page.status_code == 200 and "csrftoken" in web.cookies
    answer = web.post(f"{stack.base}/login/", timeout=10, allow_redirects=False, data={
        "username": "alice", "password": company["password"],
        "csrfmiddlewaretoken": web.cookies["csrftoken"]})
    assert answer.status_code == 302, answer.text[:500]
    home = web.get(f"{stack.base}/customers/", timeout=10)
    assert home.status_code == 200 and "网点-00" in home.text
    # … static files come from WhiteNoise with hashed, compressed names.
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home.text)
    assert css, "no hashed stylesheet on the page"
    asset = web.get(stack.base + css.group(1), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert asset.status_code == 200 and "max-age" in asset.headers["Cache-Control"]

    # … and as the phone does: an API token.
    def token(username):
        response = requests.post(f"{stack.base}/api/v1/auth/token", timeout=10, json={
            "username": username, "password": company["password"]})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Token {response.json()['token']}"}

    alice, sup = token("alice"), token("sup")

    # Check in at the first outlet, then a photo of its shelf.
    visit = requests.post(f"{stack.base}/api/v1/visits/check-in", headers=alice, timeout=10,
                          json={"client_id": str(uuid.uuid4()), "customer": company["shop"],
                                "kind": "day", "accuracy_m": 12, "fix_age_s": 4,
                                "device_time": (timezone.now()).isoformat(),
                                "lat": float(company["lat"]) + 0.0001,
                                "lng": float(company["lng"])})
    assert visit.status_code == 201, visit.text
    photo_id = str(uuid.uuid4())
    photo = requests.post(
        f"{stack.base}/api/v1/visits/{visit.json()['client_id']}/photos", headers=alice,
        timeout=30, files={"image": ("shelf.jpg", jpeg(), "image/jpeg")},
        data={"kind": "display", "client_id": photo_id, "captured_live": "true",
              "taken_at": timezone.now().isoformat()})
    assert photo.status_code == 201, photo.text
    stored = requests.get(f"{stack.base}/visits/photos/{photo_id}.jpg", headers=alice,
                          timeout=10)
    assert stored.status_code == 200 and stored.content[:2] == b"\xff\xd8"
    anonymous = requests.get(f"{stack.base}/visits/photos/{photo_id}.jpg", timeout=10,
                             allow_redirects=False)
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]

    # A route design for the rep, queued by the supervisor: the worker runs it through Redis.
    started = requests.post(f"{stack.base}/api/v1/optimise/design", headers=sup, timeout=30,
                            json={"rep": company["alice"], "cycle_weeks": 2, "mode": "ebike"})
    assert started.status_code == 202, started.text
    job_url = f"{stack.base}/api/v1/optimise/jobs/{started.json()['id']}"

    def finished():
        job = requests.get(job_url, headers=sup, timeout=10).json()
        return job if job["status"] in ("done", "failed") else None

    job = stack.wait_for("the design job", finished, timeout=180)
    assert job["status"] == "done", job.get("error")
    assert job["progress"] == 1.0 and job["result"]["proposal"]["violations"] == []
    assert "outletcrm.optimise.tasks.run_job" in stack.log("worker")

    # The scheduler queued the every-minute sweep into Redis and the worker ran it.
    def swept():
        response = healthz(stack)
        return response is not None and response.json()["checks"]["scheduler"]["ok"]

    stack.wait_for("the scheduler's first slot", swept, timeout=60)
    stack.wait_for("the sweep's run", lambda: "notifications.tasks.notifications_sweep"
                   in stack.log("worker"), timeout=60)

    response = healthz(stack)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["queue"] == {**body["checks"]["queue"], "ok": True, "backend": "rq"}
    assert body["checks"]["storage"]["ok"]

    # Production logs: one JSON object per line, each request's with its id.
    stack.alive()
    lines = stack.log("serve").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert not [line for line in lines if re.match(r"\d{4}-\d\d-\d\d .* (INFO|WARNING|ERROR) ", line)]
    assert DEFAULT_SERVER in stack.log("serve").lower()  # `serve` without --server: the default
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert access and all(re.search(r"rid=[0-9a-f]{32}", r["message"]) for r in access)

    # The other server `serve --server` offers, on the same database, files and port: signed-in
    # pages, WhiteNoise's static files, a photo through its scoped view, /healthz.
    other = next(server for server in SERVERS if server != DEFAULT_SERVER)
    stack.stop_one("serve")
    stack.start("serve-other", "serve", "--server", other, "--bind", f"127.0.0.1:{stack.port}")
    stack.wait_for(f"serve --server {other}", lambda: healthz(stack) is not None)
    home = web.get(f"{stack.base}/customers/", timeout=10)
    assert home.status_code == 200 and "网点-00" in home.text
    asset = web.get(stack.base + css.group(1), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert asset.status_code == 200 and "max-age" in asset.headers["Cache-Control"]
    stored = requests.get(f"{stack.base}/visits/photos/{photo_id}.jpg", headers=alice,
                          timeout=10)
    assert stored.status_code == 200 and stored.content[:2] == b"\xff\xd8"
    assert re.fullmatch(r"[0-9a-f]{32}", stored.headers["X-Request-ID"])
    assert healthz(stack).json()["status"] == "ok"
    assert other in stack.log("serve-other").lower()
    stack.alive()
