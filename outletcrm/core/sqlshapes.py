"""The SQL of a list's queries compiled once per shape, run again with each request's values
(issue 11: "reads near the floor").

A list request builds its queryset afresh (scope from core.scoping, the caller's filters), and
Django compiles it anew for the count, again for the page, and a third time for a related
query such as the page's tags: for a rep's customer list about a third of the request's CPU
went into compiling three statements whose text differs from the previous request's only in
its parameters. Here the queryset's WHERE clause is compiled once per request; the full
statement (count, or a page of values) is compiled by Django the first time that WHERE text
is seen and kept, then run on the cursor with this request's parameters, its values passed
through the same converters Django applies.

Only the statement's text is kept, never a result: every request runs its queries and reads
fresh rows. The text is reused only when it cannot differ:

  * the key is the caller's name for everything it adds to the queryset (`shape`: the columns,
    the page's bounds), the WHERE text, the ordering, and the database connection;
  * the queryset must be plain: no joins of its own (its filters on the model's own columns
    and on subqueries), no distinct, annotations, extra, grouping, combination or slice;
    anything else runs through the ORM as usual;
  * when the statement is first compiled its parameters must be exactly the WHERE's and its
    text must contain the WHERE's text, so the WHERE is the only place parameters come from;
    otherwise it is not kept.

Entries are per thread and per connection (the converters are the connection's), at most
MAX_SHAPES of each kind, least recently used first out.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from outletcrm.core.prepared import converted

MAX_SHAPES = 256

_local = threading.local()


def _cache(connection) -> OrderedDict:
    caches = getattr(_local, "caches", None)
    if caches is None:
        caches = _local.caches = {}
    cache = caches.get(connection)
    if cache is None:
        cache = caches[connection] = OrderedDict()
    return cache


def _remember(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    if len(cache) > MAX_SHAPES:
        cache.popitem(last=False)


def _plain(query) -> bool:
    """Whether the query is filters on one table and nothing else."""
    if (
        query.distinct
        or query.annotations
        or query.extra
        or query.extra_tables
        or query.combinator
        or query.group_by is not None
        or query.is_sliced
        or query.select_for_update
        or query.select
        or query.extra_order_by
        or query.values_select
        or not query.default_cols
    ):
        return False
    return all(
        alias == query.base_table or not count for alias, count in query.alias_refcount.items()
    )


class ShapedQuery:
    """A queryset whose count and pages of values run from compiled shapes when it is plain
    (module docstring), through the ORM otherwise; same queries, same results either way."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self.connection = connections[queryset.db]
        self._where = None

    def where(self):
        """(WHERE text, parameters), or None when the shapes do not apply."""
        if self._where is None:
            query = self.queryset.query
            where = False
            if _plain(query):
                compiler = query.get_compiler(connection=self.connection)
                try:
                    sql, params = compiler.compile(query.where)
                except (EmptyResultSet, FullResultSet):
                    pass
                else:
                    if sql:
                        where = (sql, tuple(params))
            self._where = where
        return self._where or None

    def _key(self, kind: str, shape: Hashable, where_sql: str):
        query = self.queryset.query
        return (kind, shape, where_sql, tuple(query.order_by), query.standard_ordering)

    def _run(self, sql: str, params, *, many: bool):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if many else cursor.fetchone()

    def count(self) -> int:
        """queryset.count()."""
        where = self.where()
        if where is None:
            return self.queryset.count()
        cache = _cache(self.connection)
        key = self._key("count", None, where[0])
        sql = cache.get(key)
        if sql is not None:
            cache.move_to_end(key)
            return self._run(sql, where[1], many=False)[0]
        statements = []

        def capture(execute, sql, params, many, context):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with self.connection.execute_wrapper(capture):
            count = self.queryset.count()
        if len(statements) == 1:
            sql, params = statements[0]
            if tuple(params or ()) == where[1] and where[0] in sql:
                _remember(cache, key, sql)
        return count

    def rows(self, shape: Hashable, build: Callable[[QuerySet], QuerySet]) -> list[tuple]:
        """list(build(queryset)) for a `build` that only adds values_list(), ordering and
        slicing; `shape` names what it adds (the columns, the bounds)."""
        where = self.where()
        if where is None:
            return list(build(self.queryset))
        cache = _cache(self.connection)
        key = self._key("rows", shape, where[0])
        entry = cache.get(key)
        if entry is None:
            compiler = build(self.queryset).query.get_compiler(connection=self.connection)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return []
            if not (tuple(params) == where[1] and where[0] in sql):
                return list(build(self.queryset))
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            if compiler.has_composite_fields(fields):
                return list(build(self.queryset))
            entry = (sql, list(compiler.get_converters(fields).items()))
            _remember(cache, key, entry)
        else:
            cache.move_to_end(key)
        sql, converters = entry
        return converted(self.connection, converters, self._run(sql, where[1], many=True))
