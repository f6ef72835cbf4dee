"""Shared goals: office precedence, effective dates, adjustments by role and tenure band,
attainment against the goal that applies to each person, team and office."""

from datetime import date, timedelta

import pytest

from ccops.choices import Office, Role, TenureBand
from ccops.kpi_models import GoalAdjustment, SharedGoal
from ccops.kpis import goals
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


@pytest.fixture
def productivity_goal(db):
    goal = SharedGoal.objects.create(
        name="Productivity 85 %", kpi="productivity", target=85, effective_from=date(2026, 1, 1)
    )
    GoalAdjustment.objects.create(goal=goal, tenure_band=TenureBand.NEW_HIRE, factor=0.8)
    GoalAdjustment.objects.create(goal=goal, tenure_band=TenureBand.DEVELOPING, factor=0.9)
    return goal


def test_new_hire_gets_80_percent_of_the_productivity_target(productivity_goal, front_team):
    new = make_user(Role.AGENT, team=front_team, hire_date=DAY - timedelta(days=30))
    developing = make_user(Role.AGENT, team=front_team, hire_date=DAY - timedelta(days=200))
    veteran = make_user(Role.AGENT, team=front_team, hire_date=DAY - timedelta(days=800))
    loaded = goals.load_goals(DAY, DAY)
    targets = [goals.target_for_person(loaded, "productivity", u, DAY) for u in (new, developing)]
    assert [t.value for t in targets] == [pytest.approx(68), pytest.approx(76.5)]
    assert goals.target_for_person(loaded, "productivity", veteran, DAY).value == 85
    # The band is taken on the day: the same new hire 100 days later is "developing".
    later = DAY + timedelta(days=100)
    assert goals.target_for_person(loaded, "productivity", new, later).value == pytest.approx(76.5)


def test_most_specific_adjustment_wins(productivity_goal):
    GoalAdjustment.objects.create(goal=productivity_goal, role=Role.AGENT, factor=0.95)
    GoalAdjustment.objects.create(
        goal=productivity_goal, role=Role.AGENT, tenure_band=TenureBand.NEW_HIRE, factor=0.7
    )
    loaded = goals.load_goals(DAY, DAY)
    goal = loaded[0]
    assert goals.adjustment_factor(goal, Role.AGENT, TenureBand.NEW_HIRE) == 0.7
    assert goals.adjustment_factor(goal, Role.SUPERVISOR, TenureBand.NEW_HIRE) == 0.8
    assert goals.adjustment_factor(goal, Role.AGENT, TenureBand.EXPERIENCED) == 0.95
    assert goals.adjustment_factor(goal, Role.SUPERVISOR, TenureBand.EXPERIENCED) == 1.0


def test_office_goal_wins_over_both_office_goal_and_dates_apply():
    both = SharedGoal.objects.create(
        name="AHT both", kpi="aht", target=8, effective_from=date(2026, 1, 1)
    )
    back = SharedGoal.objects.create(
        name="AHT back",
        kpi="aht",
        office=Office.BACK,
        target=30,
        effective_from=date(2026, 3, 1),
        effective_to=date(2026, 3, 31),
    )
    loaded = goals.load_goals(date(2026, 2, 1), date(2026, 4, 30))
    assert goals.goal_for(loaded, "aht", "back", DAY) == back
    assert goals.goal_for(loaded, "aht", "front", DAY) == both
    assert goals.goal_for(loaded, "aht", "back", date(2026, 4, 1)) == both
    assert goals.goal_for(loaded, "aht", "back", date(2025, 12, 31)) is None
    # Teams and offices are held to the goal's own target, without adjustments.
    assert goals.target_for(loaded, "aht", office="back", day=DAY).value == 30


def test_attainment_by_direction(productivity_goal):
    # Productivity (higher is better, stored as a ratio, shown in %): 0.765 vs 85 -> 90 %.
    result = goals.attainment("productivity", 0.765, 85)
    assert result.value == pytest.approx(76.5) and result.percent == pytest.approx(90)
    assert result.met is False
    # AHT (lower is better, stored in seconds, shown in minutes): 6 min vs 8 min target.
    result = goals.attainment("aht", 360, 8)
    assert result.value == pytest.approx(6) and result.percent == pytest.approx(133.333, 0.01)
    assert result.met is True
    assert goals.attainment("aht", None, 8).met is None
    assert goals.attainment("aht", 360, None) is None


def test_goal_validation_rejects_unknown_kpi_and_reversed_dates():
    from django.core.exceptions import ValidationError

    goal = SharedGoal(
        name="x", kpi="nope", target=1, effective_from=DAY, effective_to=DAY - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as err:
        goal.full_clean()
    assert set(err.value.message_dict) == {"kpi", "effective_to"}
