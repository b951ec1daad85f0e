"""Planner statistics for SQLite installations (issue 11, "Reads near the floor").

SQLite never gathers statistics by itself. Without `sqlite_stat1` its planner guesses every
index equally selective, and which plan a list gets becomes a coin toss: a manager's region
(a third of the archive) and a rep's own outlets (half a percent) are told apart only by
statistics. PostgreSQL's autovacuum keeps its own; nothing is done there.

`refresh_statistics` runs a full `ANALYZE` (0.4 s on 100,000 outlets, bench/results/floor.md;
a sampled one, `PRAGMA analysis_limit`, gave the manager's list a worse plan). It runs nightly as the job "db-statistics" (settings.SCHEDULE) and
after bulk writes: the demo seed (demo.services.gather_planner_statistics) and an import of at
least STATISTICS_AFTER_IMPORT_ROWS customers. And after `outletcrm migrate` when the archive
holds at least as many customers (`refresh_after_migrate`, connected by the customers app):
an upgrade of a big install must not serve its first day with no statistics, or stale ones
that predate a new index, until the night's job; a small or test database costs one
`LIMIT 1 OFFSET` probe and no ANALYZE.
"""

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections

log = logging.getLogger(__name__)

# An import this large changes the archive enough to gather statistics again right away.
STATISTICS_AFTER_IMPORT_ROWS = 1000


def refresh_statistics(day=None, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """ANALYZE the SQLite database (the nightly job's body); a no-op on other databases."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return {"skipped": f"{connection.vendor} gathers its own statistics (autovacuum)"}
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = round(time.monotonic() - started, 3)
    log.info("planner statistics gathered in %s s", seconds)
    return {"analyzed": True, "seconds": seconds}


def refresh_after_bulk_write(rows: int) -> None:
    """Gather statistics after a bulk write of `rows` customers, if it was a big one."""
    if rows >= STATISTICS_AFTER_IMPORT_ROWS and connection.vendor == "sqlite":
        refresh_statistics()


def refresh_after_migrate(*, table: str, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    """Gather statistics after a migrate if `table` (the customers') holds at least
    STATISTICS_AFTER_IMPORT_ROWS rows; None (nothing done) on other databases, when the table
    does not exist yet, or is small. The probe reads one row past the threshold, whatever
    the table's size."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return None
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1 OFFSET %s",  # noqa: S608 (our name)
                       [STATISTICS_AFTER_IMPORT_ROWS - 1])
        if cursor.fetchone() is None:
            return None
    return refresh_statistics(using=using)
