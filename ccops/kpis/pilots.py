"""Pilot results: daily KPI values of the pilot and control groups, before and during the
pilot, compared by difference in differences (``ccops.pilot_stats.compare_groups``).

Periods
    During: ``starts_on`` .. ``ends_on`` (up to yesterday while the pilot runs).
    Before: the ``baseline_days`` days just before the start (default: as long as the
    pilot, at most 90 days).

Groups
    A group is its agents plus the agents of its teams (by the team recorded on their
    snapshot rows). Its value on a day is the sum of its agents' numerators over the sum of
    their denominators (exact, like every roll-up); days with no denominator are skipped.
    Values are in the KPI's display unit, so the verdict reads in minutes or percent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from .. import pilot_stats
from ..kpi_models import KpiSnapshot, Pilot, ScopeKind
from . import registry

MAX_BASELINE_DAYS = 90


@dataclass(frozen=True)
class Periods:
    before: tuple[date, date]
    during: tuple[date, date]


@dataclass
class KpiOutcome:
    kpi: registry.Kpi
    result: pilot_stats.PilotResult
    daily: dict[str, dict[date, float]]  # "pilot" / "control" -> day -> value


def periods(pilot: Pilot, today: date | None = None) -> Periods:
    today = today or timezone.localdate()
    length = (pilot.ends_on - pilot.starts_on).days + 1
    baseline = pilot.baseline_days or min(length, MAX_BASELINE_DAYS)
    before = (pilot.starts_on - timedelta(days=baseline), pilot.starts_on - timedelta(days=1))
    during = (pilot.starts_on, min(pilot.ends_on, today - timedelta(days=1)))
    return Periods(before=before, during=during)


def members(pilot: Pilot) -> dict[str, tuple[list[int], list[int]]]:
    """``{"pilot": (agent_ids, team_ids), "control": (...)}``; 4 small queries (or none when
    the relations were prefetched)."""

    def ids(manager):
        return [obj.pk for obj in manager.all()]

    return {
        "pilot": (ids(pilot.pilot_agents), ids(pilot.pilot_teams)),
        "control": (ids(pilot.control_agents), ids(pilot.control_teams)),
    }


def daily_values(
    agent_ids, team_ids, kpi_keys, start: date, end: date
) -> dict[str, dict[date, float]]:
    """``{kpi: {day: value}}`` for a group of agents and teams (one query)."""
    if not agent_ids and not team_ids:
        return {}
    rows = (
        KpiSnapshot.objects.filter(
            scope_kind=ScopeKind.AGENT, kpi__in=list(kpi_keys), day__gte=start, day__lte=end
        )
        .filter(Q(scope_id__in=list(agent_ids)) | Q(team_id__in=list(team_ids)))
        .values("kpi", "day")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by()
    )
    out: dict[str, dict[date, float]] = defaultdict(dict)
    for r in rows:
        if r["d"]:
            out[r["kpi"]][r["day"]] = registry.get(r["kpi"]).scale * r["n"] / r["d"]
    return out


def _split(values: dict[date, float], span: tuple[date, date]) -> list[float]:
    return [v for day, v in sorted(values.items()) if span[0] <= day <= span[1]]


def results(pilot: Pilot, today: date | None = None) -> list[KpiOutcome]:
    """One outcome per KPI of the pilot (2 queries for the values, whatever the KPIs)."""
    spans = periods(pilot, today)
    known = set(registry.kpi_keys())
    kpi_keys = [k for k in pilot.kpis if k in known]
    groups = members(pilot)
    values = {
        name: daily_values(agents, teams, kpi_keys, spans.before[0], spans.during[1])
        for name, (agents, teams) in groups.items()
    }
    outcomes = []
    for key in kpi_keys:
        kpi = registry.get(key)
        pilot_values = values["pilot"].get(key, {})
        control_values = values["control"].get(key, {})
        result = pilot_stats.compare_groups(
            _split(pilot_values, spans.before),
            _split(pilot_values, spans.during),
            _split(control_values, spans.before),
            _split(control_values, spans.during),
            higher_is_better=kpi.higher_is_better,
            alpha=pilot.alpha,
            method=pilot.method,
            metric=kpi.name,
            unit=kpi.unit,
            decimals=max(kpi.decimals, 1),
        )
        outcomes.append(
            KpiOutcome(
                kpi=kpi, result=result, daily={"pilot": pilot_values, "control": control_values}
            )
        )
    return outcomes
