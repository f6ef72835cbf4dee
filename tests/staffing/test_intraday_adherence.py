"""Intraday snapshot (required vs staffed, flex, adherence now) and the adherence KPI."""

from datetime import timedelta

import pytest

from ccops import kpis
from ccops.choices import Role
from staffing import services
from staffing.adherence import adherence_by_agent, productive_minutes_per_agent
from staffing.intraday import intraday_snapshot
from staffing.models import ForecastValue, Shift
from tests.factories import make_user
from workitems.models import PresenceChange, WorkItem
from workitems.services import presence_set

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db
NOW = at(MONDAY, 10, 10)


@pytest.fixture
def floor(planner, front_team, back_team, front_type, back_type, skilled, call_skill, claims_skill):
    """Five front agents on calls, three back agents (two cross-trained for calls);
    40 calls per half hour at 180 s need 7 agents for 80/20; casework has spare time."""
    front = [make_user(Role.AGENT, username=f"f{i}", team=front_team) for i in range(5)]
    back = [make_user(Role.AGENT, username=f"b{i}", team=back_team) for i in range(3)]
    for user in front:
        skilled(user, call_skill)
        services.shift_create(
            agent=user, start=at(MONDAY, 9), end=at(MONDAY, 13), activity="front_office", by=planner
        )
        presence_set(agent=user, state="available", at=at(MONDAY, 9))
    for i, user in enumerate(back):
        skilled(user, claims_skill)
        if i < 2:
            skilled(user, call_skill, level=2)
        services.shift_create(
            agent=user,
            start=at(MONDAY, 9),
            end=at(MONDAY, 16, 30),
            activity="back_office",
            by=planner,
        )
        presence_set(agent=user, state="casework", at=at(MONDAY, 9))
    for h, m in [(h, m) for h in range(8, 14) for m in (0, 30)]:
        ForecastValue.objects.create(
            work_type=front_type,
            interval_start=at(MONDAY, h, m),
            granularity="30min",
            volume=40,
            aht_seconds=180,
            method="holt_winters",
        )
    WorkItem.objects.bulk_create(
        [WorkItem(work_type=back_type, title="c", due_at=at(MONDAY, 17)) for _ in range(10)]
    )
    return {"front": front, "back": back}


def test_snapshot_required_staffed_and_flex(floor, front_type, back_type):
    snap = intraday_snapshot(now=NOW)
    (calls,) = snap["front"]
    assert (calls["required_now"], calls["staffed_now"]) == (7, 5.0)
    assert calls["service_level_now"] == pytest.approx(0.504, abs=0.001)
    assert calls["forecast_day"] == 480 and calls["forecast_so_far"] == pytest.approx(
        40 * 4 + 40 / 3
    )
    (claims,) = snap["back"]
    assert (claims["open"], claims["past_due"], claims["due_today"]) == (10, 0, 10)
    assert claims["staffed_now"] == 3.0
    assert claims["capacity_left"] == 3 * 380 // 30  # 10:10 -> 16:30, 30 minutes per item
    (move,) = snap["moves"]
    assert move.direction == "to_front" and move.to_type == "Calls"
    assert sorted(a.name for a in move.agents) == ["B0", "B1"]  # the cross-trained two
    assert move.sl_before == pytest.approx(0.504, abs=0.001)
    assert move.sl_after == pytest.approx(0.903, abs=0.001)
    assert snap["out_of_adherence_total"] == 0
    assert snap["logged_in"] == {"front": 5, "back": 3}


def test_out_of_adherence_now(floor):
    presence_set(agent=floor["front"][0], state="casework", at=at(MONDAY, 10))
    snap = intraday_snapshot(now=NOW)
    assert [r["agent"].username for r in snap["out_of_adherence"]] == ["f0"]
    assert snap["out_of_adherence"][0]["state"] == "casework"


@pytest.mark.parametrize("second", [0, 1, 29, 59])
def test_any_moment_of_the_day_works(floor, second):
    for h, m in [(0, 0), (10, 0), (10, 29), (10, 30), (23, 59)]:
        moment = at(MONDAY, h, m) + timedelta(seconds=second, microseconds=second * 7)
        snap = intraday_snapshot(now=moment)
        assert snap["front"][0]["staffed_now"] == (5.0 if 9 <= h < 13 else 0.0)


def test_nobody_on_shift_means_no_suggestion(floor):
    snap = intraday_snapshot(now=at(MONDAY, 20))
    assert snap["moves"] == [] and snap["on_shift_now"] == 0


def shift(agent, h1, m1, h2, m2, activity):
    Shift.objects.create(
        agent=agent, start=at(MONDAY, h1, m1), end=at(MONDAY, h2, m2), activity=activity
    )


def presence(agent, state, h1, m1, h2=None, m2=0):
    PresenceChange.objects.create(
        agent=agent,
        state=state,
        started_at=at(MONDAY, h1, m1),
        ended_at=at(MONDAY, h2, m2) if h2 is not None else None,
    )


@pytest.fixture
def adherence_day(agent, back_agent):
    shift(agent, 9, 0, 12, 0, "front_office")
    shift(agent, 12, 0, 12, 30, "break")
    shift(agent, 12, 30, 17, 0, "front_office")
    presence(agent, "available", 9, 10, 10, 0)  # late by 10 minutes
    presence(agent, "on_contact", 10, 0, 12, 10)  # 10 minutes into the break
    presence(agent, "break", 12, 10, 12, 40)  # 20 of 30 break minutes, then 10 late
    presence(agent, "casework", 12, 40)  # wrong office until now
    shift(back_agent, 8, 0, 16, 0, "back_office")
    shift(back_agent, 16, 0, 17, 0, "off")  # not scheduled time
    presence(back_agent, "casework", 8, 0, 12, 0)
    presence(back_agent, "available", 12, 0, 14, 0)
    presence(back_agent, "training", 14, 0)


def test_adherence_hand_computed(adherence_day, agent, back_agent):
    rows = adherence_by_agent(day=MONDAY, now=at(MONDAY, 14))
    # agent: scheduled 9:00-14:00 = 300 min; in activity 50 + 120 + 20 = 190.
    # Measured and worked from 9:10 (no state before): 290 min, all logged in.
    assert rows[agent.pk] == {
        "scheduled_minutes": 300.0,
        "adherent_minutes": 190.0,
        "measured_minutes": 290.0,
        "worked_minutes": 290.0,
        "adherence": pytest.approx(190 / 300),
        "conformance": pytest.approx(290 / 300),
    }
    # back agent: 8:00-14:00 scheduled and casework/available all along.
    assert rows[back_agent.pk]["adherence"] == 1.0
    whole_day = adherence_by_agent(day=MONDAY, now=at(MONDAY + timedelta(days=1), 9))
    assert whole_day[agent.pk]["scheduled_minutes"] == 480.0
    # back agent: training from 14:00 until the end of the day (10 h of it) is worked time.
    assert whole_day[back_agent.pk] == {
        "scheduled_minutes": 480.0,
        "adherent_minutes": 360.0,
        "measured_minutes": 480.0,
        "worked_minutes": 960.0,
        "adherence": 0.75,
        "conformance": 2.0,
    }


def test_adherence_kpi_is_registered_and_one_query(
    adherence_day, agent, back_agent, django_assert_num_queries
):
    kpi = kpis.get("adherence")
    assert (kpi.unit, kpi.direction, kpi.scale) == ("%", "higher", 100.0)
    with django_assert_num_queries(
        2
    ):  # shifts grouped by agent (presence in subqueries), exceptions
        rows = sorted(kpi.compute(MONDAY))
    assert rows == sorted([(agent.pk, 190.0, 480.0), (back_agent.pk, 360.0, 480.0)])


def test_productive_minutes_provider(adherence_day, agent, back_agent, django_assert_num_queries):
    provider = kpis.productive_minutes_provider()
    with django_assert_num_queries(1):
        rows = dict(provider(MONDAY))
    # Front/back-office blocks only: breaks, training and days off do not count.
    assert rows == {agent.pk: 450.0, back_agent.pk: 480.0}
    assert productive_minutes_per_agent(MONDAY + timedelta(days=1)) == {}
