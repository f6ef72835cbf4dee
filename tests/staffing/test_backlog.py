"""Back-office backlog projection and deadline-driven staffing (pure: no Django)."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from staffing.backlog import (
    BacklogBucket,
    BacklogInputError,
    BacklogPlanInput,
    cumulative_due,
    project_backlog,
    required_agents_per_day,
    required_level_agents,
    working_days,
)

MON = date(2024, 1, 1)  # a Monday
WEEK = working_days(MON, 5, weekdays_only=True)


def _plan(**overrides) -> BacklogPlanInput:
    """Five weekdays; 10 items per agent per day (5 productive hours / 30 minutes).

    Carried in: 5 items due the Friday before (already late) and 4 due on day 0.
    """
    args = {
        "days": WEEK,
        "arrivals": [10, 10, 10, 0, 0],
        "aht_minutes": 30,
        "sla_working_days": 1,
        "productive_hours": 5,
        "starting_backlog": [
            BacklogBucket(5, date(2023, 12, 29)),
            BacklogBucket(4, MON),
        ],
    }
    return BacklogPlanInput(**(args | overrides))


def _rows(projection):
    return [
        (
            d.completions,
            d.completed_on_time,
            d.completed_late,
            d.backlog_end,
            d.past_due_end,
        )
        for d in projection.days
    ]


def test_working_days():
    assert tuple(date(2024, 1, d) for d in range(1, 6)) == WEEK
    assert working_days(date(2024, 1, 5), 3, weekdays_only=True) == (
        date(2024, 1, 5),
        date(2024, 1, 8),
        date(2024, 1, 9),
    )
    assert working_days(MON, 2, holidays=[MON]) == (date(2024, 1, 2), date(2024, 1, 3))


def test_projection_by_hand_with_a_late_carried_backlog():
    """Capacity 10 a day. Day 0 works the 5 late items, the 4 due today, 1 of Monday's 10.

    day  open at start           done (on time, late)  end backlog  past due
    0    5 late + 4 + 10 = 19    10 (5, 5)             9            0
    1    9 + 10 = 19             10 (10, 0)            9            0
    2    9 + 10 = 19             10 (10, 0)            9            0
    3    9                        9 (9, 0)             0            0
    4    0                        0                    0            0
    """
    projection = project_backlog(_plan(), [1, 1, 1, 1, 1])
    assert _rows(projection) == [
        (10, 5, 5, 9, 0),
        (10, 10, 0, 9, 0),
        (10, 10, 0, 9, 0),
        (9, 9, 0, 0, 0),
        (0, 0, 0, 0, 0),
    ]
    assert [d.capacity for d in projection.days] == [10.0] * 5
    assert projection.days[0].sla_attainment == 0.5
    assert projection.days[4].sla_attainment is None
    assert projection.clear_date == date(2024, 1, 4)
    assert projection.first_breach_date == MON  # late items completed on day 0
    assert (projection.completed, projection.completed_on_time) == (39, 34)
    assert projection.sla_attainment == pytest.approx(34 / 39)


def test_projection_by_hand_with_fractional_capacity():
    """0.75 agents = 7.5 items a day: 7, 8, 7, 8, 7 whole items (the half item carries).

    day  queue at start (due day: count)      done  on time  late  end  past due
    0    -1:5  0:4  1:10                      7     2        5     12   2
    1    0:2  1:10  2:10                      8     6        2     14   4
    2    1:4  2:10  3:10                      7     3        4     17   7
    3    2:7  3:10                            8     1        7     9    9
    4    3:9                                  7     0        7     2    2
    """
    projection = project_backlog(_plan(), 0.75)
    assert _rows(projection) == [
        (7, 2, 5, 12, 2),
        (8, 6, 2, 14, 4),
        (7, 3, 4, 17, 7),
        (8, 1, 7, 9, 9),
        (7, 0, 7, 2, 2),
    ]
    assert projection.clear_date is None
    assert projection.first_breach_date == MON
    assert projection.past_due_end == 2 and projection.backlog_end == 2
    assert (projection.completed, projection.completed_on_time) == (37, 12)


def test_idle_capacity_is_not_banked():
    """Nothing to do on day 0: its capacity cannot be used for day 1's arrivals."""
    plan = _plan(arrivals=[0, 12, 0, 0, 0], sla_working_days=0, starting_backlog=[])
    projection = project_backlog(plan, [5, 1, 1, 0, 0])
    assert [d.completions for d in projection.days] == [0, 10, 2, 0, 0]
    assert projection.days[1].past_due_end == 2
    assert projection.first_breach_date == date(2024, 1, 2)
    assert projection.clear_date == MON  # empty at the end of day 0 already


def test_bucket_due_on_a_weekend_is_due_the_friday_before():
    days = working_days(date(2024, 1, 5), 2, weekdays_only=True)  # Fri, Mon
    plan = _plan(
        days=days,
        arrivals=[0, 0],
        starting_backlog=[BacklogBucket(3, date(2024, 1, 6)), BacklogBucket(2, date(2024, 2, 1))],
    )
    assert plan.due_index(date(2024, 1, 6)) == 0
    assert plan.due_index(date(2024, 1, 4)) == -1
    assert plan.due_index(date(2024, 2, 1)) >= len(days)
    projection = project_backlog(plan, [0, 1])
    assert projection.days[0].past_due_end == 3  # Saturday's items missed Friday
    assert projection.days[1].completed_late == 3 and projection.days[1].completed_on_time == 2
    assert cumulative_due(plan) == (3, 3)  # items due after the horizon are not counted


def test_required_agents_by_hand():
    """Need per day (items due by its end): 9 (5 late + 4), 9, 9, 9, 0 -> 1 agent each."""
    plan = _plan()
    result = required_agents_per_day(plan)
    assert result.agents == (1, 1, 1, 1, 0)
    assert result.cumulative_due == (9, 19, 29, 39, 39)
    assert result.cumulative_capacity == (10.0, 20.0, 30.0, 40.0, 40.0)
    assert result.projection.past_due_end == 0
    assert all(day.past_due_end == 0 for day in result.projection.days)
    assert result.projection.days[0].completed_late == 5  # only the already-late items
    assert required_level_agents(plan) == 1


def test_deadline_cluster_needs_the_peak_on_the_due_day():
    """60 items arrive Monday with a 2-day SLA: nothing is forced until Wednesday."""
    plan = _plan(arrivals=[60, 0, 0, 0, 0], sla_working_days=2, starting_backlog=[])
    assert required_agents_per_day(plan).agents == (0, 0, 6, 0, 0)
    assert required_level_agents(plan) == 2  # 3 days x 2 agents x 10 items = 60
    assert project_backlog(plan, 2).past_due_end == 0
    assert project_backlog(plan, [2, 2, 1, 1, 1]).days[2].past_due_end == 10


def _random_plan(seed: int) -> BacklogPlanInput:
    rng = np.random.default_rng(seed)
    days = working_days(MON, int(rng.integers(5, 30)), weekdays_only=bool(seed % 2))
    late = date(2023, 12, 20)
    buckets = [BacklogBucket(int(rng.integers(0, 80)), late)]
    buckets += [
        BacklogBucket(int(rng.integers(0, 60)), days[int(i)]) for i in rng.integers(0, len(days), 3)
    ]
    return BacklogPlanInput(
        days=days,
        arrivals=rng.poisson(rng.uniform(5, 120), len(days)).tolist(),
        aht_minutes=float(rng.choice([6, 12.5, 20, 45])),
        sla_working_days=int(rng.integers(0, 4)),
        productive_hours=float(rng.choice([5.5, 6, 7.25])),
        shrinkage=float(rng.choice([0.0, 0.15, 0.3])),
        starting_backlog=buckets,
    )


@pytest.mark.parametrize("seed", range(25))
def test_required_agents_meet_every_deadline_and_are_minimal_per_day(seed):
    plan = _random_plan(seed)
    result = required_agents_per_day(plan)
    projection = result.projection
    # Every deadline inside the horizon is met ...
    assert all(day.past_due_end == 0 for day in projection.days)
    # ... late completions are only the items that were already late on arrival ...
    already_late = sum(b.count for b in plan.starting_backlog if plan.due_index(b.due_date) < 0)
    assert sum(day.completed_late for day in projection.days) == already_late
    # ... and the cumulative inequality of DOMAIN.md holds every day.
    assert all(
        cap >= due - 1e-9
        for cap, due in zip(result.cumulative_capacity, result.cumulative_due, strict=True)
    )
    for d, agents in enumerate(result.agents):
        if agents == 0:
            continue
        fewer = list(result.agents)
        fewer[d] -= 1
        assert project_backlog(plan, fewer).days[d].past_due_end > 0, f"day {d} not minimal"


@pytest.mark.parametrize("seed", range(25, 35))
def test_level_plan_is_the_fewest_constant_agents(seed):
    plan = _random_plan(seed)
    level = required_level_agents(plan)
    assert all(d.past_due_end == 0 for d in project_backlog(plan, level).days)
    if level:
        assert any(d.past_due_end > 0 for d in project_backlog(plan, level - 1).days)
    assert level <= max(required_agents_per_day(plan).agents)


def test_plan_without_late_items_reaches_full_sla_for_items_due_in_horizon():
    plan = _plan(starting_backlog=[BacklogBucket(4, MON)], arrivals=[30, 25, 40, 10, 0])
    projection = required_agents_per_day(plan).projection
    assert projection.sla_attainment == 1.0
    assert projection.first_breach_date is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"days": []}, "days"),
        ({"days": [MON, MON]}, "days"),
        ({"days": ["2024-01-01"]}, "days"),
        ({"arrivals": [1, 2]}, "arrivals"),
        ({"arrivals": [1, 2, -3, 0, 0]}, "arrivals"),
        ({"arrivals": [1, 2.5, 3, 0, 0]}, "arrivals"),
        ({"aht_minutes": 0}, "aht_minutes"),
        ({"sla_working_days": -1}, "sla_working_days"),
        ({"sla_working_days": 1.5}, "sla_working_days"),
        ({"productive_hours": 0}, "productive_hours"),
        ({"productive_hours": 25}, "productive_hours"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"starting_backlog": [BacklogBucket(-2, MON)]}, "starting_backlog"),
        ({"starting_backlog": [(3, MON)]}, "starting_backlog"),
    ],
)
def test_validation_errors_carry_the_field(overrides, field):
    with pytest.raises(BacklogInputError) as info:
        _plan(**overrides)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("agents", [[1, 1], [1, 1, 1, 1, -1], "many", float("nan")])
def test_agents_validation(agents):
    with pytest.raises(BacklogInputError) as info:
        project_backlog(_plan(), agents)
    assert info.value.field == "agents"


def test_inputs_are_frozen_tuples():
    plan = _plan()
    assert isinstance(plan.arrivals, tuple) and isinstance(plan.days, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.aht_minutes = 5  # type: ignore[misc]
    assert plan.items_per_agent_day == 10.0


def test_numpy_inputs_are_accepted():
    plan = _plan(arrivals=np.array([10, 10, 10, 0, 0]), sla_working_days=np.int64(1))
    assert plan.sla_working_days == 1 and isinstance(plan.arrivals[0], int)
    by_numpy = project_backlog(plan, np.ones(5, dtype=np.int64))
    assert _rows(by_numpy) == _rows(project_backlog(_plan(), [1, 1, 1, 1, 1]))
