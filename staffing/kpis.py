"""Staffing's KPIs for the framework in :mod:`ccops.kpis` (autodiscovered).

* ``adherence``: minutes in the scheduled activity / scheduled minutes, per agent per day
  (two SQL queries: :func:`staffing.adherence.adherence_by_agent`); the matching states are
  in :data:`staffing.choices.ADHERENT_STATES`.
* productive minutes for the normalised productivity KPI: scheduled front- and back-office
  minutes per agent per day (:func:`staffing.adherence.productive_minutes_per_agent`).
"""

from __future__ import annotations

from datetime import date

from ccops import kpis

from .adherence import adherence_by_agent, productive_minutes_per_agent


def adherence_rows(day: date) -> list[tuple[int, float, float]]:
    """``(agent_id, minutes in the scheduled activity, scheduled minutes)`` for ``day``."""
    return [
        (agent_id, row["adherent_minutes"], row["scheduled_minutes"])
        for agent_id, row in adherence_by_agent(day=day).items()
        if row["adherence"] is not None  # "no data": nobody scheduled or nothing measured
    ]


def productive_minutes(day: date) -> list[tuple[int, float]]:
    """``(agent_id, scheduled front/back-office minutes)`` for ``day``."""
    return sorted(productive_minutes_per_agent(day).items())


kpis.register(
    "adherence",
    name="Schedule adherence",
    unit="%",
    direction=kpis.HIGHER,
    compute=adherence_rows,
    description=(
        "Minutes in the scheduled activity / scheduled minutes. Front office: on a contact, "
        "available or after-contact work; back office: casework or available; training and "
        "shadowing: training; break: break. Days off are not scheduled time."
    ),
    scale=100.0,
    decimals=1,
    order=80,
)
kpis.register_productive_minutes(productive_minutes)
