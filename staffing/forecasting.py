"""Volume forecasting for staffing (pure: pandas Series in, dataclasses out; no Django).

Holt-Winters (additive seasonality, statsmodels ``ExponentialSmoothing``) when the history
holds at least two full seasonal cycles, with documented fallbacks for short histories, and
the accuracy measures used to compare forecasts with what happened (MAPE and WAPE).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from statsmodels.tsa.holtwinters import ExponentialSmoothing

__all__ = [
    "Accuracy",
    "BacktestResult",
    "Forecast",
    "ForecastInputError",
    "accuracy",
    "backtest",
    "forecast_series",
]

# Default seasons per supported frequency, longest first: a week and a day of 30-minute
# intervals; a week of days.
DEFAULT_SEASONS: dict[str, tuple[int, ...]] = {"30min": (336, 48), "D": (7,)}


class ForecastInputError(ValueError):
    """Invalid forecasting input; ``field`` names the offending argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Forecast:
    """Forecast values (indexed by the future timestamps) and how they were made.

    ``method`` is ``"holt_winters"``, ``"seasonal_average"`` or ``"mean"``;
    ``season_length`` is the season used (``None`` for ``"mean"``).
    """

    values: pd.Series
    method: str
    season_length: int | None


@dataclass(frozen=True)
class Accuracy:
    """Forecast accuracy as fractions (0.12 = 12%).

    ``mape``: mean of |actual - forecast| / actual over periods whose actual is not zero
    (``mape_periods`` of them; ``None`` if there are none). ``wape``: sum |actual - forecast|
    / sum actual (``None`` when the actuals sum to 0). ``periods``: periods compared.
    """

    mape: float | None
    wape: float | None
    periods: int
    mape_periods: int


@dataclass(frozen=True)
class BacktestResult:
    """Accuracy of a forecast fitted without the last ``holdout_periods`` of the history."""

    accuracy: Accuracy
    forecast: Forecast
    actual: pd.Series


def _regular_history(history: pd.Series, freq: str | None) -> tuple[np.ndarray, pd.DateOffset]:
    """Values and frequency of a regular, gap-free, NaN-free timestamp-indexed series."""
    if not isinstance(history, pd.Series) or not isinstance(history.index, pd.DatetimeIndex):
        raise ForecastInputError("history", "must be a pandas Series indexed by timestamps")
    if history.empty:
        raise ForecastInputError("history", "is empty")
    values = pd.to_numeric(history, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ForecastInputError("history", "has missing or non-numeric values")
    if freq is None:
        freq = history.index.freqstr or (pd.infer_freq(history.index) if len(history) > 2 else None)
        if freq is None:
            raise ForecastInputError(
                "freq", "cannot be inferred (irregular or short history); pass '30min' or 'D'"
            )
    try:
        offset = to_offset(freq)
    except ValueError:
        raise ForecastInputError("freq", f"unknown frequency {freq!r}") from None
    expected = pd.date_range(history.index[0], periods=len(history), freq=offset)
    if not history.index.equals(expected):
        raise ForecastInputError(
            "history", f"must be regular at {offset.freqstr} with no gaps (fill missing with 0)"
        )
    return values, offset


def _seasons_for(offset: pd.DateOffset, season_lengths: Sequence[int] | None) -> tuple[int, ...]:
    if season_lengths is not None:
        seasons = tuple(sorted({int(s) for s in season_lengths}, reverse=True))
        if not seasons or seasons[-1] < 2:
            raise ForecastInputError("season_lengths", "must be whole numbers >= 2")
        return seasons
    for name, seasons in DEFAULT_SEASONS.items():
        if to_offset(name) == offset:
            return seasons
    raise ForecastInputError(
        "freq", f"{offset.freqstr} has no default season; use 30min, D or pass season_lengths"
    )


def _seasonal_average(values: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Mean of each slot of the season over the cycles available, continued forward."""
    slots = np.arange(values.size) % season
    means = np.bincount(slots, weights=values, minlength=season) / np.bincount(
        slots, minlength=season
    )
    return means[(values.size + np.arange(horizon)) % season]


def _holt_winters(
    values: np.ndarray, season: int, horizon: int, trend: str | None, damped: bool
) -> np.ndarray | None:
    """Additive Holt-Winters forecast, or ``None`` when the fit fails or is not finite."""
    try:
        with warnings.catch_warnings():
            # Convergence chatter on flat or tiny series; the result is checked below.
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing(
                values,
                trend=trend,
                damped_trend=damped,
                seasonal="add",
                seasonal_periods=season,
                initialization_method="heuristic",  # needs >= 2 cycles; fast with 336 slots
            ).fit()
            forecast = np.asarray(model.forecast(horizon), dtype=float)
    except (ValueError, np.linalg.LinAlgError):
        return None
    return forecast if np.isfinite(forecast).all() else None


def forecast_series(
    history: pd.Series,
    horizon: int,
    *,
    freq: str | None = None,
    season_lengths: Sequence[int] | None = None,
    trend: str | None = None,
    damped_trend: bool = False,
) -> Forecast:
    """Forecast the next ``horizon`` periods of a regular volume series.

    ``history``: a Series indexed by regular timestamps (no gaps: fill missing intervals with
    0 calls first) at ``freq`` ("30min" or "D"; inferred when omitted). Seasons default to a
    week (336) and a day (48) for 30-minute data and a week (7) for daily data;
    ``season_lengths`` overrides them (any frequency then). Rules, by history length:

    1. at least two full cycles of some season: additive Holt-Winters with the *longest*
       such season (so 30-minute data uses the weekly season from two weeks of history, the
       daily season before that); ``trend`` ("add" or None) and ``damped_trend`` are passed
       to statsmodels;
    2. fewer than two cycles of every season but at least one full cycle of the shortest:
       seasonal average - each slot's mean over the cycles available, using the longest
       season with a full cycle; also used if Holt-Winters fails to fit;
    3. less than one full cycle of the shortest season: the overall mean.

    Negative forecasts are clipped to 0. Raises :class:`ForecastInputError`.
    """
    values, offset = _regular_history(history, freq)
    if isinstance(horizon, bool) or not isinstance(horizon, Integral) or horizon < 1:
        raise ForecastInputError("horizon", f"must be a whole number >= 1, got {horizon!r}")
    if trend not in (None, "add"):
        raise ForecastInputError("trend", "must be None or 'add'")
    seasons = _seasons_for(offset, season_lengths)
    method, season, forecast = "mean", None, None
    for candidate in seasons:
        if values.size >= 2 * candidate:
            forecast = _holt_winters(values, candidate, horizon, trend, damped_trend)
            if forecast is not None:
                method, season = "holt_winters", candidate
                break
    if forecast is None:
        for candidate in seasons:
            if values.size >= candidate:
                method, season = "seasonal_average", candidate
                forecast = _seasonal_average(values, candidate, horizon)
                break
    if forecast is None:
        forecast = np.full(horizon, values.mean())
    index = pd.date_range(history.index[-1] + offset, periods=horizon, freq=offset)
    series = pd.Series(np.clip(forecast, 0.0, None), index=index, name=history.name)
    return Forecast(values=series, method=method, season_length=season)


def accuracy(
    actual: pd.Series | Sequence[float], forecast: pd.Series | Sequence[float] | Forecast
) -> Accuracy:
    """MAPE and WAPE of ``forecast`` against ``actual`` (definitions on :class:`Accuracy`).

    Two Series are aligned on their index (only common timestamps are compared); plain
    sequences must have the same length. Zero actuals are skipped by MAPE (a percentage of
    zero is undefined) but count in WAPE.
    """
    if isinstance(forecast, Forecast):
        forecast = forecast.values
    if isinstance(actual, pd.Series) and isinstance(forecast, pd.Series):
        actual, forecast = actual.align(forecast, join="inner")
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape or a.ndim != 1:
        raise ForecastInputError("forecast", "must have as many periods as actual")
    if not (np.isfinite(a).all() and np.isfinite(f).all()):
        raise ForecastInputError("actual", "actual and forecast must be finite numbers")
    errors = np.abs(a - f)
    nonzero = a != 0
    mape = float(np.mean(errors[nonzero] / np.abs(a[nonzero]))) if nonzero.any() else None
    total = float(np.abs(a).sum())
    wape = float(errors.sum() / total) if total else None
    return Accuracy(mape=mape, wape=wape, periods=int(a.size), mape_periods=int(nonzero.sum()))


def backtest(
    history: pd.Series,
    holdout_periods: int,
    *,
    freq: str | None = None,
    season_lengths: Sequence[int] | None = None,
    trend: str | None = None,
    damped_trend: bool = False,
) -> BacktestResult:
    """Fit on ``history`` minus its last ``holdout_periods``, forecast them, measure accuracy.

    The same rules as :func:`forecast_series` apply to the shortened history (so a short
    history backtests its fallback method).
    """
    if isinstance(holdout_periods, bool) or not isinstance(holdout_periods, Integral):
        raise ForecastInputError("holdout_periods", "must be a whole number")
    if not 1 <= holdout_periods < len(history):
        raise ForecastInputError("holdout_periods", "must be from 1 to len(history) - 1")
    train, actual = history.iloc[:-holdout_periods], history.iloc[-holdout_periods:]
    if freq is None and isinstance(history.index, pd.DatetimeIndex):
        freq = history.index.freqstr or (pd.infer_freq(history.index) if len(history) > 2 else None)
    forecast = forecast_series(
        train,
        holdout_periods,
        freq=freq,
        season_lengths=season_lengths,
        trend=trend,
        damped_trend=damped_trend,
    )
    return BacktestResult(
        accuracy=accuracy(actual, forecast.values), forecast=forecast, actual=actual
    )
