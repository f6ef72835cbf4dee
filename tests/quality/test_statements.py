"""``quality.statements``: each hand-written statement reads (or writes) what the ORM query it
replaced did, with the same relations loaded, on SQLite and on PostgreSQL."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from quality import services, statements
from quality.choices import EventAction
from quality.models import Criterion, Evaluation, EvaluationEvent, Scorecard
from quality.selectors import LIST_RELATED
from quality.services.scorecards import scorecard_for_work_type
from workitems.models import WorkItem

from .conftest import BACK_CRITERIA, FRONT_CRITERIA

pytestmark = pytest.mark.django_db

BIG = 10**30  # out of any id column's range: the ORM matches nothing


def values(obj) -> dict | None:
    """Every column of a model instance, by attribute name; ``None`` for ``None``."""
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def as_json(value) -> str:
    """JSON text in the order of the keys (a dict's ``==`` does not look at the order)."""
    return json.dumps(value)


def test_the_item_with_its_work_type_and_assignee_is_the_orms(
    agent, front_type, done_item, make_item
):
    done, new = done_item(agent), make_item()  # assigned and done; nobody's yet

    def orm(pk):
        return WorkItem.objects.select_related("work_type", "assignee").filter(pk=pk).first()

    for pk in (done.pk, new.pk, str(done.pk)):
        expected, item = orm(pk), statements.item_with_work_type_and_assignee(pk)
        assert values(item) == values(expected)
        assert WorkItem.work_type.is_cached(item) and WorkItem.assignee.is_cached(item)
        assert values(item.work_type) == values(expected.work_type)
        assert values(item.assignee) == values(expected.assignee)
    assert new.assignee_id is None
    for pk in (10**9, BIG, -1, None):
        assert orm(pk) is None
        assert statements.item_with_work_type_and_assignee(pk) is None
    with pytest.raises(ValueError) as orm_error:
        orm("abc")
    with pytest.raises(ValueError) as error:
        statements.item_with_work_type_and_assignee("abc")
    assert str(error.value) == str(orm_error.value)


def test_the_current_scorecards_and_the_work_types_they_name_are_the_orms(
    qa, agent, front_type, back_type, done_item
):
    both = services.scorecard_save(by=qa, name="Any", pass_mark=70, criteria=FRONT_CRITERIA)
    services.scorecard_save(by=qa, name="Back", pass_mark=70, office="back", criteria=BACK_CRITERIA)
    named = services.scorecard_save(
        by=qa,
        name="Two types",
        pass_mark=70,
        criteria=FRONT_CRITERIA,
        work_types=[front_type, back_type],
    )
    # An old version (used, so edited into version 2) is not current.
    services.evaluation_create(item=done_item(agent), evaluator=qa, scorecard=named)
    services.scorecard_save(
        by=qa,
        scorecard=named,
        name="Two types",
        pass_mark=75,
        criteria=FRONT_CRITERIA,
        work_types=[front_type],
    )
    expected = [
        (values(card), {wt.pk for wt in card.work_types.all()})
        for card in Scorecard.objects.filter(is_current=True)
        .prefetch_related("work_types")
        .order_by("id")
    ]
    got = [(values(card), named) for card, named in statements.current_scorecards()]
    assert got == expected
    assert len(got) == 3 and [n for _, n in got] == [set(), set(), {front_type.pk}]
    assert both.pk == got[0][0]["id"]
    for work_type in (front_type, back_type):
        assert scorecard_for_work_type(work_type) == (
            services.scorecard_for_work_types([work_type.pk]).get(work_type.pk)
        )


def test_no_current_scorecard_is_no_row(qa):
    assert statements.current_scorecards() == []


def test_a_scorecards_criteria_are_the_orms(front_card, back_card):
    for card in (front_card, back_card):
        card = Scorecard.objects.get(pk=card.pk)
        expected = list(card.criteria.select_related("section").order_by("position"))
        got = statements.criteria_with_sections(card)
        assert [values(c) for c in got] == [values(c) for c in expected]
        assert [values(c.section) for c in got] == [values(c.section) for c in expected]
        assert all(c.scorecard is card for c in got)  # as the related manager leaves them
    assert [c.key for c in statements.criteria_with_sections(front_card)] == [
        "greeting",
        "verify",
        "empathy",
        "resolution",
        "upsell",
    ]


def test_the_lock_reads_what_the_orms_lock_read(submitted, qa):
    def orm():
        return (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related(*LIST_RELATED)
            .get(pk=submitted.pk)
        )

    with transaction.atomic():
        expected, locked = orm(), statements.lock_evaluation(submitted.pk)
    assert values(locked) == values(expected)
    for name in LIST_RELATED:
        field = Evaluation._meta.get_field(name)
        assert field.is_cached(locked)
        assert values(getattr(locked, name)) == values(getattr(expected, name))
    assert locked.item.qa_evaluation is locked  # the one-to-one's reverse, as select_related
    with transaction.atomic():
        for pk in (10**9, BIG, None):
            with pytest.raises(Evaluation.DoesNotExist):
                statements.lock_evaluation(pk)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_lock_is_refused_as_the_orms(submitted):
    """Where the database has row locks: the lock would end with the statement."""

    def outcome(lock):
        try:
            lock()
        except TransactionManagementError as exc:
            return str(exc)
        return "read"

    expected = outcome(lambda: Evaluation.objects.select_for_update().get(pk=submitted.pk))
    assert outcome(lambda: statements.lock_evaluation(submitted.pk)) == expected
    assert (expected == "read") == (connection.vendor == "sqlite")


def _events(evaluation, qa, agent, now):
    return [
        EvaluationEvent(
            evaluation=evaluation,
            action=EventAction.SAVED,
            actor=qa,
            at=now,
            from_status="draft",
            to_status="draft",
            # Keys out of jsonb's order (shorter keys first), nested, and not ASCII.
            changes={
                "answers": {"greeting": [None, "yes"], "verify": [None, 2]},
                "overall_comment": ["", "Très bien"],
                "score": [None, "90.48"],
            },
        ),
        EvaluationEvent(
            evaluation=evaluation,
            action=EventAction.DISPUTED,
            actor=agent,
            at=now - timedelta(minutes=1),
            from_status="submitted",
            to_status="disputed",
            note="Not fair",
        ),
    ]


def test_inserted_events_are_written_as_bulk_create_writes_them_and_returned_as_stored(
    draft, submitted, qa, agent
):
    now = timezone.now()
    EvaluationEvent.objects.bulk_create(_events(draft, qa, agent, now))
    given = _events(submitted, qa, agent, now)
    stored = statements.insert_events(given)
    assert [e.pk for e in given] == [e.pk for e in stored] and all(e.pk for e in stored)

    def rows(evaluation):
        return [
            {k: v for k, v in values(e).items() if k not in ("id", "evaluation_id")}
            for e in EvaluationEvent.objects.filter(evaluation=evaluation).order_by("id")
        ][-2:]

    assert rows(submitted) == rows(draft)
    read = {e.pk: e for e in EvaluationEvent.objects.filter(pk__in=[e.pk for e in stored])}
    for event in stored:
        assert values(event) == values(read[event.pk])
        assert as_json(event.changes) == as_json(read[event.pk].changes)  # the key order too
        assert event.evaluation is submitted
    assert (stored[0].actor, stored[1].actor) == (qa, agent)
    if connection.vendor == "postgresql":  # jsonb's order, not the order given
        assert list(stored[0].changes) == ["score", "answers", "overall_comment"]


def test_without_returning_the_events_are_bulk_created(draft, qa, agent, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    given = _events(draft, qa, agent, timezone.now())
    assert statements.insert_events(given) is None
    assert EvaluationEvent.objects.filter(evaluation=draft).count() == 3


def test_the_events_with_their_actors_are_the_orms_prefetch(submitted, qa, agent):
    now = timezone.now()
    statements.insert_events(_events(submitted, qa, agent, now))
    # Same instant as another event (ties go by id), and an actor who is gone.
    EvaluationEvent.objects.create(evaluation=submitted, action="upheld", actor=None, at=now)
    expected = Evaluation.objects.get(pk=submitted.pk)
    prefetch_related_objects(
        [expected],
        Prefetch(
            "events",
            queryset=EvaluationEvent.objects.select_related("actor").order_by("at", "id"),
        ),
    )
    evaluation = Evaluation.objects.get(pk=submitted.pk)
    got = statements.events_with_actors(evaluation)
    want = list(expected.events.all())
    assert [values(e) for e in got] == [values(e) for e in want] and len(got) == 5
    assert [as_json(e.changes) for e in got] == [as_json(e.changes) for e in want]
    assert [values(e.actor) for e in got] == [values(e.actor) for e in want]
    assert got[-1].actor is None and all(e.evaluation is evaluation for e in got)
    statements.cache_events(evaluation, got)
    assert list(evaluation.events.all()) == got  # read no more: the prefetch's place
    assert evaluation.events.all().query.order_by == ("at", "id")


def test_a_new_evaluations_events_are_left_as_the_prefetch_leaves_them(
    qa, agent, front_card, done_item, django_assert_num_queries
):
    evaluation = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers={"greeting": "no"}, overall_comment="Hm"
    )
    with django_assert_num_queries(0):
        events = list(evaluation.events.all())
        names = [e.actor.username for e in events]
    fresh = list(EvaluationEvent.objects.filter(evaluation=evaluation).order_by("at", "id"))
    assert [values(e) for e in events] == [values(e) for e in fresh]
    assert [as_json(e.changes) for e in events] == [as_json(e.changes) for e in fresh]
    assert names == [qa.username, qa.username]
    assert [e.action for e in events] == ["created", "saved"]


def test_criteria_statement_order_is_position(front_card):
    # Positions rewritten in reverse: the statement follows them, as the ORM's order_by.
    for c in Criterion.objects.filter(scorecard=front_card):
        Criterion.objects.filter(pk=c.pk).update(position=100 - c.position)
    assert [c.key for c in statements.criteria_with_sections(front_card)] == [
        "upsell",
        "resolution",
        "empathy",
        "verify",
        "greeting",
    ]
