"""Writing an import's rows in bulk: the rows `services.customer_create` would write, at scale.

Why (issue 11, "Import at scale"): through `customer_create` a row costs ~5 ms of CPU and ~17
queries, so a 20,000-row workbook took minutes, all of it inside one write transaction that
held SQLite's only write lock. Here the import does the same work in two phases:

1. **Plan, outside any transaction** (no lock held; a web page or a phone keeps writing):
   everything `customer_create` decides or computes for a row — the approval gate
   (customers/gates.py, asked once per owner), the duplicate rules of customers/dedupe.py
   against the archive (the near-identical-name-nearby rule with one query per map cell, not
   per row: `nearby_matches`) and against earlier rows of the same file (including that rule,
   which `customer_create` could only find once the earlier rows were written), the owner's
   team and region, search keys and pinyin, the history entry's values, the contact's
   lookup hash.
2. **One short write transaction** (`write_planned`): re-check the duplicate rules against what
   changed in the archive since the plan began (normally nothing: one query each for customers
   and contacts), reserve the ids, and insert customers, contacts, tags, history
   (core.ChangeLog) and timeline entries with a few multi-row INSERTs.

Why one transaction and not batches: the import is all-or-nothing (and skip-invalid writes
all the good rows or none of them when the database fails). Batches committed one by one would
let others see, and act on, half an import, and a failure in batch 7 would need batches 1–6
undone by hand. The single transaction only inserts what was prepared, so for 20,000 rows it
holds the lock for about a second or two (bench/results/import.md), instead of the whole run.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from outletcrm.core import crypto, i18n
from outletcrm.core.history import snapshot
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers import gates
from outletcrm.customers.dedupe import DuplicateMatch, haversine_m
from outletcrm.customers.models import Contact, Customer, Tag
from outletcrm.customers.services import CUSTOMER_FIELDS, _sync_owner_scope
from outletcrm.customers.text import build_search_text, name_sort_key, normalise

# Rows are grouped in map cells of this many degrees (about 1.1 km north-south), one query
# per cell: far larger than the duplicate radius (100 m), far smaller than a city.
CELL_DEG = 0.01
# customer_create's nearby query reads at most this many candidates (dedupe.find_duplicates).
NEARBY_LIMIT = 200
BATCH = 1000
CREATED_TITLE = gettext_lazy("Customer record created")


# --- the near-identical-name rule, for many rows at once -------------------------------------


def _box(lat: float, radius: float) -> tuple[float, float]:
    """find_duplicates' search box around a point: half-height and half-width in degrees."""
    dlat = radius / 111_320
    dlng = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return dlat, dlng


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lng / CELL_DEG)


@dataclass(frozen=True)
class _Place:
    """A customer (stored, or an earlier row of the file) the rule compares against."""

    key: tuple  # (name_sort, pk or file order): the order find_duplicates reads them in
    pk: int | None
    code: str
    name: str
    name_norm: str
    latitude: float
    longitude: float


def _nearby(name: str, lat: float, lng: float, candidates, radius: float, score: float):
    """find_duplicates' third rule for one point over `candidates` sorted by _Place.key."""
    name_norm = normalise(name)
    if not name_norm:
        return []
    dlat, dlng = _box(lat, radius)
    found = []
    inside = (c for c in candidates
              if lat - dlat <= c.latitude <= lat + dlat and lng - dlng <= c.longitude <= lng + dlng)
    for count, place in enumerate(inside):
        if count >= NEARBY_LIMIT:
            break
        if fuzz.ratio(name_norm, place.name_norm) >= score:
            distance = haversine_m(lat, lng, place.latitude, place.longitude)
            if distance <= radius:
                found.append((place, distance))
    return found


def nearby_matches(points: list[tuple[str, Decimal | None, Decimal | None]],
                   *, exclude_ids: frozenset[int] = frozenset()) -> list[list[DuplicateMatch]]:
    """For each (name, latitude, longitude): the live customers with a near-identical name
    within DUPLICATE_RADIUS_M, exactly as `dedupe.find_duplicates` finds them for one point —
    with one query per map cell the points fall in instead of one per point."""
    radius = settings.DUPLICATE_RADIUS_M
    score = settings.DUPLICATE_NAME_SCORE
    results: list[list[DuplicateMatch]] = [[] for _point in points]
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (name, lat, lng) in enumerate(points):
        if lat is not None and lng is not None and normalise(name):
            cells[_cell(float(lat), float(lng))].append(index)
    live = Customer.objects.live()
    for members in cells.values():
        bounds = []
        for index in members:
            lat, lng = float(points[index][1]), float(points[index][2])
            dlat, dlng = _box(lat, radius)
            bounds.append((lat - dlat, lat + dlat, lng - dlng, lng + dlng))
        rows = live.filter(
            latitude__range=(min(b[0] for b in bounds), max(b[1] for b in bounds)),
            longitude__range=(min(b[2] for b in bounds), max(b[3] for b in bounds)),
        ).values_list("pk", "code", "name", "name_norm", "latitude", "longitude", "name_sort")
        candidates = sorted(
            (_Place((name_sort, pk), pk, code, name, name_norm, float(lat), float(lng))
             for pk, code, name, name_norm, lat, lng, name_sort in rows if pk not in exclude_ids),
            key=lambda place: place.key)
        for index in members:
            name, lat, lng = points[index]
            results[index] = [
                DuplicateMatch(place.pk, place.code, place.name, "nearby_name", f"{distance:.0f} m")
                for place, distance in _nearby(name, float(lat), float(lng), candidates, radius,
                                               score)]
    return results


class _FileGrid:
    """Rows of the file planned so far, by map cell, for the nearby rule within the file."""

    def __init__(self):
        self.cells: dict[tuple[int, int], list[tuple[_Place, object]]] = defaultdict(list)

    def add(self, place: _Place, row) -> None:
        self.cells[_cell(place.latitude, place.longitude)].append((place, row))

    def matches(self, name: str, lat: float, lng: float) -> list:
        radius = settings.DUPLICATE_RADIUS_M
        dlat, dlng = _box(lat, radius)
        low, high = _cell(lat - dlat, lng - dlng), _cell(lat + dlat, lng + dlng)
        near = [entry for i in range(low[0], high[0] + 1) for j in range(low[1], high[1] + 1)
                for entry in self.cells.get((i, j), ())]
        near.sort(key=lambda entry: entry[0].key)
        rows = {id(place): row for place, row in near}
        return [rows[id(place)] for place, _distance in
                _nearby(name, lat, lng, [place for place, _row in near], radius,
                        settings.DUPLICATE_NAME_SCORE)]


# --- planning --------------------------------------------------------------------------------


@dataclass
class Planned:
    """One row, ready to insert: what customer_create would have saved for it."""

    row: object
    customer: Customer
    contact: Contact | None
    tags: list[str]
    history: dict
    search_head: str  # the search text before the code (name, address, pinyin)
    phones: list[str] = field(default_factory=list)


@dataclass
class Mark:
    """Where the archive stood when the plan began; the write re-checks what came after."""

    at: object
    customer_pk: int
    contact_pk: int


def mark_now() -> Mark:
    """Taken before the duplicate checks read the archive."""
    return Mark(
        at=timezone.now(),
        customer_pk=Customer.objects.aggregate(top=Max("pk"))["top"] or 0,
        contact_pk=Contact.objects.aggregate(top=Max("pk"))["top"] or 0,
    )


def plan(rows, *, actor, in_file_match: Callable, report: Callable[[float], None] | None = None
         ) -> list[Planned]:
    """The rows to write, in file order, with everything computed that needs no lock.

    Rows the gate holds, or that duplicate an earlier planned row by the nearby rule, get the
    same problem or duplicate customer_create would have given them, and are left out.
    """
    gate_of: dict[int, bool] = {}
    grid = _FileGrid()
    planned: list[Planned] = []
    good = [row for row in rows if not row.rejected]
    for done, row in enumerate(good, start=1):
        if report and done % 500 == 0:
            report(done / len(good))
        owner = row.fields.get("owner", actor)
        if owner.pk not in gate_of:
            gate_of[owner.pk] = gates.create_needs_approval(actor=actor, owner=owner)
        if gate_of[owner.pk]:
            row.add("", [_("New customers need approval under the archive policy: "
                           "file this one through the form, or ask the archive "
                           "custodian to import it.")])
            continue
        # The instance the row was validated with (importexport._validate_models).
        customer = getattr(row, "instance", None) or Customer(**row.fields)
        customer.created_by = actor
        lat, lng = customer.latitude, customer.longitude
        if lat is not None and lng is not None:
            earlier = grid.matches(customer.name, float(lat), float(lng))
            if earlier:
                row.duplicates = [in_file_match("nearby_name", other) for other in earlier]
                continue
        _sync_owner_scope(customer)
        customer.name_norm = normalise(customer.name)[:100]
        customer.name_sort = name_sort_key(customer.name)
        customer.address_norm = normalise(customer.full_address)[:200]
        phones = [customer.phone] if customer.phone else []
        head = build_search_text(name=customer.name, address=customer.full_address, phones=[])
        history = {k: [None, v] for k, v in snapshot(customer, CUSTOMER_FIELDS).items()
                   if v not in (None, "", [])}
        contact = None
        if row.contact:
            contact = Contact(**row.contact)
            contact.set_mobile_hash()
        planned.append(Planned(row=row, customer=customer, contact=contact, tags=list(row.tags),
                               history=history, search_head=head, phones=phones))
        if lat is not None and lng is not None:
            grid.add(_Place((customer.name_sort, len(planned)), None, "", customer.name,
                            customer.name_norm, float(lat), float(lng)), row)
    return planned


# --- the write -------------------------------------------------------------------------------


def _changed_since(mark: Mark, planned: list[Planned]) -> dict[int, list[DuplicateMatch]]:
    """Duplicates against customers written or changed since `mark`, by dedupe's three rules:
    {index in planned: matches}. Normally nothing changed and this is one indexed query.

    A contact's change goes through the customer services, which touch its customer's
    `updated_at`, so the changed customers cover their contacts too.
    """
    since = mark.at - datetime.timedelta(seconds=1)  # clocks of other app machines
    rows = {pk: values for pk, *values in Customer.objects.live().filter(
        Q(pk__gt=mark.customer_pk) | Q(updated_at__gte=since)).values_list(
        "pk", "code", "name", "phone", "name_norm", "address_norm", "latitude", "longitude",
        "name_sort")}
    if not rows:
        return {}
    by_phone: dict[str, set[int]] = defaultdict(set)
    by_place: dict[tuple[str, str], set[int]] = defaultdict(set)
    places = []
    for pk, (code, name, phone, name_norm, address_norm, lat, lng, name_sort) in rows.items():
        if phone:
            by_phone[phone].add(pk)
        if name_norm and address_norm:
            by_place[(name_norm, address_norm)].add(pk)
        if lat is not None and lng is not None:
            places.append(_Place((name_sort, pk), pk, code, name, name_norm, float(lat),
                                 float(lng)))
    places.sort(key=lambda place: place.key)
    by_hash: dict[str, set[int]] = defaultdict(set)
    for pk, digest in Contact.objects.filter(customer_id__in=list(rows)).exclude(
            mobile_hash="").values_list("customer_id", "mobile_hash"):
        by_hash[digest].add(pk)
    radius, score = settings.DUPLICATE_RADIUS_M, settings.DUPLICATE_NAME_SCORE
    found: dict[int, list[DuplicateMatch]] = {}
    for index, item in enumerate(planned):
        customer = item.customer
        matches: dict[int, DuplicateMatch] = {}
        phones = [customer.phone, item.contact.mobile if item.contact else ""]
        for phone in (p for p in phones if p):
            for pk in sorted(by_phone.get(phone, set())
                             | by_hash.get(crypto.lookup_hash(phone), set())):
                matches.setdefault(pk, DuplicateMatch(pk, rows[pk][0], rows[pk][1], "phone", ""))
        key = (normalise(customer.name), normalise(customer.full_address))
        if all(key):
            for pk in sorted(by_place.get(key, ())):
                matches.setdefault(pk, DuplicateMatch(pk, rows[pk][0], rows[pk][1],
                                                      "name_address", ""))
        if customer.latitude is not None and customer.longitude is not None:
            for place, distance in _nearby(customer.name, float(customer.latitude),
                                           float(customer.longitude), places, radius, score):
                matches.setdefault(place.pk, DuplicateMatch(
                    place.pk, place.code, place.name, "nearby_name", f"{distance:.0f} m"))
        if matches:
            found[index] = list(matches.values())
    return found


def _reserve_ids(count: int) -> list[int]:
    """`count` customer ids no one else will take, inside the write transaction.

    The code (C0000123) and the search text are made from the id, so knowing the ids first
    lets every row go in with one INSERT, without a second UPDATE per row. On PostgreSQL the
    ids come from the table's own sequence; on SQLite the transaction (IMMEDIATE) holds the
    only write lock, so the next free ids are free until it commits.
    """
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return [value for (value,) in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        cursor.execute("SELECT max(seq) FROM sqlite_sequence WHERE name = %s", [table])
        (sequence,) = cursor.fetchone() or (None,)
        cursor.execute(f'SELECT max(id) FROM "{table}"')  # noqa: S608 - our own table name
        (highest,) = cursor.fetchone()
    start = max(sequence or 0, highest or 0) + 1
    return list(range(start, start + count))


def _tag_ids(names: set[str]) -> dict[str, int]:
    """Every tag the rows use, created if new (as customer_create's get_or_create)."""
    if not names:
        return {}
    known = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    missing = names - set(known)
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in sorted(missing)],
                                ignore_conflicts=True)
        known.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))
    return known


class ArchiveChanged(Exception):  # noqa: N818 - a refusal, shown to the user
    """A duplicate appeared in the archive while the file was checked (all-or-nothing)."""


def _columns(model, skip: tuple[str, ...]) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in skip]


def _values(obj, fields) -> list:
    """A row's values as the database takes them (encrypted, JSON, timestamps): computed
    before the write transaction, so the lock is held only for the INSERTs themselves."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]


def _insert(model, head: tuple[str, ...], fields, rows: list[list]) -> None:
    """Write rows of (`head` columns, then `fields`): COPY on PostgreSQL, else one prepared
    INSERT run for every row."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [quote(model._meta.get_field(name).column) for name in head]
    columns += [quote(f.column) for f in fields]
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: Django's psycopg cursor binds parameters on the client, and composing the
            # SQL of 100,000 rows (5 tables × 20,000) row by row in Python cost more than the
            # server's work. COPY adapts the values in psycopg's C code, in the same transaction.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(columns))})")
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])


def write_planned(planned: list[Planned], *, actor, mark: Mark, all_or_nothing: bool
                  ) -> list[int]:
    """Insert the planned rows in one transaction; returns the new customers' ids.

    Rows that a customer written meanwhile (since `mark`) duplicates are rejected with those
    matches, as customer_create would have; with all_or_nothing nothing is written then.
    Every value is prepared for the database first; inside the transaction only the ids, the
    codes and the search texts made from them are filled in.
    """
    customer_fields = _columns(Customer, ("id", "code", "search_text"))
    contact_fields = _columns(Contact, ("id", "customer_id"))
    history_fields = _columns(ChangeLog, ("id", "object_id", "customer_id"))
    timeline_fields = _columns(TimelineEntry, ("id", "customer_id"))
    note, note_message = i18n.store("", None, max_length=300)
    title, title_message = i18n.store(CREATED_TITLE, None, max_length=200)
    who = actor if getattr(actor, "pk", None) else None
    # Every history entry and timeline entry differs only in its customer (and the history in
    # its values and name): prepared once, then copied.
    history = _values(ChangeLog(object_type="customer", action=ChangeLog.Action.CREATE,
                                actor=who, note=note, note_message=note_message),
                      history_fields)
    names = [f.attname for f in history_fields]
    at_changes, at_repr = names.index("changes"), names.index("object_repr")
    changes_field = ChangeLog._meta.get_field("changes")
    entry = _values(TimelineEntry(kind="archive", title=title, title_message=title_message,
                                  body="", actor=who, at=timezone.now(), source_type="",
                                  source_id=None), timeline_fields)
    prepared = []
    for item in planned:
        item_history = list(history)
        item_history[at_changes] = changes_field.get_db_prep_save(item.history,
                                                                  connection=connection)
        item_history[at_repr] = str(item.customer)[:200]
        prepared.append((_values(item.customer, customer_fields),
                         _values(item.contact, contact_fields) if item.contact else None,
                         item_history, entry))
    with transaction.atomic():
        late = _changed_since(mark, planned)
        for index, matches in late.items():
            planned[index].row.duplicates = matches
        if late and all_or_nothing:
            return []
        keep = [index for index in range(len(planned)) if index not in late]
        if not keep:
            return []
        ids = _reserve_ids(len(keep))
        customers, contacts, histories, entries, through = [], [], [], [], []
        tag_ids = _tag_ids({name for index in keep for name in planned[index].tags})
        for index, pk in zip(keep, ids, strict=True):
            item = planned[index]
            customer_row, contact_row, history_row, entry_row = prepared[index]
            item.customer.pk = pk
            item.customer.code = code = f"C{pk:07d}"
            item.customer.search_text = "|".join(
                part for part in (item.search_head, code.lower(), *item.phones) if part)
            customers.append([pk, code, item.customer.search_text, *customer_row])
            if contact_row is not None:
                contacts.append([pk, *contact_row])
            histories.append([pk, pk, *history_row])
            entries.append([pk, *entry_row])
            through.extend([pk, tag_ids[name]] for name in item.tags)
        _insert(Customer, ("id", "code", "search_text"), customer_fields, customers)
        _insert(Contact, ("customer",), contact_fields, contacts)
        _insert(Customer.tags.through, ("customer", "tag"), [], through)
        _insert(ChangeLog, ("object_id", "customer_id"), history_fields, histories)
        _insert(TimelineEntry, ("customer_id",), timeline_fields, entries)
    return [planned[index].customer.pk for index in keep]
