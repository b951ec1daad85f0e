"""Bulk writes of the run, as plain parameterised SQL executed many times.

Django's bulk_create/bulk_update compile every value of every row through the ORM (and
bulk_update builds one CASE per field with a WHEN per row): for 100,000 evaluations that is
most of the run. Here each statement is compiled once and executed with many parameter rows;
values are prepared as Django would (JSON through the field, dates and times through the
backend's adapters), so SQLite and PostgreSQL store exactly what the ORM would have stored.
INSERT … ON CONFLICT … DO UPDATE is understood by both (SQLite ≥ 3.24).
"""

from django.db import connection

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
    sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) VALUES "  # noqa: S608 (quoted names)
           f"({', '.join(['%s'] * len(cols))})")
    if conflict:
        conflict_cols = _columns(model, conflict)
        update_cols = _columns(model, update)
        sql += (f" ON CONFLICT ({', '.join(q(c) for c in conflict_cols)}) DO UPDATE SET "
                + ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in update_cols))
    return _many(sql, None if prepared else _prep(model, names), rows)


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
