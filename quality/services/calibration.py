"""Calibration sessions: evaluators score the same items blind, then the scores are revealed.

While a session is open each participant sees and changes only their own scores; revealing
(QA only, once) freezes the scores and opens the comparison (:func:`calibration_report`,
:func:`calibration_reliability`). Revealing waits until every participant has scored every
item; before that only an explicit override with a reason reveals, and it is recorded
(who, when, why) on the session and in its history (the audit trail).

The items of a session must be completed items of a work type the scorecard applies to
(:func:`quality.services.scorecards.scorecard_applies`).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from ccops.audit import audited
from ccops.models import User
from workitems.choices import Status as ItemStatus
from workitems.models import WorkItem

from .. import calibration, reliability
from ..choices import CalibrationStatus, CriterionKind
from ..errors import Conflict, IllegalTransition, InvalidInput, NotAllowed
from ..models import CalibrationScore, CalibrationSession, Scorecard
from .common import require_qa, text
from .evaluations import evaluate_answers
from .scorecards import scorecard_criteria, scorecard_specs

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
    if not scorecard.is_current:
        raise InvalidInput("Choose the current version of the scorecard.", field="scorecard")
    mismatch = items_not_matching(scorecard, items)
    if mismatch:
        item = mismatch[0]
        raise InvalidInput(
            f"Item #{item.pk} is a {item.work_type} item: scorecard {scorecard} does not apply "
            "to that work type.",
            field="items",
        )
    if len(participants) < 2:
        raise InvalidInput("A calibration needs at least two evaluators.", field="participants")
    with transaction.atomic():
        session = CalibrationSession(
            title=title,
            scorecard=scorecard,
            reference_evaluator=reference_evaluator,
            created_by=by,
            notes=notes,
        )
        audited(session, by).save()  # the history names the creator outside a request too
        session.items.set(items)
        session.participants.set(participants.values())
    return session


def items_not_matching(scorecard: Scorecard, items: Iterable[WorkItem]) -> list[WorkItem]:
    """The items whose work type ``scorecard`` does not apply to (one query: its work types).

    The rule of :func:`quality.services.scorecards.scorecard_applies`: the scorecard's
    office (blank: both) and, when it names work types, one of them."""
    named = set(scorecard.work_types.values_list("id", flat=True))
    return [
        item
        for item in items
        if (scorecard.office and item.work_type.office != scorecard.office)
        or (named and item.work_type_id not in named)
    ]


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


@dataclass(frozen=True)
class ScoringProgress:
    """How far the blind scoring of a session is: ``missing`` is per participant id."""

    expected: int
    scored: int
    missing: dict[int, int]

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.scored >= self.expected


def calibration_progress(session: CalibrationSession) -> ScoringProgress:
    """Scores given against scores expected (every participant on every item): three
    counting queries."""
    participants = list(session.participants.values_list("id", flat=True))
    n_items = session.items.count()
    per_evaluator = Counter(
        dict(
            CalibrationScore.objects.filter(session=session, evaluator_id__in=participants)
            .values("evaluator")
            .annotate(n=Count("id"))
            .values_list("evaluator", "n")
        )
    )
    missing = {p: n_items - per_evaluator[p] for p in participants if per_evaluator[p] < n_items}
    return ScoringProgress(
        expected=len(participants) * n_items,
        scored=sum(min(per_evaluator[p], n_items) for p in participants),
        missing=missing,
    )


def calibration_session_reveal(
    *, session: CalibrationSession, by, override: bool = False, reason: str = ""
) -> CalibrationSession:
    """Close blind scoring and show everyone's scores, once.

    Only when every participant has scored every item, unless ``override`` with a
    ``reason``: the early reveal is recorded (``revealed_by``, ``reveal_overridden``,
    ``reveal_reason``, and a history record naming who and when)."""
    require_qa(by, "reveal calibration sessions")
    reason = text(reason, field="reason", max_length=2000)
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != CalibrationStatus.OPEN:
            raise IllegalTransition("This session has already been revealed.")
        progress = calibration_progress(locked)
        if progress.scored == 0:
            raise InvalidInput("Nobody has scored anything yet.")
        early = not progress.complete
        if early and not override:
            raise IllegalTransition(
                f"{progress.expected - progress.scored} of {progress.expected} scores are "
                "still missing: results are revealed once every evaluator has scored every "
                "item, or early with a reason (recorded).",
            )
        if early and not reason:
            raise InvalidInput("Say why the session is revealed early.", field="reason")
        locked.status = CalibrationStatus.REVEALED
        locked.revealed_at = timezone.now()
        locked.revealed_by = by
        locked.reveal_overridden = early
        locked.reveal_reason = reason if early else ""
        locked._change_reason = (
            f"Revealed early ({progress.scored} of {progress.expected} scores): {reason}"
            if early
            else "Revealed: every evaluator scored every item"
        )
        audited(locked, by).save()
    return locked


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


@dataclass(frozen=True)
class Reliability:
    """Chance-corrected agreement of a session: alpha per criterion (scorecard order) and
    the ICC of the total scores (None with fewer than two complete items)."""

    alphas: list[reliability.AlphaResult]
    icc: reliability.IccResult | None


def calibration_reliability(
    session: CalibrationSession, scores: Iterable[CalibrationScore] | None = None
) -> Reliability:
    """Krippendorff's alpha per criterion (nominal for yes/no criteria, ordinal for scales)
    and ICC(2,1) of the totals; see :mod:`quality.reliability`. One query for the criteria
    (and one for the scores unless given)."""
    if scores is None:
        scores = CalibrationScore.objects.filter(session=session).order_by(
            "evaluator_id", "item_id"
        )
    by_item: dict[int, dict[int, CalibrationScore]] = {}
    for sc in scores:
        by_item.setdefault(sc.item_id, {})[sc.evaluator_id] = sc
    alphas = [
        reliability.criterion_alpha(
            c.key,
            {
                item: {ev: sc.answers.get(c.key) for ev, sc in evs.items()}
                for item, evs in by_item.items()
            },
            level=reliability.ORDINAL if c.kind == CriterionKind.SCALE else reliability.NOMINAL,
        )
        for c in scorecard_criteria(session.scorecard)
    ]
    totals = {item: {ev: sc.score for ev, sc in evs.items()} for item, evs in by_item.items()}
    return Reliability(alphas=alphas, icc=reliability.total_score_icc(totals))
