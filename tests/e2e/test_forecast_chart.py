"""Browser test of the forecast page: the chosen model, its backtest WAPE beside seasonal
naive's, the multi-week chart with its interval band, and a planner's override (issue 23)."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from ccops.choices import Office
from staffing import services
from staffing.models import ForecastOverride
from tests.staffing.conftest import at
from workitems.choices import Channel
from workitems.models import WorkItem, WorkType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claims(back_team):
    work_type = WorkType.objects.create(
        name="Claims",
        office=Office.BACK,
        channel=Channel.CASE,
        sla=timedelta(days=2),
        standard_minutes=30,
        owning_team=back_team,
    )
    today = timezone.localdate()
    rng = np.random.default_rng(4)
    items = []
    for i in range(42):
        day = today - timedelta(days=42 - i)
        n = int(20 + 0.4 * i + (12 if day.weekday() < 5 else 0) + rng.integers(0, 3))
        items += [
            WorkItem(work_type=work_type, title="x", created_at=at(day, 11)) for _ in range(n)
        ]
    WorkItem.objects.bulk_create(items)
    return work_type


def test_planner_reads_the_model_and_chart_and_overrides_a_day(page, login, planner, claims):
    build = services.forecast_build(work_type=claims, holdout_weeks=1)
    login("planner")
    page.goto("/staffing/forecasts/")
    page.get_by_role("link", name="Claims").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=model-name]").inner_text() == build.get_method_display()
    assert page.locator("[data-testid=model-wape]").inner_text() == f"{build.wape * 100:.1f}%"
    assert page.locator("[data-testid=naive-wape]").inner_text() == f"{build.naive_wape * 100:.1f}%"
    chart = page.evaluate(
        """() => {
          const c = Chart.getChart('forecast-chart');
          const count = (label) => c.data.datasets.find(d => d.label === label)
            .data.filter(v => v !== null).length;
          return {labels: c.data.labels.length, history: count('Arrivals'),
                  forecast: count('Forecast'), band: count('Interval'),
                  overrides: count('Override')};
        }"""
    )
    assert chart == {"labels": 42, "history": 28, "forecast": 14, "band": 14, "overrides": 0}
    row = page.locator("[data-testid=forecast-intervals] tbody tr").nth(2)
    row.locator("input[name=volume]").fill("5")
    row.locator("input[name=reason]").fill("Office move")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    override = ForecastOverride.objects.get()
    assert (override.volume, override.reason) == (5, "Office move")
    assert timezone.localtime(override.interval_start).date() == timezone.localdate() + timedelta(
        days=2
    )
    overrides = page.evaluate(
        "() => Chart.getChart('forecast-chart').data.datasets"
        ".find(d => d.label === 'Override').data.filter(v => v !== null)"
    )
    assert overrides == [5]
