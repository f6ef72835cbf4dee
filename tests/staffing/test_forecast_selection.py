"""The nightly build with model selection, holiday/event adjustments, the forecast page and
the events API (issue 23)."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from staffing import services
from staffing.errors import InvalidInput
from staffing.models import ForecastBuild, ForecastEvent, ForecastValue
from workitems.models import WorkItem

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def trending_casework(work_type, weeks=6, seed=5):
    """Weekday-heavy, growing daily arrivals for ``weeks`` before MONDAY."""
    rng = np.random.default_rng(seed)
    items = []
    days = 7 * weeks
    for i in range(days):
        day = MONDAY - timedelta(days=days - i)
        n = int(20 + 0.5 * i + (15 if day.weekday() < 5 else 0) + rng.integers(0, 3))
        items += [
            WorkItem(work_type=work_type, title="x", created_at=at(day, 11)) for _ in range(n)
        ]
    WorkItem.objects.bulk_create(items)


def test_build_chooses_a_model_by_backtest_and_stores_the_evidence(back_type):
    trending_casework(back_type)
    build = services.forecast_build(work_type=back_type, as_of=MONDAY, holdout_weeks=2)
    assert build.method in ("hw_add_damped", "hw_mul_damped")
    assert build.backtest_origins == 2 and build.holdout_periods == 14
    assert build.wape is not None and build.naive_wape is not None
    assert build.wape < build.naive_wape and not build.noisy
    assert build.interval_level == 0.8
    values = list(ForecastValue.objects.filter(work_type=back_type).order_by("interval_start"))
    assert len(values) == 14
    assert all(v.lower <= v.volume <= v.upper for v in values)
    assert all(v.method == build.method and not v.adjusted for v in values)
    # The trend goes on: the forecast Monday is above the last Monday's 20 + 0.5*35 + 15.
    assert values[0].volume > 52


def test_events_apply_after_the_model(planner, back_type, front_type):
    trending_casework(back_type)
    services.forecast_build(work_type=back_type, as_of=MONDAY, holdout_weeks=1)
    model = {v.interval_start: v for v in ForecastValue.objects.filter(work_type=back_type)}
    services.forecast_event_create(
        name="Campaign",
        work_type=back_type,
        start_date=MONDAY,
        end_date=MONDAY,
        multiplier=2.0,
        by=planner,
    )
    services.forecast_event_create(
        name="Holiday",
        start_date=MONDAY + timedelta(days=2),
        end_date=MONDAY + timedelta(days=2),
        volume=0,
        by=planner,
    )
    services.forecast_build(work_type=back_type, as_of=MONDAY, holdout_weeks=1)
    after = {v.interval_start: v for v in ForecastValue.objects.filter(work_type=back_type)}
    monday, wednesday, tuesday = (
        at(MONDAY, 0),
        at(MONDAY + timedelta(days=2), 0),
        at(MONDAY + timedelta(days=1), 0),
    )
    assert after[monday].volume == pytest.approx(2 * model[monday].volume, abs=0.002)
    assert after[monday].upper == pytest.approx(2 * model[monday].upper, abs=0.002)
    assert after[wednesday].volume == 0 and after[wednesday].upper == 0
    assert after[monday].adjusted and after[wednesday].adjusted
    assert after[tuesday].volume == model[tuesday].volume and not after[tuesday].adjusted


def test_event_validation_names_the_field(planner, back_type):
    cases = [
        ({"multiplier": 1.5, "volume": 10}, "multiplier"),
        ({}, "multiplier"),
        ({"multiplier": -1}, "multiplier"),
        ({"volume": 10**9}, "volume"),
        ({"multiplier": 1.2, "end_date": MONDAY - timedelta(days=1)}, "end_date"),
        ({"multiplier": 1.2, "name": " "}, "name"),
    ]
    for extra, field in cases:
        args = {"name": "x", "start_date": MONDAY, "end_date": MONDAY, "by": planner, **extra}
        with pytest.raises(InvalidInput) as err:
            services.forecast_event_create(**args)
        assert field in err.value.errors
    assert not ForecastEvent.objects.exists()


def test_events_api_planner_writes_supervisor_reads(client, planner, supervisor, back_type):
    client.force_login(supervisor)
    url = "/api/v1/staffing/forecast-events/"
    body = {"name": "Xmas", "start_date": "2026-12-25", "end_date": "2026-12-26", "multiplier": 0}
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(planner)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    event = ForecastEvent.objects.get()
    assert (event.multiplier, event.volume, event.created_by) == (0, None, planner)
    bad = {**body, "volume": 5}
    response = client.post(url, bad, content_type="application/json")
    assert response.status_code == 400 and "multiplier" in response.json()["errors"]
    response = client.patch(f"{url}{event.pk}/", {"volume": 12}, content_type="application/json")
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.multiplier, event.volume) == (None, 12)
    client.force_login(supervisor)
    listing = client.get(f"{url}?active_on=2026-12-26").json()
    assert [row["name"] for row in listing["results"]] == ["Xmas"]
    assert client.get(f"{url}?active_on=2026-12-27").json()["results"] == []


def test_forecast_page_shows_model_naive_and_chart(
    client, supervisor, back_type, django_assert_num_queries
):
    trending_casework(back_type)
    build = services.forecast_build(work_type=back_type, as_of=MONDAY, holdout_weeks=1)
    client.force_login(supervisor)
    url = f"/staffing/forecasts/{back_type.pk}/?day={MONDAY.isoformat()}"
    # session, user (with team and groups), the type, latest build, history counts,
    # forecast values, overrides
    with django_assert_num_queries(7):
        response = client.get(url)
    html = response.content.decode()
    assert build.get_method_display() in html
    assert f"{build.wape * 100:.1f}%" in html and f"{build.naive_wape * 100:.1f}%" in html
    chart = response.context["chart"]
    assert len(chart["labels"]) == 28 + 14
    assert chart["history"][:28] == [
        WorkItem.objects.filter(
            work_type=back_type, created_at__date=MONDAY - timedelta(days=28 - i)
        ).count()
        for i in range(28)
    ]
    assert chart["forecast"][:28] == [None] * 28 and None not in chart["forecast"][28:]
    assert all(
        lo <= f <= hi
        for lo, f, hi in zip(
            chart["lower"][28:], chart["forecast"][28:], chart["upper"][28:], strict=True
        )
    )
    assert len(response.context["rows"]) == 14  # every day of the horizon for casework
    assert 'id="forecast-chart"' in html and "forecast_chart.js" in html


def test_forecast_page_warns_on_a_noisy_series(client, supervisor, back_type):
    rng = np.random.default_rng(2)
    items = []
    for i in range(42):
        day = MONDAY - timedelta(days=42 - i)
        items += [
            WorkItem(work_type=back_type, title="x", created_at=at(day, 9))
            for _ in range(int(rng.poisson(1.5)))
        ]
    WorkItem.objects.bulk_create(items)
    build = services.forecast_build(work_type=back_type, as_of=MONDAY, holdout_weeks=2)
    assert build.noisy and build.noise_reason
    client.force_login(supervisor)
    html = client.get(f"/staffing/forecasts/{back_type.pk}/?day={MONDAY}").content.decode()
    assert 'data-testid="noise-warning"' in html and build.noise_reason in html


def test_nightly_task_uses_the_selection(back_type):
    from staffing import tasks

    trending_casework(back_type, weeks=5)
    tasks.rebuild_forecasts(as_of=MONDAY.isoformat())
    build = ForecastBuild.objects.get(work_type=back_type, as_of=MONDAY)
    assert build.backtest_origins >= 1 and build.naive_wape is not None
    assert build.method in ("seasonal_naive", "hw_add_damped", "hw_mul_damped")
    assert timezone.localdate(build.built_at) <= date.today() + timedelta(days=1)


def test_planner_adds_and_removes_events_on_the_page(
    client, planner, supervisor, back_type, django_assert_num_queries
):
    client.force_login(supervisor)
    body = {"name": "Xmas", "start_date": "2026-12-25", "end_date": "2026-12-26", "multiplier": 0}
    assert client.post("/staffing/forecasts/events/", body).status_code == 403
    assert not ForecastEvent.objects.exists()
    client.force_login(planner)
    client.post("/staffing/forecasts/events/", {**body, "work_type": back_type.pk})
    event = ForecastEvent.objects.get()
    assert (event.work_type, event.multiplier, event.created_by) == (back_type, 0, planner)
    response = client.post("/staffing/forecasts/events/", {**body, "volume": 3}, follow=True)
    assert "Give either a multiplier or a fixed volume" in response.content.decode()
    assert ForecastEvent.objects.count() == 1
    client.force_login(supervisor)
    html = client.get("/staffing/forecasts/?day=2026-12-01").content.decode()
    assert "Xmas" in html and 'data-testid="forecast-event-form"' not in html
    assert client.post(f"/staffing/forecasts/events/{event.pk}/delete/").status_code == 403
    client.force_login(planner)
    client.post(f"/staffing/forecasts/events/{event.pk}/delete/")
    assert not ForecastEvent.objects.exists()


def test_events_api_refuses_agents(client, agent):
    client.force_login(agent)
    assert client.get("/api/v1/staffing/forecast-events/").status_code == 403


def test_admin_enters_events_with_the_same_rules(client, admin_user, back_type):
    client.force_login(admin_user)
    url = "/admin/staffing/forecastevent/add/"
    body = {"name": "Xmas", "work_type": "", "start_date": "2026-12-25", "end_date": "2026-12-26"}
    response = client.post(url, {**body, "multiplier": "0.5", "volume": "3"})
    assert response.status_code == 200  # the form again, with the error
    assert "Give either a multiplier or a fixed volume" in response.content.decode()
    response = client.post(url, {**body, "end_date": "2028-01-01", "multiplier": "0.5"})
    assert "at most a year" in response.content.decode()
    assert not ForecastEvent.objects.exists()
    response = client.post(url, {**body, "multiplier": "0.5"})
    assert response.status_code == 302
    event = ForecastEvent.objects.get()
    assert (event.work_type, event.multiplier, event.created_by) == (None, 0.5, admin_user)
