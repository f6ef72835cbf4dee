"""Volume forecasting (pure: pandas and statsmodels, nothing from Django)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.forecasting import (
    Forecast,
    ForecastInputError,
    accuracy,
    backtest,
    forecast_series,
)


def _half_hourly(weeks: float, seed: int = 5, start: str = "2024-01-01") -> pd.Series:
    """Poisson volumes with a daily bell (peak late morning) and quieter weekends."""
    periods = int(weeks * 336)
    index = pd.date_range(start, periods=periods, freq="30min")
    slot = index.hour.to_numpy() * 2 + index.minute.to_numpy() // 30
    daily = 0.05 + np.exp(-(((slot - 22) / 9.0) ** 2))
    weekly = np.where(index.day_of_week.to_numpy() >= 5, 0.45, 1.0)
    weekly = weekly * np.where(index.day_of_week.to_numpy() == 0, 1.25, 1.0)  # busy Mondays
    rng = np.random.default_rng(seed)
    return pd.Series(rng.poisson(300 * daily * weekly).astype(float), index=index, name="calls")


def _daily(weeks: int, seed: int = 8) -> pd.Series:
    index = pd.date_range("2024-01-01", periods=weeks * 7, freq="D")
    pattern = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.4, 0.2])
    rng = np.random.default_rng(seed)
    mean = 800 * pattern[index.day_of_week.to_numpy()]
    return pd.Series(rng.normal(mean, 0.05 * mean).round(), index=index)


def test_half_hourly_weekly_holt_winters_is_accurate():
    """Four weeks of history, one week held out: WAPE below 15% (observed about 8%)."""
    result = backtest(_half_hourly(5), 336)
    assert result.forecast.method == "holt_winters"
    assert result.forecast.season_length == 336
    assert result.accuracy.periods == 336
    assert result.accuracy.wape < 0.15
    assert result.forecast.values.index.equals(result.actual.index)
    assert (result.forecast.values >= 0).all()


def test_daily_weekly_holt_winters_is_accurate():
    """Ten weeks of daily history, two weeks held out: WAPE below 15% (noise is 5%)."""
    result = backtest(_daily(12), 14)
    assert (result.forecast.method, result.forecast.season_length) == ("holt_winters", 7)
    assert result.accuracy.wape < 0.15
    assert result.accuracy.mape < 0.15


@pytest.mark.parametrize(
    ("weeks", "method", "season"),
    [
        (3.0, "holt_winters", 336),  # >= 2 weeks: weekly season
        (1.5, "holt_winters", 48),  # < 2 weeks but >= 2 days: daily season
        (1.5 / 7, "seasonal_average", 48),  # a day and a half: slot means
        (10 / 336, "mean", None),  # ten intervals: overall mean
    ],
)
def test_half_hourly_method_by_history_length(weeks, method, season):
    forecast = forecast_series(_half_hourly(weeks), 96)
    assert (forecast.method, forecast.season_length) == (method, season)
    assert len(forecast.values) == 96
    assert forecast.values.index.freqstr == "30min"


def test_seasonal_average_by_hand():
    """Ten days of daily history (one full week, not two): each weekday's mean.

    Mondays 10 and 30 -> 20; Tuesdays 12 and 16 -> 14; Wednesday..Sunday have one value each.
    """
    values = [10, 12, 5, 6, 7, 1, 2, 30, 16, 9]
    history = pd.Series(values, index=pd.date_range("2024-01-01", periods=10, freq="D"))
    forecast = forecast_series(history, 9)
    assert (forecast.method, forecast.season_length) == ("seasonal_average", 7)
    # The next day is Thursday 11 January (slot 3).
    assert forecast.values.index[0] == pd.Timestamp("2024-01-11")
    assert forecast.values.tolist() == [6.0, 7.0, 1.0, 2.0, 20.0, 14.0, 7.0, 6.0, 7.0]


def test_mean_fallback_and_clipping():
    history = pd.Series([4.0, 6.0, 8.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    forecast = forecast_series(history, 2)
    assert (forecast.method, forecast.values.tolist()) == ("mean", [6.0, 6.0])
    negative = pd.Series([-5.0, -3.0], index=pd.date_range("2024-01-01", periods=2, freq="D"))
    assert forecast_series(negative, 3, freq="D").values.tolist() == [0.0, 0.0, 0.0]


def test_trend_is_clipped_at_zero():
    """A steeply falling series with an additive trend would go negative: clipped to 0."""
    index = pd.date_range("2024-01-01", periods=28, freq="D")
    history = pd.Series(np.linspace(300, 20, 28) + np.tile([5, 0, 0, 0, 0, -5, 0], 4), index)
    forecast = forecast_series(history, 30, trend="add")
    assert forecast.method == "holt_winters"
    assert forecast.values.min() == 0.0
    assert forecast.values.iloc[0] > 0


def test_custom_season_lengths_for_hourly_data():
    index = pd.date_range("2024-01-01", periods=24 * 6, freq="h")
    history = pd.Series(np.tile(np.r_[np.zeros(8), np.full(10, 50.0), np.zeros(6)], 6), index)
    forecast = forecast_series(history, 24, season_lengths=[24])
    assert (forecast.method, forecast.season_length) == ("holt_winters", 24)
    assert forecast.values.iloc[10] == pytest.approx(50.0, abs=1.0)
    assert forecast.values.iloc[2] == pytest.approx(0.0, abs=1.0)


def test_accuracy_by_hand():
    """Errors 2, 5, 5, 0 on actuals 10, 0, 20, 30.

    MAPE skips the zero actual: (2/10 + 5/20 + 0/30) / 3 = 0.15. WAPE = 12 / 60 = 0.2.
    """
    result = accuracy([10, 0, 20, 30], [12, 5, 15, 30])
    assert result.mape == pytest.approx(0.15)
    assert result.wape == pytest.approx(0.2)
    assert (result.periods, result.mape_periods) == (4, 3)
    zeros = accuracy([0, 0], [1, 2])
    assert (zeros.mape, zeros.wape) == (None, None)


def test_accuracy_aligns_series_and_accepts_a_forecast():
    index = pd.date_range("2024-01-01", periods=4, freq="D")
    actual = pd.Series([10.0, 20.0, 30.0, 40.0], index)
    forecast = Forecast(pd.Series([20.0, 30.0, 44.0], index[1:]), "mean", None)
    result = accuracy(actual, forecast)  # compared on the three common days
    assert result.periods == 3
    assert result.wape == pytest.approx(4 / 90)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: forecast_series(pd.Series([1.0, 2.0]), 3), "history"),
        (
            lambda: forecast_series(pd.Series([], dtype=float, index=pd.DatetimeIndex([])), 3),
            "history",
        ),
        (
            lambda: forecast_series(
                _half_hourly(1).drop(pd.Timestamp("2024-01-02")), 3, freq="30min"
            ),
            "history",
        ),
        (lambda: forecast_series(_half_hourly(1).where(lambda s: s.index.hour != 3), 3), "history"),
        (lambda: forecast_series(_half_hourly(1).drop(pd.Timestamp("2024-01-02")), 3), "freq"),
        (lambda: forecast_series(_half_hourly(1), 0), "horizon"),
        (lambda: forecast_series(_half_hourly(1), 3, trend="mul"), "trend"),
        (lambda: forecast_series(_half_hourly(1).resample("h").sum(), 3), "freq"),
        (lambda: forecast_series(_half_hourly(1), 3, season_lengths=[1]), "season_lengths"),
        (lambda: accuracy([1, 2], [1]), "forecast"),
        (lambda: backtest(_daily(2), 14), "holdout_periods"),
    ],
)
def test_validation_errors_carry_the_field(call, field):
    with pytest.raises(ForecastInputError) as info:
        call()
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_short_history_backtest_uses_the_fallback():
    result = backtest(_daily(2), 4)  # 10 days of training: one week, not two
    assert result.forecast.method == "seasonal_average"
    assert result.accuracy.periods == 4
