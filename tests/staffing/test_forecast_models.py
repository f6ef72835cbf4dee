"""Forecast model selection: each candidate against statsmodels called directly, the
rolling-origin backtest and the intervals by hand, holiday/event adjustments by hand.
Series are small (a few weeks) so the backtest stays fast."""

import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from staffing.forecast_models import (
    Adjustment,
    apply_adjustments,
    holt_winters_damped,
    mstl_ets,
    seasonal_naive,
    select_forecast,
)
from staffing.forecasting import ForecastInputError


def daily(values, start="2026-01-05"):
    return pd.Series(
        np.asarray(values, float), index=pd.date_range(start, periods=len(values), freq="D")
    )


def trending_weekly(weeks=6, seed=3):
    rng = np.random.default_rng(seed)
    t = np.arange(7 * weeks)
    return daily(100 + 2.0 * t + 40 * (t % 7 < 5) + rng.normal(0, 3, t.size))


def test_seasonal_naive_by_hand():
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10.0])
    assert seasonal_naive(values, 3, 7).tolist() == [8, 9, 10, 8, 9, 10, 8]


@pytest.mark.parametrize("seasonal", ["add", "mul"])
def test_holt_winters_damped_matches_statsmodels(seasonal):
    y = trending_weekly().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = (
            ExponentialSmoothing(
                y,
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=7,
                initialization_method="estimated",
            )
            .fit()
            .forecast(10)
        )
    np.testing.assert_allclose(holt_winters_damped(y, 7, 10, seasonal), expected, rtol=1e-9)


def test_mstl_ets_matches_statsmodels_by_hand():
    rng = np.random.default_rng(0)
    t = np.arange(12 * 4)
    y = 20 + 5 * (t % 4 == 1) + 8 * (t % 12 >= 8) + 0.1 * t + rng.normal(0, 0.5, t.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = MSTL(y, periods=(4, 12)).fit()
        seasonal = np.asarray(parts.seasonal)
        rest = y - seasonal.sum(axis=1)
        level = ExponentialSmoothing(
            rest, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()
        expected = np.asarray(level.forecast(6))
    expected += seasonal[-4:, 0][np.arange(6) % 4] + seasonal[-12:, 1][np.arange(6) % 12]
    np.testing.assert_allclose(mstl_ets(y, (12, 4), 6), expected, rtol=1e-9)


def test_selection_beats_naive_on_a_trend_and_keeps_naive_wape():
    series = trending_weekly()
    choice = select_forecast(series, 14, origins=2)
    assert choice.origins == 2 and choice.holdout_periods == 7
    # The naive WAPE by hand: the week before each held-out week, repeated.
    y = series.to_numpy()
    errors = actual = 0.0
    for origin in (len(y) - 14, len(y) - 7):
        errors += np.abs(y[origin : origin + 7] - y[origin - 7 : origin]).sum()
        actual += y[origin : origin + 7].sum()
    assert choice.naive_wape == pytest.approx(errors / actual)
    assert choice.candidate_wapes["seasonal_naive"] == choice.naive_wape
    assert choice.model in ("hw_add_damped", "hw_mul_damped")
    assert choice.backtest_wape == min(w for w in choice.candidate_wapes.values() if w is not None)
    assert choice.backtest_wape < choice.naive_wape and not choice.noisy
    assert choice.candidate_wapes["mstl_ets"] is None  # one season only: not a candidate
    # Intervals bracket the forecast; the forecast continues the trend.
    assert (choice.lower <= choice.values).all() and (choice.values <= choice.upper).all()
    assert (choice.upper > choice.lower).any()
    assert choice.values.index[0] == series.index[-1] + pd.Timedelta(days=1)
    assert choice.values.iloc[7] > y[-7] + 5


def test_interval_is_residual_quantiles_scaled_like_counts():
    # A flat weekly pattern with the same errors each week: z-scores are known exactly.
    base = np.tile([100.0, 100, 100, 100, 100, 25, 25], 6)
    base[-7:] += [10, -10, 0, 0, 0, 0, 0]
    base[-14:-7] += [-10, 10, 0, 0, 0, 0, 0]
    choice = select_forecast(daily(base), 7, origins=2, candidates=["seasonal_naive"])
    assert choice.model == "seasonal_naive"
    errors = np.concatenate([base[-14:-7] - base[-21:-14], base[-7:] - base[-14:-7]])
    forecasts = np.concatenate([base[-21:-14], base[-14:-7]])
    z = errors / np.sqrt(np.maximum(forecasts, 1))
    q_lo, q_hi = np.quantile(z, [0.1, 0.9])
    f = base[-7:]
    np.testing.assert_allclose(choice.lower, np.clip(f + q_lo * np.sqrt(f), 0, None))
    np.testing.assert_allclose(choice.upper, f + q_hi * np.sqrt(f))
    # Naive chosen: it cannot beat itself, so the warning says so.
    assert choice.noisy and "seasonal-naive" in choice.noise_reason
    # The second week ahead: the same quantiles, the band widened by sqrt(2).
    two = select_forecast(daily(base), 14, origins=2, candidates=["seasonal_naive"])
    np.testing.assert_allclose(two.upper.iloc[7:], f + q_hi * np.sqrt(f) * np.sqrt(2))
    np.testing.assert_allclose(two.upper.iloc[:7], choice.upper)


def test_pure_noise_is_flagged():
    rng = np.random.default_rng(7)
    choice = select_forecast(daily(rng.poisson(1.5, 42)), 7, origins=2)
    assert choice.backtest_wape > 0.35
    assert choice.noisy and "above 35%" in choice.noise_reason


def test_short_history_falls_back_without_backtest():
    choice = select_forecast(daily([5, 6, 7, 8, 9, 10, 11, 5, 6, 7]), 7)
    assert choice.model == "seasonal_average" and choice.origins == 0
    assert choice.backtest_wape is None and choice.lower is None and not choice.noisy


def test_two_seasons_offer_mstl():
    rng = np.random.default_rng(1)
    t = np.arange(12 * 8)
    y = np.clip(10 + 6 * (t % 4 == 2) + 5 * (t % 12 >= 8) + rng.normal(0, 1, t.size), 0, None)
    series = pd.Series(y, index=pd.date_range("2026-01-05", periods=y.size, freq="h"))
    choice = select_forecast(series, 12, season_lengths=(4, 12), origins=2)
    assert choice.candidate_wapes["mstl_ets"] is not None
    assert choice.backtest_wape <= choice.naive_wape


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"horizon": 0}, "horizon"),
        ({"origins": 0}, "origins"),
        ({"level": 1.0}, "level"),
        ({"candidates": ["hw_add_damped"]}, "candidates"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    args = {"horizon": 7, **kwargs}
    with pytest.raises(ForecastInputError) as err:
        select_forecast(trending_weekly(3), **args)
    assert err.value.field == field


def test_adjustments_by_hand():
    days = [date(2026, 12, 24)] * 2 + [date(2026, 12, 25)] * 2 + [date(2026, 12, 26)] * 2
    values = np.array([10.0, 30, 10, 30, 0, 0])
    lower = values * 0.5
    upper = values * 2
    out = apply_adjustments(
        days,
        [values, lower, upper],
        [
            Adjustment(date(2026, 12, 24), date(2026, 12, 24), multiplier=1.5),
            Adjustment(date(2026, 12, 25), date(2026, 12, 26), volume=20),
        ],
    )
    # x1.5 on the 24th; the 25th's total set to 20 in the model's 1:3 shape; the 26th has
    # no shape (all 0), so 20 is spread evenly and the bounds become that volume.
    assert out[0].tolist() == [15, 45, 5, 15, 10, 10]
    assert out[1].tolist() == [7.5, 22.5, 2.5, 7.5, 10, 10]
    assert out[2].tolist() == [30, 90, 10, 30, 10, 10]
    assert values.tolist() == [10, 30, 10, 30, 0, 0]  # inputs untouched
