"""What one "optimise my day" costs end to end: API request → response, database included.

Seeds reps with a day of 10/20/30/40 stops each (the generated city days of bench/_city.py:
home, outlets, business hours and busy windows) into a scratch SQLite file, then posts
`POST /api/v1/optimise/day {date, apply: true}` for every rep through Django's test client
(token auth, the full middleware and DRF stack, no network), twice: the first call searches,
the second asks about the same day again (now in the optimised order) and is answered from
the day-plan cache. Reports median wall and CPU time (this thread) and the query count.

Usage: .venv/bin/python bench/optimise_day_call.py [--sizes 10,20,30,40] [--reps 5]
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

from _city import generate_day
from _machine import REPO, load_average, machine_info

SQLITE_PATH = Path("/tmp/outletcrm-bench/optday.sqlite3")  # noqa: S108 - scratch db by design


def setup_django() -> None:
    """A fresh scratch database with the schema."""
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    if SQLITE_PATH.exists():
        SQLITE_PATH.unlink()
    os.environ.update({"OUTLETCRM_ENV": "test", "DATABASE_URL": f"sqlite:///{SQLITE_PATH}",
                       "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
                       "OUTLETCRM_DATA_DIR": str(SQLITE_PATH.parent), "LOG_LEVEL": "ERROR"})
    os.environ.pop("DEBUG", None)
    (SQLITE_PATH.parent / "static").mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Short calls as on the generated days (every outlet is a first visit here: no history).
    settings.ROUTING_SERVICE_MINUTES = {"first": 8, "default": 8}


def seed_rep(size: int, day_seed: int, date: datetime.date):
    """A rep with a home and a plan of `size` outlets with the generated day's windows."""
    from django.utils import timezone

    from outletcrm.customers.models import CustomerClass, OutletType
    from outletcrm.optimise.models import RepBase
    from outletcrm.visits.models import DailyPlan, PlannedStop
    from tests.factories import CustomerFactory, UserFactory

    problem = generate_day(size, day_seed)
    rep = UserFactory()
    home = problem.shift.start
    RepBase.objects.create(user=rep, home_lat=round(home.lat, 6), home_lng=round(home.lng, 6),
                           work_start=datetime.time(8, 0), work_end=datetime.time(19, 30),
                           mode="ebike")
    shop = OutletType.objects.get(code="supermarket")
    classes = list(CustomerClass.objects.all())
    plan = DailyPlan.objects.create(rep=rep, date=date, generated_at=timezone.now())
    for position, stop in enumerate(problem.stops, start=1):
        # Business hours from the day's widest window; the busy windows are the outlet type's.
        opens = min(w[0] for w in stop.windows) if stop.windows else 540
        closes = max(w[1] for w in stop.windows) if stop.windows else 1260
        customer = CustomerFactory(
            owner=rep, outlet_type=shop, customer_class=classes[position % len(classes)],
            latitude=round(stop.lat, 6), longitude=round(stop.lng, 6),
            opens_at=datetime.time(opens // 60, opens % 60),
            closes_at=datetime.time(min(closes, 1439) // 60, min(closes, 1439) % 60))
        PlannedStop.objects.create(plan=plan, rep=rep, date=date, customer=customer,
                                   position=position)
    return rep


def call(client, date) -> tuple[float, float, int, dict]:
    """One API call: (wall s, CPU s of this thread, queries, job result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        response = client.post("/api/v1/optimise/day", {"date": date.isoformat(), "apply": True},
                               format="json")
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    return wall, cpu, len(queries), response.json()["result"]


def main() -> int:
    """Seed, then time the first and the repeated call per rep and size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,20,30,40")
    parser.add_argument("--reps", type=int, default=5, help="reps (days) per size")
    args = parser.parse_args()
    setup_django()
    from django.core.cache import cache
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    date = timezone.localdate() + datetime.timedelta(days=1)
    print("# Optimise my day: one API call end to end\n")
    print(machine_info())
    print("SQLite scratch database, Django test client (full middleware, DRF, token auth), "
          "`ROUTING_DAY_SECONDS=1` (CPU), haversine travel, 8-minute visits, 08:00–19:30 e-bike "
          "days from home, tomorrow's plan (no visits yet). "
          "First = the day is searched; again = the same day asked again after the order was "
          "applied (answered from the cache).\n")
    print("| stops | reps | first: median wall s | median CPU s | max CPU s | queries | "
          "again: median wall s | median CPU s | queries | planned |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    cache.clear()
    for size in [int(s) for s in args.sizes.split(",")]:
        first, again = [], []
        planned = []
        for day_seed in range(args.reps):
            rep = seed_rep(size, day_seed, date)
            client = APIClient()
            client.credentials(
                HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=rep)[0].key}")
            first.append(call(client, date))
            again.append(call(client, date))
            planned.append(f"{first[-1][3]['totals']['planned']}/{size}")
        print(
            f"| {size} | {args.reps} | {statistics.median(r[0] for r in first):.3f} | "
            f"{statistics.median(r[1] for r in first):.3f} | {max(r[1] for r in first):.3f} | "
            f"{max(r[2] for r in first)} | {statistics.median(r[0] for r in again):.3f} | "
            f"{statistics.median(r[1] for r in again):.3f} | {max(r[2] for r in again)} | "
            f"{' '.join(planned)} |", flush=True)
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
