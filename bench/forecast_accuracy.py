"""Forecast accuracy of the model selection against seasonal naive, on held-out weeks.

Usage: ``python bench/forecast_accuracy.py [--daily 20] [--intraday 4] [--seed 1]``
(numpy, pandas and statsmodels; Django is not needed). Prints a Markdown table.

Sets:

* ``daily``: ``--daily`` synthetic back-office series of 16 weeks: level 80-200 items a day,
  a linear trend of -0.3..+1.5 % of the level a day, a weekly season (weekends 25-45 % of a
  weekday, Monday peak), Poisson noise;
* ``intraday``: ``--intraday`` synthetic queues of 7 weeks of 30-minute intervals: an
  intraday shape (morning and afternoon peaks, closed at night), a weekly shape (Saturday
  low, Sunday closed), a slow trend, Poisson noise;
* ``co2``: the real weekly Mauna Loa CO2 series shipped with statsmodels
  (``statsmodels.datasets.co2``; 1958-2001, gaps filled by interpolation), its last 15
  years, with an annual season of 52 weeks.

For each series the last ``test`` periods (daily: 2 weeks, intraday: 1 week, co2: 52 weeks)
are held out. :func:`staffing.forecast_models.select_forecast` sees only the history before
them (its own rolling-origin backtest chooses the model there) and forecasts them; the
seasonal-naive forecast (the last season repeated) and the previous release's method
(:func:`staffing.forecasting.forecast_series`: Holt-Winters, additive season, no trend) are
scored on the same held-out periods. WAPE = sum |actual - forecast| / sum actual over every
held-out period of the set; "wins" counts series where the chosen model's WAPE is below
naive's. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from staffing.forecast_models import seasonal_naive, select_forecast  # noqa: E402
from staffing.forecasting import forecast_series  # noqa: E402


def daily_series(rng: np.random.Generator, weeks: int = 16) -> pd.Series:
    n = weeks * 7
    t = np.arange(n)
    level = rng.uniform(80, 200)
    slope = level * rng.uniform(-0.003, 0.015)
    weekend = rng.uniform(0.25, 0.45)
    week = np.array([1.15, 1.0, 0.97, 0.95, 0.93, weekend, weekend * 0.8])
    lam = np.clip((level + slope * t) * week[t % 7], 1, None)
    values = rng.poisson(lam).astype(float)
    return pd.Series(values, index=pd.date_range("2026-01-05", periods=n, freq="D"))


def intraday_series(rng: np.random.Generator, weeks: int = 7) -> pd.Series:
    n = weeks * 336
    t = np.arange(n)
    slot = t % 48
    day = (t // 48) % 7
    hours = slot / 2
    shape = np.where(
        (hours >= 8) & (hours < 20),
        np.exp(-((hours - 10.5) ** 2) / 4) + 0.8 * np.exp(-((hours - 15) ** 2) / 6) + 0.15,
        0.0,
    )
    week = np.array([1.2, 1.05, 1.0, 0.95, 0.9, 0.45, 0.0])[day]
    level = rng.uniform(15, 40) * (1 + rng.uniform(-0.002, 0.004) * t / 48)
    values = rng.poisson(level * shape * week).astype(float)
    return pd.Series(values, index=pd.date_range("2026-01-05", periods=n, freq="30min"))


def co2_series() -> pd.Series:
    from statsmodels.datasets import co2

    data = co2.load_pandas().data["co2"]
    weekly = data.resample("W-SAT").mean().interpolate()
    weekly = weekly.iloc[-52 * 15 :]
    weekly.index.freq = "W-SAT"
    return weekly


def evaluate(series: pd.Series, test: int, season_lengths=None) -> dict:
    train, actual = series.iloc[:-test], series.iloc[-test:].to_numpy()
    freq = series.index.freqstr
    choice = select_forecast(train, test, freq=freq, season_lengths=season_lengths)
    seasons = season_lengths or {"D": (7,), "30min": (336, 48)}[freq]
    naive = seasonal_naive(train.to_numpy(), max(seasons), test)
    previous = forecast_series(train, test, freq=freq, season_lengths=season_lengths).values
    return {
        "model": choice.model,
        "actual": actual.sum(),
        "chosen": np.abs(actual - choice.values.to_numpy()).sum(),
        "naive": np.abs(actual - naive).sum(),
        "previous": np.abs(actual - previous.to_numpy()).sum(),
        "backtest_wape": choice.backtest_wape,
        "noisy": choice.noisy,
        "covered": float(
            np.mean((actual >= choice.lower.to_numpy()) & (actual <= choice.upper.to_numpy()))
        )
        if choice.lower is not None
        else None,
    }


def summarise(name: str, results: list[dict], seconds: float) -> str:
    total = sum(r["actual"] for r in results)
    chosen = sum(r["chosen"] for r in results) / total
    naive = sum(r["naive"] for r in results) / total
    previous = sum(r["previous"] for r in results) / total
    wins = sum(r["chosen"] < r["naive"] for r in results)
    models = collections.Counter(r["model"] for r in results)
    covered = [r["covered"] for r in results if r["covered"] is not None]
    coverage = f"{np.mean(covered):.0%}" if covered else "-"
    noisy = sum(r["noisy"] for r in results)
    picked = ", ".join(f"{m} {c}" for m, c in models.most_common())
    return (
        f"| {name} | {len(results)} | {chosen:.3f} | {naive:.3f} | {previous:.3f} | "
        f"{wins}/{len(results)} | {coverage} | {noisy} | {picked} | {seconds:.0f} s |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--daily", type=int, default=20)
    parser.add_argument("--intraday", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = []
    beaten = True

    started = time.perf_counter()
    daily = [evaluate(daily_series(rng), 14) for _ in range(args.daily)]
    rows.append(
        summarise("daily (trend + weekly), 2 held-out weeks", daily, time.perf_counter() - started)
    )

    started = time.perf_counter()
    intraday = [evaluate(intraday_series(rng), 336) for _ in range(args.intraday)]
    rows.append(
        summarise(
            "intraday 30 min (daily + weekly), 1 held-out week",
            intraday,
            time.perf_counter() - started,
        )
    )

    started = time.perf_counter()
    co2 = [evaluate(co2_series(), 52, season_lengths=(52,))]
    rows.append(
        summarise(
            "statsmodels co2 (weekly, annual season), 52 held-out weeks",
            co2,
            time.perf_counter() - started,
        )
    )

    for results in (daily, intraday, co2):
        total = sum(r["actual"] for r in results)
        beaten &= (
            sum(r["chosen"] for r in results) / total < sum(r["naive"] for r in results) / total
        )

    print(
        "| set | series | chosen WAPE | seasonal naive WAPE | previous method WAPE | "
        "chosen beats naive | 80% interval coverage | flagged noisy | models chosen | time |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print()
    print("chosen beats seasonal naive on every set:", "yes" if beaten else "NO")
    return 0 if beaten else 1


if __name__ == "__main__":
    raise SystemExit(main())
