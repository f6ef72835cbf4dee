"""Pilot results: daily KPI values of the pilot and control groups, before and during the
pilot, compared by difference in differences.

Methods
    ``hac`` (the default): paired days, Newey-West standard error with a calibrated
    reference distribution (``ccops.pilot_stats.paired_hac``). ``welch`` / ``bootstrap``:
    the legacy unpaired comparison (``compare_groups``), kept for pilots created with it.
    Whatever the method, the p-values of a pilot's KPIs are Holm-adjusted together
    (``pilot_stats.holm``) and a KPI is significant ("moved") when its adjusted p < alpha.

Planning
    :func:`planning` gives each KPI's minimum detectable effect for the planned periods,
    from the paired daily differences of the two groups over the baseline-length window
    before the start (or before today, for a pilot that starts later).

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
from dataclasses import dataclass, replace
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


@dataclass
class KpiPlan:
    kpi: registry.Kpi
    mde: pilot_stats.Mde


def _lengths(pilot: Pilot) -> tuple[int, int]:
    """(baseline days, pilot days) as planned."""
    length = (pilot.ends_on - pilot.starts_on).days + 1
    return pilot.baseline_days or min(length, MAX_BASELINE_DAYS), length


def periods(pilot: Pilot, today: date | None = None) -> Periods:
    today = today or timezone.localdate()
    baseline, _length = _lengths(pilot)
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


def _split_days(values: dict[date, float], span: tuple[date, date]) -> dict[date, float]:
    return {day: v for day, v in values.items() if span[0] <= day <= span[1]}


def _values(pilot: Pilot, kpi_keys, start: date, end: date):
    groups = members(pilot)
    return {
        name: daily_values(agents, teams, kpi_keys, start, end)
        for name, (agents, teams) in groups.items()
    }


def _kpi_keys(pilot: Pilot) -> list[str]:
    known = set(registry.kpi_keys())
    return [k for k in pilot.kpis if k in known]


def results(pilot: Pilot, today: date | None = None) -> list[KpiOutcome]:
    """One outcome per KPI of the pilot (2 queries for the values, whatever the KPIs),
    their p-values Holm-adjusted together."""
    spans = periods(pilot, today)
    kpi_keys = _kpi_keys(pilot)
    values = _values(pilot, kpi_keys, spans.before[0], spans.during[1])
    raw = []
    for key in kpi_keys:
        kpi = registry.get(key)
        pilot_values = values["pilot"].get(key, {})
        control_values = values["control"].get(key, {})
        legacy = pilot_stats.compare_groups(
            _split(pilot_values, spans.before),
            _split(pilot_values, spans.during),
            _split(control_values, spans.before),
            _split(control_values, spans.during),
            higher_is_better=kpi.higher_is_better,
            alpha=pilot.alpha,
            method="bootstrap" if pilot.method == Pilot.Method.BOOTSTRAP else "welch",
            metric=kpi.name,
            unit=kpi.unit,
            decimals=max(kpi.decimals, 1),
        )
        paired = None
        if pilot.method == Pilot.Method.HAC:
            paired = pilot_stats.paired_hac(
                _split_days(pilot_values, spans.before),
                _split_days(pilot_values, spans.during),
                _split_days(control_values, spans.before),
                _split_days(control_values, spans.during),
                alpha=pilot.alpha,
                seed=pilot.pk or 0,
            )
        raw.append((kpi, legacy, paired, {"pilot": pilot_values, "control": control_values}))
    p_values = [
        (paired.p_value if paired is not None else legacy.p_value)
        for _kpi, legacy, paired, _daily in raw
    ]
    adjusted = pilot_stats.holm(p_values, pilot.alpha)
    family = sum(p is not None for p in p_values)
    outcomes = []
    for (kpi, legacy, paired, daily), p_adj in zip(raw, adjusted, strict=True):
        significant = p_adj is not None and p_adj < pilot.alpha
        if paired is None:
            result = replace(legacy, p_adjusted=p_adj, significant=significant)
        else:
            result = replace(
                legacy,
                effect=paired.effect,
                ci_low=paired.ci_low,
                ci_high=paired.ci_high,
                p_value=paired.p_value,
                enough_data=paired.enough_data,
                significant=significant,
                method=Pilot.Method.HAC,
                verdict=pilot_stats.paired_verdict(
                    paired,
                    p_adj,
                    family=family,
                    higher_is_better=kpi.higher_is_better,
                    metric=kpi.name,
                    unit=kpi.unit,
                    decimals=max(kpi.decimals, 1),
                ),
                p_adjusted=p_adj,
                se=paired.se,
                effect_size=paired.effect_size,
                rho=paired.rho,
                paired_days={"before": paired.n_before, "during": paired.n_during},
            )
        outcomes.append(KpiOutcome(kpi=kpi, result=result, daily=daily))
    return outcomes


def planning(pilot: Pilot, today: date | None = None, power: float = 0.8) -> list[KpiPlan]:
    """Minimum detectable effect per KPI for the planned periods (2 queries): from the
    paired daily differences over the baseline-length window that ends the day before
    the start (or yesterday, if the pilot starts later)."""
    today = today or timezone.localdate()
    baseline, length = _lengths(pilot)
    end = min(pilot.starts_on, today) - timedelta(days=1)
    start = end - timedelta(days=baseline - 1)
    kpi_keys = _kpi_keys(pilot)
    values = _values(pilot, kpi_keys, start, end)
    plans = []
    for key in kpi_keys:
        pilot_values = values["pilot"].get(key, {})
        control_values = values["control"].get(key, {})
        days = sorted(set(pilot_values) & set(control_values))
        history = [pilot_values[d] - control_values[d] for d in days]
        mde = pilot_stats.minimum_detectable_effect(
            history, n_before=baseline, n_during=length, alpha=pilot.alpha, power=power
        )
        plans.append(KpiPlan(kpi=registry.get(key), mde=mde))
    return plans
