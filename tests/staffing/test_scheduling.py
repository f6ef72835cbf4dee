"""The schedule solver's output, rule by rule (plain values, no database)."""

from collections import defaultdict

import pytest

from staffing import scheduling as sch
from staffing.scheduling import (
    BACK,
    DAY,
    FRONT,
    SLOT,
    SLOTS,
    AgentIn,
    Problem,
    Rules,
    TypeDemand,
)

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


def solve(problem, time_limit=20, **kw):
    return sch.solve(problem, time_limit=time_limit, workers=2, **kw)


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
    # Placed meal breaks fall where the other agent's overlapping shift covers them.
    assert solution.coverage.under_minutes == 0
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
    # Placed within the window: 2.5 h after the start at the earliest, ending 2.5 h
    # before the end at the latest.
    assert eight.start + 150 <= eight.meal_start and eight.meal_end <= eight.end - 150
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
    best = solve(problem, time_limit=8)
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


# --- Meal breaks placed, demand per work type --------------------------------------------


def check_meals(shifts, rules):
    for s in shifts:
        if s.end - s.start > rules.meal_after:
            assert s.meal_end - s.meal_start == rules.meal_minutes
            assert s.start + rules.meal_earliest <= s.meal_start
            assert s.meal_end <= s.end - rules.meal_latest
            assert s.meal_start % SLOT == 0
        else:
            assert s.meal_start is None


@pytest.mark.parametrize("how", ["greedy", "cp-sat"])
def test_meal_breaks_are_placed_in_their_window_and_staggered(how):
    rules = Rules(min_week_minutes=0, earliest_start=8 * H, latest_end=16 * H, days_off=6)
    agents = tuple(AgentIn(i, (FRONT,), rules) for i in range(1, 5))
    problem = Problem(front_need([(0, 8, 16)], agents=4), NO_BACK, agents)
    solution = sch.greedy(problem) if how == "greedy" else solve(problem)
    monday = [s for s in solution.shifts if s.day == 0]
    assert len(monday) == 4 and all((s.start, s.end) == (8 * H, 16 * H) for s in monday)
    check_meals(solution.shifts, rules)
    # Not all four in the same slot: never more than one agent short at a time.
    breaks = [s.meal_start for s in monday]
    assert len(set(breaks)) == 4
    assert solution.coverage.under_minutes == 4 * 30


def test_breaks_fall_where_the_overlap_covers_them():
    # Two agents, 08:00-16:00 and 10:00-18:00, need one agent 08:00-18:00: each break falls
    # in the two hours both are on (10:30-15:30 allows it), so nothing is short.
    rules = Rules(min_week_minutes=0, days_off=6)
    early = sch.ShiftOut(1, 0, 8 * H, 16 * H, FRONT, 12 * H, 12 * H + 30, True)
    agents = (AgentIn(1, (FRONT,), rules, locked=(early,)), AgentIn(2, (FRONT,), rules))
    solution = solve(Problem(front_need([(0, 8, 18)]), NO_BACK, agents))
    check_meals([s for s in solution.shifts if not s.locked], rules)
    assert solution.coverage.under_minutes == 0


SALES, SUPPORT, VIP, CLAIMS = 1, 2, 3, 11


def typed(front: dict, back: dict | None = None) -> tuple:
    out = [TypeDemand(pk, FRONT, need) for pk, need in front.items()]
    out += [TypeDemand(pk, BACK, need) for pk, need in (back or {}).items()]
    return tuple(out)


@pytest.mark.parametrize("how", ["greedy", "cp-sat"])
def test_an_agent_never_covers_a_type_they_may_not_take(how):
    rules = Rules(min_week_minutes=0, days_off=6)
    sales_only = AgentIn(1, (FRONT,), rules, types=frozenset({SALES}))
    types = typed({SALES: (0,) * SLOTS, SUPPORT: front_need([(0, 8, 16)])})
    problem = Problem((), (), (sales_only,), types=types)
    solution = sch.greedy(problem) if how == "greedy" else solve(problem)
    # Only Support is needed and the agent lacks its skill: nobody is scheduled for it.
    assert solution.shifts == ()
    support = solution.coverage.by_type[(FRONT, SUPPORT)]
    assert support.under_minutes == 16 * 30 and not any(support.scheduled)
    # Even scheduled (a locked shift), the agent is allocated to no Support slot.
    locked = sch.ShiftOut(1, 0, 8 * H, 16 * H, FRONT, 12 * H, 12 * H + 30, True)
    coverage = sch.evaluate(problem, [locked])
    assert coverage.front_scheduled[10 * 2] == 1  # on shift in the office, all the same
    assert not any(coverage.by_type[(FRONT, SUPPORT)].scheduled)
    assert coverage.under_minutes == 16 * 30 and coverage.over_minutes == 15 * 30


def test_a_tier_restricted_type_is_covered_only_by_agents_allowed_it():
    # VIP (say min_tier_rank 2: routing gives it only to agent 3) and Sales need one agent
    # each 08:00-16:00; agents 1 and 2 may take Sales only.
    rules = Rules(min_week_minutes=0, days_off=6)
    juniors = [AgentIn(i, (FRONT,), rules, types=frozenset({SALES})) for i in (1, 2)]
    senior = AgentIn(3, (FRONT,), rules, types=frozenset({SALES, VIP}))
    need = front_need([(0, 8, 16)])
    problem = Problem((), (), (*juniors, senior), types=typed({SALES: need, VIP: need}))
    for solution in (sch.greedy(problem), solve(problem)):
        vip = solution.coverage.by_type[(FRONT, VIP)]
        on = {s.agent_id: s for s in solution.shifts}
        for slot, got in enumerate(vip.scheduled):
            assert got <= int(3 in on and on[3].covers_slot(slot))
    best = solve(problem)
    # The senior takes VIP all day (a junior's overlap covers Sales in the breaks).
    assert best.coverage.by_type[(FRONT, VIP)].under_minutes == 30  # the senior's break
    assert best.coverage.by_type[(FRONT, SALES)].under_minutes == 0
    # Without the senior, VIP is wholly short, however many juniors work.
    alone = solve(Problem((), (), tuple(juniors), types=typed({SALES: need, VIP: need})))
    assert alone.coverage.by_type[(FRONT, VIP)].under_minutes == 16 * 30


def test_per_type_under_coverage_sums_to_the_offices():
    rules = Rules(min_week_minutes=0, shift_lengths=(8 * H, 6 * H))
    sales = list(front_need([(d, 8, 18) for d in range(5)], agents=2))
    support = list(front_need([(d, 10, 20) for d in range(6)]))
    agents = (
        AgentIn(1, (FRONT,), rules, types=frozenset({SALES})),
        AgentIn(2, (FRONT,), rules, types=frozenset({SALES, SUPPORT})),
        AgentIn(3, (FRONT, BACK), rules, types=frozenset({SUPPORT, CLAIMS})),
        AgentIn(4, (BACK,), rules, types=frozenset({CLAIMS})),
    )
    types = typed({SALES: tuple(sales), SUPPORT: tuple(support)}, {CLAIMS: (10 * H,) * 5 + (0, 0)})
    problem = Problem((), (), agents, types=types)
    assert problem.front_required == tuple(a + b for a, b in zip(sales, support, strict=True))
    # (What is checked holds of any feasible week: CP-SAT's best after a few seconds will do.)
    for solution in (sch.greedy(problem), solve(problem, time_limit=4)):
        cov = solution.coverage
        front = cov.office_under_minutes(FRONT)
        back = cov.office_under_minutes(BACK)
        assert front == sum(cov.by_type[(FRONT, t)].under_minutes for t in (SALES, SUPPORT))
        assert back == cov.by_type[(BACK, CLAIMS)].under_minutes
        assert cov.under_minutes == front + back
        # Each type's allocation stays within its demand, and all of them within the
        # agents on shift; the office's gap is at least its total shortfall.
        for slot in range(SLOTS):
            got = [cov.by_type[(FRONT, t)].scheduled[slot] for t in (SALES, SUPPORT)]
            assert got[0] <= sales[slot] and got[1] <= support[slot]
            assert sum(got) <= cov.front_scheduled[slot]
        assert front >= SLOT * sum(
            max(0, r - g) for r, g in zip(problem.front_required, cov.front_scheduled, strict=True)
        )
        check_meals(solution.shifts, rules)
        # An agent's office is one of theirs: agent 4 is back office only, 1 front only.
        assert {s.office for s in solution.shifts if s.agent_id == 4} <= {BACK}
        assert {s.office for s in solution.shifts if s.agent_id == 1} <= {FRONT}


@pytest.mark.parametrize("how", ["greedy", "cp-sat"])
def test_the_costlier_shortfall_is_covered_first(how):
    # One agent may take Sales or Support, each needing one agent 08:00-16:00 on Monday;
    # a Support slot short costs five times a Sales slot (its contacts miss the target
    # more): the agent is given to Support, and Sales is what is left short.
    rules = Rules(min_week_minutes=0, days_off=6)
    agent = AgentIn(1, (FRONT,), rules, types=frozenset({SALES, SUPPORT}))
    need = front_need([(0, 8, 16)])
    types = (
        TypeDemand(SALES, FRONT, need, cost=(1,) * SLOTS),
        TypeDemand(SUPPORT, FRONT, need, cost=(5,) * SLOTS),
    )
    problem = Problem((), (), (agent,), types=types)
    solution = sch.greedy(problem) if how == "greedy" else solve(problem)
    cov = solution.coverage
    assert cov.by_type[(FRONT, SALES)].under_minutes == 16 * 30
    assert cov.by_type[(FRONT, SUPPORT)].under_minutes == 30  # the agent's meal break
