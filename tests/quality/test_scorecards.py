"""Scorecard editing and versioning."""

from decimal import Decimal

import pytest

from quality import services
from quality.errors import Conflict, InvalidInput, NotAllowed
from quality.models import Criterion, Scorecard

from .conftest import FRONT_CRITERIA, PERFECT

pytestmark = pytest.mark.django_db


def edit(card, by, **changes):
    values = {
        "name": card.name,
        "pass_mark": card.pass_mark,
        "office": card.office,
        "criteria": FRONT_CRITERIA,
    }
    values.update(changes)
    return services.scorecard_save(by=by, scorecard=card, **values)


def test_scorecard_is_created_with_sections_in_order(front_card):
    assert front_card.version == 1 and front_card.is_current
    assert list(front_card.sections.values_list("title", flat=True)) == [
        "Opening",
        "Soft skills",
        "Outcome",
    ]
    specs = services.scorecard_specs(front_card)
    assert [s.key for s in specs] == ["greeting", "verify", "empathy", "resolution", "upsell"]
    assert specs[1].critical and specs[2].scale_max == 5 and not specs[4].required


def test_editing_unused_scorecard_edits_in_place(front_card, qa):
    edited = edit(front_card, qa, pass_mark=85, criteria=FRONT_CRITERIA[:4])
    assert edited.pk == front_card.pk and edited.version == 1
    assert edited.pass_mark == Decimal("85")
    assert Criterion.objects.filter(scorecard=edited).count() == 4
    assert Scorecard.objects.count() == 1


def test_editing_scorecard_in_use_creates_new_version_and_keeps_old_scores(
    submitted, front_card, qa, done_item, agent
):
    before = (submitted.score, submitted.passed, submitted.scorecard_id)
    heavier = [dict(c, weight=100) if c["key"] == "greeting" else c for c in FRONT_CRITERIA]
    new = edit(front_card, qa, pass_mark=95, criteria=heavier)

    assert new.pk != front_card.pk and new.version == 2 and new.family == front_card.family
    front_card.refresh_from_db()
    assert not front_card.is_current and new.is_current
    # The old version and its evaluation are untouched.
    assert Criterion.objects.get(scorecard=front_card, key="greeting").weight == 10
    assert Criterion.objects.get(scorecard=new, key="greeting").weight == 100
    submitted.refresh_from_db()
    assert (submitted.score, submitted.passed, submitted.scorecard_id) == before
    assert before[0] == Decimal("90.48")
    # New evaluations use the new version: greeting missed is 95 / 195 = 48.72.
    fresh = services.evaluation_create(item=done_item(agent), evaluator=qa)
    assert fresh.scorecard == new
    fresh = services.evaluation_submit(
        evaluation=fresh, by=qa, answers=dict(PERFECT, greeting="no")
    )
    assert fresh.score == Decimal("48.72") and fresh.passed is False


def test_re_scoring_an_old_evaluation_uses_its_own_version(submitted, agent, qa, front_card):
    edit(front_card, qa, criteria=[dict(c, weight=1) for c in FRONT_CRITERIA])
    disputed = services.evaluation_dispute(evaluation=submitted, by=agent, reason="Greeted")
    done = services.evaluation_resolve(
        evaluation=disputed, by=qa, outcome="rescored", reason="ok", answers=PERFECT
    )
    assert done.scorecard == front_card and done.score == Decimal("100.00")


def test_unchanged_edit_creates_no_version(submitted, front_card, qa):
    same = edit(front_card, qa)
    assert same.pk == front_card.pk and Scorecard.objects.count() == 1


def test_only_current_version_is_editable(submitted, front_card, qa):
    edit(front_card, qa, pass_mark=90)
    front_card.refresh_from_db()
    with pytest.raises(Conflict):
        edit(front_card, qa, pass_mark=70)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": " "}, "name"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"pass_mark": "abc"}, "pass_mark"),
        ({"office": "moon"}, "office"),
        ({"criteria": []}, "criteria"),
        ({"criteria": [dict(FRONT_CRITERIA[0], key="Bad Key")]}, "criteria.0.key"),
        ({"criteria": [FRONT_CRITERIA[0], FRONT_CRITERIA[0]]}, "criteria.1.key"),
        ({"criteria": [dict(FRONT_CRITERIA[0], weight=-1)]}, "criteria.0.weight"),
        ({"criteria": [dict(FRONT_CRITERIA[0], kind="scale")]}, "criteria.0.scale_max"),
        ({"criteria": [dict(FRONT_CRITERIA[0], kind="stars")]}, "criteria.0.kind"),
        ({"criteria": [dict(FRONT_CRITERIA[0], weight=0)]}, "criteria"),
    ],
)
def test_bad_scorecard_input(qa, changes, field):
    values = {"name": "X", "pass_mark": 80, "criteria": FRONT_CRITERIA, **changes}
    with pytest.raises(InvalidInput) as info:
        services.scorecard_save(by=qa, **values)
    assert field in info.value.errors
    assert not Scorecard.objects.exists()


def test_work_types_of_another_office_refused(qa, back_type):
    with pytest.raises(InvalidInput) as info:
        services.scorecard_save(
            by=qa,
            name="X",
            pass_mark=80,
            office="front",
            work_types=[back_type],
            criteria=FRONT_CRITERIA,
        )
    assert "work_types" in info.value.errors


def test_only_qa_edits_scorecards(supervisor):
    with pytest.raises(NotAllowed):
        services.scorecard_save(by=supervisor, name="X", pass_mark=80, criteria=FRONT_CRITERIA)


def test_scorecard_choice_prefers_the_named_work_type(qa, front_card, front_type, back_type):
    both = services.scorecard_save(by=qa, name="Any", pass_mark=70, criteria=FRONT_CRITERIA)
    named = services.scorecard_save(
        by=qa, name="Calls only", pass_mark=70, criteria=FRONT_CRITERIA, work_types=[front_type]
    )
    chosen = services.scorecard_for_work_types([front_type.pk, back_type.pk])
    assert chosen == {front_type.pk: named, back_type.pk: both}


def test_a_new_evaluation_takes_the_current_card_naming_its_work_type(
    qa, agent, back_agent, front_card, front_type, back_type, done_item
):
    """Named work type beats the office's card, which beats one for both offices; an old
    version (edited into a new one once in use) is never chosen."""
    both = services.scorecard_save(by=qa, name="Any", pass_mark=70, criteria=FRONT_CRITERIA)
    named = services.scorecard_save(
        by=qa, name="Calls", pass_mark=70, criteria=FRONT_CRITERIA, work_types=[front_type]
    )
    first = services.evaluation_create(item=done_item(agent), evaluator=qa)
    assert first.scorecard == named
    current = edit(named, qa, pass_mark=75, work_types=[front_type])
    assert current.version == 2 and current != named
    assert services.evaluation_create(item=done_item(agent), evaluator=qa).scorecard == current
    back = services.evaluation_create(item=done_item(back_agent, back_type), evaluator=qa)
    assert back.scorecard == both


def test_criteria_come_in_position_order(front_card):
    # Positions rewritten in reverse: the criteria follow them, not their ids.
    for c in Criterion.objects.filter(scorecard=front_card):
        Criterion.objects.filter(pk=c.pk).update(position=100 - c.position)
    criteria = services.scorecard_criteria(front_card)
    assert [c.key for c in criteria] == ["upsell", "resolution", "empathy", "verify", "greeting"]
    assert [c.section.title for c in criteria][:2] == ["Outcome", "Outcome"]
