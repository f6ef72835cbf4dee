"""The schedule solver's output, rule by rule (plain values, no database)."""

from collections import defaultdict

import pytest

from staffing import scheduling as sch
from staffing.scheduling import BACK, DAY, FRONT, SLOT, SLOTS, AgentIn, Problem, Rules

H = 60


def front_need(spans, agents=1):
    """Front demand: ``agents`` per slot inside each (day, from hour, to hour) span."""
    need = [0] * SLOTS
    for day, a, b in spans:
        for slot in range((day * DAY + a * H) // SLOT, (day * DAY + b * H) // SLOT):
            need[slot] = agents
    return tuple(need)


NO_BACK = (0,) * 7
FREE = Rules(min_week_minutes=0)


def solve(problem, **kw):
    return sch.solve(problem, time_limit=20, workers=2, **kw)


def by_agent(solution):
    out = defaultdict(list)
    for s in solution.shifts:
        out[s.agent_id].append(s)
    return out


def test_rest_of_eleven_hours_between_shifts():
    rules = Rules(min_week_minutes=0, earliest_start=6 * H, latest_end=24 * H)
    # Late Monday and early Tuesday demand: one agent cannot take both (8 h rest only).
    need = front_need([(0, 16, 24), (1, 6, 14)])
    problem = Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules),))
    solution = solve(problem)
    shifts = sorted(solution.shifts, key=lambda s: s.start)
    assert len(shifts) == 2
    for a, b in zip(shifts, shifts[1:], strict=False):
        assert b.start - a.end >= 11 * H
    assert solution.coverage.under_minutes > 0
    # Two agents: both intervals are covered, by different people.
    two = Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules), AgentIn(2, (FRONT,), rules)))
    solution = solve(two)
    assert solution.coverage.under_minutes == 60  # the two meal breaks only
    assert {s.agent_id for s in solution.shifts} == {1, 2}
    # Rest also counts from last week's last shift.
    rested = AgentIn(1, (FRONT,), rules, rest_from=-2 * H)  # Sunday 22:00
    solution = solve(Problem(front_need([(0, 6, 14)]), NO_BACK, (rested,)))
    assert all(s.start >= 9 * H for s in solution.shifts)


def test_meal_break_in_shifts_over_six_hours_only():
    rules = Rules(min_week_minutes=0, shift_lengths=(8 * H, 6 * H))
    need = front_need([(0, 8, 16), (1, 8, 14)])
    solution = solve(Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules),)))
    lengths = {s.day: s for s in solution.shifts}
    eight, six = lengths[0], lengths[1]
    assert eight.end - eight.start == 8 * H and six.end - six.start == 6 * H
    assert eight.meal_end - eight.meal_start == 30
    assert eight.start + 3 * H <= eight.meal_start <= eight.end - 3 * H - 30
    assert six.meal_start is None
    # The break is not coverage: exactly one slot of Monday's span is short.
    assert solution.coverage.under_minutes == 30
    assert eight.worked_minutes == 7.5 * H


def test_contract_hours_minimum_and_maximum():
    rules = Rules(min_week_minutes=30 * H, max_week_minutes=32 * H, days_off=0)
    # No demand: still at least the contract minimum.
    idle = solve(Problem((0,) * SLOTS, NO_BACK, (AgentIn(1, (FRONT,), rules),)))
    assert 30 * H <= sum(s.worked_minutes for s in idle.shifts) <= 32 * H
    # Demand every day: never past the maximum.
    busy = solve(
        Problem(front_need([(d, 8, 16) for d in range(7)]), NO_BACK, (AgentIn(1, (FRONT,), rules),))
    )
    assert sum(s.worked_minutes for s in busy.shifts) <= 32 * H
    assert len(busy.shifts) == 4


def test_days_off_per_week():
    rules = Rules(min_week_minutes=0, max_week_minutes=60 * H, days_off=3)
    need = front_need([(d, 8, 16) for d in range(7)])
    solution = solve(Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules),)))
    assert len({s.day for s in solution.shifts}) == 4


def test_start_and_end_windows():
    rules = Rules(min_week_minutes=0, earliest_start=9 * H, latest_end=17 * H)
    need = front_need([(0, 6, 12)])  # partly before the window opens
    solution = solve(Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules),)))
    assert solution.shifts
    for s in solution.shifts:
        assert s.start % DAY >= 9 * H and (s.end - 1) % DAY < 17 * H


def test_unavailable_periods_are_never_scheduled():
    rules = Rules(min_week_minutes=16 * H, days_off=0)
    wednesday = (2 * DAY, 3 * DAY)
    agent = AgentIn(
        1, (FRONT,), rules, unavailable=(wednesday, (4 * DAY + 12 * H, 4 * DAY + 13 * H))
    )
    need = front_need([(2, 8, 16), (4, 8, 16)])
    solution = solve(Problem(need, NO_BACK, (agent,)))
    for s in solution.shifts:
        assert not (s.start < wednesday[1] and wednesday[0] < s.end)
        assert not (s.start < 4 * DAY + 13 * H and s.end > 4 * DAY + 12 * H)
    assert solution.coverage.under_minutes >= 8 * H  # Wednesday stays uncovered


def test_skills_decide_the_office_and_cross_trained_switch():
    rules = FREE
    back_need = (7 * H * 60 // 60,) + (0,) * 6  # 7 agent-hours on Monday
    front_only = AgentIn(1, (FRONT,), rules)
    cross = AgentIn(2, (FRONT, BACK), rules)
    solution = solve(Problem(front_need([(0, 8, 16)]), back_need, (front_only, cross)))
    offices = {s.agent_id: s.office for s in solution.shifts}
    assert offices == {1: FRONT, 2: BACK}
    assert solution.coverage.under_minutes == 30  # only the front shift's meal slot
    # A front-only agent is never given back-office work, even when only that is needed.
    alone = solve(Problem((0,) * SLOTS, back_need, (front_only,)))
    assert all(s.office == FRONT for s in alone.shifts)


def test_locked_shifts_are_kept():
    rules = Rules(min_week_minutes=0, earliest_start=8 * H, latest_end=18 * H)
    # A locked Tuesday shift outside the window and against the demand is kept as it is.
    locked = sch.ShiftOut(
        1, 1, DAY + 13 * H, DAY + 21 * H, BACK, DAY + 17 * H, DAY + 17 * H + 30, True
    )
    agent = AgentIn(1, (FRONT,), rules, locked=(locked,))
    solution = solve(Problem(front_need([(1, 8, 16)]), NO_BACK, (agent,)))
    tuesday = [s for s in solution.shifts if s.day == 1]
    assert tuesday == [locked]


def test_weekend_work_is_shared():
    rules = Rules(min_week_minutes=0, shift_lengths=(6 * H,))
    need = front_need([(5, 8, 14), (6, 8, 14)])
    solution = solve(
        Problem(need, NO_BACK, (AgentIn(1, (FRONT,), rules), AgentIn(2, (FRONT,), rules)))
    )
    weekend = defaultdict(int)
    for s in solution.shifts:
        weekend[s.agent_id] += s.day in (5, 6)
    assert sorted(weekend.values()) == [1, 1]


def test_stays_close_to_the_published_week():
    rules = Rules(min_week_minutes=0, latest_end=22 * H)
    published = sch.ShiftOut(1, 0, 10 * H, 18 * H, FRONT)
    agent = AgentIn(1, (FRONT,), rules, previous=(published,))
    # Flat demand all day: any 8-hour start covers the same; the published one is kept.
    solution = solve(Problem(front_need([(0, 7, 22)]), NO_BACK, (agent,)))
    assert [(s.start, s.end, s.office) for s in solution.shifts] == [(10 * H, 18 * H, FRONT)]


def test_cp_sat_beats_or_matches_the_greedy_baseline():
    rules = Rules(min_week_minutes=0, shift_lengths=(8 * H, 6 * H))
    need = list(front_need([(d, 7, 21) for d in range(7)], agents=2))
    for slot in range(0, SLOTS, 5):
        need[slot] = need[slot] + 1 if need[slot] else 0
    agents = tuple(AgentIn(i, (FRONT, BACK) if i % 2 else (FRONT,), rules) for i in range(1, 7))
    problem = Problem(tuple(need), (8 * H, 8 * H, 0, 0, 4 * H, 0, 0), agents)
    base = sch.greedy(problem)
    best = solve(problem)
    assert best.coverage.under_minutes <= base.coverage.under_minutes
    assert best.coverage.under_minutes < base.coverage.under_minutes or best.status == "optimal"


def test_greedy_respects_the_hard_rules():
    rules = Rules(min_week_minutes=24 * H, max_week_minutes=32 * H, days_off=2)
    agents = tuple(AgentIn(i, (FRONT,), rules) for i in range(1, 4))
    base = sch.greedy(Problem(front_need([(d, 7, 22) for d in range(7)], 3), NO_BACK, agents))
    for agent_shifts in by_agent(base).values():
        worked = sum(s.worked_minutes for s in agent_shifts)
        assert 24 * H <= worked <= 32 * H
        assert len(agent_shifts) <= 5
        ordered = sorted(agent_shifts, key=lambda s: s.start)
        assert all(b.start - a.end >= 11 * H for a, b in zip(ordered, ordered[1:], strict=False))


def test_rules_that_admit_no_schedule_are_refused():
    rules = Rules(min_week_minutes=40 * H, max_week_minutes=40 * H, days_off=5)
    with pytest.raises(sch.ScheduleInputError) as err:
        solve(Problem((0,) * SLOTS, NO_BACK, (AgentIn(1, (FRONT,), rules),)))
    assert err.value.field == "rules"


def test_bad_input_names_the_field():
    with pytest.raises(sch.ScheduleInputError) as err:
        sch.greedy(Problem((0,) * 10, NO_BACK, ()))
    assert err.value.field == "front_required"
    with pytest.raises(sch.ScheduleInputError) as err:
        Rules(shift_lengths=(7 * H + 10,)).check()
    assert err.value.field == "shift_lengths"
