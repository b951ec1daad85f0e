"""Evaluation benchmark (issue 8): score and classify 100,000 customers, then re-run after a
day's orders touching only the changed customers.

Seeds a fresh database with the maintenance benchmark's company and 12 months of orders
(bench/maintenance_bench.py: 100,000 active outlets over 200 reps, each ordering on its own
rhythm), gives every order a due date 30 days after it and 90 % of the orders older than 45
days a payment 0–44 days after the order (a third of them late), a floor area, staff count
and years in business to 70 % of the outlets, and hand-entered scores to 10 %. Then it times,
with the default scoring model (11 indicators from the archive, orders, payments and hand
entry):

  full run        every customer scored and classified (evaluations upserted, a class
                  proposal for nearly everyone: nobody has an ABC class yet)   target < 20 s
  changes run     after a day's orders (3,300 new orders and 1,000 payments, ~one day of
                  this company), only the customers they touch                  target < 2 s
  idle changes    a changes run with nothing new (information)

Usage (from the repository root):

  .venv/bin/python bench/evaluation_bench.py                     # SQLite file under /tmp
  PGPORT_TEST=54347 scripts/with-postgres sh -c \\
      'BENCH_PG_URL=$TEST_PG_URL .venv/bin/python bench/evaluation_bench.py --both'
  .venv/bin/python bench/evaluation_bench.py --outlets 5000 --out /tmp/small.md   # a quick look

The markdown table (machine, date, database versions) is written to
bench/results/evaluation.md; the figures are printed as JSON, one line per database.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import maintenance_bench as mb  # noqa: E402 - the shared company and order generator

REPO = mb.REPO
mb.SQLITE_PATH = mb.SCRATCH / "evaluation.sqlite3"
mb.PG_DATABASE = "outletcrm_evaluation_bench"
RESULTS = REPO / "bench/results/evaluation.md"
FULL_TARGET = 20.0
CHANGES_TARGET = 2.0
DAY_ORDERS = 3300
DAY_PAYMENTS = 1000
log = mb.log


def seed_extras(rng: random.Random) -> dict:
    """Due dates and payments (set-based SQL), archive fields and hand-entered scores."""
    from django.db import connection, transaction

    from outletcrm.customers.models import Customer
    from outletcrm.evaluation.models import ManualValue

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("UPDATE orders_order SET due_date = date(ordered_at, '+8 hours', "
                           "'+30 days')")
            cursor.execute(
                "INSERT INTO orders_payment (client_id, order_id, customer_id, collected_by_id, "
                "amount, method, paid_at, received_at, notes) SELECT lower(hex(randomblob(16))), "
                "id, customer_id, rep_id, total, 'transfer', datetime(ordered_at, '+' || "
                "(abs(random()) % 45) || ' days'), ordered_at, '' FROM orders_order "
                "WHERE id % 10 != 0 AND ordered_at < datetime('now', '-45 days')")
        else:
            cursor.execute("UPDATE orders_order SET due_date = "
                           "(ordered_at AT TIME ZONE 'Asia/Shanghai')::date + 30")
            cursor.execute(
                "INSERT INTO orders_payment (client_id, order_id, customer_id, collected_by_id, "
                "amount, method, paid_at, received_at, notes) SELECT gen_random_uuid(), id, "
                "customer_id, rep_id, total, 'transfer', ordered_at + "
                "floor(random() * 45) * interval '1 day', ordered_at, '' FROM orders_order "
                "WHERE id % 10 != 0 AND ordered_at < now() - interval '45 days'")
        cursor.execute("SELECT count(*) FROM orders_payment")
        payments = cursor.fetchone()[0]
    from outletcrm.evaluation import bulk

    ids = list(Customer.objects.values_list("pk", flat=True).order_by("pk"))
    updates = [(Decimal(rng.randint(20, 400)), rng.randint(1, 30), rng.randint(0, 25),
                ["品牌"] * rng.randint(0, 8), pk) for pk in ids if rng.random() < 0.7]
    with transaction.atomic():
        bulk.update_by_pk(Customer, ["floor_area", "staff_count", "years_in_business",
                                     "brands"], updates)
        values = [ManualValue(customer_id=pk, key=key, value=Decimal(rng.randint(3, 10)))
                  for pk in ids if rng.random() < 0.1
                  for key in ("management_score", "tech_service_score", "network_score")]
        ManualValue.objects.bulk_create(values, batch_size=5000)
    # The first run must see a settled archive: nothing "changed since" before it.
    return {"payments": payments, "archive_filled": len(updates), "manual_values": len(values)}


def day_of_orders(day: datetime.date, rng: random.Random) -> dict:
    """A day's work after the full run: new orders and payments (bulk, received now)."""
    from django.utils import timezone

    from outletcrm.customers.models import Customer
    from outletcrm.orders.models import Order, Payment

    tz = timezone.get_current_timezone()
    customers = list(Customer.objects.values_list("pk", "owner_id"))
    chosen = rng.sample(customers, DAY_ORDERS)
    at = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)
    orders = Order.objects.bulk_create([
        Order(client_id=uuid.uuid4(), code=f"D{uuid.uuid4().hex[:12]}", customer_id=cid, rep_id=owner,
              status="submitted", ordered_at=at, due_date=day + datetime.timedelta(days=30),
              total=Decimal(f"{rng.lognormvariate(7.5, 0.6):.2f}"))
        for cid, owner in chosen], batch_size=2000)
    older = list(Order.objects.filter(due_date__lt=day, payments__isnull=True)
                 .values_list("pk", "customer_id", "rep_id", "total")[:DAY_PAYMENTS])
    Payment.objects.bulk_create([
        Payment(client_id=uuid.uuid4(), order_id=pk, customer_id=cid, collected_by_id=rep,
                amount=total, paid_at=at) for pk, cid, rep, total in older], batch_size=2000)
    touched = {cid for cid, _o in chosen} | {cid for _p, cid, _r, _t in older}
    return {"orders": len(orders), "payments": len(older), "customers_touched": len(touched)}


def backend_cpu_seconds() -> float:
    """CPU seconds so far of this connection's PostgreSQL server process and of the server's
    finished child processes (the parallel workers of a query; also autovacuum's, a little
    noise). 0 on SQLite, whose work runs inside this process and counts in its CPU time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        backend = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        server = Path(f"/proc/{backend[1]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere: its CPU time is not known here
        return 0.0
    ticks = int(backend[11]) + int(backend[12]) + int(server[13]) + int(server[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def timed_run(evaluate, **kwargs) -> tuple:
    """An evaluation run with the CPU time it took: (run, this process, the database server).
    On a shared machine the wall time depends on the others' load; CPU time much less."""
    cpu, server = time.process_time(), backend_cpu_seconds()
    run = evaluate(**kwargs)
    return run, time.process_time() - cpu, backend_cpu_seconds() - server


def run_child(args) -> dict:
    url, must_seed = mb.prepare_database(args.database_url, args.reuse)
    mb.setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.urls import get_resolver, reverse
    from django.utils import timezone

    from outletcrm.customers.models import Customer
    from outletcrm.evaluation.models import ClassProposal, Evaluation, EvaluationRun
    from outletcrm.evaluation.services import evaluate
    from outletcrm.orders.models import Order

    call_command("migrate", verbosity=0)
    day = timezone.localdate()
    rng = random.Random(args.seed)
    seed_seconds = None
    extras = None
    if must_seed:
        log(f"seeding {args.outlets:,} outlets into {connection.vendor} …")
        started = time.monotonic()
        mb.seed_company(args, rng)
        seeded = mb.seed_orders(day, rng)
        extras = seed_extras(rng)
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.0f} s: {seeded['orders']:,} orders, {extras}")
    else:
        ClassProposal.objects.all().delete()
        Evaluation.objects.all().delete()
        EvaluationRun.objects.all().delete()
        Order.objects.filter(code__startswith="D").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    get_resolver().url_patterns  # noqa: B018 - loaded before the clock, as in a worker
    reverse("evaluation:proposals")
    log("full run …")
    full, full_cpu, full_db = timed_run(evaluate, day=day, full=True)
    log(f"  {full.seconds:.2f} s (CPU {full_cpu:.2f} s + server {full_db:.2f} s), "
        f"{full.customers:,} customers, {full.proposed:,} proposals")
    idle, idle_cpu, idle_db = timed_run(evaluate, day=day, full=False)
    log(f"  idle changes run {idle.seconds:.2f} s, {idle.customers} customers")
    work = day_of_orders(day, rng)
    log(f"a day's orders: {work}")
    changes, changes_cpu, changes_db = timed_run(evaluate, day=day, full=False)
    log(f"  changes run {changes.seconds:.2f} s (CPU {changes_cpu:.2f} s + server "
        f"{changes_db:.2f} s), {changes.customers:,} customers, {changes.proposed} proposals")
    return {
        "version": mb.db_version(connection), "day": day.isoformat(),
        "customers": Customer.objects.count(), "orders": Order.objects.count(),
        "extras": extras, "seed_seconds": seed_seconds,
        "full": {"seconds": full.seconds, "customers": full.customers,
                 "proposed": full.proposed, "cpu": full_cpu, "server_cpu": full_db},
        "idle": {"seconds": idle.seconds, "customers": idle.customers, "cpu": idle_cpu,
                 "server_cpu": idle_db},
        "day_work": work,
        "changes": {"seconds": changes.seconds, "customers": changes.customers,
                    "proposed": changes.proposed, "withdrawn": changes.withdrawn,
                    "cpu": changes_cpu, "server_cpu": changes_db},
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "measured_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def cpu(figures: dict) -> str:
    if "cpu" not in figures:
        return "–"
    if not figures.get("server_cpu"):
        return fmt(figures["cpu"])
    return f"{fmt(figures['cpu'])} + {fmt(figures['server_cpu'])}"


def table(r: dict) -> str:
    full, changes, idle = r["full"], r["changes"], r["idle"]
    return "\n".join([
        f"### {r['version']}",
        "",
        f"{r['customers']:,} customers, {r['orders']:,} orders over 12 months (with due dates; "
        f"payments, archive fields and hand-entered scores as described above). "
        + (f"Seeded in {r['seed_seconds']:.0f} s. " if r["seed_seconds"] else
           "Reused an earlier run's database. ")
        + f"Day {r['day']}. Load average after the runs (1/5/15 min): {r['load']}.",
        "",
        "| run | customers scored | proposals | time | CPU: run + database server | target "
        "| met |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| full: evaluation and classification | {full['customers']:,} | "
        f"{full['proposed']:,} | {fmt(full['seconds'])} | {cpu(full)} | < 20 s | "
        f"{'yes' if full['seconds'] < FULL_TARGET else '**no**'} |",
        f"| changes after a day's orders ({r['day_work']['orders']:,} orders, "
        f"{r['day_work']['payments']:,} payments) | {changes['customers']:,} | "
        f"{changes['proposed']:,} | {fmt(changes['seconds'])} | {cpu(changes)} | < 2 s | "
        f"{'yes' if changes['seconds'] < CHANGES_TARGET else '**no**'} |",
        f"| changes with nothing new (info) | {idle['customers']:,} | – | "
        f"{fmt(idle['seconds'])} | {cpu(idle)} | – | – |",
    ])


def report(results: list[dict], args) -> str:
    facts = mb.machine()
    facts["date"] = results[0].get("measured_at", facts["date"])
    head = [
        "# Evaluation benchmark: scoring and classifying 100,000 customers",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['ram']} RAM, shared with "
        "other work (see the load averages)",
        f"- Python {facts['python']}, Django {facts['django']}",
        f"- data: {args.outlets:,} outlets over {args.reps} reps, 12 months of orders "
        "(bench/maintenance_bench.py's generator); the default scoring model",
        "- command: `.venv/bin/python bench/evaluation_bench.py "
        + " ".join("<url>" if "://" in a else a for a in sys.argv[1:]) + "`",
        "",
    ]
    return "\n".join(head + [table(r) + "\n" for r in results])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="postgresql://… (a server) or sqlite:///path")
    parser.add_argument("--both", action="store_true",
                        help="SQLite and PostgreSQL (BENCH_PG_URL or TEST_PG_URL)")
    parser.add_argument("--outlets", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args), default=str))
        return 0
    targets = [args.database_url or f"sqlite:///{mb.SQLITE_PATH}"]
    if args.both:
        pg_url = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_PG_URL")
        if not pg_url:
            parser.error("--both needs BENCH_PG_URL=postgresql://…")
        targets = [f"sqlite:///{mb.SQLITE_PATH}", pg_url]
    passthrough = ["--outlets", str(args.outlets), "--reps", str(args.reps), "--seed",
                   str(args.seed), *(["--reuse"] if args.reuse else [])]
    results = []
    for url in targets:
        done = subprocess.run([sys.executable, __file__, "--child", "--database-url", url,
                               *passthrough], stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode:
            log(f"benchmark on {url.split('@')[-1]} failed (exit {done.returncode})")
            return done.returncode
        line = done.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        results.append(json.loads(line))
    text = report(results, args)
    log(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
