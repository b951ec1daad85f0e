"""Access-log benchmark (查询制度, issue 10 item 2), PostgreSQL.

1. The cost of recording views: p50/p95 of the customer page (/customers/<id>/, Django's test
   Client in-process, a rep with 500 customers of 100,000 outlets, one active borrowing grant so
   the scope's borrowed-customers branch is exercised) with the access log on and off,
   interleaved request by request; plus `access_record` alone. Target: under 2 ms added at p95.
   "Response" is the time until the response is ready to send (what the browser waits for);
   "worker" adds the request_finished work after it (where the log's INSERT now runs, after
   the WSGI server has sent the response), so the INSERT's cost is shown, not hidden.
2. The report at 10 million rows: 10,000,000 access-log rows over 60 days for 400 users are
   generated in the database (INSERT … SELECT generate_series, not the ORM), summed per user
   and day by the "access-summary" job (each day timed), then the custodian's per-user report
   and anomaly list for one month are timed (selectors, and the whole /access/report/ page).
   Target: under 2 s.

Usage (from the repository root; the database is created and dropped by scripts/with-postgres,
which runs the server with fsync off — insert timings are optimistic, reads are not affected):

  PGPORT_TEST=54342 scripts/with-postgres bash -c \\
      'DATABASE_URL=$TEST_PG_URL /work/main/.venv/bin/python bench/access_bench.py'

Writes bench/results/access.md (machine, date, figures).
"""

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
os.environ.setdefault("OUTLETCRM_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")
RESULTS = REPO / "bench/results/access.md"

OUTLETS = int(os.environ.get("BENCH_OUTLETS", 100_000))
LOG_ROWS = int(os.environ.get("BENCH_LOG_ROWS", 10_000_000))
REPS = 200
USERS = 400  # access-log users (reps and others)
DAYS = 60
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 400))


def pct(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def p95_difference_interval(on, off, rng, rounds=2000):
    """95 % bootstrap interval of p95(on) - p95(off): how much of a difference the noise of
    a loaded machine makes on its own."""
    diffs = sorted(pct(rng.choices(on, k=len(on)), 95) - pct(rng.choices(off, k=len(off)), 95)
                   for _ in range(rounds))
    return diffs[int(rounds * 0.025)], diffs[int(rounds * 0.975)]


def machine() -> str:
    cpu, ram = "unknown", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return (f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}\n"
            f"- machine: {os.cpu_count()} cores ({cpu}), {ram} RAM, shared with other jobs\n"
            f"- Python {platform.python_version()}, PostgreSQL {pg} (fsync off)\n"
            f"- load average at start (1/5/15 min): {load()} (2 cores; other sessions' tests "
            "and benchmarks run alongside)\n")


def load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def seed_outlets():
    """Regions, a team per 10 reps, 200 reps, a custodian; 100,000 outlets cloned in SQL."""
    from django.db import connection

    from outletcrm.customers.models import Customer
    from outletcrm.org.models import Region, Role, Team, User
    from tests.factories import CustomerFactory

    region = Region.objects.create(name="华东", code="east")
    teams = [Team.objects.create(name=f"组{i}", region=region) for i in range(REPS // 10)]
    reps = [User.objects.create(username=f"rep{i}", role=Role.REP, team=teams[i // 10])
            for i in range(REPS)]
    others = [User.objects.create(username=f"user{i}", role=Role.SUPERVISOR,
                                  team=teams[i % len(teams)]) for i in range(USERS - REPS)]
    custodian = User.objects.create(username="keeper", role=Role.CUSTODIAN)
    template = CustomerFactory(name="模板店", owner=reps[0])
    columns = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    replace = {
        "code": "'B' || lpad(g::text, 7, '0')",
        "name": "'店铺' || g",
        "search_text": "'店铺' || g",
        "owner_id": f"(ARRAY[{','.join(str(r.pk) for r in reps)}])[1 + g %% {REPS}]",
        "team_id": f"(ARRAY[{','.join(str(r.team_id) for r in reps)}])[1 + g %% {REPS}]",
        "region_id": str(region.pk),
    }
    select = ", ".join(replace.get(c, f'c."{c}"') for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO customers_customer ({", ".join(chr(34) + c + chr(34) for c in columns)}) '  # noqa: S608
            f"SELECT {select} FROM customers_customer c, generate_series(1, %s) g "
            "WHERE c.id = %s", [OUTLETS - 1, template.pk])
        cursor.execute("ANALYZE")
    return reps, others, custodian


def bench_page(reps, custodian) -> list[str]:
    """Customer page p50/p95 with the log on and off, interleaved."""
    from django.test import Client
    from django.utils import timezone

    from outletcrm.access import services as access_services
    from outletcrm.core import accesslog
    from outletcrm.customers import views as customer_views
    from outletcrm.customers.models import Customer

    rep = reps[7]
    other = Customer.objects.exclude(owner=rep).first()
    today = timezone.localdate()
    borrow = access_services.borrow_request_create(
        actor=rep, customer_ids=[other.pk], purpose="audit", reason="bench",
        starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access_services.borrow_decide(actor=custodian, borrow=borrow, approve=True)
    ids = list(Customer.objects.filter(owner=rep).values_list("pk", flat=True))
    from django.db import connection
    from django.test.client import ClientHandler

    class TimedHandler(ClientHandler):
        """Notes when the response is ready (before close() and request_finished) and how
        many queries ran before it."""

        ready = 0.0
        queries = 0

        def get_response(self, request):
            count = [0]

            def counter(execute, sql, params, many, context):
                count[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counter):
                response = super().get_response(request)
            TimedHandler.ready = time.perf_counter()
            TimedHandler.queries = count[0]
            return response

    from outletcrm.core.models import AccessLog

    client = Client()
    client.handler = TimedHandler(enforce_csrf_checks=False)
    client.force_login(rep)
    real = customer_views.access_record
    rng = random.Random(7)
    for pk in ids[:30]:  # warm up
        client.get(f"/customers/{pk}/")
    logged_before = AccessLog.objects.count()
    on, off, on_worker, off_worker, queries_on, queries_off = [], [], [], [], [], []
    # Paired: each customer is fetched once with the log and once without, in random order.
    plan = []
    for _ in range(SAMPLES):
        pk = rng.choice(ids)
        pair = [(pk, True), (pk, False)]
        rng.shuffle(pair)
        plan += pair
    for pk, logging in plan:
        customer_views.access_record = real if logging else (lambda *a, **k: None)
        start = time.perf_counter()
        response = client.get(f"/customers/{pk}/")
        end = time.perf_counter()
        (on if logging else off).append((TimedHandler.ready - start) * 1000)
        (queries_on if logging else queries_off).append(TimedHandler.queries)
        (on_worker if logging else off_worker).append((end - start) * 1000)
        assert response.status_code == 200
    customer_views.access_record = real
    logged = AccessLog.objects.count() - logged_before
    assert logged == SAMPLES, (logged, SAMPLES)  # every logged view has its row
    # The recording alone.
    from django.test import RequestFactory

    request = RequestFactory().get(f"/customers/{ids[0]}/", HTTP_USER_AGENT="bench")
    request.user = rep
    customer = Customer.objects.get(pk=ids[0])
    alone, deferred = [], []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        accesslog.access_record(request, customers=[customer], action="view")
        alone.append((time.perf_counter() - start) * 1000)
    for _ in range(SAMPLES):  # inside a request: the row waits for request_finished
        accesslog._request_started()
        start = time.perf_counter()
        accesslog.access_record(request, customers=[customer], action="view")
        deferred.append((time.perf_counter() - start) * 1000)
        accesslog._request_finished()
    added = pct(on, 95) - pct(off, 95)
    low, high = p95_difference_interval(on, off, rng)
    added_worker = pct(on_worker, 95) - pct(off_worker, 95)
    return [
        f"### Recording every view ({OUTLETS:,} outlets; rep with {len(ids)} customers; "
        f"{SAMPLES} requests each, interleaved)",
        "",
        "| customer page | p50 ms | p95 ms | max ms |",
        "| --- | --- | --- | --- |",
        f"| response, access log off | {pct(off, 50):.2f} | {pct(off, 95):.2f} "
        f"| {max(off):.2f} |",
        f"| response, access log on | {pct(on, 50):.2f} | {pct(on, 95):.2f} | {max(on):.2f} |",
        f"| worker incl. request_finished, log off | {pct(off_worker, 50):.2f} "
        f"| {pct(off_worker, 95):.2f} | {max(off_worker):.2f} |",
        f"| worker incl. request_finished, log on | {pct(on_worker, 50):.2f} "
        f"| {pct(on_worker, 95):.2f} | {max(on_worker):.2f} |",
        f"| `access_record` in a request (row kept for request_finished) | "
        f"{pct(deferred, 50):.3f} | {pct(deferred, 95):.3f} | {max(deferred):.2f} |",
        f"| `access_record` outside a request (one INSERT) | {pct(alone, 50):.2f} "
        f"| {pct(alone, 95):.2f} | {max(alone):.2f} |",
        "",
        f"Added to the response at the p95: **{added:.2f} ms** (target < 2 ms: "
        f"{'yes' if added < 2 else 'no'}; 95 % bootstrap interval of that difference "
        f"{low:+.2f} to {high:+.2f} ms — the machine's noise); p50 difference "
        f"{pct(on, 50) - pct(off, 50):.2f} ms. "
        f"Worker time (the INSERT after the response) at the p95: {added_worker:+.2f} ms, "
        f"p50 {pct(on_worker, 50) - pct(off_worker, 50):+.2f} ms. Rows written: {logged} of "
        f"{SAMPLES} logged views. Queries before the response is ready: "
        f"{statistics.median(queries_on):.0f} with the log, {statistics.median(queries_off):.0f} "
        f"without (median; max {max(queries_on)} / {max(queries_off)}).",
        "",
    ]


def bench_report(reps, others, custodian) -> list[str]:
    """10M log rows by generate_series, the daily summary, the month's report and anomalies."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from outletcrm.access import selectors, services

    users = [u.pk for u in reps + others]
    today = timezone.localdate()
    first = today - datetime.timedelta(days=DAYS)
    start_ts = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    per_day = LOG_ROWS // DAYS
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        # Every user on every day, the time of day spread over 07:00–21:00 (some exports late),
        # one user looking at ten times the usual in the last week (an anomaly to find).
        cursor.execute(
            "INSERT INTO core_accesslog (user_id, at, action, customer_id, row_count, borrowed, "
            "ip, user_agent, path) "
            "SELECT (%s::bigint[])[1 + (g %% %s)], "
            "%s::timestamptz + ((g / %s) || ' days')::interval "
            "  + ((7 * 3600 + (g::bigint * 7919) %% (14 * 3600)) || ' seconds')::interval, "
            "CASE WHEN g %% 997 = 0 THEN 'export' WHEN g %% 211 = 0 THEN 'print' "
            "     WHEN g %% 5 = 0 THEN 'api_view' ELSE 'view' END, "
            "CASE WHEN g %% 997 = 0 THEN NULL ELSE 1 + (g * 31) %% %s END, "
            "CASE WHEN g %% 997 = 0 THEN 50 + g %% 400 ELSE 1 END, g %% 503 = 0, "
            "'10.0.' || (g %% 250) || '.' || (g %% 200), 'Mozilla/5.0 bench', '/customers/' || g "
            "FROM generate_series(0, %s) g",
            [users, len(users), start_ts, per_day, OUTLETS, LOG_ROWS - 1])
        spike_user = users[3]
        cursor.execute(
            "INSERT INTO core_accesslog (user_id, at, action, customer_id, row_count, borrowed, "
            "ip, user_agent, path) "
            "SELECT %s, %s::timestamptz - ((g %% 5) || ' days')::interval - (g || ' seconds')::interval, "
            "'view', g, 1, false, '10.9.9.9', 'bench', '/customers/' || g "
            "FROM generate_series(1, 6000) g", [spike_user, timezone.now()])
        cursor.execute("ANALYZE core_accesslog")
        cursor.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('core_accesslog')) "
                       "FROM core_accesslog")
        count, size = cursor.fetchone()
    generate_s = time.perf_counter() - t0
    summary_times = []
    for n in range(DAYS + 1):
        t = time.perf_counter()
        services.access_summarise_day(first + datetime.timedelta(days=n))
        summary_times.append(time.perf_counter() - t)
    month_start = today - datetime.timedelta(days=29)
    timings = {}
    for name, fn in [
        ("per-user report (selector)",
         lambda: selectors.access_report(user=custodian, start=month_start, end=today)),
        ("anomaly list (selector)",
         lambda: selectors.access_anomalies(user=custodian, start=month_start, end=today)),
    ]:
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - t)
        timings[name] = (runs, len(result))
    client = Client()
    client.force_login(custodian)
    page_runs = []
    for _ in range(5):
        t = time.perf_counter()
        response = client.get("/access/report/", {"date_from": month_start.isoformat(),
                                                  "date_to": today.isoformat()})
        page_runs.append(time.perf_counter() - t)
        assert response.status_code == 200
    anomalies = selectors.access_anomalies(user=custodian, start=month_start, end=today)
    flagged = sorted({a.user.username for a in anomalies if "own" in a.reasons})
    lines = [
        f"### The report at {count:,} access-log rows ({DAYS} days, {len(users)} users; "
        f"table with its indexes {size})",
        "",
        f"- generating the rows in SQL (INSERT … SELECT generate_series): {generate_s:.0f} s",
        f"- daily summary job, per day (~{per_day:,} rows): median "
        f"{statistics.median(summary_times):.2f} s, max {max(summary_times):.2f} s",
        "",
        "| one month (30 days) | median s | max s | rows |",
        "| --- | --- | --- | --- |",
    ]
    for name, (runs, rows) in timings.items():
        lines.append(f"| {name} | {statistics.median(runs):.3f} | {max(runs):.3f} | {rows} |")
    lines.append(f"| whole /access/report/ page (report + anomalies) | "
                 f"{statistics.median(page_runs):.3f} | {max(page_runs):.3f} | |")
    lines += ["", f"Anomalies far above their own usual: {', '.join(flagged) or 'none'} "
              f"(the generated spike is user id {spike_user}).", ""]
    return lines


def main() -> int:
    import django

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
        return 2
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    reps, others, custodian = seed_outlets()
    print(f"seeded {OUTLETS:,} outlets in {time.perf_counter() - t:.0f} s", flush=True)
    lines = ["# Access-log benchmark", "", machine(), ""]
    lines += bench_page(reps, custodian)
    print("\n".join(lines), flush=True)
    lines += bench_report(reps, others, custodian)
    lines += [f"- load average at the end (1/5/15 min): {load()}", ""]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
