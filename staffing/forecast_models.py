"""Forecast model selection (pure: numpy/pandas in, dataclasses out; no Django).

Candidates, each a statsmodels model or a rule a planner can check by hand:

* ``seasonal_naive``: each period repeats the same slot of the last full (longest) season;
  the benchmark every other model must beat;
* ``hw_add_damped``: Holt-Winters, additive damped trend, additive season (statsmodels
  ``ExponentialSmoothing(trend="add", damped_trend=True, seasonal="add")``);
* ``hw_mul_damped``: the same with a multiplicative season (only for strictly positive
  series: a multiplicative season cannot start from a zero);
* ``mstl_ets`` (series with two seasons, e.g. a day and a week of 30-minute intervals):
  statsmodels ``MSTL`` splits off both seasons; the deseasonalised rest is forecast by
  Holt's damped trend (``ExponentialSmoothing(trend="add", damped_trend=True)``) and each
  seasonal component is continued by repeating its last cycle.

Selection: a rolling-origin backtest. With ``origins`` = k, the model is fitted on the
history up to ``n - k*step``, ``n - (k-1)*step``, ..., ``n - step`` and forecasts the next
``step`` periods (a week: the longest season) each time; its WAPE is
``sum |actual - forecast| / sum actual`` over all those held-out periods. The lowest WAPE
wins (ties go to the simpler model, in the order above); the seasonal-naive WAPE is kept
beside it.

Prediction intervals: empirical quantiles of the chosen model's backtest errors, scaled like
count data (``z = (actual - forecast) / sqrt(max(forecast, 1))``); the band is ``forecast
+ q * sqrt(max(forecast, 1))`` for the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles
of ``z``, clipped at 0. They describe up-to-``step``-ahead errors; periods ``k`` steps
further out (``k`` = 2 for the second week) get the band widened by ``sqrt(k)``.

Noise warning: ``noisy`` when the chosen WAPE is above ``noisy_wape`` or the chosen model
does not beat seasonal naive.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from numbers import Integral

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from .forecasting import ForecastInputError, _regular_history, _seasons_for, forecast_series

__all__ = [
    "CANDIDATES",
    "Adjustment",
    "ModelChoice",
    "apply_adjustments",
    "fit_model",
    "holt_winters_damped",
    "mstl_ets",
    "seasonal_naive",
    "select_forecast",
]

SEASONAL_NAIVE = "seasonal_naive"
HW_ADD = "hw_add_damped"
HW_MUL = "hw_mul_damped"
MSTL_ETS = "mstl_ets"
CANDIDATES = (SEASONAL_NAIVE, HW_ADD, HW_MUL, MSTL_ETS)

DEFAULT_ORIGINS = 3
DEFAULT_LEVEL = 0.8
# Above this backtest WAPE a forecast misses by more than a third of the volume: warn.
NOISY_WAPE = 0.35
# Seasons this long use statsmodels' fast heuristic initialisation (estimating 336 initial
# seasonal states by optimisation takes minutes); shorter ones are fully estimated.
_HEURISTIC_FROM = 24


def seasonal_naive(values: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Repeat the last ``season`` values: step ``i`` gets ``values[n - season + i % season]``."""
    last = np.asarray(values, dtype=float)[-season:]
    return last[np.arange(horizon) % season]


def _init_method(season: int) -> str:
    return "heuristic" if season >= _HEURISTIC_FROM else "estimated"


def holt_winters_damped(values: np.ndarray, season: int, horizon: int, seasonal: str) -> np.ndarray:
    """Holt-Winters with an additive damped trend and an ``"add"`` or ``"mul"`` season."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the result is checked later
        fit = ExponentialSmoothing(
            np.asarray(values, dtype=float),
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=season,
            initialization_method=_init_method(season),
        ).fit()
        return np.asarray(fit.forecast(horizon), dtype=float)


def mstl_ets(values: np.ndarray, seasons: Sequence[int], horizon: int) -> np.ndarray:
    """MSTL with ``seasons``, Holt's damped trend on the rest, seasons continued by cycle."""
    periods = tuple(sorted(seasons))
    y = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decomposition = MSTL(y, periods=periods).fit()
        seasonal = np.asarray(decomposition.seasonal, dtype=float).reshape(len(y), -1)
        if seasonal.shape[1] != len(periods):  # MSTL drops a season of half the data or more
            raise ValueError("history too short for every season")
        rest = y - seasonal.sum(axis=1)
        trend = ExponentialSmoothing(
            rest, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()
        forecast = np.asarray(trend.forecast(horizon), dtype=float)
    for k, period in enumerate(periods):
        forecast += seasonal_naive(seasonal[:, k], period, horizon)
    return forecast


def _eligible(name: str, values: np.ndarray, seasons: tuple[int, ...]) -> bool:
    """Whether candidate ``name`` can be fitted on ``values`` (longest season first)."""
    longest = seasons[0]
    if name == SEASONAL_NAIVE:
        return values.size >= longest
    if name == HW_MUL:
        return values.size >= 2 * longest and bool((values > 0).all())
    if name == MSTL_ETS:
        return len(seasons) >= 2 and values.size > 2 * longest
    return values.size >= 2 * longest


def fit_model(name: str, values: np.ndarray, seasons: Sequence[int], horizon: int) -> np.ndarray:
    """Forecast ``horizon`` periods with candidate ``name`` (seasons: longest first).

    Raises ``ValueError`` (or numpy's ``LinAlgError``) when the fit fails; the result may be
    non-finite (callers check)."""
    seasons = tuple(sorted(seasons, reverse=True))
    if name == SEASONAL_NAIVE:
        return seasonal_naive(values, seasons[0], horizon)
    if name == HW_ADD:
        return holt_winters_damped(values, seasons[0], horizon, "add")
    if name == HW_MUL:
        return holt_winters_damped(values, seasons[0], horizon, "mul")
    if name == MSTL_ETS:
        return mstl_ets(values, seasons[:2], horizon)
    raise ForecastInputError("model", f"unknown model {name!r}")


def _safe_fit(name, values, seasons, horizon) -> np.ndarray | None:
    try:
        forecast = fit_model(name, values, seasons, horizon)
    except (ValueError, np.linalg.LinAlgError):
        return None
    return np.clip(forecast, 0.0, None) if np.isfinite(forecast).all() else None


@dataclass
class _Score:
    abs_error: float = 0.0
    actual: float = 0.0
    z: list[float] = field(default_factory=list)
    ape: list[float] = field(default_factory=list)
    failed: bool = False

    @property
    def mape(self) -> float | None:
        return None if self.failed or not self.ape else float(np.mean(self.ape))

    @property
    def wape(self) -> float | None:
        return None if self.failed or self.actual <= 0 else self.abs_error / self.actual


@dataclass(frozen=True)
class ModelChoice:
    """The chosen forecast and the evidence for it.

    ``model``: a name from :data:`CANDIDATES`, or the fallback method of
    :func:`staffing.forecasting.forecast_series` when the history is too short to backtest
    (``backtest_wape`` is then ``None``, as are the intervals). ``candidate_wapes``: every
    candidate's backtest WAPE (``None`` = not eligible or failed). ``holdout_periods``:
    periods held out per origin; ``origins``: how many origins were used.
    """

    values: pd.Series
    lower: pd.Series | None
    upper: pd.Series | None
    model: str
    season_length: int | None
    backtest_wape: float | None
    backtest_mape: float | None
    naive_wape: float | None
    candidate_wapes: dict[str, float | None]
    origins: int
    holdout_periods: int
    level: float
    noisy: bool
    noise_reason: str


def _backtest(values, seasons, step, origins):
    longest = seasons[0]
    first_origin = values.size - origins * step
    usable = origins
    while usable and first_origin <= 2 * longest:  # MSTL needs more than two seasons
        usable -= 1
        first_origin += step
    scores = {name: _Score() for name in CANDIDATES}
    if usable == 0:
        return scores, 0
    for k in range(usable, 0, -1):
        origin = values.size - k * step
        train, actual = values[:origin], values[origin : origin + step]
        for name, score in scores.items():
            if score.failed:
                continue
            if not _eligible(name, train, seasons):
                score.failed = True
                continue
            forecast = _safe_fit(name, train, seasons, step)
            if forecast is None:
                score.failed = True
                continue
            score.abs_error += float(np.abs(actual - forecast).sum())
            score.actual += float(actual.sum())
            nonzero = actual != 0
            score.ape.extend((np.abs(actual - forecast)[nonzero] / actual[nonzero]).tolist())
            score.z.extend(((actual - forecast) / np.sqrt(np.maximum(forecast, 1.0))).tolist())
    return scores, usable


def select_forecast(
    history: pd.Series,
    horizon: int,
    *,
    freq: str | None = None,
    season_lengths: Sequence[int] | None = None,
    origins: int = DEFAULT_ORIGINS,
    level: float = DEFAULT_LEVEL,
    noisy_wape: float = NOISY_WAPE,
    candidates: Sequence[str] = CANDIDATES,
) -> ModelChoice:
    """Pick the candidate with the lowest rolling-origin WAPE and forecast ``horizon`` periods.

    ``history`` as for :func:`staffing.forecasting.forecast_series` (regular, no gaps).
    ``step`` (periods held out per origin) is the longest season. When no origin leaves
    two full longest seasons to fit on, or every actual held out is 0, the fallback rules
    of :func:`~staffing.forecasting.forecast_series` apply and nothing is backtested.
    Raises :class:`ForecastInputError` naming the argument.
    """
    values, offset = _regular_history(history, freq)
    if isinstance(horizon, bool) or not isinstance(horizon, Integral) or horizon < 1:
        raise ForecastInputError("horizon", f"must be a whole number >= 1, got {horizon!r}")
    if isinstance(origins, bool) or not isinstance(origins, Integral) or not 1 <= origins <= 12:
        raise ForecastInputError("origins", "must be a whole number from 1 to 12")
    if not 0 < level < 1:
        raise ForecastInputError("level", "must be between 0 and 1")
    unknown = set(candidates) - set(CANDIDATES)
    if unknown or SEASONAL_NAIVE not in candidates:
        raise ForecastInputError("candidates", f"must include {SEASONAL_NAIVE} and known names")
    seasons = _seasons_for(offset, season_lengths)
    step = seasons[0]
    index = pd.date_range(history.index[-1] + offset, periods=horizon, freq=offset)
    scores, used = _backtest(values, seasons, step, origins)
    wapes = {name: (scores[name].wape if name in candidates else None) for name in CANDIDATES}
    naive_wape = wapes[SEASONAL_NAIVE]
    ranked = [name for name in CANDIDATES if wapes[name] is not None]
    forecast = None
    chosen = None
    for name in sorted(ranked, key=lambda n: (wapes[n], CANDIDATES.index(n))):
        forecast = _safe_fit(name, values, seasons, horizon)
        if forecast is not None:
            chosen = name
            break
    if chosen is None:
        fallback = forecast_series(history, horizon, freq=offset.freqstr, season_lengths=seasons)
        return ModelChoice(
            values=fallback.values,
            lower=None,
            upper=None,
            model=fallback.method,
            season_length=fallback.season_length,
            backtest_wape=None,
            backtest_mape=None,
            naive_wape=None,
            candidate_wapes=wapes,
            origins=0,
            holdout_periods=0,
            level=level,
            noisy=False,
            noise_reason="",
        )
    z = np.asarray(scores[chosen].z)
    q_lo, q_hi = np.quantile(z, [(1 - level) / 2, (1 + level) / 2])
    # Backtest errors are up to ``step`` ahead; further out the band widens with the square
    # root of the number of steps ahead (errors of a drifting level add up like a random walk).
    blocks = np.ceil((np.arange(horizon) + 1) / step)
    scale = np.sqrt(np.maximum(forecast, 1.0)) * np.sqrt(blocks)
    lower = np.clip(forecast + q_lo * scale, 0.0, None)
    upper = np.clip(forecast + q_hi * scale, 0.0, None)
    wape = wapes[chosen]
    reasons = []
    if wape > noisy_wape:
        reasons.append(f"backtest WAPE {wape:.0%} is above {noisy_wape:.0%}")
    if chosen == SEASONAL_NAIVE or (naive_wape is not None and wape >= naive_wape):
        reasons.append("no model beats the seasonal-naive benchmark")
    name = history.name
    return ModelChoice(
        values=pd.Series(forecast, index=index, name=name),
        lower=pd.Series(np.minimum(lower, forecast), index=index, name=name),
        upper=pd.Series(np.maximum(upper, forecast), index=index, name=name),
        model=chosen,
        season_length=seasons[0],
        backtest_wape=wape,
        backtest_mape=scores[chosen].mape,
        naive_wape=naive_wape,
        candidate_wapes=wapes,
        origins=used,
        holdout_periods=step,
        level=level,
        noisy=bool(reasons),
        noise_reason="; ".join(reasons),
    )


@dataclass(frozen=True)
class Adjustment:
    """A holiday or event: from ``start`` to ``end`` (local dates, inclusive) the forecast is
    multiplied by ``multiplier``, or each day's total set to ``volume`` (spread over the
    day's periods in the model's own shape, evenly when the model says 0)."""

    start: date
    end: date
    multiplier: float | None = None
    volume: float | None = None


def apply_adjustments(
    days: Sequence[date],
    series: Sequence[np.ndarray],
    adjustments: Sequence[Adjustment],
) -> list[np.ndarray]:
    """Apply ``adjustments`` after the model to aligned arrays (values, lower, upper, ...).

    ``days``: the local date of each period. The first array is the point forecast; the
    others (its interval bounds) are scaled by the same factor per period. Later
    adjustments apply on top of earlier ones; a fixed volume replaces whatever came before
    it. Returns new arrays.
    """
    day_arr = np.asarray(days, dtype="datetime64[D]")
    out = [np.asarray(s, dtype=float).copy() for s in series]
    for adj in adjustments:
        in_range = (day_arr >= np.datetime64(adj.start)) & (day_arr <= np.datetime64(adj.end))
        if not in_range.any():
            continue
        if adj.multiplier is not None:
            for arr in out:
                arr[in_range] *= adj.multiplier
            continue
        for day in np.unique(day_arr[in_range]):
            mask = day_arr == day
            base = out[0][mask]
            total = base.sum()
            shape = base / total if total > 0 else np.full(base.size, 1.0 / base.size)
            new = shape * float(adj.volume)
            factor = np.divide(new, base, out=np.ones_like(new), where=base > 0)
            for arr in out[1:]:
                arr[mask] = np.where(base > 0, arr[mask] * factor, new)
            out[0][mask] = new
    return out
