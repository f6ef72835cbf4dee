"""Forecast writes: rebuild from history (nightly), planners' overrides.

Rebuild rule for one work type (granularity: 30 minutes for front-office types, a day for
back-office types):

* history = arrivals per period from the first day with an arrival (at most
  ``history_days`` back) to the end of the day before ``as_of``; empty periods count 0;
* volume: :func:`staffing.forecasting.forecast_series` - Holt-Winters with the weekly season
  when the history holds two weeks, else with the daily season (30-minute data, two days),
  else the seasonal average of the longest season with one full cycle, else the mean
  (a type with no history at all forecasts 0);
* handle time: mean handle seconds of items completed in the last 28 days, or the type's
  standard minutes when none were completed;
* accuracy: the same rules fitted without the last ``holdout_weeks`` of history and compared
  with what arrived (MAPE and WAPE), when the history is longer than the hold-out;
* the values of the horizon are upserted on (work type, interval start); overrides are never
  touched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from django.db import transaction
from django.utils import timezone

from ccops.choices import Office
from workitems.models import WorkType

from .. import limits, selectors
from ..choices import ForecastMethod, Granularity
from ..errors import InvalidInput
from ..forecasting import ForecastInputError, backtest, forecast_series
from ..models import ForecastBuild, ForecastOverride, ForecastValue
from ..timeutil import INTERVALS_PER_DAY, day_start, is_day_start, is_interval_start

AHT_LOOKBACK_DAYS = 28


def _granularity(work_type: WorkType) -> str:
    return Granularity.INTERVAL if work_type.office == Office.FRONT else Granularity.DAY


def _history(work_type: WorkType, start: datetime, end: datetime, granularity: str) -> pd.Series:
    counts = selectors.arrival_counts(work_type=work_type, start=start, end=end)
    if granularity == Granularity.INTERVAL:
        index = pd.date_range(start, end, freq="30min", inclusive="left")
    else:
        index = pd.date_range(start, end, freq="D", inclusive="left")
    series = pd.Series(0.0, index=index)
    for at, n in counts.items():
        key = pd.Timestamp(at).tz_convert(index.tz) if index.tz is not None else pd.Timestamp(at)
        if key in series.index:
            series[key] = float(n)
    return series


def forecast_build(
    *,
    work_type: WorkType,
    as_of: date | None = None,
    history_days: int = 56,
    horizon_days: int = 14,
    holdout_weeks: int = 1,
) -> ForecastBuild:
    """Rebuild ``work_type``'s forecast for ``as_of`` .. ``as_of + horizon_days`` from the
    history before ``as_of`` (default today). Idempotent: rerunning replaces the values."""
    if not 7 <= history_days <= 366:
        raise InvalidInput("Must be from 7 to 366 days.", field="history_days")
    if not 1 <= horizon_days <= 62:
        raise InvalidInput("Must be from 1 to 62 days.", field="horizon_days")
    if not 0 <= holdout_weeks <= 4:
        raise InvalidInput("Must be from 0 to 4 weeks.", field="holdout_weeks")
    as_of = as_of or timezone.localdate()
    granularity = _granularity(work_type)
    end = day_start(as_of)
    start = day_start(as_of - timedelta(days=history_days))
    first = selectors.first_arrival(work_type=work_type, before=end)
    if first is not None:
        start = max(start, day_start(timezone.localtime(first).date()))
    per_day = INTERVALS_PER_DAY if granularity == Granularity.INTERVAL else 1
    freq = "30min" if granularity == Granularity.INTERVAL else "D"
    horizon = horizon_days * per_day
    history = _history(work_type, start, end, granularity) if first is not None else None

    mape = wape = None
    holdout = 0
    if history is None or history.empty:
        method, season = ForecastMethod.MEAN, None
        future = pd.date_range(end, periods=horizon, freq=freq)
        volumes = [0.0] * horizon
    else:
        try:
            result = forecast_series(history, horizon, freq=freq)
            holdout = holdout_weeks * 7 * per_day
            if holdout and len(history) > holdout:
                accuracy = backtest(history, holdout, freq=freq).accuracy
                mape, wape = accuracy.mape, accuracy.wape
            else:
                holdout = 0
        except ForecastInputError as exc:
            raise InvalidInput(exc.message, field=exc.field) from None
        method, season = result.method, result.season_length
        future = result.values.index
        volumes = [float(v) for v in result.values.to_numpy()]

    aht = (
        selectors.average_handle_seconds(
            work_type=work_type, start=end - timedelta(days=AHT_LOOKBACK_DAYS), end=end
        )
        or float(work_type.standard_minutes) * 60
    )
    now = timezone.now()
    rows = [
        ForecastValue(
            work_type=work_type,
            interval_start=pd.Timestamp(at).to_pydatetime(),
            granularity=granularity,
            volume=round(volume, 3),
            aht_seconds=round(aht, 1),
            method=method,
            built_at=now,
        )
        for at, volume in zip(future, volumes, strict=True)
    ]
    with transaction.atomic():
        ForecastValue.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["work_type", "interval_start"],
            update_fields=["granularity", "volume", "aht_seconds", "method", "built_at"],
            batch_size=1000,
        )
        build, _ = ForecastBuild.objects.update_or_create(
            work_type=work_type,
            as_of=as_of,
            defaults={
                "built_at": now,
                "granularity": granularity,
                "method": method,
                "season_length": season,
                "history_periods": 0 if history is None else len(history),
                "horizon_periods": horizon,
                "holdout_periods": holdout,
                "mape": mape,
                "wape": wape,
                "aht_seconds": round(aht, 1),
            },
        )
    return build


def forecast_build_all(*, as_of: date | None = None, **options) -> list[ForecastBuild]:
    """Rebuild every active work type (the nightly job)."""
    return [
        forecast_build(work_type=wt, as_of=as_of, **options)
        for wt in WorkType.objects.filter(active=True).order_by("pk")
    ]


def _check_interval(work_type: WorkType, interval_start) -> None:
    if not isinstance(interval_start, datetime) or timezone.is_naive(interval_start):
        raise InvalidInput("Must be a date and time with a time zone.", field="interval_start")
    if work_type.office == Office.FRONT and not is_interval_start(interval_start):
        raise InvalidInput(
            "Front-office forecasts are per 30 minutes: use :00 or :30.", field="interval_start"
        )
    if work_type.office == Office.BACK and not is_day_start(interval_start):
        raise InvalidInput(
            "Back-office forecasts are per day: use local midnight.", field="interval_start"
        )


def forecast_override_set(
    *, work_type: WorkType, interval_start: datetime, volume: float, by, reason: str = ""
) -> ForecastOverride:
    """Set (or change) the planner's volume for one interval; the model value is kept."""
    if not limits.VOLUME.admits(volume):
        raise InvalidInput(f"Must be a number {limits.VOLUME.rule}.", field="volume")
    _check_interval(work_type, interval_start)
    with transaction.atomic():
        override, _ = ForecastOverride.objects.update_or_create(
            work_type=work_type,
            interval_start=interval_start,
            defaults={"volume": float(volume), "by": by, "reason": reason[:200]},
        )
    return override


def forecast_override_delete(*, override: ForecastOverride, by) -> None:
    with transaction.atomic():
        override.delete()
