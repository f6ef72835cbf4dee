"""QA calibration: how far apart evaluators are when they score the same interactions.

Pure functions, no Django. Input of :func:`agreement` is
``{evaluator: {item: evaluation}}`` where an evaluation is anything with ``score`` (the total,
0..100), ``answers`` (``{criterion key: answer}``) and ``points`` (``{criterion key: points
earned or None}``) -- a :class:`quality.scoring.ScoreResult` qualifies, or use
:class:`Evaluation`. Evaluators and items may be any hashable ids; not every evaluator has to
score every item.

Definitions (all statistics are floats; every standard deviation is the *population* standard
deviation, ddof=0, because the calibrating evaluators are the whole group being described, not
a sample of one; "mean" is the arithmetic mean):

Answers
    Compared after normalisation (strings stripped and lower-cased). ``None`` (unanswered) is
    ignored; ``"na"`` is an answer like any other, so N/A against yes is a disagreement.

Per item
    ``item_mean_score``: mean of the totals of the evaluators who scored the item (the reference
    evaluator included). ``item_score_std``: std dev of those totals, None with fewer than 2.

Per evaluator
    ``deviation_from_group[item] = own total - item mean score``;
    ``deviation_from_reference[item] = own total - reference's total`` on items both scored.
    The means of these (signed: a lenient or harsh bias) and of their absolute values (how far
    off, whatever the direction) are reported; None where there is nothing to average.

Per (item, criterion) cell -- only cells with at least 2 answers are kept
    ``distinct_answers``: number of different answers; ``modal_answer``: the most frequent one
    (ties go to the answer given first, in evaluator order) and ``modal_count`` how many gave
    it; ``modal_share = modal_count / answers in the cell``; ``unanimous``: all answers equal;
    ``points_std``: std dev of the points earned (N/A excluded), None with fewer than 2 points.

Per criterion (over its cells)
    ``mean_distinct_answers``: mean of ``distinct_answers`` (1.0 is perfect);
    ``modal_agreement``: answers equal to their cell's modal answer / all answers;
    ``unanimous_share``: unanimous cells / cells; ``points_std``: mean of the cells'
    ``points_std`` (cells with None skipped); ``reference_agreement``: share of the other
    evaluators' answers equal to the reference's answer in the same cell (None without one).

Overall
    (a) ``unanimous_share``: unanimous cells / all cells, i.e. the share of (item, criterion)
    pairs where every evaluator gave the same answer; (b) ``mean_item_score_std``: mean of
    ``item_score_std`` over items with at least 2 totals.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

Answer = str | int | None
Number = Decimal | float | int


class ScoredEvaluation(Protocol):
    """What :func:`agreement` needs from one evaluation (ScoreResult has all three)."""

    @property
    def score(self) -> Number | None: ...

    @property
    def answers(self) -> Mapping[str, Answer]: ...

    @property
    def points(self) -> Mapping[str, Number | None]: ...


@dataclass(frozen=True)
class Evaluation:
    """A minimal evaluation for callers that do not hold a ScoreResult."""

    score: Number | None
    answers: Mapping[str, Answer]
    points: Mapping[str, Number | None] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluatorStats:
    """One evaluator against the group and against the reference."""

    evaluator: Hashable
    n_items: int
    mean_score: float | None
    deviation_from_group: dict[Hashable, float]
    mean_deviation_from_group: float | None
    mean_abs_deviation_from_group: float | None
    deviation_from_reference: dict[Hashable, float]
    mean_deviation_from_reference: float | None
    mean_abs_deviation_from_reference: float | None


@dataclass(frozen=True)
class CellStats:
    """The answers given to one criterion on one item."""

    item: Hashable
    criterion: str
    answers: dict[Hashable, Answer]
    distinct_answers: int
    modal_answer: Answer
    modal_count: int
    modal_share: float
    unanimous: bool
    points_std: float | None


@dataclass(frozen=True)
class CriterionStats:
    """Spread of the answers to one criterion across items."""

    criterion: str
    n_items: int
    mean_distinct_answers: float
    modal_agreement: float
    unanimous_share: float
    points_std: float | None
    reference_agreement: float | None


@dataclass(frozen=True)
class CalibrationReport:
    """Everything :func:`agreement` computes; see the module docstring for definitions."""

    reference: Hashable | None
    evaluators: dict[Hashable, EvaluatorStats]
    item_mean_score: dict[Hashable, float]
    item_score_std: dict[Hashable, float | None]
    mean_item_score_std: float | None
    cells: dict[tuple[Hashable, str], CellStats]
    criteria: dict[str, CriterionStats]
    unanimous_share: float | None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _norm(answer: object) -> Answer:
    if isinstance(answer, str):
        text = answer.strip().lower()
        return None if text == "" else text
    return answer  # type: ignore[return-value]


def _cell(
    item: Hashable,
    criterion: str,
    evaluations: dict[Hashable, ScoredEvaluation],
) -> CellStats | None:
    answers: dict[Hashable, Answer] = {}
    points: list[float] = []
    for evaluator, evaluation in evaluations.items():
        answer = _norm(evaluation.answers.get(criterion))
        if answer is None:
            continue
        answers[evaluator] = answer
        point = (evaluation.points or {}).get(criterion)
        if point is not None:
            points.append(float(point))
    if len(answers) < 2:
        return None  # nothing to compare
    # Counter.most_common is stable: on a tie the answer seen first (evaluator order) wins.
    modal_answer, modal_count = Counter(answers.values()).most_common(1)[0]
    distinct = len(set(answers.values()))
    return CellStats(
        item=item,
        criterion=criterion,
        answers=answers,
        distinct_answers=distinct,
        modal_answer=modal_answer,
        modal_count=modal_count,
        modal_share=modal_count / len(answers),
        unanimous=distinct == 1,
        points_std=statistics.pstdev(points) if len(points) >= 2 else None,
    )


def agreement(
    scores: Mapping[Hashable, Mapping[Hashable, ScoredEvaluation]],
    reference: Hashable | None = None,
) -> CalibrationReport:
    """Compute calibration statistics; ``reference`` names the expert evaluator, if any.

    Raises ``ValueError`` if ``reference`` is given but has no evaluations in ``scores``.
    Dicts in the report follow the order in which evaluators, items and criteria first appear.
    """
    if reference is not None and reference not in scores:
        raise ValueError(f"reference evaluator {reference!r} has no evaluations")

    # Regroup by item: {item: {evaluator: evaluation}}, keeping first-seen order.
    by_item: dict[Hashable, dict[Hashable, ScoredEvaluation]] = {}
    for evaluator, items in scores.items():
        for item, evaluation in items.items():
            by_item.setdefault(item, {})[evaluator] = evaluation

    item_mean: dict[Hashable, float] = {}
    item_std: dict[Hashable, float | None] = {}
    for item, evaluations in by_item.items():
        totals = [float(e.score) for e in evaluations.values() if e.score is not None]
        if totals:
            item_mean[item] = statistics.fmean(totals)
            item_std[item] = statistics.pstdev(totals) if len(totals) >= 2 else None

    reference_totals: dict[Hashable, float] = {}
    if reference is not None:
        reference_totals = {
            item: float(e.score) for item, e in scores[reference].items() if e.score is not None
        }

    evaluators: dict[Hashable, EvaluatorStats] = {}
    for evaluator, items in scores.items():
        own = {item: float(e.score) for item, e in items.items() if e.score is not None}
        from_group = {item: total - item_mean[item] for item, total in own.items()}
        from_reference = {
            item: total - reference_totals[item]
            for item, total in own.items()
            if item in reference_totals
        }
        evaluators[evaluator] = EvaluatorStats(
            evaluator=evaluator,
            n_items=len(own),
            mean_score=_mean(list(own.values())),
            deviation_from_group=from_group,
            mean_deviation_from_group=_mean(list(from_group.values())),
            mean_abs_deviation_from_group=_mean([abs(v) for v in from_group.values()]),
            deviation_from_reference=from_reference,
            mean_deviation_from_reference=_mean(list(from_reference.values())),
            mean_abs_deviation_from_reference=_mean([abs(v) for v in from_reference.values()]),
        )

    cells: dict[tuple[Hashable, str], CellStats] = {}
    for item, evaluations in by_item.items():
        keys: dict[str, None] = {}  # ordered set of criterion keys seen on this item
        for evaluation in evaluations.values():
            keys.update(dict.fromkeys(evaluation.answers))
        for criterion in keys:
            cell = _cell(item, criterion, evaluations)
            if cell is not None:
                cells[(item, criterion)] = cell

    by_criterion: dict[str, list[CellStats]] = {}
    for cell in cells.values():
        by_criterion.setdefault(cell.criterion, []).append(cell)
    criteria: dict[str, CriterionStats] = {}
    for criterion, group in by_criterion.items():
        n_answers = sum(len(c.answers) for c in group)
        modal_answers = sum(c.modal_count for c in group)
        ref_matches: list[bool] = []
        if reference is not None:
            for c in group:
                if reference in c.answers:
                    ref_answer = c.answers[reference]
                    ref_matches.extend(
                        a == ref_answer for ev, a in c.answers.items() if ev != reference
                    )
        criteria[criterion] = CriterionStats(
            criterion=criterion,
            n_items=len(group),
            mean_distinct_answers=statistics.fmean(c.distinct_answers for c in group),
            modal_agreement=modal_answers / n_answers,
            unanimous_share=sum(c.unanimous for c in group) / len(group),
            points_std=_mean([c.points_std for c in group if c.points_std is not None]),
            reference_agreement=_mean([float(m) for m in ref_matches]),
        )

    stds = [s for s in item_std.values() if s is not None]
    return CalibrationReport(
        reference=reference,
        evaluators=evaluators,
        item_mean_score=item_mean,
        item_score_std=item_std,
        mean_item_score_std=_mean(stds),
        cells=cells,
        criteria=criteria,
        unanimous_share=(sum(c.unanimous for c in cells.values()) / len(cells)) if cells else None,
    )
