"""Training's KPI for the framework in :mod:`ccops.kpis` (autodiscovered).

* ``training_completion``: per agent, as of the end of the day: enrollments completed by then
  / enrollments open or completed by then (withdrawn ones are left out). A stock measure,
  like backlog: each day states where everyone stands, and the team, office and overall
  values are exact sums of the agents' numerators and denominators. ONE grouped query.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from ccops import kpis

from .choices import EnrollmentStatus
from .models import Enrollment


def training_completion_per_agent(day: date) -> list[tuple[int, int, int]]:
    """``(agent_id, completed by day, enrolled by day)``."""
    rows = (
        Enrollment.objects.filter(enrolled_on__lte=day)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values("agent")
        .annotate(
            done=Count(
                "id",
                filter=Q(status=EnrollmentStatus.COMPLETED, completed_on__lte=day),
            ),
            total=Count("id"),
        )
        .order_by("agent")
    )
    return [(r["agent"], r["done"], r["total"]) for r in rows]


kpis.register(
    "training_completion",
    name="Training completion",
    unit="%",
    direction=kpis.HIGHER,
    compute=training_completion_per_agent,
    description=(
        "Enrollments completed by the end of the day / enrollments open or completed by then "
        "(withdrawn enrollments are left out)."
    ),
    scale=100.0,
    decimals=1,
    order=90,
)
