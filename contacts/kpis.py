"""Queue KPIs from contact events, registered with ``ccops.kpis`` (autodiscovered).

Scope level: a queue's figures belong to the queue, not to an agent, so each is stored for
the queue itself (scope ``queue``, the work type's id, with its owning team and office),
for the team that owns the queue (``WorkType.owning_team``), the queue's office and
overall, as numerator and denominator: the sums of :mod:`contacts.selectors` (the same
grouped query as ``GET /api/v1/queue-stats/``, each queue's day in its calendar's time
zone; two queries per day, shared by the three KPIs through the day cache).

* ``service_level``: answered within the queue's answer target / (offered - short abandons)
* ``asa``: total wait of answered / answered (seconds)
* ``abandonment_rate``: abandoned / offered
"""

from __future__ import annotations

from collections import defaultdict

from ccops import kpis
from ccops.choices import Office
from ccops.kpi_models import OFFICE_SCOPE_IDS, OVERALL_SCOPE_ID, ScopeKind

from .selectors import queue_sums_on_day

SUMS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_target",
    "wait_answered",
)
PARTS = {
    "service_level": ("answered_within_target", ("offered", "-short_abandoned")),
    "asa": ("wait_answered", ("answered",)),
    "abandonment_rate": ("abandoned", ("offered",)),
}


def _scopes(day) -> list[tuple[str, int, str, int | None, dict]]:
    """``(kind, scope_id, office, team_id, sums)`` per queue, team, office and overall."""
    cache = kpis.day_cache()
    key = ("contacts.queue_scopes", day)
    if key in cache:
        return cache[key]
    groups: dict[tuple, dict] = defaultdict(lambda: defaultdict(float))
    for queue_id, row in queue_sums_on_day(day).items():
        office = row["queue__office"] or Office.FRONT
        team_id = row["queue__owning_team_id"]
        scopes = [
            (ScopeKind.QUEUE, queue_id, office, team_id),
            (ScopeKind.OFFICE, OFFICE_SCOPE_IDS[office], office, None),
            (ScopeKind.OVERALL, OVERALL_SCOPE_ID, "", None),
        ]
        if team_id is not None:
            scopes.append((ScopeKind.TEAM, team_id, row["queue__owning_team__office"] or "", None))
        for scope in scopes:
            for name in SUMS:
                groups[scope][name] += row[name]
    out = [(*scope, dict(sums)) for scope, sums in groups.items()]
    cache[key] = out
    return out


def _kpi(key: str):
    numerator, denominator = PARTS[key]

    def compute(day):
        rows = []
        for kind, scope_id, office, team_id, sums in _scopes(day):
            den = sum(-sums[p[1:]] if p.startswith("-") else sums[p] for p in denominator)
            if den > 0:
                row = (kind, scope_id, office, float(sums[numerator]), float(den))
                rows.append((*row, team_id) if kind == ScopeKind.QUEUE else row)
        return rows

    compute.__module__ = __name__
    compute.__name__ = key
    return compute


_NOTE = """From contact events (POST /api/v1/contact-events/), by the day of the offer in
the queue's time zone; per queue, queue-owning team, office and overall."""

kpis.register(
    "service_level",
    name="Service level",
    unit="%",
    direction=kpis.HIGHER,
    offices={Office.FRONT},
    level=kpis.SCOPE,
    compute=_kpi("service_level"),
    scale=100.0,
    order=5,
    description=f"""Contacts answered within the queue's answer target / (offered - short
    abandons: abandoned within SHORT_ABANDON_SECONDS). {_NOTE}""",
)
kpis.register(
    "asa",
    name="Average speed of answer",
    unit="s",
    direction=kpis.LOWER,
    offices={Office.FRONT},
    level=kpis.SCOPE,
    compute=_kpi("asa"),
    order=6,
    description=f"Total wait of answered contacts / answered contacts. {_NOTE}",
)
kpis.register(
    "abandonment_rate",
    name="Abandonment rate",
    unit="%",
    direction=kpis.LOWER,
    offices={Office.FRONT},
    level=kpis.SCOPE,
    compute=_kpi("abandonment_rate"),
    scale=100.0,
    order=7,
    description=f"Abandoned contacts / offered contacts (short abandons included). {_NOTE}",
)
