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

import functools
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

Method = Literal["welch", "bootstrap"]  # the legacy, unpaired methods


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
    # Filled by the paired method (``ccops.kpis.pilots``), None for the legacy methods'
    # fields they do not compute: Holm-adjusted p over the pilot's KPIs, Newey-West se,
    # effect / SD of the daily differences, the bias-corrected AR(1) rho, paired days.
    p_adjusted: float | None = None
    se: float | None = None
    effect_size: float | None = None
    rho: float | None = None
    paired_days: dict[str, int] | None = None


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


# --- Paired days, Newey-West (HAC) and a calibrated reference distribution ---------------
#
# Why: daily values are not independent. Pilot and control share the day's shocks (volume,
# outages), and a KPI's days are autocorrelated. ``compare_groups`` above treats the four
# groups as independent samples: with day-to-day correlation 0.6 its false-positive rate is
# about a third at a nominal 5 %. The paired analysis below is the default for new pilots.
#
# Model
#     d_t = pilot_t - control_t on every day both groups have a value (the pairing removes
#     the shared day-level shocks). OLS of d on a constant and a during-pilot indicator:
#     the indicator's coefficient is the difference in differences (mean d during - mean d
#     before). Its standard error is Newey-West (statsmodels ``cov_type="HAC"``, Bartlett
#     kernel, small-sample correction n / (n - k)) with ``maxlags = floor(4 (n/100)^(2/9))``
#     (Newey and West 1994).
# Reference distribution
#     With a few weeks of strongly autocorrelated days the HAC t statistic is far from
#     normal: against Student's t(n - 2) it rejects 15-19 % of true nulls at 5 % (rho 0.6,
#     20-42 days per period; measured). So its p-value comes from an AR(1) sieve bootstrap:
#     rho is estimated from the OLS residuals, bias-corrected by simulation (two rounds of
#     ``rho += rho_hat - mean rho_hat of series simulated at rho``, 200 series each), clipped
#     to [0, 0.95] and rounded to 0.01; ``n_resamples`` null series (AR(1) with a rho drawn
#     around it, see RHO_SPREAD; same design) give the distribution of |t|. The
#     simulations are seeded by (seed, design, rho) and cached, so pilots of one length
#     share them and a verdict is reproducible.
#     p = (count(|t_b| >= |t|) + 1) / (n_resamples + 1); the CI is effect +- q * se with q
#     the (1 - alpha) quantile of |t_b|. Simulated false-positive rate with rho 0.6:
#     see bench/RESULTS.md (bench/pilot_fpr.py) and tests/ccops/test_pilot_paired.py.
# Effect size
#     effect / s, s = the residual standard deviation of the daily differences (Cohen's d on
#     the paired days).
# Several KPIs
#     Holm's step-down adjustment over the pilot's KPIs (as statsmodels ``multipletests``):
#     a KPI "moved" when its adjusted p < alpha, so the chance of any false "win" among
#     them stays at most alpha.

DEFAULT_PAIRED_RESAMPLES = 999
# The reference series' rho is drawn around the estimate with this many times its
# large-sample standard error sqrt((1 - rho^2) / n): the estimate's own uncertainty, which
# a single plug-in rho ignores (then 8 % of five-KPI families had a false win after Holm,
# 1.6 % false positives at the 1 % level). 1.5 is chosen by simulation (bench/RESULTS.md).
RHO_SPREAD = 1.5
# The calibration is measured from 14 paired days per period up (bench/RESULTS.md: 4.3 to
# 5.5 % false positives at 14 to 42 days, rho 0.6); below, the verdict says it is not.
RELIABLE_PAIRED_DAYS = 14
_RHO_MAX = 0.95


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) rule: ``floor(4 * (n / 100) ** (2 / 9))``, at least 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


@dataclass(frozen=True)
class PairedResult:
    """Outcome of :func:`paired_hac` (effect and CI in the KPI's unit and sign)."""

    effect: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    p_value: float | None
    effect_size: float | None
    rho: float | None
    maxlags: int | None
    n_before: int
    n_during: int
    enough_data: bool
    alpha: float


def design(n_before: int, n_during: int) -> np.ndarray:
    return np.column_stack(
        [np.ones(n_before + n_during), np.r_[np.zeros(n_before), np.ones(n_during)]]
    )


def hac_t_stats(series: np.ndarray, x: np.ndarray, maxlags: int) -> tuple[np.ndarray, ...]:
    """Vectorised statsmodels ``OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": L,
    "use_correction": True})`` for many series at once (rows of ``series``): the last
    coefficient, its standard error and t (tests check it against statsmodels)."""
    # Two-operand einsums throughout: the arrays are small and many, and BLAS threads on a
    # shared machine cost more than they save here.
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = np.einsum("rk,kl->rl", np.einsum("rn,nk->rk", series, x), xtx_inv)
    resid = series - np.einsum("rk,nk->rn", beta, x)
    scores = resid[:, :, None] * x[None, :, :]  # (reps, n, k)
    meat = np.einsum("rni,rnj->rij", scores, scores)
    for lag in range(1, maxlags + 1):
        weight = 1 - lag / (maxlags + 1)
        g = np.einsum("rni,rnj->rij", scores[:, lag:], scores[:, :-lag])
        meat += weight * (g + np.transpose(g, (0, 2, 1)))
    bread = np.einsum("ij,rjk->rik", xtx_inv, meat)
    cov = np.einsum("rij,jk->rik", bread, xtx_inv) * n / (n - k)
    se = np.sqrt(np.maximum(cov[:, -1, -1], 0.0))
    coef = beta[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, coef / se, 0.0)
    return coef, se, t


def _ar1(rng: np.random.Generator, reps: int, n: int, rho) -> np.ndarray:
    """``reps`` stationary AR(1) series of length ``n`` (unit innovations); ``rho`` a
    number or one value per series."""
    rho = np.broadcast_to(np.asarray(rho, dtype=float), (reps,))
    e = rng.standard_normal((reps, n))
    out = np.empty_like(e)
    out[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, n):
        out[:, t] = rho * out[:, t - 1] + e[:, t]
    return out


def _lag1(resid: np.ndarray) -> np.ndarray:
    denom = np.sum(resid * resid, axis=-1)
    num = np.sum(resid[..., 1:] * resid[..., :-1], axis=-1)
    return np.where(denom > 0, num / np.where(denom > 0, denom, 1), 0.0)


@functools.lru_cache(maxsize=512)
def _mean_lag1(n_before: int, n_during: int, rho: float, seed: int) -> float:
    """Mean lag-1 autocorrelation of OLS residuals of 200 AR(1) series at ``rho``."""
    rng = np.random.default_rng([seed, n_before, n_during, round(rho * 100)])
    x = design(n_before, n_during)
    projector = x @ np.linalg.inv(x.T @ x)
    sims = _ar1(rng, 200, n_before + n_during, rho)
    sims = sims - np.einsum("rk,nk->rn", np.einsum("rn,nk->rk", sims, projector), x)
    return float(_lag1(sims).mean())


def _grid(rho: float) -> float:
    return round(min(max(rho, 0.0), _RHO_MAX), 2)


def ar1_rho(resid: np.ndarray, n_before: int, n_during: int, seed: int = 0) -> float:
    """Lag-1 autocorrelation of OLS residuals, bias-corrected by simulation (see above);
    on a grid of 0.01."""
    observed = float(_lag1(resid))
    rho = observed
    for _ in range(2):
        rho += observed - _mean_lag1(n_before, n_during, _grid(rho), seed)
    return _grid(rho)


@functools.lru_cache(maxsize=512)
def _reference(n_before: int, n_during: int, rho: float, n_resamples: int, seed: int):
    """Sorted |t| of ``n_resamples`` null AR(1) series for a design and rho (drawn once,
    seeded by them, then reused: pilots of the same length share it)."""
    rng = np.random.default_rng([seed, n_before, n_during, round(rho * 100), 1])
    n = n_before + n_during
    x = design(n_before, n_during)
    spread = RHO_SPREAD * math.sqrt(max(1 - rho**2, 0.0) / n)
    rhos = np.clip(rho + spread * rng.standard_normal(n_resamples), 0.0, _RHO_MAX)
    _, _, t = hac_t_stats(_ar1(rng, n_resamples, n, rhos), x, newey_west_lags(n))
    return np.sort(np.abs(t))


def paired_hac(
    pilot_before: dict,
    pilot_during: dict,
    control_before: dict,
    control_during: dict,
    *,
    alpha: float = 0.05,
    seed: int = 0,
    n_resamples: int = DEFAULT_PAIRED_RESAMPLES,
) -> PairedResult:
    """Paired-day difference in differences with a Newey-West standard error.

    Inputs are ``{day: value}`` for each group and period; only days present for both pilot
    and control count. Each period needs :data:`MIN_DAYS_PER_GROUP` paired days.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")

    def paired(pilot: dict, control: dict) -> np.ndarray:
        days = sorted(set(pilot) & set(control))
        return _as_array([pilot[d] - control[d] for d in days], "daily values")

    before = paired(pilot_before, control_before)
    during = paired(pilot_during, control_during)
    nb, nd = int(before.size), int(during.size)
    if nb < MIN_DAYS_PER_GROUP or nd < MIN_DAYS_PER_GROUP:
        effect = float(during.mean() - before.mean()) if nb and nd else None
        return PairedResult(effect, None, None, None, None, None, None, None, nb, nd, False, alpha)
    return _paired_from_differences(before, during, alpha, seed, n_resamples)


def _paired_from_differences(before, during, alpha, seed, n_resamples) -> PairedResult:
    import statsmodels.api as sm

    nb, nd = before.size, during.size
    y = np.r_[before, during]
    x = design(nb, nd)
    lags = newey_west_lags(nb + nd)
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    effect, se = float(fit.params[1]), float(fit.bse[1])
    resid_sd = float(np.sqrt(fit.ssr / fit.df_resid))
    effect_size = effect / resid_sd if resid_sd > 0 else None
    if se == 0.0 or not math.isfinite(se):
        p = 1.0 if effect == 0 else 0.0
        return PairedResult(
            effect, effect, effect, 0.0, p, effect_size, None, lags, nb, nd, True, alpha
        )
    rho = ar1_rho(np.asarray(fit.resid), int(nb), int(nd), seed)
    t_abs = _reference(int(nb), int(nd), rho, n_resamples, seed)
    t_obs = abs(effect / se)
    exceed = t_abs.size - int(np.searchsorted(t_abs, t_obs, side="left"))
    p = float((exceed + 1) / (n_resamples + 1))
    q = float(np.quantile(t_abs, 1 - alpha))
    return PairedResult(
        effect=effect,
        ci_low=effect - q * se,
        ci_high=effect + q * se,
        se=se,
        p_value=min(p, 1.0),
        effect_size=effect_size,
        rho=rho,
        maxlags=lags,
        n_before=int(nb),
        n_during=int(nd),
        enough_data=True,
        alpha=alpha,
    )


def holm(p_values: Sequence[float | None], alpha: float = 0.05) -> list[float | None]:
    """Holm-adjusted p-values over the values that are not None (None stays None: a KPI
    without enough data is no test). Step-down: sort ascending, multiply the i-th smallest
    (from 0) by ``m - i``, carry the running maximum, cap at 1. Equal to statsmodels
    ``multipletests(method="holm")`` (tests check it), written out because that function
    runs ``gc.collect()`` on every call (0.3 s in a loaded Django process). ``alpha`` is
    not needed for the adjusted values; it is kept for the call's symmetry."""
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    m, running = len(present), 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * float(p)))
        out[i] = running
    return out


@dataclass(frozen=True)
class Mde:
    """Minimum detectable effect of a planned pilot on one KPI (KPI unit, absolute)."""

    mde: float | None
    sd: float | None
    rho: float | None
    history_days: int
    n_before: int
    n_during: int
    alpha: float
    power: float


def minimum_detectable_effect(
    history: Sequence[float],
    *,
    n_before: int,
    n_during: int,
    alpha: float = 0.05,
    power: float = 0.8,
) -> Mde:
    """The smallest true effect the paired test finds with probability ``power``.

    ``history``: past daily paired differences (pilot - control) in day order. From it,
    the day-to-day standard deviation ``s`` (ddof=1) and lag-1 autocorrelation ``rho``
    (clipped to [0, 0.95]). With ``w`` = -1/n_before on baseline days and 1/n_during on
    pilot days, the effect's standard error under AR(1) days is
    ``se = s * sqrt(w' R w)``, ``R[i, j] = rho^|i - j|``, and
    ``MDE = (z(1 - alpha/2) + z(power)) * se``. Needs :data:`MIN_DAYS_PER_GROUP` days of
    history and of each period, else ``mde`` is None.
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be between 0 and 1")
    values = _as_array(history, "history")
    if values.size < MIN_DAYS_PER_GROUP or min(n_before, n_during) < MIN_DAYS_PER_GROUP:
        return Mde(None, None, None, int(values.size), n_before, n_during, alpha, power)
    sd = float(values.std(ddof=1))
    centred = values - values.mean()
    rho = float(_lag1(centred)) if sd > 0 else 0.0
    rho = min(max(rho, 0.0), _RHO_MAX)
    n = n_before + n_during
    w = np.r_[np.full(n_before, -1.0 / n_before), np.full(n_during, 1.0 / n_during)]
    idx = np.arange(n)
    corr = rho ** np.abs(idx[:, None] - idx[None, :])
    se = sd * math.sqrt(float(w @ corr @ w))
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    return Mde(z * se, sd, rho, int(values.size), n_before, n_during, alpha, power)


def paired_verdict(
    result: PairedResult,
    p_adjusted: float | None,
    *,
    family: int,
    higher_is_better: bool,
    metric: str = "the KPI",
    unit: str = "",
    decimals: int = 1,
) -> str:
    """The sentence for one KPI of a pilot: direction and size, CI, raw and Holm-adjusted p
    (over ``family`` KPIs), effect size; "moved" when the adjusted p < alpha."""
    if not result.enough_data or p_adjusted is None:
        return (
            f"Not enough data yet: each period needs at least {MIN_DAYS_PER_GROUP} days on "
            f"which both groups have a value (before {result.n_before}, during "
            f"{result.n_during})."
        )
    assert result.effect is not None and result.p_value is not None
    moved = p_adjusted < result.alpha
    improvement = result.effect if higher_is_better else -result.effect
    imp_low, imp_high = sorted(
        c if higher_is_better else -c for c in (result.ci_low, result.ci_high)
    )
    if round(improvement, decimals) == 0:
        word, size, low, high = "changed", 0.0, imp_low, imp_high
    elif improvement > 0:
        word, size, low, high = "improved", improvement, imp_low, imp_high
    else:
        word, size, low, high = "worsened", -improvement, -imp_high, -imp_low
    level = f"{(1 - result.alpha) * 100:g}%"
    adjusted = (
        f"Holm-adjusted over {family} KPIs {_fmt_p(p_adjusted)}"
        if family > 1
        else f"{_fmt_p(p_adjusted)}"
    )
    size_text = "" if result.effect_size is None else f", effect size {result.effect_size:.2f} SD"
    detail = (
        f"{metric} by {_fmt(size, decimals, unit)} relative to control on paired days "
        f"({level} CI {_fmt(low, decimals, '')} to {_fmt(high, decimals, '')}; {adjusted}"
        f"{size_text})"
    )
    caution = ""
    if min(result.n_before, result.n_during) < RELIABLE_PAIRED_DAYS:
        caution = (
            f" Caution: fewer than {RELIABLE_PAIRED_DAYS} paired days in a period; the "
            "test's false-positive rate with strongly autocorrelated days was not verified "
            "for periods this short."
        )
    if moved:
        return (
            f"The pilot group {word} {detail}: this KPI moved (statistically significant)."
            + caution
        )
    return (
        f"No significant difference: the pilot group {word} {detail}, "
        "which is within what chance alone could produce." + caution
    )
