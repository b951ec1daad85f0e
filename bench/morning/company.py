"""The morning bench's company, made and counted inside Django (bench/morning_bench.py runs it
with the production settings of the stack under test):

  company.py seed --reps N --out company.json [--history-days D]
  company.py count --state state.json --company company.json --out counts.json

`seed` reuses bench/visits_bench.py's seeding (regions, teams, reps, 100 outlets and five weekly
routes of 20 stops per rep, bulk_create) and its history (plans by the nightly generate_plans,
visits, orders), adds the managers, today's plans (generate_plans; on a rest day the next
working day's plans moved to today, as visits_bench does), the KPI summary of the history
(kpi_rebuild) and one signed-in session per user (django.contrib.auth.login on a made-up
request: the phones are signed in before the morning, so no password is hashed during the run).

`count` looks up every operation of the ledger the locust users kept and says what is lost,
duplicated or half-written.
"""

import argparse
import datetime
import json
import random
import secrets
import string
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def setup() -> None:
    import django

    django.setup()


def sign_in(user, *, mobile: bool) -> dict:
    """A session as the login page leaves it (session row, UserSession, audit), and a CSRF
    secret the client sends back as cookie and header."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/login/", {"next": "/m/"} if mobile else {},
                                   HTTP_USER_AGENT="morning-bench", REMOTE_ADDR="127.0.0.1")
    request.session = SessionStore()
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    request.session.save()
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"id": user.pk, "username": user.username, "session": request.session.session_key,
            "csrf": csrf}


def working_days_before(today: datetime.date, count: int) -> list[datetime.date]:
    from outletcrm.visits.planning import route_day_for

    days, day = [], today - datetime.timedelta(days=1)
    while len(days) < count and (today - day).days < 40:
        if route_day_for(day) == day:
            days.append(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def record_night_slots(today: datetime.date, morning: datetime.time = datetime.time(8, 30)
                       ) -> list[str]:
    """Record today's slots of the jobs due before `morning` (settings.SCHEDULE "at" entries)
    as enqueued; the jobs run every few minutes are left to the scheduler."""
    from django.conf import settings
    from django.utils import timezone

    from outletcrm.core.models import ScheduleSlot
    from outletcrm.core.scheduler import parse_at

    names = []
    for name, entry in settings.SCHEDULE.items():
        if "at" in entry and parse_at(entry["at"]) <= morning:
            slot = timezone.make_aware(datetime.datetime.combine(today, parse_at(entry["at"])))
            ScheduleSlot.objects.get_or_create(name=name, slot=slot)
            names.append(name)
    return names


def seed(args) -> None:
    setup()
    import visits_bench as vb
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from outletcrm.org.models import Region, Role, User
    from outletcrm.visits.models import DailyPlan, PlannedStop
    from outletcrm.visits.planning import generate_plans, route_day_for

    rng = random.Random(args.seed)
    started = time.perf_counter()
    today = timezone.localdate()
    facts = argparse.Namespace(reps=args.reps, outlets_per_rep=100, stops=20)
    company = vb.seed_company(facts, rng)
    log(f"company: {company['reps']} reps, {company['customers']} outlets "
        f"({time.perf_counter() - started:.0f} s)")
    history = working_days_before(today, args.history_days)
    if history:
        counts = vb.seed_history(history, company, rng)
        log(f"history: {counts['visits']} visits on {len(history)} days")
    night = today
    while route_day_for(night) != night:  # the next day whose plans come from its own routes
        night += datetime.timedelta(days=1)
    result = generate_plans(date=night)
    if night != today:
        PlannedStop.objects.filter(date=night).update(date=today)
        DailyPlan.objects.filter(date=night).update(date=today)
    log(f"today ({today}, plans of {night}): {result['plans']} plans, {result['stops']} stops")
    if history:
        call_command("kpi_rebuild", "--from", history[0].isoformat(), "--to",
                     today.isoformat(), verbosity=0)
    regions = list(Region.objects.filter(code__startswith="bench-r").order_by("pk"))
    managers = User.objects.bulk_create(
        User(username=f"mgr{i:02d}", display_name=f"经理{i}", role=Role.MANAGER,
             region=regions[i % len(regions)], password="!") for i in range(args.managers))  # noqa: S106 - unusable
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    reps = list(User.objects.filter(role=Role.REP).order_by("pk"))
    sups = list(User.objects.filter(role=Role.SUPERVISOR).order_by("pk")[:args.supervisors])
    stops: dict[int, list] = {}
    for rep_id, customer_id, lat, lng in (PlannedStop.objects.filter(date=today)
                                          .order_by("rep_id", "position", "pk")
                                          .values_list("rep_id", "customer_id",
                                                       "customer__latitude",
                                                       "customer__longitude")):
        stops.setdefault(rep_id, []).append({"id": customer_id, "lat": float(lat),
                                             "lng": float(lng)})
    optimisers = set(rng.sample([r.pk for r in reps], max(1, round(len(reps) *
                                                                    args.optimise_share))))
    if args.day_orders:
        # What the nightly job "day-orders" (01:30) has done by the morning, for the reps who
        # press "optimise my day" (all reps' days at night; these are enough for the test).
        from outletcrm.optimise.services import precompute_days

        night = time.perf_counter()
        done = precompute_days(today, rep_ids=sorted(optimisers))
        log(f"day orders of {done['solved']} optimisers' days: {done['cpu_seconds']} CPU-s, "
            f"{time.perf_counter() - night:.0f} s")
    # The night is over at 08:30: its jobs (plans, care, day orders, churn, evaluation, …, the
    # 06:30/07:30 task reminders) ran hours ago. Their slots are recorded as a scheduler that
    # ran all night would have, so the scheduler started for the bench does not catch them up
    # during the morning (all 1,000 reps' day orders alone keep a worker busy ~10 minutes).
    night_slots = record_night_slots(today)
    log(f"night's slots recorded as done: {', '.join(night_slots)}")
    signed = time.perf_counter()
    data = {
        "today": today.isoformat(), "products": company["products"],
        "reps": [{**sign_in(rep, mobile=True), "stops": stops[rep.pk],
                  "optimise": rep.pk in optimisers} for rep in reps],
        "supervisors": [sign_in(sup, mobile=False) for sup in sups],
        "managers": [sign_in(manager, mobile=False) for manager in managers],
        "counts": {"reps": len(reps), "outlets": company["customers"],
                   "routes": company["routes"], "planned_stops_today": result["stops"],
                   "history_days": len(history)},
        "seed_seconds": round(time.perf_counter() - started),
    }
    log(f"sessions: {time.perf_counter() - signed:.0f} s; seeded in {data['seed_seconds']} s")
    Path(args.out).write_text(json.dumps(data), encoding="utf-8")


def count(args) -> None:
    """Every operation of the ledger exactly once, nothing half-written."""
    setup()
    from django.core.files.storage import default_storage
    from django.db.models import Count, Sum
    from django.utils import timezone

    from outletcrm.orders.models import Order
    from outletcrm.visits.models import SyncReceipt, Visit, VisitOrder, VisitPhoto

    state = json.loads(Path(args.state).read_text(encoding="utf-8"))
    company = json.loads(Path(args.company).read_text(encoding="utf-8"))
    today = datetime.date.fromisoformat(company["today"])
    ledger = state["ledger"]
    by_op: dict[str, list] = {}
    for entry in ledger:
        by_op.setdefault(entry["op"], []).append(entry)
    report = {"sent": {op: len(entries) for op, entries in sorted(by_op.items())},
              "pending_before_count": sum(len(r["pending"]) for r in state["reps"].values()),
              "refused": len(state.get("refused", [])), "lost": {}, "duplicated": {},
              "half_written": {}, "examples": []}

    def lost(op, ids, found):
        missing = set(ids) - {str(x) for x in found}
        report["lost"][op] = len(missing)
        report["examples"] += [f"lost {op} {m}" for m in sorted(missing)[:3]]

    visits = {str(v.client_id): v for v in Visit.objects.filter(
        client_id__in=[e["client_id"] for e in by_op.get("check_in", [])])}
    lost("check_in", [e["client_id"] for e in by_op.get("check_in", [])], visits)
    ours = {e["client_id"] for e in by_op.get("check_in", [])}
    stray = Visit.objects.filter(date=today).exclude(client_id__in=ours).count()
    report["duplicated"]["visits not in the ledger (today)"] = stray

    photo_ids = [e["client_id"] for e in by_op.get("photo", [])]
    photos = {str(p.client_id): p for p in VisitPhoto.objects.filter(client_id__in=photo_ids)}
    lost("photo", photo_ids, photos)
    report["half_written"]["photo rows without their file"] = sum(
        1 for p in photos.values() if not p.image or not default_storage.exists(p.image.name))
    report["duplicated"]["photos not in the ledger (today's visits)"] = VisitPhoto.objects.filter(
        visit__date=today).exclude(client_id__in=photo_ids).count()

    orders_sent = {e["client_id"]: e for e in by_op.get("order", [])}
    orders = {str(o.client_id): o for o in Order.objects.filter(
        client_id__in=list(orders_sent)).annotate(n_lines=Count("lines"),
                                                   line_sum=Sum("lines__amount"))}
    lost("order", list(orders_sent), orders)
    report["half_written"]["orders whose lines differ from those sent"] = sum(
        1 for cid, o in orders.items() if o.n_lines != orders_sent[cid]["lines"])
    report["half_written"]["orders whose total is not the sum of the lines"] = sum(
        1 for o in orders.values() if o.line_sum is None or o.line_sum != o.total)
    links = dict(VisitOrder.objects.filter(order__client_id__in=list(orders_sent))
                 .values_list("order__client_id").annotate(n=Count("pk")))
    report["half_written"]["orders not linked to their visit once"] = sum(
        1 for cid in orders if links.get(orders[cid].client_id) != 1)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    report["duplicated"]["orders not in the ledger (today)"] = Order.objects.filter(
        ordered_at__gte=start).exclude(client_id__in=list(orders_sent)).count()

    for op in ("record", "check_out"):
        ids = [e["client_id"] for e in by_op.get(op, [])]
        receipts = set(SyncReceipt.objects.filter(client_id__in=ids).values_list(
            "client_id", flat=True))
        lost(op, ids, receipts)
    checked_out = {e["visit"] for e in by_op.get("check_out", [])}
    report["half_written"]["checked out without check-out time or duration"] = sum(
        1 for cid in checked_out if cid in visits and (
            visits[cid].checked_out_at is None or visits[cid].duration_s is None))
    recorded = {e["visit"] for e in by_op.get("record", [])}
    report["half_written"]["recorded visits without their notes"] = sum(
        1 for cid in recorded if cid in visits and not visits[cid].notes)
    report["total_lost"] = sum(report["lost"].values())
    report["total_duplicated"] = sum(report["duplicated"].values())
    report["total_half_written"] = sum(report["half_written"].values())
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("seed")
    one.add_argument("--reps", type=int, default=1000)
    one.add_argument("--supervisors", type=int, default=50)
    one.add_argument("--managers", type=int, default=10)
    one.add_argument("--history-days", type=int, default=3)
    one.add_argument("--optimise-share", type=float, default=0.1)
    one.add_argument("--no-day-orders", dest="day_orders", action="store_false",
                     help="skip the night's day orders: every optimise-my-day call searches")
    one.add_argument("--seed", type=int, default=7)
    one.add_argument("--out", required=True)
    two = sub.add_parser("count")
    two.add_argument("--state", required=True)
    two.add_argument("--company", required=True)
    two.add_argument("--out", required=True)
    args = parser.parse_args()
    seed(args) if args.command == "seed" else count(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
