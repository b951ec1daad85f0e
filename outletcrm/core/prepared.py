"""values() reads whose SQL has the same shape on every request, compiled once (issue 11).

Django builds and compiles a queryset anew each time it runs: for the API's customer card
(one row with 13 joined names, then its contacts, competitors and tags) that was two thirds
of the request's CPU time, for SQL that differs between requests only in its parameters.

* `PreparedValues`: a values() queryset whose only parameter is the one it is called with
  (`customer_id = %s`), compiled once per database connection; each call runs the stored
  SQL with the new value and applies the same converters as Django (decryption, dates…).
* `ValuesReader`: SELECT <columns> FROM <joins> of a values() queryset compiled once per
  connection, then WHERE taken from another queryset of the same model, compiled per call:
  the caller's scope (core/scoping.py) stays a queryset built per request, as everywhere;
  only the constant part is not rebuilt. Where the WHERE needs a join of its own, or cannot
  be written as SQL, the reader falls back to running the queryset the ORM's way.

Nothing here keeps rows or results: only SQL text and converter functions, per connection
(each thread has its own connection object, so nothing is shared between threads).
"""

import weakref

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet


class _Compiled:
    __slots__ = ("converters", "names", "sql")

    def __init__(self, sql, names, converters):
        self.sql = sql
        self.names = names
        self.converters = converters


def _compile(queryset: QuerySet, connection) -> tuple[_Compiled, tuple]:
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields):
        raise TypeError("composite fields are not supported")
    converters = list(compiler.get_converters(fields).items())
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    return _Compiled(sql, names, converters), tuple(params)


def converted(connection, converters, rows) -> list[tuple]:
    """Rows fetched from a cursor, their values passed through a compiler's converters
    (`compiler.get_converters(...).items()`) as Django's own iterator would."""
    if not converters:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        row = list(row)
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        out.append(tuple(row))
    return out


def _rows(connection, compiled: _Compiled, sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = compiled.names
    return [
        dict(zip(names, row, strict=True))
        for row in converted(connection, compiled.converters, rows)
    ]


class PreparedValues:
    """`make(value)` builds a values() queryset whose SQL has exactly one parameter, `value`;
    calling the prepared read with a value gives the queryset's rows as dicts."""

    def __init__(self, make, *, using: str = "default"):
        self._make = make
        self._using = using
        self._compiled = weakref.WeakKeyDictionary()

    def __call__(self, value) -> list[dict]:
        connection = connections[self._using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled, params = _compile(self._make(value), connection)
            if len(params) != 1 or params[0] != value:
                raise TypeError(f"a prepared read takes one parameter, its value: {params!r}")
            self._compiled[connection] = compiled
        return _rows(connection, compiled, compiled.sql, (value,))


class ValuesReader:
    """`values` (a values() queryset without filters, order or limits) gives the columns and
    joins; `rows(where)` runs them with the WHERE of `where`, a queryset of the same model."""

    def __init__(self, values: QuerySet, *, using: str = "default"):
        query = values.query
        if query.where or query.order_by or query.low_mark or query.high_mark is not None:
            raise TypeError("the columns' queryset must have no filter, order or limits")
        self._values = values.order_by()
        self._base = query.base_table
        self._using = using
        self._compiled = weakref.WeakKeyDictionary()

    def _prefix(self, connection) -> _Compiled:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled, params = _compile(self._values.all(), connection)  # a clone: no sharing
            if params or " WHERE " in compiled.sql:
                raise TypeError("the columns' SQL must take no parameters")
            self._compiled[connection] = compiled
        return compiled

    def rows(self, where: QuerySet) -> list[dict]:
        query = where.query
        joined = [alias for alias in query.alias_map if query.alias_refcount[alias]]
        if where.model is not self._values.model or joined != [self._base]:
            return self._fallback(where)  # the WHERE joins other tables: the ORM's way
        connection = connections[self._using]
        compiler = query.get_compiler(connection=connection)
        try:
            sql, params = compiler.compile(query.where)
        except EmptyResultSet:
            return []
        except FullResultSet:
            return self._fallback(where)
        compiled = self._prefix(connection)
        return _rows(connection, compiled, f"{compiled.sql} WHERE {sql}", params)

    def _fallback(self, where: QuerySet) -> list[dict]:
        return list(self._values.filter(pk__in=where.values("pk")))
