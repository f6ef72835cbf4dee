"""Calibration sessions: evaluators score the same items blind, then the scores are revealed.

While a session is open each participant sees and changes only their own scores; revealing
(QA only, once) freezes the scores and opens the comparison (:func:`calibration_report`).
"""

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from ccops.models import User
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem

from .. import calibration
from ..choices import CalibrationStatus
from ..errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from ..models import CalibrationScore, CalibrationSession, Scorecard
from .common import require_qa, text
from .evaluations import evaluate_answers
from .scorecards import scorecard_specs

MAX_ITEMS_PER_SESSION = 50


def calibration_session_create(
    *,
    by,
    title: str,
    scorecard: Scorecard,
    items: Iterable[WorkItem],
    participants: Iterable[User],
    reference_evaluator: User | None = None,
    notes: str = "",
) -> CalibrationSession:
    """Open a session; the reference evaluator (the expert) is a participant too."""
    require_qa(by, "run calibration sessions")
    title = text(title, field="title", required=True, max_length=150)
    notes = text(notes, field="notes")
    items = list(items)
    participants = {u.pk: u for u in participants}
    if reference_evaluator is not None:
        participants.setdefault(reference_evaluator.pk, reference_evaluator)
    if not items:
        raise InvalidInput("Choose at least one item to calibrate on.", field="items")
    if len(items) > MAX_ITEMS_PER_SESSION:
        raise InvalidInput(f"At most {MAX_ITEMS_PER_SESSION} items per session.", field="items")
    not_done = [i.pk for i in items if i.status != ItemStatus.DONE]
    if not_done:
        raise InvalidInput(
            f"Only completed items can be calibrated (not #{not_done[0]}).", field="items"
        )
    if len(participants) < 2:
        raise InvalidInput("A calibration needs at least two evaluators.", field="participants")
    with transaction.atomic():
        session = CalibrationSession.objects.create(
            title=title,
            scorecard=scorecard,
            reference_evaluator=reference_evaluator,
            created_by=by,
            notes=notes,
        )
        session.items.set(items)
        session.participants.set(participants.values())
    return session


def calibration_score_submit(
    *, session: CalibrationSession, by, item: WorkItem, answers: Mapping
) -> CalibrationScore:
    """Record (or replace, while the session is open) a participant's scoring of an item."""
    if not session.participants.filter(pk=by.pk).exists():
        raise NotAllowed("You are not a participant of this calibration session.")
    if not session.items.filter(pk=item.pk).exists():
        raise InvalidInput(f"Item #{item.pk} is not part of this session.", field="item")
    specs = scorecard_specs(session.scorecard)
    stored, result = evaluate_answers(specs, session.scorecard.pass_mark, answers, final=True)
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != CalibrationStatus.OPEN:
            raise IllegalTransition("This session has been revealed; scores are final.")
        try:
            with transaction.atomic():
                score, _ = CalibrationScore.objects.update_or_create(
                    session=locked,
                    item=item,
                    evaluator=by,
                    defaults={
                        "answers": stored,
                        "points": result["points"],
                        "score": result["score"],
                        "submitted_at": timezone.now(),
                    },
                )
        except IntegrityError:
            raise Conflict("You scored this item at the same moment in another window.")
    return score


def calibration_session_reveal(*, session: CalibrationSession, by) -> CalibrationSession:
    """Close blind scoring and show everyone's scores (conditional UPDATE: once)."""
    require_qa(by, "reveal calibration sessions")
    now = timezone.now()
    with transaction.atomic():
        if not CalibrationScore.objects.filter(session=session).exists():
            raise InvalidInput("Nobody has scored anything yet.")
        updated = CalibrationSession.objects.filter(
            pk=session.pk, status=CalibrationStatus.OPEN
        ).update(status=CalibrationStatus.REVEALED, revealed_at=now)
        if not updated:
            raise IllegalTransition("This session has already been revealed.")
    session.status = CalibrationStatus.REVEALED
    session.revealed_at = now
    return session


def calibration_report(
    session: CalibrationSession, scores: Iterable[CalibrationScore] | None = None
) -> calibration.CalibrationReport | None:
    """The agreement statistics of a session (None when nothing was scored).

    Reference: the session's reference evaluator when they scored anything.
    """
    if scores is None:
        scores = CalibrationScore.objects.filter(session=session).order_by(
            "evaluator_id", "item_id"
        )
    grouped: dict[int, dict[int, calibration.Evaluation]] = {}
    for s in scores:
        points = dict(s.points)
        grouped.setdefault(s.evaluator_id, {})[s.item_id] = calibration.Evaluation(
            score=s.score, answers=s.answers, points=points
        )
    if not grouped:
        return None
    reference = session.reference_evaluator_id
    return calibration.agreement(grouped, reference if reference in grouped else None)
