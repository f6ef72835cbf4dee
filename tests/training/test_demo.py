"""The training demo: fast, complete and idempotent."""

import time

import pytest

from ccops.choices import Office
from ccops.demo import new_context, seed_people
from training import demo
from training.models import (
    AgentSkill,
    AgentTier,
    BuddyPairing,
    CompetencyAssessment,
    Enrollment,
    Idea,
    IncentiveScheme,
    Recognition,
    ShadowingSession,
    Skill,
    Tier,
    TierChange,
    TierProgress,
)

MODELS = (
    Skill,
    AgentSkill,
    Tier,
    AgentTier,
    TierChange,
    TierProgress,
    CompetencyAssessment,
    Enrollment,
    BuddyPairing,
    ShadowingSession,
    Recognition,
    IncentiveScheme,
    Idea,
)


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def run(seed=42):
    ctx = new_context(seed)
    seed_people(ctx, agents=48)
    started = time.monotonic()
    demo.seed(ctx)
    return ctx, time.monotonic() - started


@pytest.mark.django_db
def test_demo_is_fast_complete_and_idempotent():
    ctx, seconds = run()
    assert seconds < 5, seconds
    names = dict(Skill.objects.values_list("name", "office"))
    for name, office in [
        ("Inbound calls", Office.FRONT),
        ("Chat", Office.FRONT),
        ("Claims casework", Office.BACK),
        ("Billing casework", Office.BACK),
        ("Complaints", Office.BACK),
    ]:
        assert names[name] == office
    assert list(Tier.objects.values_list("name", "pay_differential_percent")) == [
        ("Tier I", 0),
        ("Tier II", 5),
        ("Tier III", 10),
    ]
    # Everyone ranked and paired across offices.
    assert TierProgress.objects.count() == 48
    assert AgentTier.objects.count() == 48
    assert AgentTier.objects.filter(tier__rank__gte=2).exists()
    assert TierProgress.objects.filter(ready=True).exists()
    pairs = BuddyPairing.objects.filter(ends_on__isnull=True).select_related(
        "agent__team", "buddy__team"
    )
    assert pairs.count() == 48
    assert all(p.agent.team.office != p.buddy.team.office for p in pairs)
    assert CompetencyAssessment.objects.exists()
    assert Enrollment.objects.filter(status="completed").exists()
    assert ShadowingSession.objects.count() == 5
    assert Recognition.objects.filter(kind="idea_implemented").count() == 2
    assert set(Idea.objects.values_list("status", flat=True)) == {
        "submitted",
        "under_review",
        "accepted",
        "implemented",
        "declined",
    }
    first = counts()
    run()
    assert counts() == first
