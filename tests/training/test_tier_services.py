"""Tier computation from skills and modules, with history, promotions and assessments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from training import services
from training.choices import Decision, EnrollmentStatus, TierChangeKind
from training.errors import Conflict, InvalidInput, NotAllowed
from training.models import (
    AgentTier,
    CompetencyAssessment,
    Enrollment,
    TierChange,
    TierProgress,
)

pytestmark = pytest.mark.django_db


def tier_of(agent):
    row = AgentTier.objects.filter(agent=agent).select_related("tier").first()
    return row.tier.name if row else None


def cross_train(agent, skills, hr, calls=2, claims=2, **kw):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=calls, by=hr, **kw)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=claims, by=hr, **kw)


def test_new_agent_is_placed_on_entry_tier_with_history(agent, ladder):
    outcome = services.agent_tier_recompute(agent=agent)
    assert outcome.action == "initial"
    assert tier_of(agent) == "Tier I"
    change = TierChange.objects.get(agent=agent)
    assert change.kind == TierChangeKind.INITIAL and change.to_tier == ladder[1]
    progress = TierProgress.objects.get(agent=agent)
    assert progress.next_tier == ladder[2] and not progress.ready
    assert [g["name"] for g in progress.missing] == ["Claims casework", "Inbound calls"]
    assert progress.missing_count == 2


def test_raising_skills_makes_ready_but_hr_confirms(agent, ladder, skills, hr):
    cross_train(agent, skills, hr)
    progress = TierProgress.objects.get(agent=agent)
    assert progress.ready and progress.next_tier == ladder[2] and progress.missing == []
    assert tier_of(agent) == "Tier I"  # promotions are never automatic
    change = services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    assert tier_of(agent) == "Tier II"
    assert change.kind == TierChangeKind.PROMOTION
    assert change.pay_differential_percent == Decimal("5.00")
    assert change.from_tier == ladder[1] and change.changed_by == hr
    progress.refresh_from_db()
    assert progress.next_tier == ladder[3] and not progress.ready
    assert {g["name"] for g in progress.missing} == {
        "Inbound calls",
        "Claims casework",
        "Complex claims",
    }


def test_promotion_refused_when_not_qualified_or_not_hr(agent, ladder, skills, hr, supervisor):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=3, by=hr)
    with pytest.raises(InvalidInput) as err:
        services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    assert err.value.field == "tier"
    assert "Claims casework L2 (level 0)" in err.value.message
    with pytest.raises(NotAllowed):
        services.tier_promote(agent=agent, tier=ladder[2], by=supervisor)
    assert tier_of(agent) == "Tier I"
    assert not TierChange.objects.filter(kind=TierChangeKind.PROMOTION).exists()


def test_promotion_to_current_tier_is_a_conflict(agent, ladder, skills, hr):
    cross_train(agent, skills, hr)
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    with pytest.raises(Conflict):
        services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    assert TierChange.objects.filter(agent=agent, kind=TierChangeKind.PROMOTION).count() == 1


def test_demotion_when_a_certification_expires(agent, ladder, skills, hr):
    today = timezone.localdate()
    cross_train(
        agent,
        skills,
        hr,
        certified_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=10),
    )
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    assert tier_of(agent) == "Tier II"
    # Nothing happens while the certifications are valid ...
    assert services.tiers_recompute_all(on=today)["demoted"] == 0
    # ... and the night after they expire the agent drops back to Tier I.
    later = today + timedelta(days=11)
    counts = services.tiers_recompute_all(on=later)
    assert counts["demoted"] == 1
    assert tier_of(agent) == "Tier I"
    change = TierChange.objects.filter(agent=agent).first()
    assert change.kind == TierChangeKind.DEMOTION
    assert change.from_tier == ladder[2] and change.to_tier == ladder[1]
    assert "Inbound calls L2 (expired)" in change.reason
    assert change.pay_differential_percent == 0
    progress = TierProgress.objects.get(agent=agent)
    assert progress.next_tier == ladder[2] and not progress.ready
    assert all(g["expired"] for g in progress.missing)
    # Re-running the night changes nothing more.
    assert services.tiers_recompute_all(on=later)["demoted"] == 0
    assert TierChange.objects.filter(agent=agent, kind=TierChangeKind.DEMOTION).count() == 1


def test_lowering_a_skill_demotes_at_once(agent, ladder, skills, hr):
    cross_train(agent, skills, hr)
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=1, by=hr)
    assert tier_of(agent) == "Tier I"


def test_module_completion_counts_towards_tier_three(agent, ladder, skills, hr, expert_module):
    cross_train(agent, skills, hr, calls=3, claims=3)
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    enrollment = services.enrollment_create(agent=agent, module=expert_module, by=hr)
    services.enrollment_record_result(enrollment=enrollment, score=60, by=hr)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.FAILED and enrollment.attempts == 1
    assert not TierProgress.objects.get(agent=agent).ready
    services.enrollment_record_result(enrollment=enrollment, score="80", by=hr)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.attempts == 2
    assert enrollment.completed_on == timezone.localdate()
    assert TierProgress.objects.get(agent=agent).ready
    with pytest.raises(Conflict):
        services.enrollment_record_result(enrollment=enrollment, score=90, by=hr)


def test_promotion_can_skip_a_tier_when_qualified(agent, ladder, skills, hr, expert_module):
    cross_train(agent, skills, hr, calls=3, claims=3)
    Enrollment.objects.create(
        agent=agent,
        module=expert_module,
        status=EnrollmentStatus.COMPLETED,
        score=90,
        completed_on=timezone.localdate(),
    )
    services.tier_promote(agent=agent, tier=ladder[3], by=hr)
    assert tier_of(agent) == "Tier III"
    assert TierChange.objects.filter(agent=agent).first().pay_differential_hourly == Decimal("1.50")


def ratings_for(tier, rating="met"):
    return {key: {"rating": rating, "evidence": "seen"} for key, _ in services.competencies(tier)}


def test_assessment_promote_applies_tier_and_differential(agent, ladder, skills, hr):
    cross_train(agent, skills, hr)
    a = services.assessment_create(
        agent=agent,
        tier=ladder[2],
        by=hr,
        decision=Decision.PROMOTE,
        ratings=ratings_for(ladder[2]),
        summary="Ready to flex",
        qa_score="91.5",
    )
    assert tier_of(agent) == "Tier II"
    assert a.ratings.count() == 2
    assert a.tier_change.kind == TierChangeKind.PROMOTION
    assert a.tier_change.pay_differential_percent == Decimal("5.00")


def test_assessment_promote_refused_leaves_nothing_behind(agent, ladder, skills, hr):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=hr)
    with pytest.raises(InvalidInput) as err:
        services.assessment_create(
            agent=agent,
            tier=ladder[2],
            by=hr,
            decision=Decision.PROMOTE,
            ratings=ratings_for(ladder[2]),
        )
    assert err.value.field == "decision"
    assert not CompetencyAssessment.objects.exists()
    assert tier_of(agent) == "Tier I"


def test_assessment_develop_enrols_in_missing_modules(agent, ladder, skills, hr, expert_module):
    cross_train(agent, skills, hr)
    services.assessment_create(
        agent=agent,
        tier=ladder[3],
        by=hr,
        decision=Decision.DEVELOP,
        ratings=ratings_for(ladder[3], "partly"),
    )
    enrollment = Enrollment.objects.get(agent=agent, module=expert_module)
    assert enrollment.status == EnrollmentStatus.ENROLLED and enrollment.enrolled_by == hr
    assert tier_of(agent) == "Tier I"


def test_assessment_validation_names_the_field(agent, ladder, hr):
    with pytest.raises(InvalidInput) as err:
        services.assessment_create(
            agent=agent, tier=ladder[2], by=hr, decision="promote", ratings={}
        )
    assert set(err.value.errors) == {f"ratings.{k}" for k, _ in services.competencies(ladder[2])}
    with pytest.raises(InvalidInput) as err:
        services.assessment_create(agent=agent, tier=ladder[2], by=hr, decision="maybe", ratings={})
    assert err.value.field == "decision"
    with pytest.raises(InvalidInput) as err:
        services.assessment_create(
            agent=agent,
            tier=ladder[2],
            by=hr,
            decision="hold",
            ratings=ratings_for(ladder[2]),
            qa_score="120",
        )
    assert err.value.field == "qa_score"
    assert not CompetencyAssessment.objects.exists()


def test_skill_set_validation_and_permissions(agent, other_agent, skills, supervisor, hr, ladder):
    with pytest.raises(InvalidInput) as err:
        services.agent_skill_set(agent=agent, skill=skills["calls"], level=6, by=hr)
    assert err.value.field == "level"
    with pytest.raises(InvalidInput) as err:
        services.agent_skill_set(
            agent=agent, skill=skills["calls"], level=2, by=hr, expires_on="2000-01-01"
        )
    assert err.value.field == "expires_on"
    with pytest.raises(InvalidInput) as err:
        services.agent_skill_set(
            agent=agent, skill=skills["calls"], level=2, by=hr, certified_on="soon"
        )
    assert err.value.field == "certified_on"
    # A supervisor manages their own team only.
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=supervisor)
    with pytest.raises(NotAllowed):
        services.agent_skill_set(agent=other_agent, skill=skills["calls"], level=2, by=supervisor)
    with pytest.raises(NotAllowed):
        services.agent_skill_set(agent=agent, skill=skills["calls"], level=5, by=agent)
    assert agent.agent_skills.get().level == 2


def test_requirement_change_recomputes_everyone(
    agent, ladder, skills, hr, django_capture_on_commit_callbacks
):
    cross_train(agent, skills, hr)
    assert TierProgress.objects.get(agent=agent).ready
    with django_capture_on_commit_callbacks(execute=True):
        services.tier_requirement_set(tier=ladder[2], skill=skills["billing"], min_level=2, by=hr)
    progress = TierProgress.objects.get(agent=agent)
    assert not progress.ready
    assert [g["name"] for g in progress.missing] == ["Billing casework"]
