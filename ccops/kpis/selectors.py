"""Reads of the KPI snapshots for the apps (their incentives, reports): the KPI framework's
selectors. Like the registry, this module reads only the core's tables, so any app may
import it (the computing modules, ``compute``, ``goals``, ``pilots`` and ``process_map``,
sit on top of the apps and may not be imported by them)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, Sum

from ..kpi_models import KpiSnapshot
from . import registry


def period_values(*, kpi: str, scope_kind: str, start: date, end: date) -> dict[int, float]:
    """``{scope_id: value}`` of ``kpi`` over the days ``start`` .. ``end`` for every scope of
    ``scope_kind``, in the KPI's display unit: the sum of the daily numerators over the sum
    of the denominators, never an average of averages (one query). Scopes whose denominators
    add up to 0 are left out; an unregistered KPI's values are as stored."""
    try:
        scale = registry.get(kpi).scale
    except KeyError:
        scale = 1.0
    rows = (
        KpiSnapshot.objects.filter(kpi=kpi, scope_kind=scope_kind, day__gte=start, day__lte=end)
        .values("scope_id")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .filter(~Q(den=0))
        .order_by("scope_id")
    )
    return {r["scope_id"]: scale * r["num"] / r["den"] for r in rows}
