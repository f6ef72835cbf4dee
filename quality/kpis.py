"""Quality's KPIs for the framework in :mod:`ccops.kpis` (autodiscovered).

Definitions (per evaluated agent per day; the framework rolls agents up to team, office and
overall by summing numerators and denominators):

* ``qa_score``: evaluations *submitted* that day whose result is final -- submitted,
  acknowledged or resolved (a disputed one waits for its resolution, and a re-scored one
  counts with its new score): numerator = sum of scores (0..100, DOMAIN.md's QA score),
  denominator = number of those evaluations. Value = mean QA score in %.
* ``qa_pass_rate``: the same evaluations: numerator = passed (no critical failure and score
  >= the scorecard's pass mark), denominator = evaluated.
* ``qa_dispute_upheld_rate``: disputes *resolved* that day: numerator = resolved "upheld"
  (the evaluation stood), denominator = resolved. Higher means evaluations hold up.

Disputes are usually settled within days, so the two score KPIs are recomputed once more a
week later (``settle_days``). Each function is ONE grouped query.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, Sum

from ccops import kpis

from .choices import EvaluationStatus, Resolution
from .models import Evaluation

FINAL_STATUSES = (
    EvaluationStatus.SUBMITTED,
    EvaluationStatus.ACKNOWLEDGED,
    EvaluationStatus.RESOLVED,
)
SETTLE_DAYS = 7


def _submitted_on(day: date):
    start, end = kpis.day_bounds(day)
    return Evaluation.objects.filter(
        status__in=FINAL_STATUSES, submitted_at__gte=start, submitted_at__lt=end
    )


def qa_score_per_agent(day: date) -> list[tuple[int, float, int]]:
    """``(agent_id, sum of scores, evaluations)`` for evaluations submitted on ``day``."""
    rows = (
        _submitted_on(day)
        .values("agent")
        .annotate(n=Sum("score"), d=Count("id"))
        .values_list("agent", "n", "d")
        .order_by("agent")
    )
    return [(agent, float(n or 0), d) for agent, n, d in rows]


def qa_pass_rate_per_agent(day: date) -> list[tuple[int, int, int]]:
    """``(agent_id, passed, evaluated)`` for evaluations submitted on ``day``."""
    return list(
        _submitted_on(day)
        .values("agent")
        .annotate(n=Count("id", filter=Q(passed=True)), d=Count("id"))
        .values_list("agent", "n", "d")
        .order_by("agent")
    )


def qa_dispute_upheld_per_agent(day: date) -> list[tuple[int, int, int]]:
    """``(agent_id, disputes upheld, disputes resolved)`` for disputes resolved on ``day``."""
    start, end = kpis.day_bounds(day)
    return list(
        Evaluation.objects.filter(
            status=EvaluationStatus.RESOLVED, resolved_at__gte=start, resolved_at__lt=end
        )
        .values("agent")
        .annotate(n=Count("id", filter=Q(resolution=Resolution.UPHELD)), d=Count("id"))
        .values_list("agent", "n", "d")
        .order_by("agent")
    )


kpis.register(
    "qa_score",
    name="QA score",
    unit="%",
    direction=kpis.HIGHER,
    compute=qa_score_per_agent,
    description=(
        "Mean QA score of the evaluations submitted that day (final ones: submitted, "
        "acknowledged or resolved). A score is weighted points earned / points possible over "
        "the applicable criteria; a failed critical criterion makes it 0."
    ),
    scale=1.0,
    decimals=1,
    order=90,
    settle_days=SETTLE_DAYS,
)
kpis.register(
    "qa_pass_rate",
    name="QA pass rate",
    unit="%",
    direction=kpis.HIGHER,
    compute=qa_pass_rate_per_agent,
    description=(
        "Evaluations that passed (no critical failure, score at or above the scorecard's pass "
        "mark) / evaluations submitted that day."
    ),
    scale=100.0,
    decimals=1,
    order=91,
    settle_days=SETTLE_DAYS,
)
kpis.register(
    "qa_dispute_upheld_rate",
    name="QA disputes upheld",
    unit="%",
    direction=kpis.HIGHER,
    compute=qa_dispute_upheld_per_agent,
    description=(
        "Disputes resolved that day in which the evaluation was upheld (the score stood) / "
        "disputes resolved that day."
    ),
    scale=100.0,
    decimals=1,
    order=92,
)
