"""Staffing plans: lines from forecasts (Erlang / backlog planning) and shifts; drafts,
published plans, copies and what-if volumes."""

from datetime import timedelta

import pytest

from ccops.choices import Office
from staffing import services
from staffing.errors import InvalidInput, PlanLocked
from staffing.models import ForecastValue, PlanLine, StaffingPlan
from training.models import Skill
from workitems.choices import Channel
from workitems.models import WorkItem, WorkType

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db
SATURDAY = MONDAY - timedelta(days=2)
FRIDAY = MONDAY + timedelta(days=4)


def forecast(work_type, moment, volume, aht, granularity="30min"):
    ForecastValue.objects.create(
        work_type=work_type,
        interval_start=moment,
        granularity=granularity,
        volume=volume,
        aht_seconds=aht,
        method="holt_winters",
    )


def line(plan, work_type, moment):
    return PlanLine.objects.get(plan=plan, work_type=work_type, interval_start=moment)


def make_plan(planner, start=MONDAY, end=MONDAY, **kw):
    kw.setdefault("shrinkage", 0.3)
    return services.plan_create(name="P", start=start, end=end, by=planner, **kw)


def test_front_lines_erlang_and_scheduled(planner, agent, front_type, skilled, call_skill):
    skilled(agent, call_skill)
    forecast(front_type, at(MONDAY, 10), 100, 180)
    services.shift_create(
        agent=agent,
        start=at(MONDAY, 9, 15),
        end=at(MONDAY, 12),
        activity="front_office",
        by=planner,
    )
    plan = make_plan(planner)
    assert plan.lines.count() == 48  # one work type, 48 intervals (no back-office type)
    ten = line(plan, front_type, at(MONDAY, 10))
    # A = 100 * 180 / 1800 = 10 erlangs: Erlang C needs 14 for 80/20, ceil(14 / 0.7) = 20.
    assert (ten.forecast_volume, ten.forecast_aht, ten.required_agents) == (100, 180, 20)
    assert ten.scheduled_agents == 1.0 and ten.gap == -19.0
    nine = line(plan, front_type, at(MONDAY, 9))
    assert nine.scheduled_agents == 0.5  # on shift from 09:15: half the interval
    assert nine.required_agents == 0 and nine.gap == 0.5
    # No forecast: volume 0, AHT from the type's standard minutes.
    assert line(plan, front_type, at(MONDAY, 3)).forecast_aht == 300


def test_agent_is_shared_among_the_types_they_are_skilled_for(
    planner, agent, front_type, skilled, call_skill, front_team
):
    chat_skill = Skill.objects.create(name="Chat", office=Office.FRONT)
    chat = WorkType.objects.create(
        name="Chat",
        office=Office.FRONT,
        channel=Channel.CHAT,
        sla=timedelta(hours=1),
        standard_minutes=8,
        required_skill=chat_skill,
        owning_team=front_team,
    )
    skilled(agent, call_skill)
    skilled(agent, chat_skill)
    services.shift_create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 10), activity="front_office", by=planner
    )
    plan = make_plan(planner)
    assert line(plan, front_type, at(MONDAY, 9)).scheduled_agents == 0.5
    assert line(plan, chat, at(MONDAY, 9)).scheduled_agents == 0.5


def test_back_lines_backlog_planning_with_weekend_rolled_into_monday(
    planner, back_agent, back_type, skilled, claims_skill
):
    skilled(back_agent, claims_skill)
    for i, volume in enumerate([6, 4, 10, 10, 10, 10, 10]):  # Saturday .. Friday
        forecast(back_type, at(SATURDAY + timedelta(days=i), 0), volume, 1800, "day")
    for d in (0, 1, 3, 4):  # Monday, Tuesday, Thursday, Friday: one agent-day (7.5 h)
        day = MONDAY + timedelta(days=d)
        services.shift_create(
            agent=back_agent,
            start=at(day, 9),
            end=at(day, 16, 30),
            activity="back_office",
            by=planner,
        )
    plan = make_plan(planner, start=SATURDAY, end=FRIDAY, shrinkage=0.0)
    lines = list(plan.lines.filter(work_type=back_type).order_by("interval_start"))
    assert len(lines) == 7
    # Weekend: no work done, arrivals join Monday (20 items), SLA 2 days, 15 items/agent-day.
    assert [ln.required_agents for ln in lines] == [0, 0, 0, 0, 2, 0, 1]
    assert [ln.scheduled_agents for ln in lines] == [0, 0, 1.0, 1.0, 0, 1.0, 1.0]
    assert [ln.gap for ln in lines] == [0, 0, 1.0, 1.0, -2.0, 1.0, 0.0]
    # Projected with the scheduled agents: 15 a day, oldest due first, nothing past due.
    assert [ln.projected_backlog for ln in lines] == [None, None, 5, 0, 10, 5, 0]
    assert [ln.projected_past_due for ln in lines][2:] == [0, 0, 0, 0, 0]


def test_open_backlog_is_carried_in(planner, back_type):
    WorkItem.objects.bulk_create(
        [
            WorkItem(work_type=back_type, title="late", due_at=at(MONDAY - timedelta(days=3), 9))
            for _ in range(20)
        ]
    )
    plan = make_plan(planner, shrinkage=0.0)
    monday = line(plan, back_type, at(MONDAY, 0))
    assert monday.required_agents == 2  # 20 late items, 15 per agent-day
    assert monday.projected_past_due == 20  # nobody scheduled


def test_line_override_recomputes_and_survives_rebuild(planner, front_type, back_type):
    forecast(front_type, at(MONDAY, 10), 100, 180)
    plan = make_plan(planner)
    ten = line(plan, front_type, at(MONDAY, 10))
    updated = services.plan_line_set_override(line=ten, volume=0, by=planner)
    assert (updated.override_volume, updated.forecast_volume, updated.required_agents) == (
        0,
        100,
        0,
    )
    services.plan_build(plan=plan, by=planner)
    assert line(plan, front_type, at(MONDAY, 10)).override_volume == 0
    cleared = services.plan_line_set_override(
        line=line(plan, front_type, at(MONDAY, 10)), volume=None, by=planner
    )
    assert cleared.required_agents == 20
    with pytest.raises(InvalidInput) as exc:
        services.plan_line_set_override(line=cleared, volume=-3, by=planner)
    assert "override_volume" in exc.value.errors


def test_forecast_override_feeds_new_plans(planner, front_type):
    forecast(front_type, at(MONDAY, 10), 100, 180)
    services.forecast_override_set(
        work_type=front_type, interval_start=at(MONDAY, 10), volume=0, by=planner
    )
    ten = line(make_plan(planner), front_type, at(MONDAY, 10))
    assert (ten.forecast_volume, ten.override_volume, ten.required_agents) == (100, 0, 0)


def test_published_plan_is_read_only_and_copies_are_drafts(planner, front_type):
    forecast(front_type, at(MONDAY, 10), 100, 180)
    plan = make_plan(planner)
    services.plan_publish(plan=plan, by=planner)
    ten = line(plan, front_type, at(MONDAY, 10))
    for call in (
        lambda: services.plan_build(plan=plan, by=planner),
        lambda: services.plan_publish(plan=plan, by=planner),
        lambda: services.plan_update(plan=plan, by=planner, name="X"),
        lambda: services.plan_line_set_override(line=ten, volume=1, by=planner),
        lambda: services.plan_delete(plan=plan, by=planner),
    ):
        with pytest.raises(PlanLocked):
            call()
    assert line(plan, front_type, at(MONDAY, 10)).override_volume is None
    copy = services.plan_copy(plan=plan, by=planner, name="What if")
    assert (copy.status, copy.copied_from_id, copy.lines.count()) == ("draft", plan.pk, 48)
    services.plan_line_set_override(
        line=line(copy, front_type, at(MONDAY, 10)), volume=0, by=planner
    )
    assert line(plan, front_type, at(MONDAY, 10)).required_agents == 20  # original untouched
    services.plan_delete(plan=copy, by=planner)
    assert list(StaffingPlan.objects.values_list("pk", flat=True)) == [plan.pk]


def test_update_changes_dates_and_rebuilds(planner, front_type):
    plan = make_plan(planner)
    services.plan_update(plan=plan, by=planner, end=MONDAY + timedelta(days=1), name=" Two ")
    plan.refresh_from_db()
    assert plan.name == "Two" and plan.lines.count() == 96
    with pytest.raises(InvalidInput) as exc:
        services.plan_update(plan=plan, by=planner, status="published")
    assert "status" in exc.value.errors


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end": MONDAY - timedelta(days=1)}, "end"),
        ({"end": MONDAY + timedelta(days=31)}, "end"),
        ({"target_service_level": 1.5}, "target_service_level"),
        ({"target_service_level": 0}, "target_service_level"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"productive_hours": 0}, "productive_hours"),
        ({"name": "  "}, "name"),
    ],
)
def test_plan_validation_names_the_field(planner, kwargs, field):
    args = {"name": "P", "start": MONDAY, "end": MONDAY, "by": planner} | kwargs
    with pytest.raises(InvalidInput) as exc:
        services.plan_create(**args)
    assert field in exc.value.errors
    assert not StaffingPlan.objects.exists()
