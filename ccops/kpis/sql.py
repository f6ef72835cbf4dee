"""Portable SQL pieces for KPI queries: epoch seconds and percentiles, on PostgreSQL and SQLite.

``Percentile(expr, p)`` is ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)`` on PostgreSQL.
SQLite has no percentile aggregate in Python's build, so one with the same (linear
interpolation) definition is registered on each SQLite connection: the aggregation still
runs inside the database's GROUP BY, the development backend just implements it in Python.
"""

import math

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func


class Epoch(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, as a float."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores aware datetimes on SQLite as UTC text that julianday() parses.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


class Percentile(Aggregate):
    """Continuous percentile (linear interpolation between the closest ranks), 0 <= p <= 1."""

    name = "Percentile"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, p: float, **extra):
        if not 0 <= p <= 1:
            raise ValueError("p must be between 0 and 1")
        self.p = float(p)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - vendors below
        raise NotImplementedError(f"Percentile is not implemented on {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template=f"percentile_cont({self.p!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template=f"ccops_percentile(%(expressions)s, {self.p!r})",
            **extra,
        )

    def get_group_by_cols(self):
        return []

    def __getstate__(self):
        return {**super().__getstate__(), "p": self.p}


def percentile_cont(values: list[float], p: float) -> float | None:
    """The same definition as PostgreSQL's ``percentile_cont`` (used by SQLite and tests)."""
    if not values:
        return None
    values = sorted(values)
    rank = p * (len(values) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return values[low] + (values[high] - values[low]) * (rank - low)


class _SqlitePercentile:
    def __init__(self):
        self.values = []
        self.p = 0.5

    def step(self, value, p):
        if value is not None:
            self.values.append(float(value))
            self.p = float(p)

    def finalize(self):
        return percentile_cont(self.values, self.p)


def _install(connection) -> None:
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_aggregate("ccops_percentile", 2, _SqlitePercentile)


def _on_connection_created(sender, connection, **kwargs):
    _install(connection)


def install() -> None:
    """Connect the SQLite aggregate to every new connection (and any already open)."""
    connection_created.connect(_on_connection_created, dispatch_uid="ccops_kpis_percentile")
    for conn in connections.all(initialized_only=True):
        _install(conn)
