"""Bulk writes of the run, as plain parameterised SQL executed many times.

Django's bulk_create/bulk_update compile every value of every row through the ORM (and
bulk_update builds one CASE per field with a WHEN per row): for 100,000 evaluations that is
most of the run. Here each statement is compiled once and executed with many parameter rows;
values are prepared as Django would (JSON through the field, dates and times through the
backend's adapters), so SQLite and PostgreSQL store exactly what the ORM would have stored.
INSERT … ON CONFLICT … DO UPDATE is understood by both (SQLite ≥ 3.24). On PostgreSQL the
rows of an upsert are streamed with COPY into a temporary table and inserted by one statement
(see _copy_upsert); SQLite runs its compiled statement per row in-process, which is cheap.
"""

from django.db import connection, transaction

CHUNK = 2000


def _prep(model, names: list[str]):
    """A function turning a row of Python values into database parameters."""
    ops = connection.ops
    preps = []
    for name in names:
        field = model._meta.get_field(name)
        kind = field.get_internal_type()
        if kind == "JSONField":
            preps.append(json_adapter())
        elif kind == "DateTimeField":
            preps.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            preps.append(ops.adapt_datefield_value)
        else:
            preps.append(None)

    def prepare(row):
        return [value if prep is None or value is None else prep(value)
                for prep, value in zip(preps, row, strict=True)]

    return prepare


def json_adapter():
    """JSON as the JSONField stores it (json.dumps; psycopg's Jsonb on PostgreSQL), without
    the field's per-value checks (these values are the run's own lists and dicts)."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb
    import json

    return json.dumps


def date_adapter():
    """A date as a DateField stores it (SQLite: ISO text; PostgreSQL: the date)."""
    return connection.ops.adapt_datefield_value


def datetime_adapter():
    """An aware datetime as a DateTimeField stores it (SQLite: UTC text)."""
    return connection.ops.adapt_datetimefield_value


def _columns(model, names):
    return [model._meta.get_field(n).column for n in names]


def upsert(model, names: list[str], rows, *, conflict: list[str], update: list[str],
           prepared: bool = False) -> int:
    """INSERT rows, or UPDATE `update` columns where `conflict` columns already match.
    `prepared`: the rows already hold database values (json_adapter, date_adapter…)."""
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    cols = _columns(model, names)
    head = f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) VALUES "  # noqa: S608 (quoted names)
    one = f"({', '.join(['%s'] * len(cols))})"
    tail = ""
    if conflict:
        conflict_cols = _columns(model, conflict)
        update_cols = _columns(model, update)
        tail = (f" ON CONFLICT ({', '.join(q(c) for c in conflict_cols)}) DO UPDATE SET "
                + ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in update_cols))
    prepare = None if prepared else _prep(model, names)
    if connection.vendor == "postgresql":
        return _copy_upsert(table, cols, tail, prepare, rows)
    return _many(head + one + tail, prepare, rows)


def update_by_pk(model, names: list[str], rows, *, prepared: bool = False) -> int:
    """UPDATE `names` of each row's record; each row is (*values, pk)."""
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in _columns(model, names))
    sql = f"UPDATE {table} SET {sets} WHERE {q(model._meta.pk.column)} = %s"  # noqa: S608 (quoted names)
    if prepared:
        return _many(sql, None, rows)
    prepare = _prep(model, names)
    return _many(sql, lambda row: [*prepare(row[:-1]), row[-1]], rows)


def _many(sql, prepare, rows) -> int:
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row if prepare is None else prepare(row))
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count



def _copy_upsert(table: str, cols: list[str], tail: str, prepare, rows) -> int:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT (with its
    ON CONFLICT). Django's psycopg cursors bind parameters on the client, so executemany has
    the server parse, plan and run one statement per row (most of its time for 100,000
    rows); COPY streams the rows and the INSERT runs once."""
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in cols)
    temp = q(f"bulk_{table.strip(chr(34))}")
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608 (quoted names)
                       f"SELECT {columns} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row if prepare is None else prepare(row))
                count += 1
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp}{tail}")  # noqa: S608 (quoted names)
        cursor.execute(f"DROP TABLE {temp}")
    return count
