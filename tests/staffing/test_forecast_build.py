"""Forecast rebuilds from history, overrides kept apart, the nightly task."""

from datetime import timedelta

import pytest

from ccops.models import JobRun
from staffing import services, tasks
from staffing.errors import InvalidInput
from staffing.models import ForecastBuild, ForecastOverride, ForecastValue
from workitems.models import WorkItem

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def history(work_type, days, per_day, *, hours=(10, 14), done=False, handle=0):
    """``per_day`` items at each of ``hours`` on each of the ``days`` before MONDAY."""
    items = []
    for d in range(1, days + 1):
        day = MONDAY - timedelta(days=d)
        for h in hours:
            for _ in range(per_day):
                items.append(
                    WorkItem(
                        work_type=work_type,
                        title="x",
                        created_at=at(day, h),
                        status="done" if done else "new",
                        completed_at=at(day, h, 20) if done else None,
                        handle_seconds=handle,
                    )
                )
    WorkItem.objects.bulk_create(items)


def test_front_type_two_weeks_uses_holt_winters_weekly(front_type):
    history(front_type, 21, 3, done=True, handle=240)
    build = services.forecast_build(work_type=front_type, as_of=MONDAY)
    assert (build.method, build.season_length) == ("holt_winters", 336)
    assert build.history_periods == 21 * 48
    assert build.aht_seconds == 240.0
    values = ForecastValue.objects.filter(work_type=front_type)
    assert values.count() == 14 * 48
    assert values.first().interval_start == at(MONDAY, 0)
    # The pattern (3 at 10:00 and 14:00, nothing else) is learnt.
    ten = values.get(interval_start=at(MONDAY, 10)).volume
    three_am = values.get(interval_start=at(MONDAY, 3)).volume
    assert ten == pytest.approx(3, abs=0.5) and three_am == pytest.approx(0, abs=0.5)
    # Three weeks of 30-minute data leave no origin with more than two weekly seasons to fit
    # MSTL on: the fallback rules apply and nothing is backtested (no interval either).
    assert build.holdout_periods == 0 and build.wape is None and build.backtest_origins == 0
    assert values.first().lower is None


def test_short_history_falls_back(front_type, back_type):
    history(front_type, 3, 2)
    build = services.forecast_build(work_type=front_type, as_of=MONDAY)
    assert (build.method, build.season_length) == ("holt_winters", 48)  # daily season
    history(back_type, 5, 2)
    build = services.forecast_build(work_type=back_type, as_of=MONDAY)
    # Five days of daily data: under one weekly cycle -> the mean; no hold-out possible.
    assert build.method == "mean" and build.mape is None and build.holdout_periods == 0
    assert ForecastValue.objects.filter(work_type=back_type).count() == 14
    assert {v.volume for v in ForecastValue.objects.filter(work_type=back_type)} == {4.0}
    # No completed items: AHT is the type's standard minutes.
    assert build.aht_seconds == 30 * 60


def test_no_history_forecasts_zero(back_type):
    build = services.forecast_build(work_type=back_type, as_of=MONDAY, horizon_days=3)
    assert build.method == "mean" and build.history_periods == 0
    assert list(ForecastValue.objects.values_list("volume", flat=True)) == [0.0, 0.0, 0.0]


def test_rebuild_is_idempotent_and_keeps_overrides(planner, back_type):
    history(back_type, 14, 2)
    services.forecast_build(work_type=back_type, as_of=MONDAY)
    override = services.forecast_override_set(
        work_type=back_type, interval_start=at(MONDAY, 0), volume=99, by=planner, reason="Mailing"
    )
    services.forecast_build(work_type=back_type, as_of=MONDAY)
    assert ForecastValue.objects.count() == 14
    assert ForecastBuild.objects.count() == 1
    override.refresh_from_db()
    assert override.volume == 99 and override.reason == "Mailing"
    model = ForecastValue.objects.get(interval_start=at(MONDAY, 0)).volume
    assert model == pytest.approx(4, abs=0.5)  # the model's number is kept apart


def test_override_validation(planner, front_type, back_type):
    with pytest.raises(InvalidInput) as exc:
        services.forecast_override_set(
            work_type=front_type, interval_start=at(MONDAY, 10, 15), volume=5, by=planner
        )
    assert "interval_start" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        services.forecast_override_set(
            work_type=back_type, interval_start=at(MONDAY, 10), volume=5, by=planner
        )
    assert "interval_start" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        services.forecast_override_set(
            work_type=back_type, interval_start=at(MONDAY, 0), volume=-1, by=planner
        )
    assert "volume" in exc.value.errors
    with pytest.raises(InvalidInput, match="0 to 100,000") as exc:
        services.forecast_override_set(
            work_type=back_type, interval_start=at(MONDAY, 0), volume=5.6e16, by=planner
        )
    assert "volume" in exc.value.errors
    assert not ForecastOverride.objects.exists()


def test_build_parameter_ranges(back_type):
    for field, value in (("history_days", 3), ("horizon_days", 0), ("holdout_weeks", 9)):
        with pytest.raises(InvalidInput) as exc:
            services.forecast_build(work_type=back_type, **{field: value})
        assert field in exc.value.errors


def test_nightly_task_rebuilds_every_active_type(front_type, back_type):
    history(back_type, 14, 1)
    result = tasks.rebuild_forecasts.delay(as_of=MONDAY.isoformat()).get()
    assert result == {"as_of": "2026-03-02", "work_types": 2}
    assert set(ForecastBuild.objects.values_list("work_type__name", flat=True)) == {
        "Calls",
        "Claims",
    }
    run = JobRun.objects.get(name="staffing.rebuild_forecasts")
    assert run.status == "ok" and run.key == "2026-03-02"
    tasks.rebuild_forecasts.delay(as_of=MONDAY.isoformat()).get()  # a rerun adds nothing
    assert ForecastBuild.objects.count() == 2
    assert ForecastValue.objects.count() == 14 * 48 + 14


def test_nightly_schedule_is_registered():
    from ccops.schedules import SCHEDULES

    spec = next(s for s in SCHEDULES if s["task"] == "staffing.tasks.rebuild_forecasts")
    assert spec["crontab"]["hour"] == "2"
