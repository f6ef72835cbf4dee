"""Real concurrency on PostgreSQL: row locks and conditional updates keep one winner."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection

from quality import services
from quality.errors import QualityError
from quality.models import Evaluation, EvaluationEvent, Scorecard
from tests.locks import row_held_elsewhere
from tests.services import require_postgres

from .conftest import PERFECT

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment in threads; return their results or errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except QualityError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_acknowledge_and_dispute_at_once_one_wins(qa, agent, front_card, done_item):
    require_postgres()
    evaluation = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers=PERFECT, submit=True
    )
    results = race(
        lambda: services.evaluation_acknowledge(evaluation=evaluation, by=agent),
        lambda: services.evaluation_dispute(evaluation=evaluation, by=agent, reason="No"),
    )
    errors = [r for r in results if isinstance(r, QualityError)]
    assert len(errors) == 1
    final = Evaluation.objects.get(pk=evaluation.pk)
    assert final.status in ("acknowledged", "disputed") and final.version == 3
    actions = set(EvaluationEvent.objects.filter(evaluation=final).values_list("action", flat=True))
    assert actions == {"created", "submitted", final.status}


def test_concurrent_samples_of_a_week_draw_the_quota_once(qa, agent, front_card, done_item):
    require_postgres()
    week = services.previous_week_start()
    start, _ = services.week_bounds(week)
    for day in range(5):
        done_item(agent, completed_at=start + timedelta(days=day, hours=10))
    results = race(
        lambda: services.sample_draw(week_start=week, per_agent=3),
        lambda: services.sample_draw(week_start=week, per_agent=3),
    )
    assert sorted(r.count for r in results) == [0, 3]
    assert Evaluation.objects.count() == 3


def test_two_evaluators_starting_one_item_at_once_one_wins(
    qa, supervisor, agent, front_card, done_item
):
    """The one-evaluation-per-item index settles it: the loser gets a Conflict and leaves
    no row or event behind."""
    require_postgres()
    item = done_item(agent)
    results = race(
        lambda: services.evaluation_start(item=item.pk, evaluator=qa, answers=PERFECT),
        lambda: services.evaluation_start(item=item.pk, evaluator=supervisor, answers=PERFECT),
    )
    errors = [r for r in results if isinstance(r, QualityError)]
    assert len(errors) == 1 and errors[0].status_code == 409
    assert errors[0].message == f"Item #{item.pk} already has an evaluation."
    winner = Evaluation.objects.get(item=item)
    assert winner.evaluator_id in (qa.pk, supervisor.pk) and winner.version == 2
    assert list(EvaluationEvent.objects.values_list("action", flat=True)) == ["created", "saved"]


def test_a_submit_locks_the_evaluation_not_its_scorecard(qa, agent, front_card, done_item):
    """The service's lock joins the scorecard and the names for the answer but locks only
    the evaluation's row: a transaction holding the scorecard does not hold up a submit
    (every submit on one scorecard used to queue behind the others)."""
    require_postgres()
    draft = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers={"greeting": "yes"}
    )
    with row_held_elsewhere(Scorecard, front_card.pk):
        submitted = services.evaluation_submit(evaluation=draft, by=qa, answers=PERFECT)
    assert (submitted.status, submitted.scorecard.name, submitted.agent) == (
        "submitted",
        "Front call",
        agent,
    )
    assert Evaluation.objects.get(pk=draft.pk).status == "submitted"


@pytest.mark.parametrize("write", ["save", "submit"])
def test_a_save_or_submit_waits_for_the_evaluations_row_lock(
    qa, agent, front_card, done_item, write
):
    """The services take the evaluation's row lock: while another transaction holds it,
    reading the row goes on, but a save or a submit waits for the lock (here it gives up at
    the lock timeout) and writes nothing."""
    require_postgres()
    draft = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers={"greeting": "yes"}
    )
    service = services.evaluation_submit if write == "submit" else services.evaluation_save
    with row_held_elsewhere(Evaluation, draft.pk, lock_timeout="300ms"):
        assert Evaluation.objects.get(pk=draft.pk).status == "draft"
        with pytest.raises(OperationalError, match="lock timeout"):
            service(evaluation=draft, by=qa, answers=PERFECT)
    after = Evaluation.objects.get(pk=draft.pk)
    assert (after.status, after.version, after.answers) == ("draft", 2, {"greeting": "yes"})
    assert EvaluationEvent.objects.filter(evaluation=draft).count() == 2
