"""Company KPIs over a month and a year at 1,000 reps, from the KPI summary (issue 11).

Seeds 1,000 reps × 100 outlets × 20 stops a working day like bench/visits_bench.py (its own
seeding code: plans by the nightly generate_plans, visits on ~85 % of stops, orders on ~40 %)
for one week, then copies that week back week by week with INSERT … SELECT (plans, stops and
visits; orders stay on the first week) until a year of history exists. The copies are written
around the services, so the summary is then counted by `kpi_rebuild` (timed: what an operator
runs after the migration or a bulk load). Then it times, with visits.selectors.kpi_report (what
the KPI page, the API and `outletcrm kpi` run) for the whole company:

  month total, month grouped by day (the KPI page's default), year total, year by day
  — from the summary (target < 300 ms each), and the raw count of the month for comparison;
  a check-in (visits.services.visit_check_in), which now also refreshes the rep's day.

Usage (from the repository root):

  .venv/bin/python bench/kpisum_bench.py                        # SQLite file under /tmp
  scripts/with-postgres sh -c '.venv/bin/python bench/kpisum_bench.py --database-url $TEST_PG_URL'

Writes bench/results/kpisum-<vendor>.md (machine, date, load, figures).
"""

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import visits_bench as vb  # noqa: E402

SCRATCH = Path("/tmp/outletcrm-bench")  # noqa: S108 - a scratch database by design
TARGET = 0.300


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def copy_weeks(weeks: int, first_day: datetime.date, last_day: datetime.date) -> None:
    """Copy [first_day, last_day] back by 7, 14, … days: plans, stops, visits (SQL)."""
    from django.db import connection

    from outletcrm.visits.models import DailyPlan, PlannedStop, Visit

    pg = connection.vendor == "postgresql"
    plan_t, stop_t, visit_t = (m._meta.db_table for m in (DailyPlan, PlannedStop, Visit))

    def columns(model, skip):
        return [f.column for f in model._meta.concrete_fields
                if f.column not in skip and not f.generated]

    plan_cols = columns(DailyPlan, {"id", "date"})
    stop_cols = columns(PlannedStop, {"id", "date", "plan_id"})
    visit_cols = columns(Visit, {"id", "date", "client_id", "planned_stop_id"})
    new_uuid = "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))"

    def shifted(col, days):
        if pg:
            return f"{col} - interval '{days} days'"
        return f"datetime({col}, '-{days} days')"

    date_cols = {"checked_in_at", "checkin_received_at", "checked_out_at",
                 "checkout_received_at"}
    with connection.cursor() as cursor:
        for week in range(1, weeks + 1):
            days = 7 * week
            shift = f"date - {days}" if pg else f"date(date, '-{days} days')"
            stop_shift = f"s.date - {days}" if pg else f"date(s.date, '-{days} days')"
            cursor.execute(
                f"INSERT INTO {plan_t} (date, {', '.join(plan_cols)}) "  # noqa: S608
                f"SELECT {shift}, {', '.join(plan_cols)} FROM {plan_t} "
                "WHERE date BETWEEN %s AND %s", [first_day, last_day])
            cursor.execute(
                f"INSERT INTO {stop_t} (date, plan_id, {', '.join(stop_cols)}) "  # noqa: S608
                f"SELECT {stop_shift}, p.id, {', '.join('s.' + c for c in stop_cols)} "
                f"FROM {stop_t} s JOIN {plan_t} p ON p.rep_id = s.rep_id "
                f"AND p.date = {stop_shift} WHERE s.date BETWEEN %s AND %s",
                [first_day, last_day])
            select = ", ".join(shifted(c, days) if c in date_cols else c for c in visit_cols)
            cursor.execute(
                f"INSERT INTO {visit_t} (date, client_id, {', '.join(visit_cols)}) "  # noqa: S608
                f"SELECT {shift}, {new_uuid}, {select} FROM {visit_t} "
                "WHERE date BETWEEN %s AND %s", [first_day, last_day])
            if week % 10 == 0:
                log(f"  copied {week} weeks")


CPU: list[float] = []  # this process's CPU time of the last timed() call, per run


def timed(fn, runs: int) -> list[float]:
    """Wall times of `runs` calls; their CPU times (this process: Python and, on SQLite, the
    database engine; not PostgreSQL's server) are left in CPU."""
    times = []
    CPU.clear()
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        CPU.append(time.process_time() - cpu)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{SCRATCH}/kpisum.sqlite3")
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--stops", type=int, default=20)
    parser.add_argument("--outlets-per-rep", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52, help="weeks copied back")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = vb.fresh_database(args.database_url, args.reuse)
    if url.startswith("postgresql"):
        vb.PG_DATABASE = "outletcrm_kpisum_bench"
        url = vb.fresh_database(args.database_url, args.reuse)
    vb.setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from outletcrm.org.models import Role, User
    from outletcrm.visits import services
    from outletcrm.visits.models import KpiDay, PlannedStop, Visit
    from outletcrm.visits.planning import route_day_for
    from outletcrm.visits.selectors import kpi_report

    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # The last full Monday–Sunday week before today is seeded, then copied back.
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    week = [monday + datetime.timedelta(days=n) for n in range(7)]
    rows = []
    if not (args.reuse and KpiDay.objects.exists()):
        started = time.perf_counter()
        company = vb.seed_company(args, rng)
        vb.seed_history([d for d in week if route_day_for(d) == d], company, rng)
        log(f"seeded a week in {time.perf_counter() - started:.0f} s; copying back …")
        started = time.perf_counter()
        copy_weeks(args.weeks, week[0], week[-1])
        log(f"copied in {time.perf_counter() - started:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        first = week[0] - datetime.timedelta(days=7 * args.weeks)
        started = time.perf_counter()
        import io

        output = io.StringIO()
        call_command("kpi_rebuild", "--from", first.isoformat(), "--to", week[-1].isoformat(),
                     stdout=output, stderr=io.StringIO())
        written = output.getvalue()
        seconds = time.perf_counter() - started
        rows.append(("kpi-rebuild of the whole history", 1, seconds, seconds, seconds,
                     str(written).strip()))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        log("reusing the seeded database")
    counts = {"planned stops": PlannedStop.objects.count(), "visits": Visit.objects.count(),
              "summary rep-days": KpiDay.objects.count()}
    log(f"{counts}")

    month = (week[-1] - datetime.timedelta(days=29), week[-1])
    year = (week[-1] - datetime.timedelta(days=364), week[-1])

    def measure(label, date_from, date_to, group, runs, note=""):
        kpi_report(user=None, date_from=date_from, date_to=date_to, group=group)  # warm
        report = {}

        def once():
            report.update(kpi_report(user=None, date_from=date_from, date_to=date_to,
                                     group=group))
        times = timed(once, runs)
        total = report["total"]
        cpu = vb.percentile(CPU, 50)
        rows.append((label, runs, vb.percentile(times, 50), vb.percentile(times, 95),
                     max(times), f"CPU p50 {vb.fmt(cpu)}; {total['planned']:,} planned, "
                                 f"completion {total['completion_rate']} %, "
                                 f"{len(report['rows'])} rows" + note))
        log(f"  {label}: p50 {vb.percentile(times, 50) * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms")

    measure(f"company month total {month[0]} … {month[1]}", *month, None, args.runs)
    measure("company month grouped by day (KPI page default)", *month, "day", args.runs)
    measure(f"company year total {year[0]} … {year[1]}", *year, None, args.runs)
    measure("company year grouped by day", *year, "day", args.runs)
    measure("company year grouped by month", *year, "month", args.runs)

    from django.test import override_settings

    with override_settings(KPI_SUMMARY_MIN_REP_DAYS=10**9):
        measure("raw count (the reference): company month grouped by day", *month, "day", 1,
                "; before this work")

    # A check-in now also recounts the rep's day.
    reps = list(User.objects.filter(role=Role.REP).order_by("?")[:30])
    # Not an outlet the rep already checked in at today (an earlier run with --reuse).
    busy = set(Visit.objects.filter(date=today, rep__in=reps)
               .values_list("rep_id", "customer_id"))
    stops = {r: c for r, c in PlannedStop.objects.filter(date=week[2], rep__in=reps)
             .values_list("rep_id", "customer_id") if (r, c) not in busy}
    from outletcrm.customers.models import Customer

    times = []
    for rep in reps:
        customer = Customer.objects.get(pk=stops[rep.pk])
        started = time.perf_counter()
        services.visit_check_in(
            actor=rep, customer=customer, client_id=uuid.uuid4(),
            device_time=timezone.now(), lat=customer.latitude, lng=customer.longitude)
        times.append(time.perf_counter() - started)
    rows.append(("check-in incl. the summary refresh (visit_check_in)", len(times),
                 vb.percentile(times, 50), vb.percentile(times, 95), max(times),
                 "service call, today (an unplanned visit)"))

    facts = vb.machine()
    version = vb._db_version(connection)
    lines = [
        f"# Company KPIs from the summary — {version}", "",
        f"- date: {facts['date']}",
        f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['ram']} RAM, shared with "
        "other helpers' jobs (CPU: this process's time, see the note column)",
        f"- load average (1/5/15 min) at start: {load_start}; after: "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"- Python {facts['python']}, Django {facts['django']}",
        f"- data: {args.reps:,} reps, {args.reps * args.outlets_per_rep:,} outlets; one seeded "
        f"week copied back {args.weeks} weeks: {counts['planned stops']:,} planned stops, "
        f"{counts['visits']:,} visits, {counts['summary rep-days']:,} summary rep-days "
        "(orders only in the seeded week)",
        "- command: `.venv/bin/python bench/kpisum_bench.py "
        + " ".join("<url>" if "://" in a else a for a in sys.argv[1:]) + "`",
        "", "| measurement | n | p50 | p95 | max | target | met | note |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for label, n, p50, p95, worst, note in rows:
        judged = label.startswith("company")
        met = ("yes" if p95 < TARGET else "**no**") if judged else "–"
        lines.append(f"| {label} | {n} | {vb.fmt(p50)} | {vb.fmt(p95)} | {vb.fmt(worst)} | "
                     f"{'< 300 ms' if judged else '–'} | {met} | {note} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = REPO / f"bench/results/kpisum-{connection.vendor}.md"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
