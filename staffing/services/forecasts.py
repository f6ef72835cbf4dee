"""Forecast writes: rebuild from history (nightly), planners' overrides, holiday/event
adjustments.

Rebuild rule for one work type (granularity: 30 minutes for front-office types, a day for
back-office types):

* history = arrivals per period from the first day with an arrival (at most
  ``history_days`` back) to the end of the day before ``as_of``; empty periods count 0;
* volume: :func:`staffing.forecast_models.select_forecast` - seasonal naive, Holt-Winters
  additive and multiplicative with a damped trend and (30-minute data) MSTL with a daily and
  a weekly season, chosen by a rolling-origin backtest over ``origins`` held-out weeks (WAPE);
  the seasonal-naive WAPE, the interval (residual quantiles of the backtest) and the noise
  warning are stored on the build. A history too short to backtest falls back to
  :func:`staffing.forecasting.forecast_series` (no intervals); a type with no history at all
  forecasts 0;
* holiday and event adjustments (:class:`~staffing.models.ForecastEvent`) of the type or of
  every type are applied after the model, to the volume and its interval;
* handle time: mean handle seconds of items completed in the last 28 days, or the type's
  standard minutes when none were completed;
* the values of the horizon are upserted on (work type, interval start); overrides are never
  touched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ccops.choices import Office
from workitems.models import WorkType

from .. import limits, selectors
from ..choices import ForecastMethod, Granularity
from ..errors import InvalidInput
from ..forecast_models import Adjustment, apply_adjustments, select_forecast
from ..forecasting import ForecastInputError
from ..models import ForecastBuild, ForecastEvent, ForecastOverride, ForecastValue
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


def _adjustments(work_type: WorkType, first: date, last: date) -> list[Adjustment]:
    events = ForecastEvent.objects.filter(
        Q(work_type=work_type) | Q(work_type__isnull=True),
        start_date__lte=last,
        end_date__gte=first,
    ).order_by("pk")
    return [
        Adjustment(start=e.start_date, end=e.end_date, multiplier=e.multiplier, volume=e.volume)
        for e in events
    ]


def forecast_build(
    *,
    work_type: WorkType,
    as_of: date | None = None,
    history_days: int = 56,
    horizon_days: int = 14,
    holdout_weeks: int = 3,
) -> ForecastBuild:
    """Rebuild ``work_type``'s forecast for ``as_of`` .. ``as_of + horizon_days`` from the
    history before ``as_of`` (default today); ``holdout_weeks`` = backtest origins (a week
    held out at each). Idempotent: rerunning replaces the values."""
    if not 7 <= history_days <= 366:
        raise InvalidInput("Must be from 7 to 366 days.", field="history_days")
    if not 1 <= horizon_days <= 62:
        raise InvalidInput("Must be from 1 to 62 days.", field="horizon_days")
    if not 1 <= holdout_weeks <= 4:
        raise InvalidInput("Must be from 1 to 4 weeks.", field="holdout_weeks")
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

    choice = None
    if history is None or history.empty:
        method, season = ForecastMethod.MEAN, None
        future = pd.date_range(end, periods=horizon, freq=freq)
        volumes = np.zeros(horizon)
        lower = upper = None
    else:
        try:
            choice = select_forecast(history, horizon, freq=freq, origins=holdout_weeks)
        except ForecastInputError as exc:
            raise InvalidInput(exc.message, field=exc.field) from None
        method, season = choice.model, choice.season_length
        future = choice.values.index
        volumes = choice.values.to_numpy(dtype=float)
        lower = None if choice.lower is None else choice.lower.to_numpy(dtype=float)
        upper = None if choice.upper is None else choice.upper.to_numpy(dtype=float)

    days = [timezone.localtime(pd.Timestamp(at).to_pydatetime()).date() for at in future]
    adjustments = _adjustments(work_type, days[0], days[-1])
    adjusted = np.zeros(horizon, dtype=bool)
    if adjustments:
        arrays = [volumes] + [a for a in (lower, upper) if a is not None]
        new = apply_adjustments(days, arrays, adjustments)
        adjusted = ~np.isclose(new[0], volumes) | _covered(days, adjustments)
        volumes = new[0]
        if lower is not None:
            lower, upper = new[1], new[2]

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
            volume=round(float(volumes[i]), 3),
            lower=None if lower is None else round(float(lower[i]), 3),
            upper=None if upper is None else round(float(upper[i]), 3),
            adjusted=bool(adjusted[i]),
            aht_seconds=round(aht, 1),
            method=method,
            built_at=now,
        )
        for i, at in enumerate(future)
    ]
    with transaction.atomic():
        ForecastValue.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["work_type", "interval_start"],
            update_fields=[
                "granularity",
                "volume",
                "lower",
                "upper",
                "adjusted",
                "aht_seconds",
                "method",
                "built_at",
            ],
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
                "holdout_periods": choice.holdout_periods * choice.origins if choice else 0,
                "backtest_origins": choice.origins if choice else 0,
                "mape": choice.backtest_mape if choice else None,
                "wape": choice.backtest_wape if choice else None,
                "naive_wape": choice.naive_wape if choice else None,
                "interval_level": choice.level if choice and choice.lower is not None else None,
                "noisy": choice.noisy if choice else False,
                "noise_reason": choice.noise_reason[:200] if choice else "",
                "aht_seconds": round(aht, 1),
            },
        )
    return build


def _covered(days: list[date], adjustments: list[Adjustment]) -> np.ndarray:
    arr = np.asarray(days, dtype="datetime64[D]")
    out = np.zeros(arr.size, dtype=bool)
    for adj in adjustments:
        out |= (arr >= np.datetime64(adj.start)) & (arr <= np.datetime64(adj.end))
    return out


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


def forecast_event_validate(*, name, work_type, start_date, end_date, multiplier, volume) -> None:
    """The rules of a holiday/event (raises :class:`InvalidInput` with every field's error);
    the services, the API and the admin's form all call it."""
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["Give the event a name."]
    if not isinstance(start_date, date):
        errors["start_date"] = ["Must be a date."]
    if not isinstance(end_date, date):
        errors["end_date"] = ["Must be a date."]
    elif isinstance(start_date, date):
        if end_date < start_date:
            errors["end_date"] = ["Must be on or after the start date."]
        elif (end_date - start_date).days > 366:
            errors["end_date"] = ["An event lasts at most a year."]
    if (multiplier is None) == (volume is None):
        errors["multiplier"] = ["Give either a multiplier or a fixed volume, not both."]
    elif multiplier is not None and not limits.EVENT_MULTIPLIER.admits(multiplier):
        errors["multiplier"] = [limits.EVENT_MULTIPLIER.message]
    elif volume is not None and not limits.VOLUME.admits(volume):
        errors["volume"] = [limits.VOLUME.message]
    if work_type is not None and not isinstance(work_type, WorkType):
        errors["work_type"] = ["Must be a work type."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)


def forecast_event_create(
    *,
    name: str,
    start_date: date,
    end_date: date,
    by,
    work_type: WorkType | None = None,
    multiplier: float | None = None,
    volume: float | None = None,
) -> ForecastEvent:
    """A holiday or event adjustment; it applies from the next rebuild of the types concerned."""
    forecast_event_validate(
        name=name,
        work_type=work_type,
        start_date=start_date,
        end_date=end_date,
        multiplier=multiplier,
        volume=volume,
    )
    with transaction.atomic():
        return ForecastEvent.objects.create(
            name=name.strip()[:120],
            work_type=work_type,
            start_date=start_date,
            end_date=end_date,
            multiplier=None if multiplier is None else float(multiplier),
            volume=None if volume is None else float(volume),
            created_by=by,
        )


def forecast_event_update(*, event: ForecastEvent, by, **fields) -> ForecastEvent:
    """Change an event (the same checks as on create); locked so two edits never interleave."""
    allowed = {"name", "work_type", "start_date", "end_date", "multiplier", "volume"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput("Unknown field.", field=sorted(unknown)[0])
    with transaction.atomic():
        event = ForecastEvent.objects.select_for_update().get(pk=event.pk)
        values = {f: fields.get(f, getattr(event, f)) for f in allowed}
        if "multiplier" in fields and fields["multiplier"] is not None and "volume" not in fields:
            values["volume"] = None
        if "volume" in fields and fields["volume"] is not None and "multiplier" not in fields:
            values["multiplier"] = None
        forecast_event_validate(**values)
        for f, v in values.items():
            setattr(event, f, v)
        event.save()
    return event


def forecast_event_delete(*, event: ForecastEvent, by) -> None:
    with transaction.atomic():
        event.delete()
