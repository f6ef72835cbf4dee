"""Chance-corrected agreement of calibration: Krippendorff's alpha and the ICC. Pure, no Django.

Raw agreement (how often evaluators give the same answer, :mod:`quality.calibration`)
overstates alignment when one answer dominates: if 95% of calls are "yes" on a criterion,
two evaluators who answer at random with that prevalence agree 90% of the time. These
statistics subtract the agreement expected by chance.

Krippendorff's alpha per criterion (the ``krippendorff`` package)
    ``alpha = 1 - D_o / D_e`` (observed over expected disagreement), on the reliability
    matrix evaluators x items. Level of measurement from the criterion's scale:

    * yes/no criteria are **nominal**; "na" is a category of its own (an evaluator who says
      N/A where another says yes disagrees, as in the raw agreement);
    * graded scales (0..n) are **ordinal**; "na" is missing there (it is not a point of the
      scale), as is an unanswered criterion.

    Items with fewer than two answers carry no pairs and are ignored. ``alpha`` is None when
    no item has two answers, or when every answer is the same value (no variation: D_e = 0,
    alpha is undefined however well the evaluators agree).

ICC on total scores (numpy)
    ICC(2,1) of Shrout & Fleiss (1979) / McGraw & Wong's ICC(A,1): two-way random effects,
    absolute agreement, single rater. Absolute, because a lenient evaluator who gives every
    item 10 points more is *not* calibrated even if they rank items the same way; random,
    because the evaluators stand for any evaluator of the team. ICC(3,1) (consistency) is
    computed too for the API. Two-way ANOVA on the items x evaluators matrix of totals::

        MSR = k * sum_i (mean_i. - mean)^2 / (n - 1)          items
        MSC = n * sum_j (mean_.j - mean)^2 / (k - 1)          evaluators
        MSE = (SST - SSR - SSC) / ((n - 1)(k - 1))            residual
        ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
        ICC(3,1) = (MSR - MSE) / (MSR + (k - 1) MSE)

    The ANOVA needs a complete matrix: only items scored by every evaluator who scored
    anything are used (the reveal rule makes that every item in the normal case).

Bands (plain language)
    alpha (Krippendorff 2004, p. 241): >= .800 reliable; .667 to .800 tentative (draw only
    tentative conclusions); < .667 not reliable. ICC (Koo & Li 2016): < .50 poor,
    .50 to .75 moderate, .75 to .90 good, > .90 excellent.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import krippendorff
import numpy as np

NOMINAL = "nominal"
ORDINAL = "ordinal"
NA = "na"

ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667


@dataclass(frozen=True)
class Band:
    """A plain-language reading of a coefficient: ``key`` for styling, ``label`` to show."""

    key: str
    label: str
    meaning: str


ALPHA_BANDS = (
    (ALPHA_RELIABLE, Band("good", "reliable", "evaluators agree well beyond chance")),
    (
        ALPHA_TENTATIVE,
        Band("moderate", "tentative", "usable for tentative conclusions only; calibrate again"),
    ),
    (-math.inf, Band("poor", "not reliable", "agreement is too close to chance to rely on")),
)
ICC_BANDS = (
    (0.90, Band("good", "excellent", "totals agree almost perfectly")),
    (0.75, Band("good", "good", "totals agree well")),
    (0.50, Band("moderate", "moderate", "totals agree only moderately")),
    (-math.inf, Band("poor", "poor", "totals do not agree")),
)


def _band(value: float | None, bands) -> Band | None:
    if value is None:
        return None
    for low, band in bands:
        if value >= low:
            return band
    return None  # pragma: no cover - the last band has no lower bound


def alpha_band(alpha: float | None) -> Band | None:
    """Krippendorff's thresholds: >= .800 reliable, >= .667 tentative, else not reliable."""
    return _band(alpha, ALPHA_BANDS)


def icc_band(icc: float | None) -> Band | None:
    """Koo & Li (2016): > .90 excellent, .75-.90 good, .50-.75 moderate, < .50 poor.

    The guideline's boundaries overlap (".75 to .90"); a value exactly on one gets the
    higher band, except .90 itself, which is "good" (excellent is *above* .90)."""
    if icc is not None and icc == 0.90:
        return ICC_BANDS[1][1]
    return _band(icc, ICC_BANDS)


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha of one criterion."""

    criterion: str
    level: str
    alpha: float | None
    n_items: int  # items with at least two answers (the ones that count)
    n_answers: int  # answers on those items
    note: str = ""

    @property
    def band(self) -> Band | None:
        return alpha_band(self.alpha)


def _value(answer: object, level: str) -> object | None:
    if answer is None:
        return None
    if isinstance(answer, str):
        answer = answer.strip().lower()
        if answer == "":
            return None
    if level == ORDINAL:
        if answer == NA:
            return None
        try:
            return int(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return str(answer)


def criterion_alpha(
    criterion: str,
    answers: Mapping[Hashable, Mapping[Hashable, object]],
    *,
    level: str,
) -> AlphaResult:
    """Alpha of one criterion from ``{item: {evaluator: answer}}``; see the module docstring."""
    if level not in (NOMINAL, ORDINAL):
        raise ValueError(f"level must be {NOMINAL!r} or {ORDINAL!r}, got {level!r}")
    units: list[dict[Hashable, object]] = []
    for by_evaluator in answers.values():
        values = {ev: _value(a, level) for ev, a in by_evaluator.items()}
        values = {ev: v for ev, v in values.items() if v is not None}
        if len(values) >= 2:
            units.append(values)
    n_answers = sum(len(u) for u in units)
    if not units:
        return AlphaResult(criterion, level, None, 0, 0, "no item has two answers")
    domain = sorted({v for u in units for v in u.values()}, key=lambda v: (str(type(v)), v))
    if len(domain) < 2:
        return AlphaResult(
            criterion, level, None, len(units), n_answers, "every answer was the same"
        )
    # Ordinal: the scale points themselves (their order is the scale's); nominal: codes.
    code = {v: (v if level == ORDINAL else i) for i, v in enumerate(domain)}
    evaluators = list(dict.fromkeys(ev for u in units for ev in u))
    matrix = np.full((len(evaluators), len(units)), np.nan)
    row = {ev: i for i, ev in enumerate(evaluators)}
    for j, unit in enumerate(units):
        for ev, v in unit.items():
            matrix[row[ev], j] = code[v]
    alpha = krippendorff.alpha(
        reliability_data=matrix,
        value_domain=[code[v] for v in domain],
        level_of_measurement=level,
    )
    return AlphaResult(criterion, level, float(alpha), len(units), n_answers)


@dataclass(frozen=True)
class IccResult:
    """ICC(2,1) (the headline) and ICC(3,1) on an items x evaluators matrix of totals."""

    icc2_1: float | None
    icc3_1: float | None
    n_items: int
    n_evaluators: int
    ms_items: float
    ms_evaluators: float
    ms_error: float
    note: str = ""

    @property
    def band(self) -> Band | None:
        return icc_band(self.icc2_1)


def icc(matrix) -> IccResult:
    """ICC(2,1) and ICC(3,1) of a complete ``n items x k evaluators`` matrix (n, k >= 2)."""
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError("the ICC needs at least two items and two evaluators")
    if np.isnan(x).any():
        raise ValueError("the ICC needs a complete matrix (no missing scores)")
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ss_error = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = max(ss_error, 0.0) / ((n - 1) * (k - 1))
    den2 = msr + (k - 1) * mse + k * (msc - mse) / n
    den3 = msr + (k - 1) * mse
    note = "" if den2 > 0 else "every total was the same"
    return IccResult(
        icc2_1=float((msr - mse) / den2) if den2 > 0 else None,
        icc3_1=float((msr - mse) / den3) if den3 > 0 else None,
        n_items=n,
        n_evaluators=k,
        ms_items=float(msr),
        ms_evaluators=float(msc),
        ms_error=float(mse),
        note=note,
    )


def total_score_icc(scores: Mapping[Hashable, Mapping[Hashable, float]]) -> IccResult | None:
    """ICC of ``{item: {evaluator: total}}`` over the items every evaluator scored.

    None when fewer than two evaluators or fewer than two such items."""
    evaluators = list(dict.fromkeys(ev for by_ev in scores.values() for ev in by_ev))
    rows = [
        [float(by_ev[ev]) for ev in evaluators]
        for by_ev in scores.values()
        if all(by_ev.get(ev) is not None for ev in evaluators)
    ]
    if len(evaluators) < 2 or len(rows) < 2:
        return None
    return icc(rows)
