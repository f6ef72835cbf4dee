"""A quicker ``flush`` on PostgreSQL for the transactional tests (browser tests, live server,
threads): after each such test Django empties every table with one ``TRUNCATE`` of all ~90
tables, which costs a new file for every table and index (seconds on a busy machine) even
when the test wrote a dozen rows. Here the flush deletes the rows of the tables that have
any, and truncates only the append-only event tables (their triggers refuse ``DELETE``).

Same outcome as Django's (every table empty, sequences left alone as ``TRUNCATE`` without
``RESTART IDENTITY`` leaves them); Django's own statement is used whenever the shortcut does
not clearly apply: sequences to reset, many rows (``TRUNCATE`` is then quicker), a foreign
key that cannot be deferred, a table with a trigger that another table points to, or any
error while looking.
"""

from __future__ import annotations

import pytest

MAX_ROWS = 20000  # above this many rows in all, Django's TRUNCATE is the quicker


def _fast_statements(ops, tables: list[str]) -> list[str] | None:
    quote = ops.quote_name
    with ops.connection.cursor() as cursor:
        counts = " UNION ALL ".join(
            f"SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM {quote(t)} LIMIT {MAX_ROWS + 1}) s)"
            for t in tables
        )
        cursor.execute(counts, tables)
        rows = {name: n for name, n in cursor.fetchall() if n}
        if not rows:
            return []
        if sum(rows.values()) > MAX_ROWS:
            return None
        # Foreign keys between these tables that cannot wait for the end of the transaction
        # (the DELETEs run in any order): leave it to TRUNCATE.
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT condeferrable "
            "AND conrelid = ANY(%s::regclass[])",
            [[quote(t) for t in tables]],
        )
        if cursor.fetchone()[0]:
            return None
        # Tables with their own triggers (append-only event logs refuse DELETE).
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE NOT g.tgisinternal AND g.tgrelid = ANY(%s::regclass[])",
            [[quote(t) for t in rows]],
        )
        triggered = sorted(name for (name,) in cursor.fetchall())
        if triggered:
            # TRUNCATE of those alone: only if no other table's foreign key points at them.
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                "AND confrelid = ANY(%s::regclass[]) AND conrelid <> confrelid",
                [[quote(t) for t in triggered]],
            )
            if cursor.fetchone()[0]:
                return None
    statements = ["SET CONSTRAINTS ALL DEFERRED"]
    if triggered:
        statements.append("TRUNCATE " + ", ".join(quote(t) for t in triggered))
    statements += [f"DELETE FROM {quote(t)}" for t in sorted(rows) if t not in triggered]
    # The deletions' foreign-key checks now, inside the flush's transaction.
    statements.append("SET CONSTRAINTS ALL IMMEDIATE")
    return statements


@pytest.fixture(scope="session", autouse=True)
def _fast_flush():
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        django_sql = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if reset_sequences or not tables:
            return django_sql
        try:
            fast = _fast_statements(self, list(tables))
        except Exception:  # noqa: BLE001 - any doubt: Django's own statement
            fast = None
        return django_sql if fast is None else fast

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original
