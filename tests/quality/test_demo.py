"""The quality demo seed: deterministic, idempotent, scorecards/tips only without work."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ccops.choices import Role
from ccops.demo import DemoContext
from quality import demo
from quality.models import (
    CalibrationSession,
    CoachingSession,
    CoachingTip,
    Evaluation,
    EvaluationEvent,
    Scorecard,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(agent, other_agent, back_agent, supervisor, qa):
    def make():
        return DemoContext(
            rng=random.Random(7),
            today=timezone.localdate(),
            agents=[agent, other_agent, back_agent],
            supervisors=[supervisor],
            staff={Role.QA: qa},
        )

    return make


@pytest.fixture
def history(done_item, agent, other_agent, back_agent, front_type, back_type):
    now = timezone.now()
    for day in range(1, 25):
        done_item(agent, front_type, now - timedelta(days=day, hours=1))
        done_item(other_agent, front_type, now - timedelta(days=day, hours=2))
        done_item(back_agent, back_type, now - timedelta(days=day, hours=3))


def snapshot():
    return sorted(
        Evaluation.objects.values_list("item_id", "status", "score", "evaluator_id", "resolution")
    )


def test_without_work_only_reference_data(ctx):
    demo.seed(ctx())
    assert Scorecard.objects.count() == 2
    assert CoachingTip.objects.count() == len(demo.TIPS)
    assert not Evaluation.objects.exists()


def test_seed_is_deterministic_and_idempotent(ctx, history):
    with transaction.atomic():
        demo.seed(ctx())
        first = snapshot()
        assert len(first) > 10
        assert {s for _, s, *_ in first} >= {"acknowledged", "submitted", "draft"}
        assert EvaluationEvent.objects.filter(action="created").count() == len(first)
        assert CalibrationSession.objects.get().status == "revealed"
        assert CoachingSession.objects.exists()
        counts = (
            Scorecard.objects.count(),
            CoachingTip.objects.count(),
            EvaluationEvent.objects.count(),
        )
        demo.seed(ctx())  # again: nothing added
        assert snapshot() == first
        assert counts == (
            Scorecard.objects.count(),
            CoachingTip.objects.count(),
            EvaluationEvent.objects.count(),
        )
        # Undone, so the seed runs again on a fresh database below (evaluations own
        # append-only events: they are never deleted).
        transaction.set_rollback(True)
    # A fresh database with the same seed gives the same evaluations.
    demo.seed(ctx())
    assert [row[:3] for row in snapshot()] == [row[:3] for row in first]
