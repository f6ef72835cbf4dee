"""Calibration sessions and coaching sessions (services)."""

from decimal import Decimal

import pytest

from quality import services
from quality.errors import IllegalTransition, InvalidInput, NotAllowed
from quality.models import CalibrationScore

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(done_item, agent):
    return [done_item(agent, title=f"Call {i}") for i in range(2)]


@pytest.fixture
def session(qa, supervisor, front_card, items):
    return services.calibration_session_create(
        by=qa,
        title="Calibration",
        scorecard=front_card,
        items=items,
        participants=[supervisor],
        reference_evaluator=qa,  # joins the participants
    )


def test_reference_is_a_participant(session, qa, supervisor):
    assert set(session.participants.all()) == {qa, supervisor}


def test_hand_made_agreement(session, qa, supervisor, items):
    # Item 1: qa (reference) perfect = 100; supervisor misses greeting = 95/105 = 90.48.
    # Item 2: both perfect = 100.
    services.calibration_score_submit(session=session, by=qa, item=items[0], answers=PERFECT)
    services.calibration_score_submit(
        session=session, by=supervisor, item=items[0], answers=dict(PERFECT, greeting="no")
    )
    for user in (qa, supervisor):
        services.calibration_score_submit(session=session, by=user, item=items[1], answers=PERFECT)
    report = services.calibration_report(session)
    # 10 cells (2 items x 5 criteria), 9 unanimous.
    assert report.unanimous_share == 0.9
    assert report.criteria["greeting"].unanimous_share == 0.5
    assert report.criteria["greeting"].reference_agreement == 0.5
    sup = report.evaluators[supervisor.pk]
    assert sup.mean_deviation_from_reference == pytest.approx((90.48 - 100) / 2)
    # Item 1 mean (100 + 90.48) / 2 = 95.24, population std dev 4.76.
    assert report.item_mean_score[items[0].pk] == pytest.approx(95.24)
    assert report.item_score_std[items[0].pk] == pytest.approx(4.76)
    assert report.mean_item_score_std == pytest.approx(4.76 / 2)


def test_rescoring_while_open_replaces(session, supervisor, items):
    services.calibration_score_submit(
        session=session, by=supervisor, item=items[0], answers=dict(PERFECT, verify="no")
    )
    score = services.calibration_score_submit(
        session=session, by=supervisor, item=items[0], answers=PERFECT
    )
    assert score.score == Decimal("100.00") and CalibrationScore.objects.count() == 1


def test_calibration_refusals(session, qa, supervisor, other_agent, items, done_item, agent):
    with pytest.raises(NotAllowed):
        services.calibration_score_submit(
            session=session, by=other_agent, item=items[0], answers=PERFECT
        )
    with pytest.raises(InvalidInput) as info:
        services.calibration_score_submit(
            session=session, by=qa, item=items[0], answers={"greeting": "yes"}
        )
    assert "answers.verify" in info.value.errors
    with pytest.raises(InvalidInput):
        services.calibration_score_submit(
            session=session, by=qa, item=done_item(agent), answers=PERFECT
        )
    with pytest.raises(InvalidInput, match="Nobody has scored"):
        services.calibration_session_reveal(session=session, by=qa)
    services.calibration_score_submit(session=session, by=qa, item=items[0], answers=PERFECT)
    with pytest.raises(NotAllowed):
        services.calibration_session_reveal(session=session, by=supervisor)
    with pytest.raises(IllegalTransition, match="3 of 4 scores are still missing"):
        services.calibration_session_reveal(session=session, by=qa)
    with pytest.raises(InvalidInput, match="Say why") as info:
        services.calibration_session_reveal(session=session, by=qa, override=True)
    assert "reason" in info.value.errors
    services.calibration_session_reveal(session=session, by=qa, override=True, reason="Leave")
    with pytest.raises(IllegalTransition):
        services.calibration_session_reveal(session=session, by=qa)
    with pytest.raises(IllegalTransition):
        services.calibration_score_submit(
            session=session, by=supervisor, item=items[0], answers=PERFECT
        )


def test_calibration_creation_checks(qa, supervisor, front_card, items, make_item):
    base = {"by": qa, "title": "T", "scorecard": front_card, "participants": [qa, supervisor]}
    with pytest.raises(InvalidInput) as info:
        services.calibration_session_create(**{**base, "items": []})
    assert info.value.field == "items"
    with pytest.raises(InvalidInput) as info:
        services.calibration_session_create(**{**base, "items": [make_item()]})
    assert info.value.field == "items"
    with pytest.raises(InvalidInput) as info:
        services.calibration_session_create(**{**base, "items": items, "participants": [qa]})
    assert info.value.field == "participants"
    with pytest.raises(NotAllowed):
        services.calibration_session_create(**{**base, "by": supervisor, "items": items})


def test_coaching_rules(qa, supervisor, agent, other_agent, submitted, hr):
    session = services.coaching_session_create(
        coach=supervisor, agent=agent, agreed_actions=" Greet ", evaluations=[submitted]
    )
    assert session.agreed_actions == "Greet" and list(session.evaluations.all()) == [submitted]
    with pytest.raises(NotAllowed):
        services.coaching_session_create(coach=supervisor, agent=other_agent, agreed_actions="x")
    with pytest.raises(NotAllowed):
        services.coaching_session_create(coach=hr, agent=agent, agreed_actions="x")
    with pytest.raises(InvalidInput) as info:
        services.coaching_session_create(
            coach=qa, agent=other_agent, agreed_actions="x", evaluations=[submitted]
        )
    assert info.value.field == "evaluations"
    with pytest.raises(InvalidInput) as info:
        services.coaching_session_create(coach=qa, agent=supervisor, agreed_actions="x")
    assert info.value.field == "agent"  # not an agent
    with pytest.raises(NotAllowed):
        services.coaching_session_complete(session=session, by=agent)
    services.coaching_session_complete(session=session, by=qa)
    with pytest.raises(IllegalTransition):
        services.coaching_session_complete(session=session, by=supervisor)


def test_tip_suggestions_follow_missed_criteria_and_office(submitted, qa):
    from quality.selectors import tips_for

    services.coaching_tip_create(
        by=qa, title="Greet", body="b", kind="tip", office="front", criterion_keys=["greeting"]
    )
    services.coaching_tip_create(
        by=qa, title="Greet back", body="b", kind="tip", office="back", criterion_keys=["greeting"]
    )
    services.coaching_tip_create(
        by=qa, title="Any office", body="b", kind="trick", criterion_keys=["greeting", "verify"]
    )
    services.coaching_tip_create(
        by=qa, title="Verify", body="b", kind="tip", criterion_keys=["verify"]
    )
    assert [t.title for t in tips_for(submitted)] == ["Any office", "Greet"]
    with pytest.raises(InvalidInput):
        services.coaching_tip_create(
            by=qa, title="x", body="b", kind="tip", criterion_keys=["Bad Key"]
        )
