"""Import amplification benchmark: what a small hostile workbook costs the import (issue 7, §2).

Builds a few small .xlsx files that unpack into enormous sheets (tests/customers/xlsx_bombs.py,
the same files the tests use) and one ordinary bad file, then posts each to
`POST /api/v1/customers/import/` in a fresh child process (in-process Django test client,
SQLite scratch database) and reports per file: size on disk and unpacked, the HTTP status,
the size of the answer, the CPU time of the request and the memory it took (peak resident set
of the child above what it held before the request).

The tests assert on behaviour (a clear error, a short answer, nothing imported); timing and
memory belong here, where a busy machine only makes a figure noisier.

Usage (from the repository root):

  .venv/bin/python bench/import_bomb.py            # prints the table

bench/results/import_bomb.md keeps the figures before the bounds (commit 8669caa, with this
script and the bomb generator copied in) and after.
"""

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCRATCH = Path("/tmp/outletcrm-bench/import-bomb")  # noqa: S108 - scratch files by design
DATABASE = SCRATCH / "db.sqlite3"
USERNAME = "bench-importer"


def _setup_django() -> None:
    os.environ.update(
        {
            "OUTLETCRM_ENV": "test",
            "DATABASE_URL": f"sqlite:///{DATABASE}",
            "DJANGO_SETTINGS_MODULE": "outletcrm.settings",
            "OUTLETCRM_DATA_DIR": str(SCRATCH),
            "LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()


def _files() -> dict[str, tuple[str, bytes]]:
    """name -> (what it is, file bytes)."""
    from outletcrm.customers.importexport import COLUMNS
    from tests.customers.xlsx_bombs import (
        shared_strings_bomb,
        tall_sheet_bomb,
        template_file,
        wide_row_bomb,
    )

    headers = [c.header for c in COLUMNS]
    first = ["联华超市(文三路店)", "便利店"]
    bad_rows = [
        [f"测试便利店{n}号", "不存在的类型" * 20, *[None] * 7, f"0571-8{n:07d}"]
        for n in range(1, 2001)
    ]
    return {
        "header-bomb": (
            "the trial's bomb: header row of 1.5 million cells, no declared size",
            wide_row_bomb(headers, [first]),
        ),
        "header-bomb-declared": (
            "the same, the sheet declaring its real width (A1:XFD2)",
            wide_row_bomb(headers, [first], dimension="A1:XFD2"),
        ),
        "row-bomb": (
            "a data row of 1.5 million cells, no declared size",
            wide_row_bomb(headers, [first, first], row=3),
        ),
        "tall-bomb": (
            "1 million empty rows after one customer, no declared size",
            tall_sheet_bomb(headers, [first], empty_rows=1_000_000),
        ),
        "strings-bomb": (
            "one customer and a table of 1.5 million shared texts",
            shared_strings_bomb(headers, [first]),
        ),
        "bad-rows": (
            "2,000 rows, each with an unknown outlet type of 120 characters (all-or-nothing)",
            template_file(headers, bad_rows),
        ),
    }


def _unpacked(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Start the peak resident set (VmHWM) afresh from now (Linux ≥ 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def child(name: str) -> None:
    """Post one file and print the measurements as JSON."""
    _setup_django()
    from rest_framework.test import APIClient

    from outletcrm.customers.models import Customer
    from outletcrm.org.models import User

    data = (SCRATCH / f"{name}.xlsx").read_bytes()
    client = APIClient()
    client.force_authenticate(User.objects.get(username=USERNAME))
    client.get("/api/v1/customers/import-template/")  # warm up imports and URL resolving
    before_customers = Customer.objects.count()
    upload = io.BytesIO(data)
    upload.name = f"{name}.xlsx"
    rss_before = _status_kib("VmRSS")
    _reset_peak()
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.post("/api/v1/customers/import/", {"file": upload}, format="multipart")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _status_kib("VmHWM")
    text = response.content.decode("utf-8", "replace")
    print(
        json.dumps(
            {
                "status": response.status_code,
                "answer_bytes": len(response.content),
                "answer": text[:160],
                "cpu_s": cpu,
                "wall_s": wall,
                "memory_mib": max(peak - rss_before, 0) / 1024,
                "imported": Customer.objects.count() - before_customers,
            }
        )
    )


def prepare() -> dict[str, tuple[str, bytes]]:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    _setup_django()
    from django.core.management import call_command

    from outletcrm.org.models import Role, Team, User
    from outletcrm.org.services import region_create

    call_command("migrate", verbosity=0)
    region = region_create(name="华东大区", code="bench-east")
    team = Team.objects.create(name="一组", region=region)
    User.objects.create_user(username=USERNAME, password="x", role=Role.REP, team=team)  # noqa: S106
    files = _files()
    for name, (_what, data) in files.items():
        (SCRATCH / f"{name}.xlsx").write_bytes(data)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    files = prepare()
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    lines = [
        "| file | on disk | unpacked | HTTP | answer | CPU | wall | memory | imported |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    answers = []
    for name, (what, data) in files.items():
        run = subprocess.run(
            [sys.executable, __file__, "--child", name],
            capture_output=True, text=True, check=True, cwd=REPO,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        lines.append(
            f"| {name}: {what} | {len(data) / 1024:,.0f} KB | {_unpacked(data) / 2**20:,.1f} MB "
            f"| {result['status']} | {result['answer_bytes']:,} B | {result['cpu_s']:.2f} s "
            f"| {result['wall_s']:.2f} s | {result['memory_mib']:,.0f} MiB "
            f"| {result['imported']} |"
        )
        answers.append(f"- {name}: `{result['answer'][:160]}`")
        print(lines[-1], flush=True)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    report = "\n".join(
        [
            "# Import amplification benchmark",
            "",
            f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; commit {commit or 'unknown'}",
            f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average at the end (1/5/15 min): {load}",
            "- command: `.venv/bin/python bench/import_bomb.py`; each file posted once "
            "to POST /api/v1/customers/import/ in a fresh process (SQLite scratch database)",
            "- memory: peak resident set of the process during the request, above what it "
            "held before",
            "",
            *lines,
            "",
            "Answers (first 160 characters):",
            "",
            *answers,
            "",
        ]
    )
    print(report)


if __name__ == "__main__":
    main()
