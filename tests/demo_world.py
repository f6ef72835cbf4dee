"""The demo contact center (``seed_demo``), built once per test session and copied into each
test that asks for it, instead of being built again by every such test (a build is the
slowest step of those tests; the copy takes well under a second).

Usage: request ``demo_center`` (8 agents, seed 5) and call it in the test: ``demo_center()``
fills the test's database with exactly what ``call_command("seed_demo", ...)`` would have
made.

How, on PostgreSQL: the first test that asks for a demo builds it in a session fixture,
before the test's own transaction starts: the database's current rows are copied aside
(schema ``demo_base``), ``seed_demo`` runs, its rows are copied aside (schema
``demo_<agents>_<seed>``), and the database is put back as it was. Each test's call then
empties the tables and copies the demo's rows (and sequence positions) back, inside the
test's transaction (rolled back after a ``django_db`` test, flushed after a transactional
one), so what one test changes never reaches the next. If the date has changed since the
build (a session across midnight: the demo's "today" would be yesterday), or on another
database (SQLite), the call simply runs ``seed_demo``.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from .fast_flush import _fast_statements

SKIP_TABLES = {"django_migrations"}


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor, include_views=False)
    return sorted(set(names) - SKIP_TABLES)


def _sequences(cursor) -> list[tuple[str, int | None]]:
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    return list(cursor.fetchall())


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class Snapshot:
    """The rows of every table and the sequences' positions, copied into schema ``name``."""

    def __init__(self, name: str):
        self.name = name
        self.tables = _tables()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {_q(name)} CASCADE")
            cursor.execute(f"CREATE SCHEMA {_q(name)}")
            for table in self.tables:
                cursor.execute(
                    f"CREATE TABLE {_q(name)}.{_q(table)} AS SELECT * FROM public.{_q(table)}"
                )
            self.sequences = _sequences(cursor)

    def restore(self) -> None:
        """Empty the tables, then copy the rows back (foreign keys are deferrable: checked
        at the end of the transaction, when every row is back)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # Emptied as the quicker flush does (few rows: DELETE), else one TRUNCATE.
            empty = _fast_statements(connection.ops, self.tables)
            if empty is None:
                tables = ", ".join(f"public.{_q(t)}" for t in self.tables)
                empty = [f"TRUNCATE {tables} CASCADE"]
            for statement in empty:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cursor.execute(
                    f"INSERT INTO public.{_q(table)} SELECT * FROM {_q(self.name)}.{_q(table)}"
                )
            for sequence, value in self.sequences:
                if value is not None:
                    cursor.execute("SELECT setval(%s, %s, true)", [f"public.{sequence}", value])

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {_q(self.name)} CASCADE")


def _seed(agents: int, seed: int) -> None:
    call_command("seed_demo", "--agents", str(agents), "--seed", str(seed), stdout=io.StringIO())


def _demo_fixture(agents: int, seed: int):
    @pytest.fixture(scope="session")
    def fixture(django_db_setup, django_db_blocker):
        if connection.vendor != "postgresql":
            yield lambda: _seed(agents, seed)
            return
        with django_db_blocker.unblock():
            built_on = timezone.localdate()
            base = Snapshot("demo_base")
            _seed(agents, seed)
            demo = Snapshot(f"demo_{agents}_{seed}")
            base.restore()
            base.drop()

        def load() -> None:
            if timezone.localdate() != built_on:
                _seed(agents, seed)
            else:
                demo.restore()
                ContentType.objects.clear_cache()

        yield load
        with django_db_blocker.unblock():
            demo.drop()

    return fixture


# The demo the browser tests use (one build a session: the flex tests find agents to move
# among its 8 as well).
demo_center = _demo_fixture(8, 5)
