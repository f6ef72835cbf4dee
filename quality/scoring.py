"""QA scorecard scoring: pure functions, no Django, no database.

A scorecard is a list of :class:`CriterionSpec`; an evaluation is a dict of answers keyed by
criterion key. :func:`score` turns both into a :class:`ScoreResult`.

Answers
    ``yes_no`` criteria take ``"yes"``, ``"no"`` or ``"na"``; ``scale`` criteria take a whole
    number from 0 to ``scale_max`` (an int, or a string of digits as posted by a form) or
    ``"na"``. Strings are matched case-insensitively after stripping; ``"n/a"`` is read as
    ``"na"``. ``None`` or an empty string means unanswered.

Points
    ``yes`` earns the criterion's weight, ``no`` earns 0; a scale answer ``a`` earns
    ``a / scale_max * weight``. ``na`` removes the criterion from both points earned and points
    possible. An unanswered criterion that is not ``required`` is treated exactly like N/A.

Score (the DOMAIN.md QA score)
    ``score = points earned / points possible * 100`` over the applicable (non-N/A) criteria,
    computed with exact fractions and rounded once, to 2 decimals, ROUND_HALF_UP (2/3 -> 66.67).

Missed and critical
    A criterion is *missed* when a yes/no criterion is answered ``no`` or a scale criterion is
    answered below ``scale_max``. A *critical failure* is a critical criterion answered ``no``
    (yes/no) or ``0`` (scale). Any critical failure sets the score to 0 and ``passed`` to False;
    the point totals and section subtotals keep the raw points so a coach can still see where
    points were lost.

Pass
    ``passed = not critical_failed and score >= pass_mark`` (pass mark is a percentage).

Nothing applicable
    If every criterion is N/A or unanswered-and-optional (or the applicable criteria all weigh 0)
    there is nothing to score: :func:`validate` reports it under the ``"__all__"`` key and
    :func:`score` raises :class:`ScoringError`. We refuse rather than return 100 or 0 because
    either number would enter the agent's QA average as if the interaction had been judged.

Validation
    :func:`validate` returns ``{key: [messages]}`` (empty when valid); every message names the
    criterion. :func:`score` raises :class:`ScoringError` carrying that dict when it is not
    empty. A malformed scorecard (duplicate keys, negative weight, scale without ``scale_max``)
    is a configuration error and raises plain ``ValueError`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal, NamedTuple

YES = "yes"
NO = "no"
NA = "na"
YES_NO = "yes_no"
SCALE = "scale"
#: Key under which errors that concern the whole evaluation are reported (as in Django forms).
NON_FIELD_ERRORS = "__all__"

#: Score and section percentages are rounded to this.
SCORE_PLACES = Decimal("0.01")
#: Point totals are reported to this (scale answers can give non-terminating fractions).
POINTS_PLACES = Decimal("0.0001")

Answer = str | int | None
Number = Decimal | float | int
Kind = Literal["yes_no", "scale"]


class ScoringError(ValueError):
    """The answers cannot be scored; ``errors`` maps criterion key (or ``"__all__"``) to
    messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))


def _to_decimal(value: Number, what: str) -> Decimal:
    # str() first so that a float like 0.1 becomes Decimal("0.1"), not its binary expansion.
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a number, got {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


@dataclass(frozen=True)
class CriterionSpec:
    """One line of a scorecard.

    ``weight`` is the points the criterion is worth (Decimal, float or int; stored as Decimal).
    ``scale_max`` is used only by ``scale`` criteria and must then be at least 1.
    """

    key: str
    section: str
    weight: Decimal
    kind: Kind = YES_NO
    scale_max: int = 0
    critical: bool = False
    na_allowed: bool = False
    required: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"criterion key must be a non-empty string, got {self.key!r}")
        weight = _to_decimal(self.weight, f"weight of criterion {self.key!r}")
        if weight < 0:
            raise ValueError(f"weight of criterion {self.key!r} must not be negative")
        # Frozen dataclass: normalising a field needs object.__setattr__.
        object.__setattr__(self, "weight", weight)
        if self.kind not in (YES_NO, SCALE):
            raise ValueError(f"criterion {self.key!r}: kind must be 'yes_no' or 'scale'")
        if self.kind == SCALE and (
            isinstance(self.scale_max, bool)
            or not isinstance(self.scale_max, int)
            or self.scale_max < 1
        ):
            raise ValueError(f"scale criterion {self.key!r} needs an integer scale_max >= 1")


class SectionScore(NamedTuple):
    """Subtotal of one section: raw points (4 decimals) and percent (None if nothing
    applicable)."""

    earned: Decimal
    possible: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class ScoreResult:
    """Outcome of :func:`score`.

    ``answers`` holds the normalised answer of every criterion (None = unanswered);
    ``points`` the points earned per criterion, None where not applicable. Lists and dicts
    follow scorecard order.
    """

    score: Decimal
    points_earned: Decimal
    points_possible: Decimal
    passed: bool
    critical_failed: bool
    failed_criteria: list[str] = field(default_factory=list)
    critical_failures: list[str] = field(default_factory=list)
    sections: dict[str, SectionScore] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    points: dict[str, Decimal | None] = field(default_factory=dict)


def _check_scorecard(criteria: Sequence[CriterionSpec]) -> None:
    seen: set[str] = set()
    for spec in criteria:
        if spec.key in seen:
            raise ValueError(f"duplicate criterion key {spec.key!r} in scorecard")
        seen.add(spec.key)


def _normalise(spec: CriterionSpec, raw: object) -> tuple[Answer, str | None]:
    """Return (normalised answer, error message or None) for one criterion."""
    name = f"Criterion '{spec.key}'"
    if raw is None:
        value: Answer = None
    elif isinstance(raw, str):
        text = raw.strip().lower()
        value = None if text == "" else NA if text == "n/a" else text
    elif isinstance(raw, bool):
        # bool is an int subclass; True must not silently mean "scale answer 1".
        return None, f"{name} got {raw!r}; answer yes, no, na or a number."
    elif isinstance(raw, int):
        value = raw
    else:
        return None, f"{name} got an answer of unsupported type {type(raw).__name__}."

    if value is None:
        if spec.required:
            return None, f"{name} is required but was not answered."
        return None, None
    if value == NA:
        if not spec.na_allowed:
            return NA, f"{name} does not allow N/A."
        return NA, None

    if spec.kind == YES_NO:
        if value in (YES, NO):
            return value, None
        return None, f"{name} expects yes, no or na; got {raw!r}."

    # Scale criterion: a whole number in range, possibly posted as a string of digits.
    if isinstance(value, str):
        if not value.lstrip("-").isdigit():
            return None, f"{name} expects a whole number from 0 to {spec.scale_max}; got {raw!r}."
        value = int(value)
    if not 0 <= value <= spec.scale_max:
        return None, f"{name} expects a whole number from 0 to {spec.scale_max}; got {raw!r}."
    return value, None


def _earned(spec: CriterionSpec, answer: Answer) -> Fraction | None:
    """Exact points earned, or None when the criterion is not applicable."""
    if answer is None or answer == NA:
        return None
    weight = Fraction(spec.weight)
    if spec.kind == YES_NO:
        return weight if answer == YES else Fraction(0)
    assert isinstance(answer, int)
    return Fraction(answer, spec.scale_max) * weight


def _round(value: Fraction, places: Decimal) -> Decimal:
    # Exact ROUND_HALF_UP on a fraction: no intermediate float or 28-digit Decimal division.
    scale = 10 ** -places.as_tuple().exponent
    scaled = value * scale
    sign = -1 if scaled < 0 else 1
    units = math.floor(abs(scaled) + Fraction(1, 2)) * sign
    return (Decimal(units) / Decimal(scale)).quantize(places, rounding=ROUND_HALF_UP)


def _percent(earned: Fraction, possible: Fraction) -> Decimal | None:
    return None if possible == 0 else _round(earned / possible * 100, SCORE_PLACES)


def _normalise_all(
    criteria: Sequence[CriterionSpec], answers: Mapping[str, object]
) -> tuple[dict[str, Answer], dict[str, list[str]]]:
    _check_scorecard(criteria)
    errors: dict[str, list[str]] = {}
    normalised: dict[str, Answer] = {}
    for spec in criteria:
        value, error = _normalise(spec, answers.get(spec.key))
        normalised[spec.key] = value
        if error:
            errors.setdefault(spec.key, []).append(error)
    known = {spec.key for spec in criteria}
    for key in answers:
        if key not in known:
            errors.setdefault(str(key), []).append(f"Unknown criterion '{key}'.")
    if not errors:
        possible = sum(
            (spec.weight for spec in criteria if _earned(spec, normalised[spec.key]) is not None),
            Decimal(0),
        )
        if possible == 0:
            errors[NON_FIELD_ERRORS] = [
                "No applicable criteria: every criterion is N/A, unanswered or weighs 0, "
                "so there is nothing to score."
            ]
    return normalised, errors


def validate(
    criteria: Sequence[CriterionSpec], answers: Mapping[str, object]
) -> dict[str, list[str]]:
    """Check answers against a scorecard; return ``{key: [messages]}``, empty when valid.

    Checks: every required criterion answered; yes/no answers in yes/no/na; scale answers whole
    numbers within 0..scale_max; N/A only where ``na_allowed``; no unknown keys; and (only when
    everything else is valid) at least one applicable criterion with positive weight, reported
    under ``"__all__"``. Raises ``ValueError`` for a malformed scorecard (duplicate keys).
    """
    return _normalise_all(criteria, answers)[1]


def score(
    criteria: Sequence[CriterionSpec], answers: Mapping[str, object], pass_mark: Number
) -> ScoreResult:
    """Score one evaluation; see the module docstring for every rule.

    ``pass_mark`` is a percentage in 0..100. Raises :class:`ScoringError` when
    :func:`validate` finds anything, ``ValueError`` for a bad pass mark or scorecard.
    """
    mark = _to_decimal(pass_mark, "pass_mark")
    if not 0 <= mark <= 100:
        raise ValueError(f"pass_mark must be between 0 and 100, got {pass_mark!r}")
    normalised, errors = _normalise_all(criteria, answers)
    if errors:
        raise ScoringError(errors)

    total_earned = Fraction(0)
    total_possible = Fraction(0)
    section_totals: dict[str, list[Fraction]] = {}
    points: dict[str, Decimal | None] = {}
    failed: list[str] = []
    critical_failures: list[str] = []
    for spec in criteria:
        answer = normalised[spec.key]
        subtotal = section_totals.setdefault(spec.section, [Fraction(0), Fraction(0)])
        earned = _earned(spec, answer)
        if earned is None:
            points[spec.key] = None
            continue
        possible = Fraction(spec.weight)
        total_earned += earned
        total_possible += possible
        subtotal[0] += earned
        subtotal[1] += possible
        points[spec.key] = _round(earned, POINTS_PLACES)
        if spec.kind == YES_NO:
            missed = answer == NO
        else:
            assert isinstance(answer, int)
            missed = answer < spec.scale_max
        if missed:
            failed.append(spec.key)
        if spec.critical and answer in (NO, 0):
            critical_failures.append(spec.key)

    critical_failed = bool(critical_failures)
    percent = _percent(total_earned, total_possible)
    assert percent is not None  # validate() guarantees points possible > 0
    final = Decimal("0.00") if critical_failed else percent
    return ScoreResult(
        score=final,
        points_earned=_round(total_earned, POINTS_PLACES),
        points_possible=_round(total_possible, POINTS_PLACES),
        passed=not critical_failed and final >= mark,
        critical_failed=critical_failed,
        failed_criteria=failed,
        critical_failures=critical_failures,
        sections={
            name: SectionScore(
                _round(earned, POINTS_PLACES),
                _round(possible, POINTS_PLACES),
                _percent(earned, possible),
            )
            for name, (earned, possible) in section_totals.items()
        },
        answers=normalised,
        points=points,
    )


def max_points(criteria: Iterable[CriterionSpec]) -> Decimal:
    """Sum of all weights: the points possible when nothing is N/A."""
    return sum((spec.weight for spec in criteria), Decimal(0))


def normalise(
    criteria: Sequence[CriterionSpec], answers: Mapping[str, object]
) -> tuple[dict[str, Answer], dict[str, list[str]]]:
    """The normalised answers (None = unanswered) and the errors :func:`validate` reports.

    For callers that store answers as typed (e.g. a draft) even when they cannot be scored yet.
    """
    return _normalise_all(criteria, answers)
