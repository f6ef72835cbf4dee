"""The nightly tasks: thin, idempotent wrappers over the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.schedules import SCHEDULES
from training import services, tasks
from training.models import AgentTier, Enrollment, TierChange

pytestmark = pytest.mark.django_db


def test_recompute_tiers_task_demotes_expired_and_enrols_new_hires(agent, hr, skills, ladder):
    today = timezone.localdate()
    agent.hire_date = today - timedelta(days=10)
    agent.save(update_fields=["hire_date"])
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=hr)
    services.agent_skill_set(
        agent=agent,
        skill=skills["claims"],
        level=2,
        by=hr,
        certified_on=today - timedelta(days=100),
        expires_on=today + timedelta(days=1),
    )
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    day = (today + timedelta(days=2)).isoformat()
    result = tasks.recompute_tiers.delay(day).get()
    assert result["demoted"] == 1 and result["new_hire_enrollments"] == 1
    assert AgentTier.objects.get(agent=agent).tier == ladder[1]
    assert Enrollment.objects.get(agent=agent).module.slug == "where-work-goes"
    again = tasks.recompute_tiers.delay(day).get()
    assert again["demoted"] == 0 and again["new_hire_enrollments"] == 0
    assert TierChange.objects.filter(agent=agent, kind="demotion").count() == 1


def test_award_incentives_task_runs_without_kpis(hr):
    services.scheme_create(
        by=hr,
        name="SLA",
        kpi="sla_attainment",
        scope_kind="team",
        comparison="gte",
        threshold=90,
        points=5,
    )
    assert tasks.award_incentives.delay().get() == {"SLA": 0}


def test_nightly_schedules_are_registered():
    names = {s["task"] for s in SCHEDULES}
    assert {"training.tasks.recompute_tiers", "training.tasks.award_incentives"} <= names
