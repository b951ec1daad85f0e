"""Custodian's desk benchmark: the duplicate scan over 100,000 live customers.

Fills a fresh SQLite file (or the PostgreSQL database of DATABASE_URL) with N customers spread
over a city (one per ~150 m² on average, as in a dense Chinese district) with one contact
each, plants D duplicates of three kinds (same phone, same name and address, a
near-identical name a few metres away), then times:

  find      governance.services.find_duplicate_pairs() (blocking keys, no O(n²))
  scan      governance.services.duplicates_scan(): the first run (writes the queue)
  rescan    the same again (the nightly rerun: nothing new, nothing written)

Usage (from the repository root):
  .venv/bin/python bench/desk_bench.py [--customers 100000] [--duplicates 1000]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--duplicates", type=int, default=1_000)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "desk_bench.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db}")
    os.environ["OUTLETCRM_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from outletcrm.customers.models import Contact, Customer, OutletType
    from outletcrm.customers.text import normalise
    from outletcrm.governance import services
    from outletcrm.org.models import User

    rng = random.Random(7)
    owner = User.objects.create(username="bench_rep", role="rep")
    outlet_type = OutletType.objects.first()
    started = time.perf_counter()
    rows = []
    words = "华联万家好又多佳乐世纪便利超市药房诊所百货食品烟酒副食"
    for i in range(args.customers):
        name = "".join(rng.choice(words) for _ in range(4)) + f"{i}号店"
        lat = 30.20 + rng.random() * 0.15  # ~16 km × 14 km
        lng = 120.05 + rng.random() * 0.15
        address = f"路{rng.randrange(1, 400)}号{i}"
        rows.append(Customer(
            code=f"B{i:07d}", name=name, name_norm=normalise(name), address=address,
            address_norm=normalise(address), phone=f"0571{i:08d}", owner=owner,
            outlet_type=outlet_type, latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lng:.6f}")))
    for j in range(args.duplicates):
        original = rows[rng.randrange(args.customers)]
        kind = j % 3
        copy = Customer(code=f"D{j:07d}", owner=owner, outlet_type=outlet_type,
                        name=original.name, name_norm=original.name_norm,
                        address=original.address, address_norm=original.address_norm,
                        latitude=original.latitude, longitude=original.longitude)
        if kind == 0:
            copy.phone = original.phone
            copy.address = copy.address_norm = f"别处{j}"
            copy.latitude = copy.longitude = None
        elif kind == 2:
            copy.name = original.name + "."
            copy.name_norm = normalise(copy.name)
            copy.address = copy.address_norm = ""
            copy.latitude = original.latitude + Decimal("0.000200")
        rows.append(copy)
    Customer.objects.bulk_create(rows, batch_size=5000)
    ids = list(Customer.objects.values_list("pk", flat=True))
    Contact.objects.bulk_create([Contact(customer_id=pk, name="店主", mobile=f"139{pk:08d}")
                                 for pk in ids], batch_size=5000)
    load = time.perf_counter() - started

    def timed(fn):
        t = time.perf_counter()
        result = fn()
        return time.perf_counter() - t, result

    t_find, pairs = timed(services.find_duplicate_pairs)
    t_scan, first = timed(services.duplicates_scan)
    t_rescan, again = timed(services.duplicates_scan)
    from django.db import connection

    print(f"database: {connection.vendor}; customers: {len(ids):,} (+{len(ids):,} contacts); "
          f"planted duplicates: {args.duplicates:,}; load {load:.1f} s")
    print(f"| step | seconds | result |\n|---|---|---|\n"
          f"| find pairs | {t_find:.2f} | {len(pairs):,} pairs |\n"
          f"| first scan | {t_scan:.2f} | {first} |\n"
          f"| rescan | {t_rescan:.2f} | {again} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
