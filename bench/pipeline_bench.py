"""Pipeline benchmark: the board and the funnel for a region of 30,000 prospects.

Builds, in a scratch database, one region with 10 teams of 10 reps (a supervisor each) and a
manager, and 30,000 potential/intent customers in the pipeline (bulk inserts): prospects
spread over the seven default stages with their stage history (about 3 stays each) and
output records, a fifth lost with a reason and a tenth won, entered over the last 180 days.
Then times requests made in-process with Django's test Client (force_login, no network):

  board       /pipeline/                      and /api/v1/prospects/board
  funnel      /pipeline/funnel/?group=…       and /api/v1/pipeline-funnel?group=…

for the region's manager (all 30,000), a supervisor (a team: 3,000) and a rep (300).
Target (issue 8): p95 < 150 ms. Writes bench/results/pipeline-<vendor>.md.

Usage (from the repository root):

  .venv/bin/python bench/pipeline_bench.py                       # SQLite under /tmp
  .venv/bin/python bench/pipeline_bench.py --reuse               # keep the seeded database
  scripts/with-postgres sh -c '.venv/bin/python bench/pipeline_bench.py --database-url "$TEST_PG_URL"'

With a PostgreSQL URL the benchmark creates (drops and recreates) its own database
`outletcrm_pipeline_bench` on that server.
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SQLITE_PATH = Path("/tmp/outletcrm-bench/pipeline.sqlite3")  # noqa: S108 - scratch db by design
PG_DATABASE = "outletcrm_pipeline_bench"
TARGET_MS = 150
REQUESTS = 40


def _pg_url(url: str) -> str:
    """Create (drop and recreate) the benchmark's own database on the server of `url`."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    base, _slash, _db = url.rpartition("/")
    return f"{base}/{PG_DATABASE}"


def seed(prospects: int, log) -> None:
    """The region, its people and `prospects` customers in the pipeline (bulk)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from outletcrm.customers.models import Customer, OutletType
    from outletcrm.customers.text import name_sort_key
    from outletcrm.org.models import Region, Role, Team, User
    from outletcrm.pipeline.models import OutputRecord, Prospect, Stage, StageEntry

    rng = random.Random(8)
    now = timezone.now()
    stages = list(Stage.objects.filter(is_active=True).order_by("sort_order"))
    types = list(OutletType.objects.values_list("pk", flat=True))
    sources = ["street_sweep", "referral", "fair", "web", "directory"]
    reasons = ["need_mismatch", "misfit", "no_capability", "competitor", "other"]
    with transaction.atomic():
        region = Region.objects.create(name="杭州办事处", code="bench-hz")
        region.path = f"/{region.pk}/"
        region.save(update_fields=["path"])
        User.objects.create(username="bench-mgr", role=Role.MANAGER, region=region)
        reps = []
        for t in range(10):
            team = Team.objects.create(name=f"杭州{t + 1}组", region=region)
            User.objects.create(username=f"bench-sup{t:02d}", role=Role.SUPERVISOR, team=team)
            for r in range(10):
                reps.append(User.objects.create(username=f"bench-rep{t:02d}{r}", team=team,
                                                display_name=f"业务员{t}-{r}"))
    log(f"seeding {prospects:,} prospects …")
    started = time.monotonic()
    batch = 3000
    for start in range(0, prospects, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(prospects, start + batch)):
                owner = reps[i % len(reps)]
                name = f"测试网点{i:05d}号"
                rows.append(Customer(
                    code=f"B{i:07d}", name=name, name_sort=name_sort_key(name),
                    name_norm=name, search_text=f"{name}|b{i:07d}", outlet_type_id=rng.choice(types),
                    owner=owner, team_id=owner.team_id, region=region,
                    status=rng.choice(["potential", "intent"]), source=rng.choice(sources)))
            customers = Customer.objects.bulk_create(rows)
            if not all(c.pk for c in customers):
                ids = dict(Customer.objects.filter(code__in=[c.code for c in customers])
                           .values_list("code", "pk"))
                for c in customers:
                    c.pk = ids[c.code]
            plans = []
            for c in customers:
                furthest = min(len(stages) - 1, int(rng.expovariate(0.6)))
                created = now - datetime.timedelta(days=rng.uniform(0, 180))
                fate = rng.random()
                outcome = "lost" if fate < 0.2 else "won" if fate < 0.3 else "open"
                if outcome == "won":
                    furthest = len(stages) - 1
                elif furthest == len(stages) - 1:
                    furthest -= 1
                plans.append((c, furthest, created, outcome))
            prospect_rows = []
            for c, furthest, created, outcome in plans:
                at = created + datetime.timedelta(days=sum(2 + i for i in range(furthest)))
                at = min(at, now)
                prospect_rows.append(Prospect(
                    customer_id=c.pk, stage=stages[furthest], furthest_stage=stages[furthest],
                    owner_id=c.owner_id, team_id=c.team_id, region_id=c.region_id,
                    outcome=outcome, entered_stage_at=at, created_at=created,
                    closed_at=at if outcome != "open" else None,
                    lost_reason=rng.choice(reasons) if outcome == "lost" else "",
                    next_action="回访" if outcome == "open" else ""))
            made = Prospect.objects.bulk_create(prospect_rows)
            if not all(p.pk for p in made):
                ids = dict(Prospect.objects.filter(customer_id__in=[c.pk for c, *_ in plans])
                           .values_list("customer_id", "pk"))
                for p in made:
                    p.pk = ids[p.customer_id]
            entries, outputs = [], []
            for p, (_c, furthest, created, outcome) in zip(made, plans, strict=True):
                at = created
                for i in range(furthest + 1):
                    left = None if i == furthest and outcome == "open" else min(
                        now, at + datetime.timedelta(days=2 + i))
                    entries.append(StageEntry(
                        prospect_id=p.pk, stage=stages[i], entered_at=at, left_at=left,
                        owner_id=p.owner_id, team_id=p.team_id, region_id=p.region_id,
                        seconds=int((left - at).total_seconds()) if left else None))
                    if i < furthest or rng.random() < 0.5:
                        outputs.append(OutputRecord(prospect_id=p.pk, stage=stages[i],
                                                    text="记录"))
                    at = left or at
            StageEntry.objects.bulk_create(entries, batch_size=5000)
            OutputRecord.objects.bulk_create(outputs, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"seeded in {time.monotonic() - started:.0f} s")


def measure(client, path: str) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each request. CPU is this process's: with SQLite it
    includes the database's work, with PostgreSQL the server's share is not in it."""
    for _ in range(3):  # warm caches (templates, user scope, statistics)
        client.get(path)
    times, cpu = [], []
    for _ in range(REQUESTS):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times, cpu


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(round(0.95 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=30_000)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded SQLite file")
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE_PATH}")
    args = parser.parse_args()
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    sqlite = args.database_url.startswith("sqlite")
    fresh = not (sqlite and args.reuse and SQLITE_PATH.exists())
    if sqlite and fresh and SQLITE_PATH.exists():
        SQLITE_PATH.unlink()
    url = args.database_url if sqlite else _pg_url(args.database_url)
    os.environ.update({"OUTLETCRM_ENV": "test", "DATABASE_URL": url,
                       "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
                       "OUTLETCRM_DATA_DIR": str(SQLITE_PATH.parent), "LOG_LEVEL": "ERROR"})
    os.environ.pop("DEBUG", None)
    (SQLITE_PATH.parent / "static").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from outletcrm.org.models import User
    from outletcrm.pipeline.models import Prospect, StageEntry

    settings.ALLOWED_HOSTS = ["*"]
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    call_command("migrate", verbosity=0)
    if fresh:
        seed(args.prospects, log)
    people = [("manager (region)", "bench-mgr"), ("supervisor (team)", "bench-sup00"),
              ("rep", "bench-rep000")]
    paths = [("board page", "/pipeline/"), ("board API", "/api/v1/prospects/board"),
             ("funnel page", "/pipeline/funnel/?group=rep"),
             ("funnel API", "/api/v1/pipeline-funnel?group=team"),
             ("funnel page, by outlet type, a year",
              "/pipeline/funnel/?group=outlet_type&date_from={year_ago}")]
    from django.utils import timezone

    year_ago = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    rows = []
    worst = worst_cpu = 0.0
    load_before = os.getloadavg()
    for label, username in people:
        client = Client()
        client.force_login(User.objects.get(username=username))
        if "API" in "".join(p for p, _ in paths):
            from rest_framework.authtoken.models import Token

            token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
        for name, path in paths:
            path = path.format(year_ago=year_ago)
            headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"} if "/api/" in path else {}
            c = Client(**headers) if headers else client
            times, cpu_ms = measure(c, path)
            p50, p95 = statistics.median(times), _p95(times)
            worst = max(worst, p95)
            worst_cpu = max(worst_cpu, _p95(cpu_ms))
            rows.append(f"| {label} | {name} | {p50:.1f} | {p95:.1f} | "
                        f"{statistics.median(cpu_ms):.1f} | {_p95(cpu_ms):.1f} |")
            log(rows[-1])
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    version = (f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
               if connection.vendor == "postgresql" else __import__("sqlite3").sqlite_version)
    text = "\n".join([
        f"# Pipeline board and funnel ({connection.vendor} {version})",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} cores, {cpu}; python {platform.python_version()}; "
        f"load average (1/5/15 min) {' / '.join(f'{v:.2f}' for v in load_before)} at the "
        f"start, {' / '.join(f'{v:.2f}' for v in os.getloadavg())} at the end (other "
        "sessions share the cores: wall time counts the wait for a core, CPU time does not)",
        f"- data: {Prospect.objects.count():,} prospects in one region (10 teams × 10 reps), "
        f"{StageEntry.objects.count():,} stage stays; {REQUESTS} requests each, in-process "
        "test client, after 3 warm-up requests",
        "",
        "| who | request | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Worst p95: {worst:.1f} ms wall, {worst_cpu:.1f} ms CPU (target < {TARGET_MS} ms).",
        "CPU is the benchmark process's (Django and, with SQLite, the database); with "
        "PostgreSQL the server's own CPU is not counted in it.",
    ]) + "\n"
    print(text)
    out = REPO / "bench/results" / f"pipeline-{connection.vendor}.md"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
