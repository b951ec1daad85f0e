"""Customer import at scale (issue 11): a 20,000-row workbook against an archive on file.

Builds a fresh database, files `--existing` customers (through the import itself), then
imports a `--rows` workbook (every column a rep fills in, a contact with a mobile on each row,
coordinates spread over a city, tags) as a rep's supervisor, and reports:

  - the whole import's wall and CPU time, split by stage (reading the workbook, checking the
    rows and duplicates, planning and writing), and its number of SQL queries;
  - how long the write transaction held the database (SQLite's only write lock): the time
    inside import_write.write_planned's transaction.atomic();
  - the old path for comparison: `--per-row-sample` rows through customer_create one by one
    (per row: ms of CPU and queries), extrapolated to the whole file.

Target: the whole file in under 60 s; the lock held for a few seconds at most.

Usage (from the repository root; the PostgreSQL URL names an empty database it may fill):

  .venv/bin/python bench/import_bench.py                       # SQLite under /tmp
  PGPORT_TEST=54352 scripts/with-postgres bash -c \\
      '.venv/bin/python bench/import_bench.py --database-url $TEST_PG_URL'

The markdown section (machine, date, load) is printed and appended to
bench/results/import.md.
"""

import argparse
import contextlib
import io
import os
import random
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._machine import load_average  # noqa: E402

SCRATCH = Path("/tmp/outletcrm-bench-import")  # noqa: S108 - scratch db by design
RESULTS = REPO / "bench/results/import.md"
TARGET_S = 60

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
WORDS = "华联佳乐世纪万家百姓好又多永辉金康泰仁和安济民丰盛福寿鑫源兴旺顺达新天地宏大众惠"
KINDS = ["超市", "便利店", "药房", "诊所", "大药房", "商行", "食杂店", "烟酒店"]
ROADS = "文三文二教工学院古墩莫干山湖墅丰潭紫荆益乐天目山延安解放庆春凤起体育场环城"


def setup(database_url: str) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "OUTLETCRM_ENV": "test", "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "outletcrm.settings", "OUTLETCRM_DATA_DIR": str(SCRATCH),
        "LOG_LEVEL": "ERROR", "IMPORT_MAX_ROWS": "100000", "IMPORT_MAX_BYTES": str(64 << 20),
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def name(rng: random.Random, n: int) -> str:
    words = "".join(rng.sample(WORDS, 2))
    road = "".join(rng.sample(ROADS, 2))
    return f"{rng.choice(SURNAMES)}{words}{rng.choice(KINDS)}（{road}路{n % 997}号店）"


def workbook(rows: int, start: int, seed: int) -> bytes:
    """A filled-in template: every column a rep uses, a contact on every row."""
    import openpyxl

    from outletcrm.customers.importexport import COLUMNS

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户档案")
    sheet.append([c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    for i in range(rows):
        n = start + i
        values = {
            "name": name(rng, n), "outlet_type": rng.choice(["超市", "便利店", "药店"]),
            "province": "浙江省", "city": "杭州市", "district": rng.choice(["西湖区", "拱墅区"]),
            "address": f"{rng.choice(ROADS)}路{n}号",
            "latitude": round(30.15 + rng.random() * 0.3, 6),
            "longitude": round(120.0 + rng.random() * 0.35, 6),
            "phone": f"0571-8{n:07d}", "opens_at": "08:00", "closes_at": "21:30",
            "floor_area": rng.randint(20, 400), "staff_count": rng.randint(1, 20),
            "brands": "康师傅，农夫山泉", "status": "既成客户", "customer_class": "普通客户",
            "owner": "rep", "tags": rng.choice(["社区店", "社区店,24小时", "", "学校周边"]),
            "contact_name": f"{rng.choice(SURNAMES)}老板", "contact_mobile": f"139{n:08d}",
            "contact_birthday": "1978-05-12", "contact_interests": "钓鱼",
        }
        sheet.append([values.get(k) for k in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cast():
    from outletcrm.org.models import Region, Role, Team, User

    region = Region.objects.create(name="杭州办事处", code="hz-bench")
    team = Team.objects.create(name="杭州一组", region=region)
    User.objects.create(username="rep", display_name="王丽", team=team, role=Role.REP)
    return User.objects.create(username="sup", display_name="张主管", team=team,
                               role=Role.SUPERVISOR)


def timed_import(actor, data: bytes, **kwargs) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outletcrm.customers import import_write, importexport

    stages: dict[str, float] = {}
    lock = {}
    real_transaction = import_write.transaction

    @contextlib.contextmanager
    def timed_atomic(*args, **kw):
        started = time.perf_counter()
        try:
            with real_transaction.atomic(*args, **kw):
                yield
        finally:
            lock["s"] = time.perf_counter() - started

    def progress(stage, done):
        stages.setdefault(stage, time.perf_counter())

    import_write.transaction = types.SimpleNamespace(atomic=timed_atomic)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            result = importexport.import_customers(
                actor=actor, fileobj=io.BytesIO(data), filename="bench.xlsx",
                progress=progress, **kwargs)
        end = time.perf_counter()
        cpu = time.process_time() - cpu
    finally:
        import_write.transaction = real_transaction
    marks = [wall, stages.get("checking", wall), stages.get("writing", end), end]
    return {"result": result, "wall": end - wall, "cpu": cpu, "queries": len(queries),
            "read": marks[1] - marks[0], "check": marks[2] - marks[1],
            "write": marks[3] - marks[2], "lock": lock.get("s", 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--per-row-sample", type=int, default=300)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        path = SCRATCH / "import.sqlite3"
        for stale in SCRATCH.glob("import.sqlite3*"):
            stale.unlink()
        url = f"sqlite:///{path}"
    load = load_average()
    setup(url)
    from django.db import connection

    from bench._machine import machine_info

    actor = cast()
    lines = []
    vendor = connection.vendor
    version = str(connection.pg_version) if vendor == "postgresql" else ""
    if vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    print(f"{vendor} {version}: filing {args.existing} customers first …", flush=True)
    if args.existing:
        existing = timed_import(actor, workbook(args.existing, 1, seed=1), skip_invalid=True)
        print(f"  existing: {existing['result'].created_count} in {existing['wall']:.1f} s")
    data = workbook(args.rows, 1_000_000, seed=2)
    print(f"importing {args.rows} rows ({len(data) / 1e6:.1f} MB) …", flush=True)
    bulk = timed_import(actor, data, skip_invalid=True)
    result = bulk["result"]
    sample = workbook(args.per_row_sample, 5_000_000, seed=3)
    old = timed_import(actor, sample, skip_invalid=True, per_row=True)
    per_row_ms = old["cpu"] / max(old["result"].created_count, 1) * 1000
    per_row_q = old["queries"] / max(old["result"].created_count, 1)
    lines += [
        f"\n## {vendor} {version}: {args.rows:,} rows onto {args.existing:,} customers on file\n",
        machine_info().replace(" — other work on the machine slows time-budgeted runs", ""),
        f"- load average before the run (1/5/15 min): {load}",
        f"- workbook: {args.rows:,} rows × 31 columns, {len(data) / 1e6:.1f} MB; every row "
        "has coordinates in one city, a contact with a mobile, tags; skip-invalid mode",
        "",
        "| what | figure |", "| --- | --- |",
        f"| whole import (wall) | **{bulk['wall']:.1f} s** (target < {TARGET_S} s) |",
        f"| CPU of the importing process | {bulk['cpu']:.1f} s "
        f"({bulk['cpu'] / args.rows * 1000:.2f} ms a row) |",
        f"| reading the workbook (openpyxl) | {bulk['read']:.1f} s |",
        f"| checking rows and duplicates (no lock) | {bulk['check']:.1f} s |",
        f"| planning + writing | {bulk['write']:.1f} s |",
        f"| **write transaction (lock held)** | **{bulk['lock']:.2f} s** |",
        f"| SQL queries, whole import | {bulk['queries']:,} "
        f"({bulk['queries'] / args.rows:.3f} a row) |",
        f"| created / rejected | {result.created_count:,} / {result.rejected_count:,} "
        f"(duplicates {result.duplicate_count:,}) |",
        f"| old path, customer_create per row ({old['result'].created_count} rows) | "
        f"{per_row_ms:.1f} ms CPU and {per_row_q:.1f} queries a row, {old['wall']:.1f} s "
        f"wall; × {args.rows:,} rows ≈ {old['wall'] / max(old['result'].created_count, 1) * args.rows:.0f} s, "
        "all of it inside the write transaction |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Customer import at scale (bench/import_bench.py)\n\n"
                           "Each section is one run; newest last.\n")
    with RESULTS.open("a") as out:
        out.write(text)


if __name__ == "__main__":
    main()
