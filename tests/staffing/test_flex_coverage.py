"""Pure helpers: scheduled coverage and the flex rules."""

import pytest

from staffing.coverage import agent_minutes, split_weights, type_weights
from staffing.erlang import service_level, traffic
from staffing.flex import (
    Candidate,
    CaseState,
    QueueState,
    case_spare,
    queue_required,
    queue_spare,
    suggest_moves,
)


def test_agent_minutes_clips_and_weights():
    spans = [(0, 15, 75, 1.0), (1, -30, 45, 0.5), (0, 50, 500, 1.0)]
    out = agent_minutes(spans, 2, [0, 30, 60, 90])
    assert out[0].tolist() == [15, 40, 45]  # 15-30; 30-60 + 50-60; 60-75 + 60-90
    assert out[1].tolist() == [15, 7.5, 0]
    with pytest.raises(ValueError):
        agent_minutes(spans, 2, [0, 0])


def test_split_weights_rule():
    assert split_weights([1, 2], [1, 2, 3]) == {1: 0.5, 2: 0.5}
    assert split_weights([], [1, 2]) == {1: 0.5, 2: 0.5}  # unskilled: shared by all
    assert split_weights([9], [1]) == {1: 1.0}
    assert type_weights({7: 2}, [(1, 7, 1), (2, 8, 1), (3, None, 1)]) == {1: 0.5, 3: 0.5}
    assert type_weights({7: 1}, [(1, 7, 2), (2, 8, 1)]) == {1: 0.5, 2: 0.5}  # level too low


QUEUE = {"interval_seconds": 1800, "target_service_level": 0.8, "answer_seconds": 20}


def test_short_queue_borrows_cross_trained_back_office_agents():
    calls = QueueState(1, "Calls", volume=100, aht_seconds=180, staffed=12, **QUEUE)
    claims = CaseState(
        2,
        "Claims",
        open_items=40,
        past_due=0,
        due_today=10,
        aht_minutes=30,
        staffed=4,
        minutes_left=4 * 300,
    )
    candidates = [
        Candidate(10, "Ann", "back", (2,), frozenset({1})),
        Candidate(11, "Bob", "back", (2,), frozenset()),  # not skilled for calls
        Candidate(12, "Cid", "back", (2,), frozenset({1})),
        Candidate(13, "Dee", "back", (2,), frozenset({1})),
    ]
    assert queue_required(calls) == 14
    # Claims may lend agents while 1200 - k * 120 minutes still finish 10 items of 30 min.
    assert case_spare(claims, 120) == 4
    (move,) = suggest_moves([calls], [claims], candidates, window_minutes=120)
    assert move.direction == "to_front" and [a.name for a in move.agents] == ["Ann", "Cid"]
    a = traffic(100, 180, 1800)
    assert move.sl_before == pytest.approx(service_level(12, a, 180, 20))
    assert move.sl_after == pytest.approx(service_level(14, a, 180, 20))
    assert move.sl_before < 0.8 <= move.sl_after
    assert "Claims: about 8 fewer items" in move.donor_effect


def test_casework_lends_only_what_tonights_due_work_leaves():
    calls = QueueState(1, "Calls", volume=100, aht_seconds=180, staffed=12, **QUEUE)
    cand = [Candidate(10, "Ann", "back", (2,), frozenset({1}))]
    # 40 items (3 of them past due) due by tonight need all 1,200 minutes left: no lending.
    tight = CaseState(2, "Claims", 40, 3, 40, 30, 4, 1200)
    assert case_spare(tight, 120) == 0
    assert suggest_moves([calls], [tight], cand) == []
    # 36 due leave 120 minutes: one agent for two hours.
    loose = CaseState(2, "Claims", 40, 3, 36, 30, 4, 1200)
    assert case_spare(loose, 120) == 1
    (move,) = suggest_moves([calls], [loose], cand)
    assert move.direction == "to_front" and move.donor_ids == (2,)


def test_at_risk_casework_gets_front_agents_a_queue_can_spare():
    calls = QueueState(1, "Calls", volume=40, aht_seconds=180, staffed=10, **QUEUE)
    claims = CaseState(2, "Claims", 60, 12, 30, 30, 2, 600)
    assert queue_spare(calls) >= 2
    candidates = [
        Candidate(20, "Eve", "front", (1,), frozenset({2})),
        Candidate(21, "Fay", "front", (1,), frozenset({2})),
        Candidate(22, "Gus", "front", (1,), frozenset({2})),
    ]
    (move,) = suggest_moves([calls], [claims], candidates, window_minutes=120)
    assert move.direction == "to_back" and move.count >= 1
    assert move.items_before == 8  # 2 agents x 120 minutes / 30
    assert move.items_after == 8 + 4 * move.count
    assert "Calls: service level" in move.donor_effect
    # The queue stays at or above its target after lending.
    assert service_level(10 - move.count, traffic(40, 180, 1800), 180, 20) >= 0.8


def test_nothing_to_do_when_balanced():
    calls = QueueState(1, "Calls", volume=40, aht_seconds=180, staffed=8, **QUEUE)
    claims = CaseState(2, "Claims", 10, 0, 5, 30, 2, 600)
    cands = [Candidate(20, "Eve", "front", (1,), frozenset({2}))]
    assert suggest_moves([calls], [claims], cands) == []
