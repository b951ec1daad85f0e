"""Care-task benchmark: one day's care tasks for 100,000 customers, then the same day again.

Seeds the demo company at benchmark size (the archive only: outlets with 1–3 contacts, their
birthdays solar or lunar, classes) into a scratch SQLite file (or a PostgreSQL database, as in
bench/archive_bench.py), adds a year of emotional-call and return-visit history for a share of
the customers, and times `care.services.generate_care_tasks(day)` twice for the same day: the
first run makes the tasks, the second must make none and take under a third of the first
(issue 9, quality bars). The combined care + churn figure is written by the churn benchmark.

Usage (from the repository root):

  .venv/bin/python bench/care_bench.py                    # 100,000 outlets, SQLite under /tmp
  .venv/bin/python bench/care_bench.py --reuse            # keep the seeded database
  .venv/bin/python bench/care_bench.py --day 2027-02-01   # a day near 春节
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SQLITE_PATH = Path("/tmp/outletcrm-bench/care.sqlite3")  # noqa: S108 - scratch db by design


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--day", default="2027-02-01",
                        help="the day to generate for (default near 春节: the busiest)")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE_PATH}")
    args = parser.parse_args()
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (args.reuse and SQLITE_PATH.exists())
    if fresh and args.database_url.startswith("sqlite") and SQLITE_PATH.exists():
        SQLITE_PATH.unlink()
    os.environ.update({"OUTLETCRM_ENV": "test", "DATABASE_URL": args.database_url,
                       "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
                       "OUTLETCRM_DATA_DIR": str(SQLITE_PATH.parent), "LOG_LEVEL": "ERROR"})
    os.environ.pop("DEBUG", None)
    (SQLITE_PATH.parent / "static").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from outletcrm.care.services import generate_care_tasks
    from outletcrm.customers.models import Contact, Customer
    from outletcrm.demo.services import demo_seed
    from outletcrm.visits.models import FollowUpTask

    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    call_command("migrate", verbosity=0)
    if fresh:
        log(f"seeding {args.outlets:,} outlets …")
        started = time.monotonic()
        demo_seed(outlets=args.outlets, reps=args.reps, seed=42)
        log(f"seeded in {time.monotonic() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    day = datetime.date.fromisoformat(args.day)
    # A year of history: earlier runs' return visits and calls (a run each week). With --reuse
    # the history stays and only the measured day's tasks are removed, so reruns are quick.
    if not fresh and FollowUpTask.objects.filter(kind__startswith="care_",
                                                 due_date__lt=day).exists():
        FollowUpTask.objects.filter(kind__startswith="care_", due_date__gte=day).delete()
    else:
        FollowUpTask.objects.filter(kind__startswith="care_").delete()
        started = time.monotonic()
        warm = day - datetime.timedelta(days=364)
        while warm < day - datetime.timedelta(days=7):
            generate_care_tasks(warm)
            warm += datetime.timedelta(days=7)
        log(f"history: 52 weekly runs in {time.monotonic() - started:.0f} s")
    history = FollowUpTask.objects.filter(kind__startswith="care_").count()
    customers = Customer.objects.count()
    contacts = Contact.objects.count()
    lunar = Contact.objects.filter(birthday_is_lunar=True).count()
    first = generate_care_tasks(day)
    second = generate_care_tasks(day)
    ratio = second["seconds"] / first["seconds"] if first["seconds"] else 0
    lines = [
        f"# Care tasks for one day ({connection.vendor}, {timezone.localdate().isoformat()})",
        "",
        f"{customers:,} customers, {contacts:,} contacts ({lunar:,} lunar birthdays), "
        f"{history:,} earlier care tasks; day {day.isoformat()}.",
        "",
        "| run | created | considered | seconds |",
        "| --- | ---: | ---: | ---: |",
        f"| first | {first['created']:,} | {first['considered']:,} | {first['seconds']:.2f} |",
        f"| second (same day) | {second['created']:,} | {second['considered']:,} | "
        f"{second['seconds']:.2f} |",
        "",
        f"Second/first: {ratio:.2f} (target < 0.33). By kind: {first['by_kind']}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = REPO / "bench/results" / f"care-{connection.vendor}-{day.isoformat()}.md"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
