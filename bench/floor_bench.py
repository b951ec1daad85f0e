"""Reads near the floor (issue 11): the customer API against hand-written SQL served as JSON.

On the archive bench database (bench/archive_bench.py seeds it: 100,000 outlets, 200 reps)
this times, for the rep with the most outlets and the manager of the biggest region,

  list      /api/v1/customers/             against  /floor/customers/
  search    /api/v1/customers/?q=<initials> against /floor/customers/?q=
  detail    /api/v1/customers/<id>/        against  /floor/customers/<id>/

The floor views are the least this stack can do for the same answer: Django's middleware
(session, authentication, language, CSP…) and test client, then fixed SQL strings run on the
cursor (scope, search, order, page and count written out by hand), rows turned into the same
JSON dicts with a few lines of Python (choice labels, masking, dates), and one JsonResponse.
Before timing, the API's and the floor's bodies are compared for a sample of requests (same
rows, same order, same count; whole body). The requests are interleaved (API, floor, floor,
API, …) so load on the shared machine hits both alike; each row gives p50 wall time and p50
CPU time of this process (on PostgreSQL the server's CPU is not in it) and both ratios.

  .venv/bin/python bench/floor_bench.py                       # SQLite (reuses the archive db)
  .venv/bin/python bench/floor_bench.py --database-url postgresql://bench@127.0.0.1:54362/postgres
  .venv/bin/python bench/floor_bench.py --profile list --role manager   # cProfile, CPU clock

Without --reuse the database is seeded afresh, as in archive_bench.py (whose --help shows how
to start a PostgreSQL server). SQLite statistics: sqlite_stat1 is dropped before the run
unless --analyze, as on an installation where nobody ran ANALYZE; --statistics-job then runs
the nightly job that gathers them (core/dbstats.py), as on an installation a night later.
"""

import argparse
import cProfile
import datetime
import decimal
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive_bench  # noqa: E402 - after the path tweak; the shared seeding and helpers

REPO = archive_bench.REPO
RESULTS = REPO / "bench/results/floor.md"
GOAL = 2.0  # the API at most twice the floor

# --- the floor: hand-written SQL, plain dicts, JsonResponse ----------------------------------

LIST_COLUMNS = """
    c.id, c.code, c.name, c.outlet_type_id, ot.name, ot.name_en, c.channel, c.status,
    c.customer_class_id, cc.name, cc.name_en, c.abc_class_id, ac.name, ac.name_en,
    c.owner_id, u.display_name, u.username, c.province, c.city, c.district, c.address,
    c.phone, c.latitude, c.longitude, c.archived_at, c.updated_at"""
LIST_JOINS = """
    FROM customers_customer c
    JOIN customers_outlettype ot ON ot.id = c.outlet_type_id
    LEFT JOIN customers_customerclass cc ON cc.id = c.customer_class_id
    LEFT JOIN customers_customerclass ac ON ac.id = c.abc_class_id
    JOIN org_user u ON u.id = c.owner_id"""
DETAIL_SQL = """
    SELECT c.id, c.code, c.name, c.outlet_type_id, ot.name, ot.name_en, c.channel,
        c.province, c.city, c.district, c.address, c.latitude, c.longitude, c.phone,
        c.opens_at, c.closes_at, c.floor_area, c.staff_count, c.years_in_business, c.brands,
        c.source, c.referred_by_id, rb.name, c.status, c.customer_class_id, cc.name, cc.name_en,
        c.abc_class_id, ac.name, ac.name_en, c.marketing_consent, c.marketing_consent_on,
        c.marketing_consent_source, c.owner_id, u.display_name, u.username, c.team_id, t.name,
        c.region_id, r.name, c.notes, c.archived_at, c.archive_reason, c.merged_into_id,
        c.created_by_id, cb.display_name, cb.username, c.created_at, c.updated_at, c.version
    FROM customers_customer c
    JOIN customers_outlettype ot ON ot.id = c.outlet_type_id
    LEFT JOIN customers_customer rb ON rb.id = c.referred_by_id
    LEFT JOIN customers_customerclass cc ON cc.id = c.customer_class_id
    LEFT JOIN customers_customerclass ac ON ac.id = c.abc_class_id
    JOIN org_user u ON u.id = c.owner_id
    LEFT JOIN org_team t ON t.id = c.team_id
    LEFT JOIN org_region r ON r.id = c.region_id
    LEFT JOIN org_user cb ON cb.id = c.created_by_id
    WHERE c.id = %s AND ({scope})"""
CONTACTS_SQL = """
    SELECT id, name, role, decision_role, mobile, birthday, birthday_is_lunar, interests, notes,
        is_primary, created_at, updated_at, version
    FROM customers_contact WHERE customer_id = %s ORDER BY is_primary DESC, id"""
COMPETITORS_SQL = """
    SELECT id, brand, products, satisfaction, competitor_rep, closeness, notes, updated_at,
        version
    FROM customers_competitorentry WHERE customer_id = %s ORDER BY brand, id"""
TAGS_SQL = """
    SELECT ct.customer_id, t.name FROM customers_customer_tags ct
    JOIN customers_tag t ON t.id = ct.tag_id WHERE ct.customer_id IN ({ids}) ORDER BY t.name"""
BORROWED_SQL = """
    SELECT bi.customer_id FROM core_borrowitem bi JOIN core_borrowrequest br ON br.id = bi.request_id
    WHERE br.requester_id = %s AND br.status = 'approved' AND br.starts_at <= %s AND br.ends_at > %s"""


def floor_urlconf():
    """A URLconf: the app's own, plus the floor views under /floor/."""
    from django.db import connection
    from django.http import Http404, JsonResponse
    from django.urls import include, path
    from django.utils import timezone, translation
    from django.utils.dateparse import parse_date, parse_datetime, parse_time

    from outletcrm.core import crypto
    from outletcrm.core.accesslog import COLUMNS, TABLE
    from outletcrm.customers import choices, privacy
    from outletcrm.customers.text import search_term
    from outletcrm.org.models import Region, Role

    sqlite = connection.vendor == "sqlite"
    coord = decimal.Decimal("0.000001")
    area = decimal.Decimal("0.1")

    def dt(value):
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_datetime(value)
        if timezone.is_naive(value):  # SQLite keeps UTC without an offset
            value = value.replace(tzinfo=datetime.UTC)
        value = timezone.localtime(value).isoformat()
        return value[:-6] + "Z" if value.endswith("+00:00") else value

    def day(value):
        if value is None:
            return None
        return (parse_date(value) if isinstance(value, str) else value).isoformat()

    def clock(value):
        if value is None:
            return None
        return (parse_time(value) if isinstance(value, str) else value).isoformat()

    def num(value, places):
        return None if value is None else float(decimal.Decimal(str(value)).quantize(places))

    def label(name, name_en, english):
        return None if name is None else (name_en if english and name_en else name)

    def scope(user, now):
        """The user's scope as SQL: own (rep / supervisor / manager) or lent (borrowing)."""
        if user.role == Role.REP:
            own, params = "c.owner_id = %s", [user.pk]
        elif user.role == Role.SUPERVISOR:
            own, params = "c.team_id = %s", [user.team_id]
        elif user.role == Role.MANAGER:
            if not hasattr(user, "_floor_regions"):
                root = Region.objects.get(pk=user.region_id).path
                user._floor_regions = list(
                    Region.objects.filter(path__startswith=root).values_list("pk", flat=True))
            own = f"c.region_id IN ({', '.join(['%s'] * len(user._floor_regions))})"
            params = list(user._floor_regions)
        else:
            return "1 = 1", []
        borrowed = BORROWED_SQL
        if not sqlite:  # as core.scoping.InSubquery: an init plan keeps the index
            return f"({own} OR c.id = ANY(ARRAY({borrowed})))", [*params, user.pk, now, now]
        return f"({own} OR c.id IN ({borrowed}))", [*params, user.pk, now, now]

    def tags_of(cursor, ids):
        out = {pk: [] for pk in ids}
        if ids:
            cursor.execute(TAGS_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
            for customer_id, name in cursor.fetchall():
                out[customer_id].append(name)
        return out

    def floor_list(request):
        user = request.user
        if not user.is_authenticated:
            return JsonResponse({"detail": "login"}, status=401)
        english = translation.get_language().startswith("en")
        now = timezone.now()
        where, params = scope(user, now)
        where += " AND c.archived_at IS NULL"
        q = request.GET.get("q", "")
        if q:
            term = search_term(q)
            if sqlite and len(term) >= 3:
                where += (" AND c.id IN (SELECT rowid FROM customers_customer_fts"
                          " WHERE search_text LIKE %s)")
            else:
                where += " AND c.search_text LIKE %s"
            params.append(f"%{term}%")
        page = int(request.GET.get("page", 1))
        channel = dict(choices.Channel.choices)
        status = dict(choices.Status.choices)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM customers_customer c WHERE {where}", params)  # noqa: S608
            count = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT {LIST_COLUMNS} {LIST_JOINS} WHERE {where} "  # noqa: S608
                "ORDER BY c.name_sort, c.id LIMIT 50 OFFSET %s", [*params, (page - 1) * 50])
            rows = cursor.fetchall()
            tags = tags_of(cursor, [row[0] for row in rows])
        results = [
            {
                "id": r[0], "code": r[1], "name": r[2], "outlet_type": r[3],
                "outlet_type_name": label(r[4], r[5], english), "channel": r[6],
                "channel_display": str(channel.get(r[6], r[6])), "status": r[7],
                "status_display": str(status.get(r[7], r[7])), "customer_class": r[8],
                "customer_class_name": label(r[9], r[10], english), "abc_class": r[11],
                "abc_class_name": label(r[12], r[13], english), "owner": r[14],
                "owner_name": r[15] or r[16], "province": r[17], "city": r[18],
                "district": r[19], "address": r[20], "phone": r[21],
                "latitude": num(r[22], coord), "longitude": num(r[23], coord),
                "tags": tags[r[0]], "is_archived": r[24] is not None, "updated_at": dt(r[25]),
            }
            for r in rows
        ]
        base = request.build_absolute_uri(request.path)
        query = f"&q={q}" if q else ""
        return JsonResponse(
            {
                "count": count,
                "next": f"{base}?page={page + 1}{query}" if page * 50 < count else None,
                "previous": None if page == 1 else f"{base}?page={page - 1}{query}",
                "results": results,
            },
            json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
        )

    def floor_detail(request, pk):
        user = request.user
        if not user.is_authenticated:
            return JsonResponse({"detail": "login"}, status=401)
        english = translation.get_language().startswith("en")
        now = timezone.now()
        where, params = scope(user, now)
        with connection.cursor() as cursor:
            cursor.execute(DETAIL_SQL.format(scope=where), [pk, *params])
            r = cursor.fetchone()
            if r is None:
                raise Http404
            cursor.execute(CONTACTS_SQL, [pk])
            contacts = cursor.fetchall()
            cursor.execute(COMPETITORS_SQL, [pk])
            competitors = cursor.fetchall()
            tags = tags_of(cursor, [pk])[pk]
            owner_id, team_id = r[33], r[36]
            own = (owner_id == user.pk if user.role == Role.REP
                   else team_id == user.team_id if user.role == Role.SUPERVISOR
                   else user.role == Role.MANAGER and r[38] in getattr(user, "_floor_regions", ()))
            cursor.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                [user.pk, now, "api_view", pk, 1, not own, request.META.get("REMOTE_ADDR", ""),
                 request.headers.get("User-Agent", "")[:200], request.path[:200]])
        access = ("full" if user.role == Role.ADMIN or user.is_superuser
                  else ("full" if owner_id == user.pk else "masked") if user.role == Role.REP
                  else ("full" if team_id == user.team_id else "masked")
                  if user.role == Role.SUPERVISOR
                  else "on_request" if user.role in (Role.MANAGER, Role.CUSTODIAN,
                                                     Role.CUSTOMER_SERVICE)
                  else "masked")
        contact_role = dict(choices.ContactRole.choices)
        decision_role = dict(choices.DecisionRole.choices)
        satisfaction = dict(choices.Satisfaction.choices)
        closeness = dict(choices.Closeness.choices)
        contact_rows = []
        for c in contacts:
            mobile = crypto.decrypt(c[4]) or ""
            birthday = crypto.decrypt(c[5])
            birthday = datetime.date.fromisoformat(birthday) if birthday else None
            interests = crypto.decrypt(c[7]) or ""
            full = access == "full"
            contact_rows.append({
                "id": c[0], "name": c[1], "role": c[2],
                "role_display": str(contact_role.get(c[2], c[2])), "decision_role": c[3],
                "decision_role_display": str(decision_role.get(c[3], c[3])),
                "mobile": mobile if full else privacy.mask_phone(mobile),
                "birthday": birthday.isoformat() if full and birthday else None,
                "birthday_month": birthday.month if birthday else None,
                "birthday_is_lunar": bool(c[6]),
                "interests": interests if full else privacy.mask_text(interests),
                "personal_data": access, "notes": c[8], "is_primary": bool(c[9]),
                "created_at": dt(c[10]), "updated_at": dt(c[11]), "version": c[12],
            })
        brands = r[19]
        if isinstance(brands, str):
            brands = json.loads(brands)
        body = {
            "id": r[0], "code": r[1], "name": r[2], "outlet_type": r[3],
            "outlet_type_name": label(r[4], r[5], english), "channel": r[6],
            "channel_display": str(dict(choices.Channel.choices).get(r[6], r[6])),
            "province": r[7], "city": r[8], "district": r[9], "address": r[10],
            "full_address": "".join(p for p in r[7:11] if p),
            "latitude": num(r[11], coord), "longitude": num(r[12], coord), "phone": r[13],
            "opens_at": clock(r[14]), "closes_at": clock(r[15]),
            "floor_area": None if r[16] is None else str(decimal.Decimal(str(r[16])).quantize(area)),
            "staff_count": r[17], "years_in_business": r[18], "brands": brands,
            "source": r[20], "source_display": str(dict(choices.Source.choices).get(r[20], r[20])),
            "referred_by": r[21], "referred_by_name": r[22], "status": r[23],
            "status_display": str(dict(choices.Status.choices).get(r[23], r[23])),
            "customer_class": r[24], "customer_class_name": label(r[25], r[26], english),
            "abc_class": r[27], "abc_class_name": label(r[28], r[29], english),
            "marketing_consent": bool(r[30]), "marketing_consent_on": day(r[31]),
            "marketing_consent_source": r[32], "owner": r[33], "owner_name": r[34] or r[35],
            "team": r[36], "team_name": r[37], "region": r[38], "region_name": r[39],
            "tags": tags, "notes": r[40], "contacts": contact_rows,
            "competitors": [
                {
                    "id": k[0], "brand": k[1], "products": k[2], "satisfaction": k[3],
                    "satisfaction_display": None if k[3] is None
                    else str(satisfaction.get(k[3], k[3])),
                    "competitor_rep": k[4], "closeness": k[5],
                    "closeness_display": str(closeness.get(k[5], k[5])), "notes": k[6],
                    "updated_at": dt(k[7]), "version": k[8],
                }
                for k in competitors
            ],
            "is_archived": r[41] is not None, "archived_at": dt(r[41]), "archive_reason": r[42],
            "merged_into": r[43], "created_by": r[44],
            "created_by_name": None if r[44] is None else (r[45] or r[46]),
            "created_at": dt(r[47]), "updated_at": dt(r[48]), "version": r[49],
        }
        return JsonResponse(
            body, headers={"ETag": f'"{r[49]}"'},
            json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})

    from django.conf import settings

    module = types.ModuleType("floor_bench_urls")
    module.urlpatterns = [
        path("floor/customers/", floor_list),
        path("floor/customers/<int:pk>/", floor_detail),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# --- measuring --------------------------------------------------------------------------------

MEASUREMENTS = (
    ("list", "/api/v1/customers/", "/floor/customers/"),
    ("search", "/api/v1/customers/?q={q}", "/floor/customers/?q={q}"),
    ("detail", "/api/v1/customers/{id}/", "/floor/customers/{id}/"),
)


def compare(api: dict, floor: dict) -> str:
    """'identical', or what differs between the API's body and the floor's."""
    if api == floor:
        return "identical"
    if "results" in api:
        if api["count"] != floor["count"]:
            return f"count {api['count']} != {floor['count']}"
        a_ids = [r["id"] for r in api["results"]]
        f_ids = [r["id"] for r in floor["results"]]
        if a_ids != f_ids:
            return "rows or order differ"
        rows = list(zip(api["results"], floor["results"], strict=True))
        top = sorted(k for k in ("next", "previous") if api.get(k) != floor.get(k))
        if top and all(a == f for a, f in rows):
            return "same rows; page links differ: " + ", ".join(top)
    else:
        rows = [(api, floor)]
    keys = sorted({k for a, f in rows for k in set(a) | set(f) if a.get(k) != f.get(k)})
    return "same rows; fields differ: " + ", ".join(keys)


def run_child(args) -> dict:
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    seed_seconds = archive_bench.setup_child(args, log)
    if args.statistics_job:
        from outletcrm.core.dbstats import refresh_statistics

        log(f"statistics job: {refresh_statistics()}")
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from outletcrm.core import scoping
    from outletcrm.customers.models import Customer
    from outletcrm.customers.text import pinyin_keys

    load = [os.getloadavg()]
    rep, manager = archive_bench.bench_users()
    rng = random.Random(args.seed)
    n = args.requests + args.warmup
    rows = []
    override = override_settings(ROOT_URLCONF=floor_urlconf())
    override.enable()
    for role_label, user in (("rep", rep), ("manager", manager)):
        if args.role and role_label != args.role:
            continue
        scope = scoping.restrict(Customer.objects.live(), user)
        in_scope = scope.count()
        sample = list(scope.order_by("?").values_list("pk", "name")[:n])
        ids = [pk for pk, _ in sample]
        terms = [pinyin_keys(name)[1][:4] for _, name in sample]
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_ACCEPT="application/json")
        client.force_login(user)
        for measurement, api, floor in MEASUREMENTS:
            if args.profile and measurement != args.profile:
                continue
            fill = [{"id": ids[i % len(ids)], "q": terms[i % len(terms)]} for i in range(n)]
            rng.shuffle(fill)
            verdicts = {}
            for values in fill[: args.warmup]:
                a = client.get(api.format(**values))
                f = client.get(floor.format(**values))
                assert a.status_code == f.status_code == 200, (a.status_code, f.status_code)
                verdict = compare(a.json(), f.json())
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
            counts = {}
            for channel, template in (("api", api), ("floor", floor)):
                with CaptureQueriesContext(connection) as captured:
                    client.get(template.format(**fill[0]))
                counts[channel] = len(captured.captured_queries)
            if args.profile:
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for values in fill[args.warmup:]:
                    client.get(api.format(**values))
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
                out.write("\n--- by own time ---\n")
                pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
                log(out.getvalue())
                continue
            times = {"api": [], "floor": []}
            cpu = {"api": [], "floor": []}
            for i, values in enumerate(fill[args.warmup:]):
                order = ("api", "floor") if i % 2 == 0 else ("floor", "api")
                for channel in order:
                    url = (api if channel == "api" else floor).format(**values)
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times[channel].append((time.perf_counter() - started) * 1000)
                    cpu[channel].append((time.process_time() - started_cpu) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
            row = {
                "measurement": measurement, "role": role_label, "user": user.username,
                "scope": in_scope, "n": len(times["api"]), "checked": verdicts,
                "queries": counts,
                **{f"{c}_p50": statistics.median(times[c]) for c in times},
                **{f"{c}_p95": archive_bench.percentile(times[c], 95) for c in times},
                **{f"{c}_cpu": statistics.median(cpu[c]) for c in cpu},
            }
            rows.append(row)
            log(f"  {role_label:8} {measurement:6} api {row['api_p50']:6.1f} ms "
                f"floor {row['floor_p50']:6.1f} ms  ×{row['api_p50'] / row['floor_p50']:.1f} wall, "
                f"×{row['api_cpu'] / row['floor_cpu']:.1f} cpu; {verdicts}")
    override.disable()
    load.append(os.getloadavg())
    stat1 = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            stat1 = bool(cursor.fetchone()[0])
    return {
        "vendor": connection.vendor, "version": archive_bench.db_version(connection),
        "outlets": Customer.objects.count(), "seed_seconds": seed_seconds, "rows": rows,
        "load": load, "stat1_after": stat1, "analyzed": args.analyze,
        "statistics_job": args.statistics_job,
        "debug": settings.DEBUG,
    }


def table(result: dict) -> str:
    stats = ""
    if result["vendor"] == "sqlite":
        stats = (" (statistics: the nightly db-statistics job ran before the run)"
                 if result.get("statistics_job") else
                 " (statistics: ANALYZE before the run)" if result["analyzed"] else
                 " (no statistics at the start; sqlite_stat1 present after the run: "
                 f"{'yes' if result['stat1_after'] else 'no'})")
    (l1, l5, l15), (e1, _, _) = result["load"]
    lines = [
        f"### {result['version']}: {result['outlets']:,} outlets{stats}",
        "",
        f"Load average at the start (1/5/15 min): {l1:.2f} / {l5:.2f} / {l15:.2f}; "
        f"1 min at the end: {e1:.2f}.",
        "",
        "| measurement | user (in scope) | n | API p50 ms | floor p50 ms | wall ×floor | "
        f"API CPU ms | floor CPU ms | CPU ×floor | API p95 ms | queries API/floor | ≤ {GOAL:g}× | bodies |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in result["rows"]:
        wall = r["api_p50"] / r["floor_p50"]
        cpu = r["api_cpu"] / r["floor_cpu"]
        ok = "yes" if max(wall, cpu) <= GOAL else "**no**"
        checked = "; ".join(f"{v} ({k})" for k, v in r["checked"].items())
        lines.append(
            f"| {r['measurement']} | {r['role']} {r['user']} ({r['scope']:,}) | {r['n']} | "
            f"{r['api_p50']:.1f} | {r['floor_p50']:.1f} | {wall:.2f} | {r['api_cpu']:.1f} | "
            f"{r['floor_cpu']:.1f} | {cpu:.2f} | {r['api_p95']:.1f} | "
            f"{r['queries']['api']}/{r['queries']['floor']} | {ok} | {checked} |")
    return "\n".join(lines)


def report(results: list[dict], args) -> str:
    facts = archive_bench.machine()
    head = [
        "# Reads near the floor: customer API against hand-written SQL",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['ram']} RAM, shared "
        "with other work (load averages below)",
        f"- Python {facts['python']}, Django {facts['django']}",
        f"- {args.requests} interleaved request pairs per row (API, floor) after {args.warmup} "
        "warm-up pairs whose bodies are compared; in-process django.test.Client, force_login; "
        "random ids / 4-letter pinyin initials in the user's scope",
        "- wall ×floor and CPU ×floor: p50 of the API over p50 of the floor; CPU is this "
        "process's time (on PostgreSQL the server's own CPU is not in it); goal ≤ 2× for both",
        "- command: `.venv/bin/python bench/floor_bench.py "
        + " ".join("<url>" if "://" in a else a for a in sys.argv[1:]) + "`",
        "",
    ]
    return "\n".join(head + [table(r) + "\n" for r in results])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--database-url", default=f"sqlite:///{archive_bench.SQLITE_PATH}")
    parser.add_argument("--outlets", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--analyze", action="store_true", help="SQLite: ANALYZE before timing")
    parser.add_argument("--statistics-job", action="store_true",
                        help="SQLite: run the nightly db-statistics job (core/dbstats.py) first")
    parser.add_argument("--role", choices=["rep", "manager"])
    parser.add_argument("--profile", choices=["list", "search", "detail"],
                        help="cProfile (CPU clock) the API requests of one measurement")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true", help="add to --out instead of replacing")
    # archive_bench.setup_child reads these
    parser.set_defaults(proposed_indexes=False, proposed_search=False)
    args = parser.parse_args()
    result = run_child(args)
    if args.profile:
        return 0
    text = report([result], args)
    print(text)
    if args.append and args.out.exists():
        text = args.out.read_text(encoding="utf-8").rstrip() + "\n\n" + text.split("\n\n", 1)[1]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
