"""Shared goals: which target applies to a person, team or office, and how far it is met.

Rules
    A goal applies on a day between ``effective_from`` and ``effective_to`` (inclusive) to
    its office, or to both offices when ``office`` is blank; an office's own goal wins over
    a both-office goal, then the latest start wins.
    A person's target is the goal's target times the factor of the most specific matching
    adjustment: role and tenure band > tenure band only > role only > none (factor 1).
    Role = the person's primary role; tenure band on the day (``User.tenure_band(day)``).
    Teams and offices are held to the goal's own target.

Attainment
    Higher is better: ``value / target``; lower is better: ``target / value``; as a percentage,
    100 % = on target. ``met`` compares value and target directly (``>=`` or ``<=``).

The resolving functions are pure over goals loaded once (:func:`load_goals`: 2 queries), so
pages resolve hundreds of targets without a query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q

from ..kpi_models import GoalAdjustment, SharedGoal
from . import registry


@dataclass(frozen=True)
class Target:
    goal_id: int
    goal_name: str
    kpi: str
    base: float
    factor: float

    @property
    def value(self) -> float:
        return self.base * self.factor


@dataclass(frozen=True)
class Attainment:
    value: float | None  # display units
    target: float
    percent: float | None
    met: bool | None


def load_goals(day_from: date, day_to: date, kpis=None) -> list[SharedGoal]:
    """Goals in force at any time between the two days, with their adjustments."""
    qs = (
        SharedGoal.objects.filter(effective_from__lte=day_to)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day_from))
        .prefetch_related(Prefetch("adjustments", queryset=GoalAdjustment.objects.order_by("id")))
        .order_by("kpi", "-effective_from", "id")
    )
    if kpis is not None:
        qs = qs.filter(kpi__in=list(kpis))
    return list(qs)


def goal_for(goals, kpi: str, office: str, day: date) -> SharedGoal | None:
    best = None
    for goal in goals:
        if goal.kpi != kpi or goal.effective_from > day:
            continue
        if goal.effective_to is not None and goal.effective_to < day:
            continue
        if goal.office not in ("", office):
            continue
        rank = (goal.office == office, goal.effective_from, goal.pk or 0)
        if best is None or rank > best[0]:
            best = (rank, goal)
    return best[1] if best else None


def adjustment_factor(goal: SharedGoal, role: str | None, tenure_band: str | None) -> float:
    best, best_score = None, -1
    for adj in goal.adjustments.all():
        if adj.role and adj.role != role:
            continue
        if adj.tenure_band and adj.tenure_band != tenure_band:
            continue
        score = 2 * bool(adj.tenure_band) + bool(adj.role)
        if score > best_score:
            best, best_score = adj, score
    return best.factor if best else 1.0


def target_for(
    goals,
    kpi: str,
    *,
    office: str,
    day: date,
    role: str | None = None,
    tenure_band: str | None = None,
) -> Target | None:
    """The target for a scope: pass ``role`` and ``tenure_band`` for a person."""
    goal = goal_for(goals, kpi, office, day)
    if goal is None:
        return None
    factor = adjustment_factor(goal, role, tenure_band) if (role or tenure_band) else 1.0
    return Target(goal.pk, goal.name, kpi, goal.target, factor)


def target_for_person(goals, kpi: str, user, day: date) -> Target | None:
    office = user.team.office if user.team_id else ""
    return target_for(
        goals,
        kpi,
        office=office,
        day=day,
        role=user.primary_role,
        tenure_band=user.tenure_band(day),
    )


def attainment(
    kpi_key: str, value: float | None, target: Target | float | None
) -> Attainment | None:
    """``value`` is the stored ratio (not display units); the result is in display units."""
    if target is None:
        return None
    kpi = registry.get(kpi_key)
    goal_value = target.value if isinstance(target, Target) else float(target)
    if value is None:
        return Attainment(None, goal_value, None, None)
    shown = value * kpi.scale
    if kpi.higher_is_better:
        percent = 100.0 * shown / goal_value if goal_value else None
        met = shown >= goal_value
    else:
        percent = 100.0 * goal_value / shown if shown else None
        met = shown <= goal_value
    return Attainment(shown, goal_value, percent, met)
