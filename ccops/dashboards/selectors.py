"""Reads of KPI snapshots shaped for the dashboards: one aggregate query per table or chart,
whatever the period length or the number of teams and agents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from ..kpi_models import OFFICE_SCOPE_IDS, KpiSnapshot, ScopeKind
from ..kpis import registry

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30

# KPI snapshots change when the nightly run (or a re-run) writes them; every dashboard reader
# sees all of them. The overview's aggregates of a period are shared for this long.
KPI_MAX_AGE_SECONDS = 60


@dataclass(frozen=True)
class Period:
    days: int
    end: date

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def bucket(self) -> str:
        return "day" if self.days <= 31 else "week"

    @property
    def label(self) -> str:
        return f"{self.start:%d %b %Y} - {self.end:%d %b %Y}"


def ratio(n: float | None, d: float | None) -> float | None:
    return n / d if n is not None and d else None


def totals(
    kind: str,
    period: Period,
    *,
    scope_ids=None,
    team_id: int | None = None,
    office: str | None = None,
) -> dict[tuple[str, int], float | None]:
    """``{(kpi, scope_id): value}`` over the period: sum of numerators / sum of denominators.
    One query."""
    qs = KpiSnapshot.objects.filter(scope_kind=kind, day__gte=period.start, day__lte=period.end)
    if scope_ids is not None:
        qs = qs.filter(scope_id__in=list(scope_ids))
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if office:
        qs = qs.filter(office=office)
    rows = (
        qs.values("kpi", "scope_id").annotate(n=Sum("numerator"), d=Sum("denominator")).order_by()
    )
    return {(r["kpi"], r["scope_id"]): ratio(r["n"], r["d"]) for r in rows}


def _bucket_expr(bucket: str):
    return {"week": TruncWeek("day"), "month": TruncMonth("day")}.get(bucket)


def series(kinds_and_ids: list[tuple[str, int]], period: Period) -> dict:
    """Chart data for the scopes given, every KPI, per day (or week for long periods).

    Returns ``{"labels": [...], "kpis": {key: {"name", "unit", "series": {scope: [...]}}}}``
    with values in display units. One query.
    """
    condition = Q(pk__in=[])
    for kind, scope_id in kinds_and_ids:
        condition |= Q(scope_kind=kind, scope_id=scope_id)
    qs = KpiSnapshot.objects.filter(condition, day__gte=period.start, day__lte=period.end)
    expr = _bucket_expr(period.bucket)
    if expr is None:
        buckets = [period.start + timedelta(days=i) for i in range(period.days)]
        rows = qs.values("kpi", "scope_kind", "scope_id", "day").annotate(
            n=Sum("numerator"), d=Sum("denominator")
        )
        key_of = "day"
    else:
        first = period.start - timedelta(days=period.start.weekday())
        buckets = []
        cursor = first
        while cursor <= period.end:
            buckets.append(cursor)
            cursor += timedelta(days=7)
        rows = (
            qs.annotate(b=expr)
            .values("kpi", "scope_kind", "scope_id", "b")
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
        )
        key_of = "b"
    index = {b: i for i, b in enumerate(buckets)}
    values: dict = defaultdict(lambda: defaultdict(lambda: [None] * len(buckets)))
    known = {k.key: k for k in registry.all_kpis()}
    for r in rows.order_by():
        bucket = r[key_of]
        if hasattr(bucket, "date"):
            bucket = bucket.date()
        if bucket not in index:
            continue
        kpi = known.get(r["kpi"])
        if kpi is None:
            continue
        values[r["kpi"]][f"{r['scope_kind']}:{r['scope_id']}"][index[bucket]] = kpi.display(
            ratio(r["n"], r["d"])
        )
    out = {"labels": [b.isoformat() for b in buckets], "bucket": period.bucket, "kpis": {}}
    for kpi in registry.all_kpis():
        out["kpis"][kpi.key] = {
            "name": kpi.name,
            "unit": kpi.unit,
            "direction": kpi.direction,
            "series": dict(values.get(kpi.key, {})),
        }
    return out


def queue_totals(period: Period, *, office: str | None = None) -> dict[int, dict]:
    """Per queue (KPI scope ``queue``: a work type's service level, ASA, abandonment from
    contact events): ``{queue_id: {kpi: (value on period.end, value over the period)}}``,
    each the sum of numerators over the sum of denominators. One query."""
    qs = KpiSnapshot.objects.filter(
        scope_kind=ScopeKind.QUEUE, day__gte=period.start, day__lte=period.end
    )
    if office:
        qs = qs.filter(office=office)
    last = Q(day=period.end)
    rows = (
        qs.values("kpi", "scope_id")
        .annotate(
            n=Sum("numerator"),
            d=Sum("denominator"),
            n_last=Sum("numerator", filter=last),
            d_last=Sum("denominator", filter=last),
        )
        .order_by()
    )
    out: dict[int, dict] = defaultdict(dict)
    for r in rows:
        out[r["scope_id"]][r["kpi"]] = (ratio(r["n_last"], r["d_last"]), ratio(r["n"], r["d"]))
    return dict(out)


def office_scopes() -> list[tuple[str, int]]:
    return [(ScopeKind.OFFICE, sid) for sid in OFFICE_SCOPE_IDS.values()] + [(ScopeKind.OVERALL, 0)]


def overview_figures(period: Period) -> dict:
    """The overview's KPI aggregates of ``period``: office, overall and team totals and the
    offices' chart series (4 queries), shared through the cache for up to
    ``KPI_MAX_AGE_SECONDS``. Not restricted by user: for dashboard roles, who see every
    team."""
    key = f"dashboard:overview:v1:{period.days}:{period.end.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            "office": totals(ScopeKind.OFFICE, period),
            "overall": totals(ScopeKind.OVERALL, period),
            "team": totals(ScopeKind.TEAM, period),
            "series": series(office_scopes(), period),
        }
        cache.set(key, figures, KPI_MAX_AGE_SECONDS)
    return figures
