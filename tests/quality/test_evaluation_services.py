"""Evaluation lifecycle, permissions and history (services)."""

from decimal import Decimal

import pytest

from quality import services
from quality.choices import EvaluationStatus as S
from quality.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from quality.models import Evaluation, EvaluationEvent

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


def test_create_picks_the_office_scorecard_and_records_the_agent(draft, agent, qa, front_card):
    assert draft.status == S.DRAFT
    assert draft.agent == agent and draft.team == agent.team and draft.office == "front"
    assert draft.scorecard == front_card and draft.evaluator == qa
    assert draft.score is None
    assert list(draft.events.values_list("action", flat=True)) == ["created"]


def test_submit_scores_and_stores_the_result(submitted):
    submitted.refresh_from_db()
    # greeting missed: 95 / 105 = 90.476 -> 90.48
    assert submitted.status == S.SUBMITTED
    assert submitted.score == Decimal("90.48")
    assert submitted.passed is True
    assert submitted.failed_criteria == ["greeting"]
    assert submitted.points["greeting"] == "0.0000"
    assert submitted.submitted_at is not None
    assert submitted.version == 2


def test_draft_saves_partial_answers_with_provisional_score(draft, qa):
    saved = services.evaluation_save(
        evaluation=draft, by=qa, answers={"greeting": "yes", "verify": "yes"}, comments={}
    )
    assert saved.status == S.DRAFT
    assert saved.answers == {"greeting": "yes", "verify": "yes"}
    assert saved.score == Decimal("100.00")  # over what is answered
    event = saved.events.get(action="saved")
    assert event.changes["answers"] == {"greeting": [None, "yes"], "verify": [None, "yes"]}
    assert event.actor == qa


def test_submit_missing_required_names_the_criterion_and_writes_nothing(draft, qa):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_submit(evaluation=draft, by=qa, answers={"greeting": "yes"})
    assert set(info.value.errors) == {"answers.verify", "answers.empathy", "answers.resolution"}
    assert "verify" in info.value.errors["answers.verify"][0]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.version == 1
    assert draft.events.count() == 1


@pytest.mark.parametrize(
    "answers, key",
    [
        (dict(PERFECT, greeting="maybe"), "answers.greeting"),
        (dict(PERFECT, verify="na"), "answers.verify"),
        (dict(PERFECT, empathy=9), "answers.empathy"),
        (dict(PERFECT, bogus="yes"), "answers.bogus"),
        ("not a dict", "answers"),
    ],
)
def test_bad_answers_in_a_draft_are_refused(draft, qa, answers, key):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_save(evaluation=draft, by=qa, answers=answers)
    assert key in info.value.errors


def test_comment_on_unknown_criterion_refused(draft, qa):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_save(evaluation=draft, by=qa, answers={}, comments={"nope": "x"})
    assert "comments.nope" in info.value.errors


def test_critical_failure_zeroes(draft, qa):
    done = services.evaluation_submit(evaluation=draft, by=qa, answers=dict(PERFECT, verify="no"))
    assert done.score == Decimal("0.00") and done.passed is False and done.critical_failed


# --- Permissions --------------------------------------------------------------------------


def test_self_evaluation_refused(front_card, done_item, qa, agent):
    from django.contrib.auth.models import Group

    from ccops.choices import Role

    qa.groups.add(Group.objects.get(name=Role.AGENT))
    item = done_item(qa)  # the QA analyst's own work
    with pytest.raises(NotAllowed, match="your own work"):
        services.evaluation_create(item=item, evaluator=qa)
    assert not Evaluation.objects.exists()


def test_supervisor_evaluates_own_team_only(front_card, done_item, supervisor, agent, other_agent):
    own = services.evaluation_create(item=done_item(agent), evaluator=supervisor)
    assert own.evaluator == supervisor
    with pytest.raises(NotAllowed):
        services.evaluation_create(item=done_item(other_agent), evaluator=supervisor)


def test_agents_and_other_roles_cannot_evaluate(front_card, done_item, agent, other_agent, hr):
    item = done_item(agent)
    for user in (other_agent, hr):
        with pytest.raises(NotAllowed):
            services.evaluation_create(item=item, evaluator=user)


def test_open_item_cannot_be_evaluated(front_card, make_item, qa):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_create(item=make_item(), evaluator=qa)
    assert info.value.field == "item"


def test_an_item_is_evaluated_once(draft, qa):
    with pytest.raises(Conflict):
        services.evaluation_create(item=draft.item, evaluator=qa)


def test_no_scorecard_for_the_work_type(back_type, done_item, back_agent, qa, front_card):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_create(item=done_item(back_agent, back_type), evaluator=qa)
    assert info.value.field == "scorecard"


def test_only_the_evaluator_edits_the_draft(draft, supervisor):
    with pytest.raises(NotAllowed):
        services.evaluation_save(evaluation=draft, by=supervisor, answers=PERFECT)


def test_submitted_evaluation_is_frozen(submitted, qa):
    with pytest.raises(IllegalTransition):
        services.evaluation_save(evaluation=submitted, by=qa, answers=PERFECT)


def test_acknowledge_by_the_agent(submitted, agent):
    done = services.evaluation_acknowledge(evaluation=submitted, by=agent, comment="Thanks")
    assert done.status == S.ACKNOWLEDGED and done.agent_comment == "Thanks"
    assert done.acknowledged_at is not None
    with pytest.raises(IllegalTransition):
        services.evaluation_acknowledge(evaluation=submitted, by=agent)


def test_dispute_by_someone_else_refused(submitted, other_agent, supervisor, qa):
    for user in (other_agent, supervisor, qa):
        with pytest.raises(NotAllowed, match="Only the evaluated agent"):
            services.evaluation_dispute(evaluation=submitted, by=user, reason="Unfair")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_dispute_needs_a_reason(submitted, agent):
    with pytest.raises(InvalidInput) as info:
        services.evaluation_dispute(evaluation=submitted, by=agent, reason="  ")
    assert info.value.field == "reason"


def test_stale_version_refused(submitted, agent):
    with pytest.raises(Conflict):
        services.evaluation_acknowledge(evaluation=submitted, by=agent, expected_version=1)
    done = services.evaluation_dispute(
        evaluation=submitted, by=agent, reason="I did greet", expected_version=2
    )
    assert done.status == S.DISPUTED


def test_acknowledge_then_dispute_second_loses(submitted, agent):
    # Two tabs: both read version 2; the first wins, the second finds it no longer submitted.
    stale = Evaluation.objects.get(pk=submitted.pk)
    services.evaluation_acknowledge(evaluation=submitted, by=agent)
    with pytest.raises(IllegalTransition):
        services.evaluation_dispute(evaluation=stale, by=agent, reason="x")
    assert Evaluation.objects.get(pk=submitted.pk).status == S.ACKNOWLEDGED


@pytest.fixture
def disputed(submitted, agent):
    return services.evaluation_dispute(evaluation=submitted, by=agent, reason="I did greet")


def test_resolve_upheld_keeps_score(disputed, qa):
    done = services.evaluation_resolve(
        evaluation=disputed, by=qa, outcome="upheld", reason="Recording shows no greeting"
    )
    assert done.status == S.RESOLVED and done.resolution == "upheld"
    assert done.score == Decimal("90.48") and done.original_score is None
    assert done.resolved_by == qa


def test_resolve_rescored_recomputes_and_keeps_history(disputed, supervisor):
    done = services.evaluation_resolve(
        evaluation=disputed,
        by=supervisor,
        outcome="rescored",
        reason="Greeting was there",
        answers=PERFECT,
    )
    done.refresh_from_db()
    assert done.score == Decimal("100.00") and done.original_score == Decimal("90.48")
    assert done.failed_criteria == []
    event = done.events.get(action="rescored")
    assert event.changes["answers"] == {"greeting": ["no", "yes"]}
    assert event.changes["score"] == ["90.48", "100.00"]
    assert event.actor == supervisor and event.note == "Greeting was there"
    actions = list(EvaluationEvent.objects.filter(evaluation=done).values_list("action", flat=True))
    assert actions == ["created", "submitted", "disputed", "rescored"]


def test_resolve_refusals(disputed, agent, other_agent, qa):
    with pytest.raises(NotAllowed):
        services.evaluation_resolve(evaluation=disputed, by=agent, outcome="upheld", reason="x")
    with pytest.raises(NotAllowed):
        services.evaluation_resolve(
            evaluation=disputed, by=other_agent, outcome="upheld", reason="x"
        )
    with pytest.raises(InvalidInput) as info:
        services.evaluation_resolve(evaluation=disputed, by=qa, outcome="rescored", reason="x")
    assert info.value.field == "answers"
    with pytest.raises(InvalidInput) as info:
        services.evaluation_resolve(
            evaluation=disputed, by=qa, outcome="rescored", reason="x", answers={"greeting": "yes"}
        )
    assert "answers.verify" in info.value.errors
    disputed.refresh_from_db()
    assert disputed.status == S.DISPUTED and disputed.score == Decimal("90.48")


def test_visibility(submitted, draft, agent, other_agent, supervisor, qa, hr, done_item):
    # ``draft`` and ``submitted`` are the same evaluation; add a draft of another agent.
    other = services.evaluation_create(item=done_item(other_agent), evaluator=qa)
    visible = Evaluation.objects.visible_to
    assert set(visible(qa)) == {submitted, other}
    assert list(visible(agent)) == [submitted]
    assert list(visible(other_agent)) == []  # their evaluation is still a draft
    assert list(visible(supervisor)) == [submitted]  # own team, not a draft
    assert list(visible(hr)) == []


def _written(evaluation):
    """What an evaluation left in the database: its row and its events, ids and times aside."""
    row = Evaluation.objects.filter(pk=evaluation.pk).values().get()
    for name in ("id", "item_id", "created_at", "updated_at", "submitted_at"):
        row.pop(name)
    events = list(
        evaluation.events.order_by("at", "id").values_list(
            "action", "actor_id", "from_status", "to_status", "changes", "note"
        )
    )
    return row, events


@pytest.mark.parametrize("submit", [False, True])
def test_start_writes_what_create_then_save_or_submit_write(
    front_card, done_item, qa, agent, submit
):
    """``evaluation_start`` writes the evaluation with its answers in one insert: the rows
    are those of the three-step path (create, then save or submit)."""
    answers = PERFECT if submit else {"greeting": "yes", "empathy": 3}
    content = {"answers": answers, "comments": {"greeting": "Warm"}, "overall_comment": " Ok "}
    one_go = services.evaluation_start(
        item=done_item(agent).pk, evaluator=qa, submit=submit, **content
    )
    stepwise = services.evaluation_create(item=done_item(agent), evaluator=qa)
    finish = services.evaluation_submit if submit else services.evaluation_save
    stepwise = finish(evaluation=stepwise, by=qa, **content)
    assert _written(one_go) == _written(stepwise)
    row, events = _written(one_go)
    assert row["version"] == 2 and row["overall_comment"] == "Ok"
    assert [e[0] for e in events] == ["created", "submitted" if submit else "saved"]
    assert (one_go.submitted_at is not None) is submit


def test_start_refused_for_a_missing_item_names_the_field(front_card, qa):
    with pytest.raises(InvalidInput) as refused:
        services.evaluation_start(item=987654, evaluator=qa, answers=PERFECT)
    assert (refused.value.message, refused.value.field) == ("No item #987654.", "item")
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("pk", [10**9, 10**30, -1, "12"])
def test_an_item_that_is_not_there_is_refused_by_its_field(front_card, qa, pk):
    """Any id that matches no row (out of the column's range too) is the same refusal."""
    with pytest.raises(InvalidInput) as refused:
        services.evaluation_create(item=pk, evaluator=qa)
    assert (refused.value.message, refused.value.field) == (f"No item #{pk}.", "item")
    assert not Evaluation.objects.exists()
