"""Quality KPIs: one grouped query each, numerators and denominators per agent and day."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ccops import kpis
from ccops.kpi_models import KpiSnapshot
from ccops.kpis.compute import recompute_day
from quality import kpis as quality_kpis
from quality import services
from quality.models import Evaluation

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(qa, agent, other_agent, front_card, done_item):
    def add(who, answers):
        return services.evaluation_start(
            item=done_item(who), evaluator=qa, answers=answers, submit=True
        )

    a1 = add(agent, PERFECT)  # 100, pass
    a2 = add(agent, dict(PERFECT, greeting="no"))  # 90.48, pass
    a3 = add(agent, dict(PERFECT, verify="no"))  # 0, critical fail
    o1 = add(other_agent, dict(PERFECT, resolution="no"))  # 61.90, fail
    services.evaluation_create(item=done_item(agent), evaluator=qa)  # a draft: not counted
    # A dispute still open does not count; a resolved one does, with its final score.
    services.evaluation_dispute(evaluation=a3, by=agent, reason="x")
    services.evaluation_dispute(evaluation=a2, by=agent, reason="I greeted")
    services.evaluation_resolve(
        evaluation=a2, by=qa, outcome="rescored", reason="ok", answers=PERFECT
    )
    return a1, a2, a3, o1


def test_registered_with_the_framework():
    assert {"qa_score", "qa_pass_rate", "qa_dispute_upheld_rate"} <= set(kpis.keys())
    assert kpis.get("qa_score").compute is quality_kpis.qa_score_per_agent


def test_per_agent_rows(evaluated, agent, other_agent, django_assert_num_queries):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        scores = quality_kpis.qa_score_per_agent(today)
    assert scores == [(agent.pk, 200.0, 2), (other_agent.pk, 61.9, 1)]
    with django_assert_num_queries(1):
        passes = quality_kpis.qa_pass_rate_per_agent(today)
    assert passes == [(agent.pk, 2, 2), (other_agent.pk, 0, 1)]
    with django_assert_num_queries(1):
        disputes = quality_kpis.qa_dispute_upheld_per_agent(today)
    assert disputes == [(agent.pk, 0, 1)]
    assert quality_kpis.qa_score_per_agent(today - timedelta(days=1)) == []


def test_upheld_dispute_counts(evaluated, agent, qa):
    a3 = evaluated[2]
    services.evaluation_resolve(evaluation=a3, by=qa, outcome="upheld", reason="Stands")
    today = timezone.localdate()
    assert quality_kpis.qa_dispute_upheld_per_agent(today) == [(agent.pk, 1, 2)]
    # Now final, the critical failure (0) enters the score: (100 + 100 + 0) / 3.
    assert quality_kpis.qa_score_per_agent(today)[0] == (agent.pk, 200.0, 3)
    assert Evaluation.objects.get(pk=a3.pk).score == Decimal("0.00")


def test_recompute_day_rolls_up_to_team(evaluated, agent):
    today = timezone.localdate()
    recompute_day(today, kpi_keys=["qa_score", "qa_pass_rate"], backlog=False)
    row = KpiSnapshot.objects.get(day=today, kpi="qa_score", scope_kind="agent", scope_id=agent.pk)
    assert (row.numerator, row.denominator) == (200.0, 2)
