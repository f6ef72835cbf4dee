"""Queue KPIs from contact events, registered with ``ccops.kpis`` (autodiscovered).

Scope level: a queue's figures belong to the queue, not to an agent, so each is stored for
the team that owns the queue (``WorkType.owning_team``), the queue's office and overall, as
numerator and denominator (the sums of :mod:`contacts.selectors`: one grouped query per
day, shared by the three KPIs through the day cache). Per queue and day the figures are in
``GET /api/v1/queue-stats/``.

* ``service_level``: answered within the queue's answer target / (offered - short abandons)
* ``asa``: total wait of answered / answered (seconds)
* ``abandonment_rate``: abandoned / offered
"""

from __future__ import annotations

from collections import defaultdict

from ccops import kpis
from ccops.choices import Office
from ccops.kpi_models import OFFICE_SCOPE_IDS, OVERALL_SCOPE_ID, ScopeKind

from .selectors import queue_sums_by_queue

PARTS = {
    "service_level": ("answered_within_target", ("offered", "-short_abandoned")),
    "asa": ("wait_answered", ("answered",)),
    "abandonment_rate": ("abandoned", ("offered",)),
}


def _scopes(day) -> list[tuple[str, int, str, dict]]:
    cache = kpis.day_cache()
    key = ("contacts.queue_scopes", day)
    if key in cache:
        return cache[key]
    start, end = kpis.day_bounds(day)
    groups: dict[tuple, dict] = defaultdict(lambda: defaultdict(float))
    for row in queue_sums_by_queue(start=start, end=end).values():
        office = row["queue__office"] or Office.FRONT
        scopes = [
            (ScopeKind.OFFICE, OFFICE_SCOPE_IDS[office], office),
            (ScopeKind.OVERALL, OVERALL_SCOPE_ID, ""),
        ]
        if row["queue__owning_team_id"] is not None:
            team_office = row["queue__owning_team__office"] or ""
            scopes.append((ScopeKind.TEAM, row["queue__owning_team_id"], team_office))
        for scope in scopes:
            for name in ("offered", "answered", "abandoned", "short_abandoned"):
                groups[scope][name] += row[name]
            groups[scope]["answered_within_target"] += row["answered_within_target"]
            groups[scope]["wait_answered"] += row["wait_answered"]
    out = [(kind, sid, office, dict(sums)) for (kind, sid, office), sums in groups.items()]
    cache[key] = out
    return out


def _kpi(key: str):
    numerator, denominator = PARTS[key]

    def compute(day):
        rows = []
        for kind, scope_id, office, sums in _scopes(day):
            den = sum(-sums[p[1:]] if p.startswith("-") else sums[p] for p in denominator)
            if den > 0:
                rows.append((kind, scope_id, office, float(sums[numerator]), float(den)))
        return rows

    compute.__module__ = __name__
    compute.__name__ = key
    return compute


_NOTE = """From contact events (POST /api/v1/contact-events/), by the day of the offer; per
queue-owning team, office and overall."""

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
