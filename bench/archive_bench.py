"""Customer-archive benchmark: 100,000 outlets, p50/p95 of list, pinyin search and detail.

Seeds the demo company at benchmark size (outletcrm.demo, the same generator as seed-demo:
100,000 outlets over 200 reps by default) into a fresh database, then times requests made
in-process with Django's test Client (logged in with force_login, no network) for a field rep
(the one with the most outlets) and for the manager of the biggest region:

  list      /customers/                 and /api/v1/customers/
  search    /customers/?q=<initials>    and /api/v1/customers/?q=   (first 4 pinyin initials
                                         of random outlet names in the user's scope)
  detail    /customers/<id>/            and /api/v1/customers/<id>/ (random ids in scope)

Routes that do not resolve are skipped with a note; rerun when they exist. Target: p95 under
150 ms each on the project's 2-core machine. The markdown table (with the machine, date and
database versions) is printed and written to bench/results/archive.md.

Usage (from the repository root):

  .venv/bin/python bench/archive_bench.py                      # SQLite file under /tmp
  .venv/bin/python bench/archive_bench.py --database-url postgresql://bench@127.0.0.1:5433/postgres
  BENCH_PG_URL=postgresql://bench@127.0.0.1:5433/postgres .venv/bin/python bench/archive_bench.py --both
  .venv/bin/python bench/archive_bench.py --reuse --queries    # keep the seeded data, show SQL

For PostgreSQL the URL names a server and a database to connect to; the benchmark creates
(drops and recreates) its own database `outletcrm_bench` there. A throwaway server on
loopback with Debian's postgresql package (run as root; the cluster belongs to `postgres`):

  apt-get install -y postgresql            # if `ls /usr/lib/postgresql` shows nothing
  PG=/usr/lib/postgresql/15/bin
  install -d -o postgres /tmp/pgbench
  runuser -u postgres -- $PG/initdb -D /tmp/pgbench/data -U bench --auth=trust -E UTF8 --locale=C.UTF-8
  runuser -u postgres -- $PG/pg_ctl -D /tmp/pgbench/data -l /tmp/pgbench/log -w \\
      -o "-p 5433 -k /tmp/pgbench -c listen_addresses=127.0.0.1" start
  BENCH_PG_URL=postgresql://bench@127.0.0.1:5433/postgres .venv/bin/python bench/archive_bench.py --both
  runuser -u postgres -- $PG/pg_ctl -D /tmp/pgbench/data -m fast stop && rm -rf /tmp/pgbench

(or, with the test helper: `scripts/with-postgres sh -c 'BENCH_PG_URL=$TEST_PG_URL
.venv/bin/python bench/archive_bench.py --both'`).
"""

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_MS = 150
SQLITE_PATH = Path("/tmp/outletcrm-bench/archive.sqlite3")  # noqa: S108 - scratch db by design
PG_DATABASE = "outletcrm_bench"
RESULTS = REPO / "bench/results/archive.md"
QUERIES = REPO / "bench/out/archive-queries.txt"  # not committed (bench/out is ignored)

# (measurement, page path template, API path template); {id} and {q} are filled per request.
MEASUREMENTS = (
    ("list", "/customers/", "/api/v1/customers/"),
    ("search", "/customers/?q={q}", "/api/v1/customers/?q={q}"),
    ("detail", "/customers/{id}/", "/api/v1/customers/{id}/"),
)


def machine() -> dict:
    """Facts about the machine the figures come from."""
    cpu = "unknown"
    ram_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    import django

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": f"{ram_gib:.0f} GiB" if ram_gib else "unknown",
        "python": platform.python_version(),
        "django": django.get_version(),
    }


# --- child: one database ---------------------------------------------------------------


def prepare_database(url: str, reuse: bool) -> tuple[str, bool]:
    """The URL of a database for the run and whether it must be seeded."""
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1]) if "sqlite:///" in url else SQLITE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        if reuse and path.exists():
            return f"sqlite:///{path}", False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", True
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
        ).fetchone()
        if not (reuse and exists):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(PG_DATABASE)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DATABASE)))
    base, _, _ = url.rpartition("/")
    return f"{base}/{PG_DATABASE}", not (reuse and exists)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def setup_child(args, log) -> float | None:
    """Point Django at the bench database, migrate, seed it if new; the seeding time.

    Shared with bench/floor_bench.py: both measure the same seeded archive."""
    url, must_seed = prepare_database(args.database_url, args.reuse)
    os.environ.update(
        {
            "OUTLETCRM_ENV": "test",  # demo data allowed, DEBUG off, plain static files
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
            "OUTLETCRM_DATA_DIR": str(SQLITE_PATH.parent),
            "LOG_LEVEL": "ERROR",
        }
    )
    os.environ.pop("DEBUG", None)
    (SQLITE_PATH.parent / "static").mkdir(parents=True, exist_ok=True)  # quiets WhiteNoise
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from outletcrm.demo.services import demo_seed

    call_command("migrate", verbosity=0)
    seed_seconds = None
    if must_seed:
        log(f"seeding {args.outlets:,} outlets into {connection.vendor} …")
        started = time.monotonic()
        demo_seed(
            outlets=args.outlets,
            reps=args.reps,
            seed=args.seed,
            progress=lambda done: log(f"  {done:,}") if done % 20_000 == 0 else None,
        )
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.0f} s")
    # The proposals have landed (customers migrations 0005 and 0006); the flags remain to
    # measure them again on a database migrated without them. Without a flag nothing is
    # dropped: the benchmark measures the code as it is.
    if args.proposed_indexes:
        proposed_indexes(connection, create=True)
    if args.proposed_search:
        proposed_search(connection, create=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load: planner statistics and the
            # visibility map (index-only scans).
            cursor.execute("VACUUM ANALYZE")
        elif args.analyze:
            # SQLite has no such daemon: without --analyze it runs as an installation would.
            cursor.execute("ANALYZE")
        else:
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    return seed_seconds


def bench_users():
    """The rep with the most outlets and the manager of the biggest region."""
    from django.db.models import Count

    from outletcrm.core import scoping
    from outletcrm.customers.models import Customer
    from outletcrm.org.models import Role, User

    reps = Customer.objects.values("owner").annotate(n=Count("pk")).order_by("-n", "owner")
    rep = User.objects.get(pk=reps[0]["owner"])
    managers = User.objects.filter(role=Role.MANAGER, is_demo=True)
    manager = max(managers, key=lambda m: scoping.restrict(Customer.objects.all(), m).count())
    return rep, manager


def run_child(args) -> dict:
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    seed_seconds = setup_child(args, log)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from outletcrm.core import scoping
    from outletcrm.customers.models import Customer
    from outletcrm.customers.text import pinyin_keys
    from outletcrm.org.models import Role, User

    load_before = os.getloadavg()[0]
    total = Customer.objects.count()

    rep, manager = bench_users()
    rng = random.Random(args.seed)

    rows = []
    for role_label, user in (("rep", rep), ("manager", manager)):
        scope = scoping.restrict(Customer.objects.live(), user)
        in_scope = scope.count()
        sample = list(scope.order_by("?").values_list("pk", "name")[: args.requests + args.warmup])
        ids = [pk for pk, _ in sample]
        terms = [pinyin_keys(name)[1][:4] for _, name in sample]
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        for measurement, page, api in MEASUREMENTS:
            for channel, template in (("page", page), ("api", api)):
                row = {
                    "measurement": measurement,
                    "channel": channel,
                    "role": role_label,
                    "user": user.username,
                    "scope": in_scope,
                }
                path_only = template.split("?")[0].format(id=ids[0])
                try:
                    resolve(path_only)
                except Resolver404:
                    rows.append({**row, "skipped": "route not found"})
                    continue
                paths = [
                    template.format(id=ids[i % len(ids)], q=terms[i % len(terms)])
                    for i in range(args.requests + args.warmup)
                ]
                rng.shuffle(paths)
                accept = {"HTTP_ACCEPT": "application/json"} if channel == "api" else {}
                first = client.get(paths[0], **accept)
                if first.status_code != 200:
                    rows.append({**row, "skipped": f"HTTP {first.status_code} on {paths[0]}"})
                    continue
                with CaptureQueriesContext(connection) as captured:
                    client.get(paths[1], **accept)
                queries = list(captured.captured_queries)
                for path in paths[1 : args.warmup]:
                    client.get(path, **accept)
                times, statuses = [], set()
                for path in paths[args.warmup :]:
                    started = time.perf_counter()
                    response = client.get(path, **accept)
                    times.append((time.perf_counter() - started) * 1000)
                    statuses.add(response.status_code)
                row.update(
                    {
                        "n": len(times),
                        "p50": percentile(times, 50),
                        "p95": percentile(times, 95),
                        "max": max(times),
                        "mean": statistics.fmean(times),
                        "queries": len(queries),
                        "statuses": sorted(statuses),
                    }
                )
                if args.queries:
                    row["sql"] = explain(connection, queries)
                rows.append(row)
                log(
                    f"  {role_label:8} {channel:4} {measurement:6} p50 {row['p50']:6.1f} ms  "
                    f"p95 {row['p95']:6.1f} ms  ({len(queries)} queries)"
                )
    return {
        "load": (load_before, os.getloadavg()[0]),
        "proposed_indexes": args.proposed_indexes,
        "analyzed": connection.vendor == "postgresql" or args.analyze,
        "proposed_search": args.proposed_search and connection.vendor == "sqlite",
        "vendor": connection.vendor,
        "version": db_version(connection),
        "outlets": total,
        "reps": User.objects.filter(role=Role.REP, is_demo=True).count(),
        "seed_seconds": seed_seconds,
        "rows": rows,
    }


# What-if indexes for the misses reported in bench/results/archive.md: the same definitions
# as the migration proposed there, created by hand so the effect can be measured before the
# change lands. Without --proposed-indexes they are dropped, so --reuse runs compare cleanly.
PROPOSED = {
    "bench_customer_name_id": "CREATE INDEX {name} ON customers_customer (name, id)",
    "bench_customer_live_region": (
        "CREATE INDEX {name} ON customers_customer (region_id) WHERE archived_at IS NULL"
    ),
}
PROPOSED_PG = {
    "bench_customer_search_trgm": (
        "CREATE INDEX {name} ON customers_customer USING gin (search_text gin_trgm_ops)"
    ),
}


def proposed_indexes(connection, *, create: bool) -> None:
    indexes = dict(PROPOSED)
    if connection.vendor == "postgresql":
        indexes.update(PROPOSED_PG)
    with connection.cursor() as cursor:
        for name, ddl in indexes.items():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if create:
                if "gin_trgm_ops" in ddl:
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute(ddl.format(name=name))


# SQLite has no trigram index type: the proposed search (see bench/results/archive-notes.md)
# keeps an FTS5 trigram index of search_text in step with triggers and lets the selector
# look terms of 3+ characters up there. --proposed-search builds it and patches the selector.
FTS_SQLITE = (
    "CREATE VIRTUAL TABLE customers_customer_fts USING fts5(search_text, "
    "content='customers_customer', content_rowid='id', tokenize='trigram')",
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES('rebuild')",
    "CREATE TRIGGER customers_customer_fts_ai AFTER INSERT ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER customers_customer_fts_ad AFTER DELETE ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER customers_customer_fts_au AFTER UPDATE OF search_text ON customers_customer "
    "BEGIN INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO customers_customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def proposed_search(connection, *, create: bool) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER IF EXISTS customers_customer_fts_{trigger}")
        cursor.execute("DROP TABLE IF EXISTS customers_customer_fts")
        if create:
            for statement in FTS_SQLITE:
                cursor.execute(statement)
    if create:
        patch_selector(connection)


def patch_selector(connection) -> None:
    """The proposed customers.selectors.customer_list: trigram lookup for 3+ characters."""
    import dataclasses

    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    from outletcrm.customers import selectors
    from outletcrm.customers.text import search_term
    from outletcrm.customers.validators import normalise_phone

    original = selectors.customer_list

    def customer_list(*, user, filters=None):
        f = filters or selectors.CustomerFilters()
        term = search_term(f.q) if f.q else ""
        # Under three characters a trigram index cannot help; % and _ would need ESCAPE,
        # which FTS5 does not take. Both keep the plain LIKE.
        if len(term) < 3 or "%" in term or "_" in term:
            return original(user=user, filters=f)
        phone = normalise_phone(f.q)
        condition = Q()
        for text in [term] + ([phone] if phone.isdigit() and phone != term else []):
            condition |= Q(
                pk__in=RawSQL(
                    "SELECT rowid FROM customers_customer_fts WHERE search_text LIKE %s",
                    [f"%{text}%"],
                )
            )
        return original(user=user, filters=dataclasses.replace(f, q="")).filter(condition)

    selectors.customer_list = customer_list


def db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def explain(connection, queries: list[dict]) -> list[dict]:
    """The captured SQL, slowest first, with the plan of the slowest few."""
    out = []
    for query in sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]:
        entry = {"time_ms": float(query["time"]) * 1000, "sql": query["sql"]}
        if query["sql"].lstrip().upper().startswith("SELECT"):
            prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
            with connection.cursor() as cursor:
                cursor.execute(prefix + query["sql"])
                entry["plan"] = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
        out.append(entry)
    return out


# --- parent: run each database in its own process, write the table ---------------------


def table(result: dict) -> str:
    indexes = " + proposed indexes" if result.get("proposed_indexes") else ""
    if result.get("proposed_search"):
        indexes += " + FTS5 trigram search"
    if result.get("analyzed") and result["vendor"] == "sqlite":
        indexes += " + ANALYZE"
    lines = [
        f"### {result['version']}{indexes}: {result['outlets']:,} outlets, {result['reps']} reps",
        "",
        f"Load average (1 min) at start / end of the timed requests: "
        f"{result['load'][0]:.1f} / {result['load'][1]:.1f}.",
        "",
    ]
    if result.get("seed_seconds"):
        lines += [
            f"Seeded in {result['seed_seconds']:.0f} s (bulk insert, search keys included).",
            "",
        ]
    lines += [
        f"| measurement | via | user (customers in scope) | n | p50 ms | p95 ms | max ms | queries | p95 < {TARGET_MS} ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in result["rows"]:
        who = f"{row['role']} {row['user']} ({row['scope']:,})"
        if "skipped" in row:
            lines.append(
                f"| {row['measurement']} | {row['channel']} | {who} | – | – | – | – | – | "
                f"skipped: {row['skipped']} |"
            )
            continue
        ok = "yes" if row["p95"] < TARGET_MS else "**no**"
        lines.append(
            f"| {row['measurement']} | {row['channel']} | {who} | {row['n']} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['max']:.1f} | {row['queries']} | {ok} |"
        )
    return "\n".join(lines)


def report(results: list[dict], facts: dict, args) -> str:
    head = [
        "# Customer archive benchmark",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['ram']} RAM",
        f"- Python {facts['python']}, Django {facts['django']}",
        f"- {args.requests} timed requests per row after {args.warmup} warm-up ones, in-process "
        "(django.test.Client, force_login), random ids / search terms in the user's scope",
        "- command: `.venv/bin/python bench/archive_bench.py "
        + " ".join("<url>" if "://" in a else a for a in sys.argv[1:])
        + "`",
        "",
    ]
    return "\n".join(head + [table(r) + "\n" for r in results])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--database-url",
        help="postgresql://… (a server to create the bench database on) or sqlite:///path",
    )
    parser.add_argument("--both", action="store_true", help="SQLite and PostgreSQL (BENCH_PG_URL)")
    parser.add_argument("--outlets", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per row (≥ 50)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already seeded bench database"
    )
    parser.add_argument("--queries", action="store_true", help="print the slowest SQL and its plan")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="SQLite: gather planner statistics (ANALYZE) before timing",
    )
    parser.add_argument(
        "--proposed-search",
        action="store_true",
        help="SQLite: FTS5 trigram index and the selector change proposed in archive-notes.md",
    )
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="add the indexes proposed in bench/results/archive.md first",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args)))
        return 0

    targets = [args.database_url or f"sqlite:///{SQLITE_PATH}"]
    if args.both:
        pg_url = os.environ.get("BENCH_PG_URL")
        if not pg_url:
            parser.error("--both needs BENCH_PG_URL=postgresql://… (see --help)")
        targets = [f"sqlite:///{SQLITE_PATH}", pg_url]
    results = []
    for url in targets:
        child = [
            sys.executable,
            __file__,
            "--child",
            "--database-url",
            url,
            "--outlets",
            str(args.outlets),
            "--reps",
            str(args.reps),
            "--seed",
            str(args.seed),
            "--requests",
            str(args.requests),
            "--warmup",
            str(args.warmup),
        ]
        child += ["--reuse"] if args.reuse else []
        child += ["--queries"] if args.queries else []
        child += ["--proposed-indexes"] if args.proposed_indexes else []
        child += ["--analyze"] if args.analyze else []
        child += ["--proposed-search"] if args.proposed_search else []
        done = subprocess.run(
            child, capture_output=False, stdout=subprocess.PIPE, text=True, check=False
        )
        if done.returncode:
            print(
                f"benchmark on {url.split('@')[-1]} failed (exit {done.returncode})",
                file=sys.stderr,
            )
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    text = report(results, machine(), args)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if args.queries:
        details = []
        for result in results:
            for row in result["rows"]:
                for query in row.get("sql", []):
                    details += [
                        f"## {result['vendor']} {row['role']} {row['channel']} "
                        f"{row['measurement']}: {query['time_ms']:.1f} ms",
                        query["sql"],
                        *query.get("plan", []),
                        "",
                    ]
        QUERIES.parent.mkdir(parents=True, exist_ok=True)
        QUERIES.write_text("\n".join(details), encoding="utf-8")
        print(f"slowest queries and their plans: {QUERIES.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
