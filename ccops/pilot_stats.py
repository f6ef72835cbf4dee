"""Pilot versus control: did the pilot change a daily KPI? Pure functions, no Django.

Design: difference in differences over daily values of one KPI (e.g. AHT in seconds per day)
for a pilot group and a control group, each observed before and during the pilot::

    effect = (mean pilot during - mean pilot before) - (mean control during - mean control before)

A positive effect means the KPI rose in the pilot group relative to control; whether that is an
improvement depends on ``higher_is_better`` (False for AHT, abandonment, backlog...). The four
groups are treated as independent samples of daily values (days are not paired).

Methods
    ``"welch"``: standard error ``se = sqrt(sum(s_i**2 / n_i))`` over the four groups (sample
    variances, ddof=1); degrees of freedom by Welch-Satterthwaite generalised to four groups,
    ``df = (sum v_i)**2 / sum(v_i**2 / (n_i - 1))`` with ``v_i = s_i**2 / n_i``; two-sided p
    and the ``1 - alpha`` confidence interval from Student's t with ``df``. If every group is
    constant (se = 0) the effect is exact: CI = [effect, effect], p = 1 if it is 0, else 0.

    ``"bootstrap"``: each group is resampled with replacement (``numpy.random.default_rng(seed)``,
    ``n_resamples`` = 2000 by default) and the effect recomputed; the CI is the percentile
    interval (``alpha/2`` and ``1 - alpha/2`` quantiles); the two-sided p is twice the smaller
    tail share of resampled effects at or beyond 0, with the +1 correction
    ``(count + 1) / (n_resamples + 1)`` so p is never exactly 0, capped at 1. This inverts the
    percentile interval: p < alpha roughly when the CI excludes 0.

Minimum data
    Every group needs at least :data:`MIN_DAYS_PER_GROUP` (5) daily values: fewer leave the
    variance of a group too unstable for either method to mean anything (a week of working
    days is the smallest period a pilot should be judged on). Below that, ``enough_data`` is
    False, the effect is still given when every group has a value, CI and p are None, and the
    verdict starts "Not enough data yet:".

Significance: ``p_value < alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

MIN_DAYS_PER_GROUP = 5
DEFAULT_RESAMPLES = 2000
GROUPS = ("pilot_before", "pilot_during", "control_before", "control_during")
_GROUP_LABELS = {
    "pilot_before": "pilot before",
    "pilot_during": "pilot during",
    "control_before": "control before",
    "control_during": "control during",
}
# Weights of the four group means in the effect, in GROUPS order.
_SIGNS = np.array([-1.0, 1.0, 1.0, -1.0])

Method = Literal["welch", "bootstrap"]


@dataclass(frozen=True)
class PilotResult:
    """Outcome of :func:`compare_groups`.

    ``effect``, ``ci_low`` and ``ci_high`` are in the KPI's own unit and sign (positive = the
    KPI rose in the pilot relative to control). ``n`` and ``means`` are keyed by
    :data:`GROUPS`. ``significant`` is ``p_value < alpha`` (False without enough data).
    """

    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n: dict[str, int]
    means: dict[str, float | None]
    enough_data: bool
    significant: bool
    method: str
    alpha: float
    verdict: str


def _as_array(values: Sequence[float], name: str) -> np.ndarray:
    array = np.asarray(list(values), dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a flat list of daily values")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains a missing or infinite value")
    return array


def _did(means: Sequence[float]) -> float:
    pilot_before, pilot_during, control_before, control_during = means
    return (pilot_during - pilot_before) - (control_during - control_before)


def _welch(groups: list[np.ndarray], effect: float, alpha: float) -> tuple[float, float, float]:
    v = np.array([g.var(ddof=1) / g.size for g in groups])
    se = math.sqrt(float(v.sum()))
    if se == 0.0:
        # Every group constant: the effect is known exactly.
        return effect, effect, (1.0 if effect == 0 else 0.0)
    dof_terms = np.array([vi**2 / (g.size - 1) for vi, g in zip(v, groups, strict=True)])
    df = float(v.sum() ** 2 / dof_terms.sum())
    t_stat = effect / se
    p = float(2 * stats.t.sf(abs(t_stat), df))
    half_width = float(stats.t.ppf(1 - alpha / 2, df)) * se
    return effect - half_width, effect + half_width, min(p, 1.0)


def _bootstrap(
    groups: list[np.ndarray], alpha: float, seed: int, n_resamples: int
) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    boot_means = np.empty((n_resamples, len(groups)))
    for j, g in enumerate(groups):
        idx = rng.integers(0, g.size, size=(n_resamples, g.size))
        boot_means[:, j] = g[idx].mean(axis=1)
    effects = boot_means @ _SIGNS
    low, high = np.quantile(effects, [alpha / 2, 1 - alpha / 2])
    at_or_below = (np.count_nonzero(effects <= 0) + 1) / (n_resamples + 1)
    at_or_above = (np.count_nonzero(effects >= 0) + 1) / (n_resamples + 1)
    p = min(1.0, 2 * min(at_or_below, at_or_above))
    return float(low), float(high), float(p)


def _fmt(value: float, decimals: int, unit: str) -> str:
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no "-0.0"
    return f"{text} {unit}" if unit else text


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _verdict(
    effect: float,
    ci: tuple[float, float],
    p: float,
    significant: bool,
    *,
    higher_is_better: bool,
    alpha: float,
    metric: str,
    unit: str,
    decimals: int,
) -> str:
    # Express effect and CI as an improvement (positive = better) so the words and the
    # numbers point the same way, whichever direction is good for this KPI.
    improvement = effect if higher_is_better else -effect
    imp_low, imp_high = sorted(c if higher_is_better else -c for c in ci)
    if round(improvement, decimals) == 0:
        word, size, low, high = "changed", 0.0, imp_low, imp_high
    elif improvement > 0:
        word, size, low, high = "improved", improvement, imp_low, imp_high
    else:
        word, size, low, high = "worsened", -improvement, -imp_high, -imp_low
    level = f"{(1 - alpha) * 100:g}%"
    detail = (
        f"{metric} by {_fmt(size, decimals, unit)} relative to control "
        f"({level} CI {_fmt(low, decimals, '')} to {_fmt(high, decimals, '')}, {_fmt_p(p)})"
    )
    if significant:
        return f"The pilot group {word} {detail}: the effect is statistically significant."
    return (
        f"No significant difference: the pilot group {word} {detail}, "
        "which is within what chance alone could produce."
    )


def compare_groups(
    pilot_before: Sequence[float],
    pilot_during: Sequence[float],
    control_before: Sequence[float],
    control_during: Sequence[float],
    *,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    method: Method = "welch",
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
    metric: str = "the KPI",
    unit: str = "",
    decimals: int = 1,
) -> PilotResult:
    """Difference-in-differences comparison of a pilot group with a control group.

    Inputs are daily values of one KPI. ``metric`` (e.g. "AHT"), ``unit`` (e.g. "s") and
    ``decimals`` only shape the verdict sentence. See the module docstring for the rules.
    Raises ``ValueError`` for a bad ``alpha``, ``method`` or ``n_resamples``, or for
    non-finite values.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if method not in ("welch", "bootstrap"):
        raise ValueError(f"method must be 'welch' or 'bootstrap', got {method!r}")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    groups = [
        _as_array(values, name)
        for values, name in zip(
            (pilot_before, pilot_during, control_before, control_during), GROUPS, strict=True
        )
    ]
    n = {name: int(g.size) for name, g in zip(GROUPS, groups, strict=True)}
    means = {
        name: (float(g.mean()) if g.size else None) for name, g in zip(GROUPS, groups, strict=True)
    }
    effect = _did([float(g.mean()) for g in groups]) if all(g.size for g in groups) else None

    short = [name for name in GROUPS if n[name] < MIN_DAYS_PER_GROUP]
    if short:
        counts = ", ".join(f"{_GROUP_LABELS[name]} {n[name]}" for name in GROUPS)
        verdict = (
            f"Not enough data yet: each group needs at least {MIN_DAYS_PER_GROUP} daily values "
            f"({counts})."
        )
        return PilotResult(
            effect=effect,
            ci_low=None,
            ci_high=None,
            p_value=None,
            n=n,
            means=means,
            enough_data=False,
            significant=False,
            method=method,
            alpha=alpha,
            verdict=verdict,
        )

    assert effect is not None
    if method == "welch":
        ci_low, ci_high, p = _welch(groups, effect, alpha)
    else:
        ci_low, ci_high, p = _bootstrap(groups, alpha, seed, n_resamples)
    significant = p < alpha
    return PilotResult(
        effect=effect,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p,
        n=n,
        means=means,
        enough_data=True,
        significant=significant,
        method=method,
        alpha=alpha,
        verdict=_verdict(
            effect,
            (ci_low, ci_high),
            p,
            significant,
            higher_is_better=higher_is_better,
            alpha=alpha,
            metric=metric,
            unit=unit,
            decimals=decimals,
        ),
    )
