"""Backlog plans say what their horizon leaves due after it and staff the SLA days after it;
plans carry Erlang A's abandonment target (issue 23)."""

from datetime import date, timedelta

import pytest

from staffing import calculators, services
from staffing.backlog import (
    BacklogPlanInput,
    required_agents_beyond_horizon,
    required_agents_per_day,
    working_days,
)
from staffing.erlang import required_agents
from staffing.errors import InvalidInput
from staffing.models import ForecastValue, PlanLine

from .conftest import MONDAY, at

WEEK = working_days(date(2026, 3, 2), 5)  # Mon 2 .. Fri 6 March 2026


def hand_worked():
    # 10 items a day, 60 minutes each, 8 productive hours: 8 items per agent-day; SLA 2.
    return BacklogPlanInput(
        days=WEEK, arrivals=[10] * 5, aht_minutes=60, sla_working_days=2, productive_hours=8
    )


def test_hand_worked_week():
    plan = hand_worked()
    # Mon's 10 are due Wed: 2 agents (16 items: Mon's 10 and 6 of Tue's). Thu: Tue's other
    # 4 -> 1 agent (4 of Tue, 4 of Wed). Fri: Wed's other 6 -> 1 agent (6 Wed, 2 Thu).
    assert required_agents_per_day(plan).agents == (0, 0, 2, 1, 1)
    beyond = required_agents_beyond_horizon(plan)
    # Thu's and Fri's 20 arrivals are due Mon 9 and Tue 10 March, after the horizon: Thu's
    # 8 still open -> 1 agent Monday; Fri's 10 -> 2 agents Tuesday.
    assert beyond.items_due_after == 20
    assert beyond.days == (date(2026, 3, 9), date(2026, 3, 10))
    assert beyond.agents == (1, 2)


def test_no_sla_leaves_nothing_after():
    plan = BacklogPlanInput(
        days=WEEK, arrivals=[10] * 5, aht_minutes=60, sla_working_days=0, productive_hours=8
    )
    beyond = required_agents_beyond_horizon(plan)
    assert (beyond.items_due_after, beyond.days, beyond.agents) == (0, (), ())


def test_calculator_reports_it():
    out = calculators.backlog_calculate(
        start=date(2026, 3, 2),
        arrivals=[10] * 5,
        aht_minutes=60,
        sla_working_days=2,
        productive_hours=8,
    )
    assert out["required_agents"] == [0, 0, 2, 1, 1]
    assert out["beyond_horizon"] == {
        "items_due_after": 20,
        "days": [{"date": date(2026, 3, 9), "agents": 1}, {"date": date(2026, 3, 10), "agents": 2}],
    }


@pytest.mark.django_db
def test_api_and_page_show_it(client, supervisor):
    client.force_login(supervisor)
    body = {
        "start": "2026-03-02",
        "arrivals": [10] * 5,
        "aht_minutes": 60,
        "sla_working_days": 2,
        "productive_hours": 8,
    }
    response = client.post("/api/v1/staffing/backlog-plan/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["beyond_horizon"]["items_due_after"] == 20
    assert [d["agents"] for d in response.json()["beyond_horizon"]["days"]] == [1, 2]
    page = client.get(
        "/staffing/backlog/?start=2026-03-02&arrivals=10+10+10+10+10&aht_minutes=60"
        "&sla_working_days=2&productive_hours=8&shrinkage=0&weekdays_only=on"
    )
    html = page.content.decode()
    assert 'data-testid="beyond-horizon"' in html and "20 items" in html
    assert "2 agents on Tue 10 Mar" in html


@pytest.mark.django_db
def test_plan_states_what_is_due_after_it(client, planner, back_type):
    for i in range(5):
        ForecastValue.objects.create(
            work_type=back_type,
            interval_start=at(MONDAY + timedelta(days=i), 0),
            granularity="day",
            volume=10,
            aht_seconds=3600,
            method="hw_add_damped",
        )
    plan = services.plan_create(
        name="Week",
        start=MONDAY,
        end=MONDAY + timedelta(days=4),
        by=planner,
        shrinkage=0,
        productive_hours=8,
    )
    info = plan.beyond_horizon[str(back_type.pk)]
    assert info["items_due_after"] == 20 and [d["agents"] for d in info["days"]] == [1, 2]
    lines = PlanLine.objects.filter(plan=plan, work_type=back_type).order_by("interval_start")
    assert [ln.required_agents for ln in lines] == [0, 0, 2, 1, 1]
    copy = services.plan_copy(plan=plan, by=planner)
    assert copy.beyond_horizon == plan.beyond_horizon
    client.force_login(planner)
    html = client.get(f"/staffing/plans/{plan.pk}/").content.decode()
    assert 'data-testid="beyond-horizon"' in html
    assert "Claims: 20 items of this plan fall due after" in html


@pytest.mark.django_db
def test_plan_staffs_queues_to_the_abandonment_target(planner, front_type):
    ForecastValue.objects.create(
        work_type=front_type,
        interval_start=at(MONDAY, 10),
        granularity="30min",
        volume=100,
        aht_seconds=300,
        method="mstl_ets",
    )
    plan = services.plan_create(
        name="A",
        start=MONDAY,
        end=MONDAY,
        by=planner,
        shrinkage=0,
        target_service_level=0.5,
        patience_seconds=300,
        max_abandon_rate=0.01,
    )
    expected = required_agents(100, 300, 1800, 0.5, 20, patience_seconds=300, max_abandon_rate=0.01)
    line = PlanLine.objects.get(plan=plan, work_type=front_type, interval_start=at(MONDAY, 10))
    assert line.required_agents == expected.agents
    assert expected.abandon_rate <= 0.01
    sl_only = required_agents(100, 300, 1800, 0.5, 20, patience_seconds=300)
    assert expected.agents > sl_only.agents
    with pytest.raises(InvalidInput) as err:
        services.plan_update(plan=plan, by=planner, patience_seconds=None)
    assert "max_abandon_rate" in err.value.errors
