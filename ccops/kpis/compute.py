"""The recompute service: one day's KPI snapshots for every scope, replaced atomically.

For one day, inside ONE transaction holding a per-day lock:

1. the backlog snapshot (one row per work type and team) and the process-step snapshot
   (the process map's input, see ``process_map``) are replaced;
2. every agent-level KPI function gives ``(agent_id, numerator, denominator)`` rows;
   scope-level KPIs (backlog, queues) give their own team/office/overall (and queue) rows;
3. the day's rows of the recomputed KPIs are deleted (an agent idle after a correction
   must lose their row) and the agent rows upserted, carrying the agent's *current* team
   and office;
4. team, office and overall rows are SQL aggregates (``SUM(numerator)``, ``SUM(denominator)``)
   over the agent rows just written, so a roll-up always equals its parts; they and the
   scope-level rows are upserted.

Upserts are ``INSERT ... ON CONFLICT (day, kpi, scope_kind, scope_id) DO UPDATE``: on
PostgreSQL one ``unnest`` statement per 10,000 rows built from tuples, elsewhere
``bulk_create(update_conflicts=True)``.

The lock: on PostgreSQL ``pg_advisory_xact_lock(namespace, day)``, so two runs of the same
day queue up instead of interleaving (different days run in parallel); on SQLite the write
transaction itself serialises writers. Re-running a day therefore gives identical rows:
writes are upserts on ``(day, kpi, scope_kind, scope_id)``.

Assumptions stated once: an agent's team is their team when the day is computed (team
membership is not snapshotted per day); agents without a team count in overall only.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ..kpi_models import (
    OFFICE_SCOPE_IDS,
    OVERALL_SCOPE_ID,
    BacklogSnapshot,
    KpiSnapshot,
    ScopeKind,
)
from ..models import User
from . import process_map, registry
from .registry import AGENT, Kpi

LOCK_NAMESPACE = 0x4B5049  # "KPI": first key of the two-int advisory lock
UPSERT_FIELDS = ["team", "office", "numerator", "denominator", "value", "computed_at"]
UNIQUE_FIELDS = ["day", "kpi", "scope_kind", "scope_id"]
BATCH = 2000


@dataclass(frozen=True)
class DayResult:
    day: date
    kpis: tuple[str, ...]
    agent_rows: int
    scope_rows: int
    backlog_rows: int
    process_rows: int
    seconds: float

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "kpis": list(self.kpis),
            "agent_rows": self.agent_rows,
            "scope_rows": self.scope_rows,
            "backlog_rows": self.backlog_rows,
            "process_rows": self.process_rows,
            "seconds": round(self.seconds, 3),
        }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def select_kpis(keys: Iterable[str] | None = None) -> list[Kpi]:
    """The registered KPIs named by ``keys`` (all when None); ValueError names an unknown key."""
    if keys is None:
        return registry.all_kpis()
    known = {k.key: k for k in registry.all_kpis()}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"unknown KPI: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[k] for k in keys]


def lock_day(day: date) -> None:
    """Serialise recomputes of one day (call inside ``transaction.atomic``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, day.toordinal()]
            )


def _merge_agent_rows(rows: Iterable[tuple]) -> dict[int, list[float]]:
    """Sum rows per agent: a KPI may return a UNION of sources (one row per agent each)."""
    merged: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for agent_id, numerator, denominator in rows:
        if agent_id is None:
            continue
        acc = merged[agent_id]
        acc[0] += float(numerator or 0)
        acc[1] += float(denominator or 0)
    return merged


def _snapshot(day, kpi_key, kind, scope_id, team_id, office, numerator, denominator, now):
    """One row as a tuple in ``COLUMNS`` order (model instances cost more than the SQL)."""
    numerator, denominator = float(numerator), float(denominator)
    return (
        day,
        kpi_key,
        str(kind),
        int(scope_id),
        team_id,
        office or "",
        numerator,
        denominator,
        ratio(numerator, denominator),
        now,
    )


COLUMNS = [
    "day",
    "kpi",
    "scope_kind",
    "scope_id",
    "team_id",
    "office",
    "numerator",
    "denominator",
    "value",
    "computed_at",
]
_PG_TYPES = ["date", "text", "text", "bigint", "bigint", "text", "float8", "float8", "float8",
             "timestamptz"]  # fmt: skip
_PG_UPSERT = (
    f"INSERT INTO {KpiSnapshot._meta.db_table} ({', '.join(COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in _PG_TYPES)}) "
    f"ON CONFLICT ({', '.join(UNIQUE_FIELDS)}) DO UPDATE SET "
    + ", ".join(
        f"{c} = EXCLUDED.{c}"
        for c in ["team_id", "office", "numerator", "denominator", "value", "computed_at"]
    )  # fmt: skip
)


def _upsert(rows: list[tuple]) -> None:
    """Upsert on ``(day, kpi, scope_kind, scope_id)``. PostgreSQL: one ``INSERT ... SELECT
    FROM unnest(...) ON CONFLICT DO UPDATE`` per batch straight from tuples (the bench's
    year of backfill spent a quarter of its time building model instances otherwise);
    other databases: ``bulk_create(update_conflicts=True)``."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for i in range(0, len(rows), BATCH * 5):
                batch = rows[i : i + BATCH * 5]
                cursor.execute(_PG_UPSERT, [list(col) for col in zip(*batch, strict=True)])
        return
    KpiSnapshot.objects.bulk_create(
        [KpiSnapshot(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=UNIQUE_FIELDS,
        update_fields=UPSERT_FIELDS,
    )


def _rollups(day: date, agent_kpis: list[Kpi], now) -> list[tuple]:
    """Team, office and overall rows: SQL sums over the agent rows of the day (3 queries)."""
    offices_of = {k.key: k.offices for k in agent_kpis}
    base = KpiSnapshot.objects.filter(day=day, scope_kind=ScopeKind.AGENT, kpi__in=list(offices_of))
    sums = {"n": Sum("numerator"), "d": Sum("denominator")}
    out = []
    for row in (
        base.filter(team__isnull=False).values("kpi", "team_id", "office").annotate(**sums)
    ).order_by():
        scope = (ScopeKind.TEAM, row["team_id"], row["team_id"], row["office"])
        out.append(_snapshot(day, row["kpi"], *scope, row["n"], row["d"], now))
    for row in base.exclude(office="").values("kpi", "office").annotate(**sums).order_by():
        if row["office"] in offices_of[row["kpi"]]:
            scope = (ScopeKind.OFFICE, OFFICE_SCOPE_IDS[row["office"]], None, row["office"])
            out.append(_snapshot(day, row["kpi"], *scope, row["n"], row["d"], now))
    for row in base.values("kpi").annotate(**sums).order_by():
        scope = (ScopeKind.OVERALL, OVERALL_SCOPE_ID, None, "")
        out.append(_snapshot(day, row["kpi"], *scope, row["n"], row["d"], now))
    return out


def snapshot_backlog(day: date) -> int:
    """Replace the day's backlog snapshot from the registered source; returns the row count."""
    source = registry.backlog_source()
    if source is None:
        return 0
    now = timezone.now()
    rows = [BacklogSnapshot(day=day, computed_at=now, **row) for row in source(day)]
    BacklogSnapshot.objects.filter(day=day).delete()
    BacklogSnapshot.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def recompute_day(
    day: date, *, kpi_keys: Iterable[str] | None = None, backlog: bool = True
) -> DayResult:
    """Recompute ``day`` for the KPIs named (all by default) and every scope. Idempotent.
    ``backlog`` also re-snapshots the day's backlog and process steps (the process map)."""
    started = time.monotonic()
    kpis = select_kpis(kpi_keys)
    agent_kpis = [k for k in kpis if k.level == AGENT]
    scope_kpis = [k for k in kpis if k.level != AGENT]
    now = timezone.now()
    with registry.day_cache_scope(), transaction.atomic():
        lock_day(day)
        backlog_rows = snapshot_backlog(day) if backlog else 0
        process_rows = process_map.snapshot_day(day) if backlog else 0
        teams = {
            pk: (team_id, office)
            for pk, team_id, office in User.objects.values_list("pk", "team_id", "team__office")
        }
        agent_rows: list[tuple] = []
        for kpi in agent_kpis:
            for agent_id, (n, d) in _merge_agent_rows(kpi.compute(day)).items():
                team_id, office = teams.get(agent_id, (None, ""))
                agent_rows.append(
                    _snapshot(day, kpi.key, ScopeKind.AGENT, agent_id, team_id, office, n, d, now)
                )
        scope_rows: list[tuple] = []
        for kpi in scope_kpis:
            for kind, scope_id, office, n, d, *owner in kpi.compute(day):
                # A queue row may name the queue's owning team (a sixth element).
                team_id = scope_id if kind == ScopeKind.TEAM else (owner[0] if owner else None)
                scope_rows.append(
                    _snapshot(day, kpi.key, kind, scope_id, team_id, office, n, d, now)
                )
        # Replace the day: rows a run no longer produces (an agent idle after a correction)
        # must go. Writes are upserts too, so even an unlocked concurrent writer could only
        # update the same keys, never add a second set.
        KpiSnapshot.objects.filter(day=day, kpi__in=[k.key for k in kpis]).delete()
        _upsert(agent_rows)
        rollups = _rollups(day, agent_kpis, now) if agent_kpis else []
        _upsert(rollups + scope_rows)
    return DayResult(
        day=day,
        kpis=tuple(k.key for k in kpis),
        agent_rows=len(agent_rows),
        scope_rows=len(rollups) + len(scope_rows),
        backlog_rows=backlog_rows,
        process_rows=process_rows,
        seconds=time.monotonic() - started,
    )


def days_between(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError("the end date is before the start date")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def recompute_range(
    start: date,
    end: date,
    *,
    kpi_keys: Iterable[str] | None = None,
    backlog: bool = True,
    progress: Callable[[int, int, DayResult], None] | None = None,
) -> list[DayResult]:
    """Backfill: :func:`recompute_day` for each day from ``start`` to ``end`` inclusive, one
    transaction per day (a failure keeps the days already done)."""
    days = days_between(start, end)
    keys = [k.key for k in select_kpis(kpi_keys)]
    results = []
    for i, day in enumerate(days, start=1):
        result = recompute_day(day, kpi_keys=keys, backlog=backlog)
        results.append(result)
        if progress:
            progress(i, len(days), result)
    return results


def nightly_days(today: date | None = None) -> list[tuple[date, list[str] | None]]:
    """What the nightly run recomputes: yesterday for every KPI, and for KPIs that settle
    late (FCR looks N days ahead) the day that has just settled, once more."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    plan: list[tuple[date, list[str] | None]] = [(yesterday, None)]
    late: dict[date, list[str]] = defaultdict(list)
    for kpi in registry.all_kpis():
        if kpi.settle_days:
            late[yesterday - timedelta(days=kpi.settle_days)].append(kpi.key)
    plan.extend(sorted(late.items()))
    return plan


def recompute_nightly(today: date | None = None) -> list[DayResult]:
    return [
        recompute_day(day, kpi_keys=keys, backlog=keys is None) for day, keys in nightly_days(today)
    ]
