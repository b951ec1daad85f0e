"""Maintenance benchmark (issue 9): one day's care tasks and churn flags for 100,000 customers.

Seeds a fresh database (bulk_create throughout) with 100,000 active outlets over 200 reps in 20
teams, their contacts (1–3 each; 40 % with a birthday, 30 % of those lunar, as the demo
company records them) and 12 months of orders (no order lines: neither job reads them). Each customer orders on its own rhythm (every 14 to 60
days, ±20 %); most keep ordering, some slow down (silent for 2.3–4 × their interval), some
order far less over the last quarter, some stopped 90–179 days ago (dormant), some 180–330
days ago (lost). Then it times "one day's care tasks and churn flags":

  first run    care-task generation + churn scan for today          target < 20 s
  second run   the same again, the same day (creates nothing)       target < 1/3 of the first

and, for information, the churn scan forced to recompute everything on that second run (what a
rerun costs when an order arrived since: the scan's watermark no longer matches).

Care generation is `outletcrm.care.services.generate_care_tasks(day)`, built by another branch;
when it is not importable the table says so and times the churn part alone.

Usage (from the repository root):

  .venv/bin/python bench/maintenance_bench.py                     # SQLite file under /tmp
  PGPORT_TEST=54350 scripts/with-postgres sh -c \\
      'BENCH_PG_URL=$TEST_PG_URL .venv/bin/python bench/maintenance_bench.py --both'
  .venv/bin/python bench/maintenance_bench.py --outlets 5000 --out /tmp/small.md   # a quick look

For PostgreSQL the URL names a server; the benchmark drops and creates its own database
`outletcrm_maintenance_bench` there. The markdown table (machine, date, database versions) is
written to bench/results/maintenance.md; the figures are printed as JSON, one line per database.
"""

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCRATCH = Path("/tmp/outletcrm-bench")  # noqa: S108 - a scratch database by design
SQLITE_PATH = SCRATCH / "maintenance.sqlite3"
PG_DATABASE = "outletcrm_maintenance_bench"
RESULTS = REPO / "bench/results/maintenance.md"
FIRST_TARGET = 20.0

INTERVALS = [(14, 0.15), (21, 0.25), (30, 0.30), (45, 0.20), (60, 0.10)]
SCENARIOS = [("steady", 0.80), ("slowing", 0.08), ("value_drop", 0.05), ("dormant", 0.04),
             ("lost", 0.03)]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def machine() -> dict:
    """Date, cores, CPU model and RAM of the machine the figures come from."""
    cpu, ram = "unknown", "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    import django

    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "cpu": cpu, "ram": ram,
            "python": platform.python_version(), "django": django.get_version()}


# --- child: one database -----------------------------------------------------------------

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
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [PG_DATABASE]).fetchone()
        if not (reuse and exists):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                sql.Identifier(PG_DATABASE)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DATABASE)))
    base, _, _ = url.rpartition("/")
    return f"{base}/{PG_DATABASE}", not (reuse and exists)


def setup_django(url: str) -> None:
    os.environ.update({
        "OUTLETCRM_ENV": "test",  # demo data allowed, DEBUG off, immediate tasks
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
        "OUTLETCRM_DATA_DIR": str(SCRATCH), "LOG_LEVEL": "ERROR",
    })
    os.environ.pop("DEBUG", None)
    (SCRATCH / "static").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def _pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def seed_company(args, rng: random.Random) -> None:
    """Regions, teams, reps and supervisors, `args.outlets` customers spread over the reps,
    and their contacts: 1–3 each, 40 % with a birthday, 30 % of those lunar (as the demo)."""
    from django.contrib.auth.hashers import make_password

    from outletcrm.customers.models import Contact, Customer, OutletType
    from outletcrm.org.models import Region, Role, Team, User

    root = Region.objects.create(name="全国", code="bench-root")
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    regions = Region.objects.bulk_create(
        Region(name=f"大区{i}", code=f"bench-r{i}", parent=root) for i in range(10))
    for region in regions:
        region.path = f"{root.path}{region.pk}/"
    Region.objects.bulk_update(regions, ["path"])
    teams = Team.objects.bulk_create(
        Team(name=f"团队{i:03d}", region=regions[i % len(regions)])
        for i in range(max(1, args.reps // 10)))
    password = make_password("bench-pass-123")
    reps = User.objects.bulk_create(
        User(username=f"rep{i:04d}", display_name=f"业务员{i}", role=Role.REP,
             team=teams[i % len(teams)], password=password) for i in range(args.reps))
    User.objects.bulk_create(
        User(username=f"sup{i:03d}", role=Role.SUPERVISOR, team=team, password=password)
        for i, team in enumerate(teams))
    outlet_type = OutletType.objects.get(code="supermarket")
    region_of = {t.pk: t.region_id for t in teams}
    customers = []
    for n in range(1, args.outlets + 1):
        rep = reps[n % len(reps)]
        customers.append(Customer(
            code=f"B{n:07d}", name=f"测试门店{n}", outlet_type=outlet_type, owner=rep,
            team_id=rep.team_id, region_id=region_of[rep.team_id], status="active",
            search_text=f"测试门店{n} ceshimendian{n} csmd", name_norm=f"测试门店{n}",
            name_sort=f"ce4shi4men2dian4{n:07d}"))
        if len(customers) == 10_000:
            Customer.objects.bulk_create(customers, batch_size=5000)
            customers = []
            log(f"  {n:,} outlets")
    Customer.objects.bulk_create(customers, batch_size=5000)
    contacts = []
    for pk in Customer.objects.values_list("pk", flat=True).order_by("pk").iterator(5000):
        for i in range(rng.choices((1, 2, 3), weights=(5, 4, 1))[0]):
            birthday, lunar = None, False
            if rng.random() < 0.4:
                lunar = rng.random() < 0.3
                birthday = datetime.date(rng.randint(1958, 2001), rng.randint(1, 12),
                                         rng.randint(1, 28))
            contacts.append(Contact(customer_id=pk, name=f"联系人{pk}-{i}", role="owner",
                                    decision_role="decider", birthday=birthday,
                                    birthday_is_lunar=lunar, is_primary=i == 0))
        if len(contacts) >= 20_000:
            Contact.objects.bulk_create(contacts, batch_size=5000)
            contacts = []
    Contact.objects.bulk_create(contacts, batch_size=5000)


def seed_orders(day: datetime.date, rng: random.Random) -> dict:
    """12 months of orders for every live customer, made active (bulk)."""
    from django.db import transaction
    from django.utils import timezone

    from outletcrm.customers.models import Customer
    from outletcrm.orders.models import Order

    tz = timezone.get_current_timezone()
    Customer.objects.filter(archived_at__isnull=True).update(status="active")
    customers = list(Customer.objects.filter(archived_at__isnull=True)
                     .values_list("pk", "owner_id").order_by("pk"))
    scenarios = dict.fromkeys((s for s, _w in SCENARIOS), 0)
    batch: list = []
    count = 0

    def flush():
        nonlocal count
        with transaction.atomic():
            Order.objects.bulk_create(batch, batch_size=5000)
        count += len(batch)
        batch.clear()

    for customer_id, owner_id in customers:
        interval = _pick(rng, INTERVALS)
        scenario = _pick(rng, SCENARIOS)
        scenarios[scenario] += 1
        if scenario == "slowing":
            ago = min(89, int(interval * rng.uniform(2.3, 4.0)))
        elif scenario == "dormant":
            ago = rng.randint(90, 179)
        elif scenario == "lost":
            ago = rng.randint(180, 330)
        else:
            ago = rng.randint(1, interval)
        base = rng.lognormvariate(7.5, 0.6)  # ~¥1,800 an order
        while ago <= 365:
            value = base * rng.uniform(0.7, 1.3)
            if scenario == "value_drop" and ago <= 90:
                value *= 0.3
            at = datetime.datetime.combine(day - datetime.timedelta(days=ago),
                                           datetime.time(rng.randint(8, 19), rng.randint(0, 59)),
                                           tzinfo=tz)
            batch.append(Order(client_id=uuid.uuid4(), code=f"B{count + len(batch):010d}",
                               customer_id=customer_id, rep_id=owner_id, status="delivered",
                               ordered_at=at, total=Decimal(f"{value:.2f}")))
            ago += max(1, round(interval * rng.uniform(0.8, 1.2)))
        if len(batch) >= 50_000:
            flush()
            log(f"  {count:,} orders")
    flush()
    return {"orders": count, "scenarios": scenarios}


def care_generator():
    """The care helper's generator when this branch has it, else None."""
    try:
        from outletcrm.care.services import generate_care_tasks
    except ImportError:
        return None
    return generate_care_tasks


def timed_day(day: datetime.date, care, *, force: bool = False) -> dict:
    """Care generation then the churn scan for `day`, each timed."""
    from outletcrm.churn.services import scan_churn

    result = {}
    total = 0.0
    if care is not None:
        started = time.perf_counter()
        summary = care(day)
        result["care_s"] = time.perf_counter() - started
        result["care"] = summary
        total += result["care_s"]
    started = time.perf_counter()
    result["churn"] = scan_churn(day, force=force)
    result["churn_s"] = time.perf_counter() - started
    result["total_s"] = total + result["churn_s"]
    return result


def reset_churn() -> None:
    """With --reuse: undo an earlier run's churn writes so the first run starts clean."""
    from outletcrm.churn.models import ChurnFlag, ChurnScan
    from outletcrm.core.models import ChangeLog, TimelineEntry
    from outletcrm.customers.models import Customer
    from outletcrm.notifications.models import Notification
    from outletcrm.visits.models import FollowUpTask

    FollowUpTask.objects.filter(kind="churn_action").delete()
    Notification.objects.filter(kind="churn.flag").delete()
    TimelineEntry.objects.filter(kind="churn").delete()
    ChangeLog.objects.filter(note__startswith="Churn watch").delete()
    ChurnFlag.objects.all().delete()
    ChurnScan.objects.all().delete()
    Customer.objects.filter(archived_at__isnull=True).update(status="active")


def db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def run_child(args) -> dict:
    url, must_seed = prepare_database(args.database_url, args.reuse)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from outletcrm.customers.models import Contact, Customer
    from outletcrm.orders.models import Order

    call_command("migrate", verbosity=0)
    day = timezone.localdate()
    rng = random.Random(args.seed)
    seed_seconds = None
    if must_seed:
        log(f"seeding {args.outlets:,} outlets into {connection.vendor} …")
        started = time.monotonic()
        seed_company(args, rng)
        seeded = seed_orders(day, rng)
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.0f} s")
    else:
        reset_churn()
        seeded = {"orders": Order.objects.count(), "scenarios": None}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    care = care_generator()
    # A worker that runs the nightly jobs has its URLconf loaded (notification links are
    # reversed); load it before the clock starts, as any earlier job would have.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
    log("first run …")
    first = timed_day(day, care)
    log(f"  {first['total_s']:.2f} s {first['churn']}")
    log("second run …")
    second = timed_day(day, care)
    log(f"  {second['total_s']:.2f} s {second['churn']}")
    forced = timed_day(day, None, force=True)
    log(f"  forced rescan {forced['churn_s']:.2f} s {forced['churn']}")
    lunar = Contact.objects.filter(birthday_is_lunar=True).count()
    return {
        "version": db_version(connection), "day": day.isoformat(),
        "customers": Customer.objects.count(),
        "active": Customer.objects.filter(archived_at__isnull=True).count(),
        "contacts": Contact.objects.count(),
        "birthdays": Contact.objects.filter(birthday__isnull=False).count(),
        "lunar_birthdays": lunar, "orders": seeded["orders"], "scenarios": seeded["scenarios"],
        "seed_seconds": seed_seconds, "care_available": care is not None,
        "first": first, "second": second, "forced_rescan": forced,
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "measured_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- parent: each database in its own process, then the table ---------------------------

def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def table(r: dict) -> str:
    first, second, forced = r["first"], r["second"], r["forced_rescan"]
    care_note = ("" if r["care_available"] else
                 " **Care generation not in this branch: the care column is empty and the total "
                 "is the churn scan alone (slot for `generate_care_tasks(day)`).**")
    met_first = "yes" if first["total_s"] < FIRST_TARGET else "**no**"
    met_second = "yes" if second["total_s"] < first["total_s"] / 3 else "**no**"
    c = first["churn"]
    lines = [
        f"### {r['version']}",
        "",
        f"{r['customers']:,} customers ({r['active']:,} live and active), {r['contacts']:,} "
        f"contacts ({r['birthdays']:,} with a birthday, {r['lunar_birthdays']:,} of them lunar), "
        f"{r['orders']:,} orders over 12 months. "
        + (f"Seeded in {r['seed_seconds']:.0f} s. " if r["seed_seconds"] else
           "Reused an earlier run's database. ")
        + f"Day {r['day']}. Load average after the runs (1/5/15 min): {r['load']}." + care_note,
        "",
        "| run | care tasks | churn scan | total | target | met |",
        "|---|---:|---:|---:|---:|---|",
        f"| first | {fmt(first.get('care_s'))} | {fmt(first['churn_s'])} | "
        f"{fmt(first['total_s'])} | < {fmt(FIRST_TARGET)} | {met_first} |",
        f"| second, same day | {fmt(second.get('care_s'))} | {fmt(second['churn_s'])} | "
        f"{fmt(second['total_s'])} | < {fmt(first['total_s'] / 3)} (⅓ of the first) | "
        f"{met_second} |",
        f"| churn scan forced to recompute (info) | – | {fmt(forced['churn_s'])} | – | – | – |",
        "",
        f"First run: {c['flags_raised']:,} churn flags raised, each with its task and "
        f"timeline entry, one notification for each of {c['notified']:,} reps; "
        f"{c['dormant']:,} customers dormant, {c['lost']:,} lost. "
        f"Second run: {json.dumps(second['churn'])}; forced rescan: "
        f"{json.dumps(forced['churn'])}."
        + (f" Care, first run: {json.dumps(first.get('care'), default=str)}; second: "
           f"{json.dumps(second.get('care'), default=str)}." if r["care_available"] else ""),
    ]
    return "\n".join(lines)


def report(results: list[dict], facts: dict, args) -> str:
    head = [
        "# Maintenance benchmark: one day's care tasks and churn flags",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['ram']} RAM, shared with "
        "other work (see the load averages)",
        f"- Python {facts['python']}, Django {facts['django']}",
        f"- data: {args.outlets:,} outlets over {args.reps} reps, 12 months of "
        "orders each on its own rhythm; ~8 % slowing, ~5 % ordering less, ~4 % silent 90–179 "
        "days, ~3 % 180–330 days",
        "- command: `.venv/bin/python bench/maintenance_bench.py "
        + " ".join("<url>" if "://" in a else a for a in sys.argv[1:]) + "`",
        "",
    ]
    return "\n".join(head + [table(r) + "\n" for r in results])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--database-url", help="postgresql://… (a server) or sqlite:///path")
    parser.add_argument("--both", action="store_true",
                        help="SQLite and PostgreSQL (BENCH_PG_URL or TEST_PG_URL)")
    parser.add_argument("--outlets", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database an earlier run seeded (same sizes)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, help=argparse.SUPPRESS)  # JSON lines → table
    args = parser.parse_args()
    if args.render:
        results = [json.loads(line) for line in args.render.read_text().splitlines() if line]
        facts = machine()
        facts["date"] = results[0].get("measured_at", facts["date"])
        args.out.write_text(report(results, facts, args) + "\n", encoding="utf-8")
        return 0

    if args.child:
        print(json.dumps(run_child(args), default=str))
        return 0
    targets = [args.database_url or f"sqlite:///{SQLITE_PATH}"]
    if args.both:
        pg_url = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_PG_URL")
        if not pg_url:
            parser.error("--both needs BENCH_PG_URL=postgresql://… (see --help)")
        targets = [f"sqlite:///{SQLITE_PATH}", pg_url]
    results = []
    passthrough = ["--outlets", str(args.outlets), "--reps", str(args.reps), "--seed",
                   str(args.seed), *(["--reuse"] if args.reuse else [])]
    for url in targets:
        done = subprocess.run([sys.executable, __file__, "--child", "--database-url", url,
                               *passthrough], stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode:
            log(f"benchmark on {url.split('@')[-1]} failed (exit {done.returncode})")
            return done.returncode
        line = done.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        results.append(json.loads(line))
    text = report(results, machine(), args)
    log(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
