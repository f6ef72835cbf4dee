"""The pure buddy suggestion: cross-office, cap, experienced buddies for new hires."""

from collections import Counter

import pytest

from training import buddies
from training.buddies import BACK, FRONT, Person


def crowd(n_front=9, n_back=4, new_hires=(1, 2, 3)):
    front = [
        Person(i, FRONT, 30 if i in new_hires else 400, skills={1: 3, 2: 1})
        for i in range(1, n_front + 1)
    ]
    back = [
        Person(100 + i, BACK, 50 if i == 1 else 800, skills={3: 4, 1: 1 + i % 3})
        for i in range(1, n_back + 1)
    ]
    return front, back


def test_every_front_agent_gets_a_back_buddy_under_the_cap():
    front, back = crowd()
    result = buddies.suggest(front + back, front + back, cap=3)
    by_agent = {s.agent_id: s.buddy_id for s in result.pairs}
    back_ids = {p.id for p in back}
    front_ids = {p.id for p in front}
    assert {a for a in by_agent if a in front_ids} == front_ids
    assert all(by_agent[a] in back_ids for a in front_ids)
    assert all(by_agent[b] in front_ids for b in back_ids)
    loads = Counter(by_agent.values())
    assert max(loads.values()) <= 3
    assert result.unpaired == []


def test_new_hires_get_experienced_buddies():
    front, back = crowd()
    result = buddies.suggest(front + back, front + back, cap=3)
    tenure = {p.id: p.tenure_days for p in front + back}
    for s in result.pairs:
        if tenure[s.agent_id] < 90:
            assert tenure[s.buddy_id] >= 365, s
            assert "experienced buddy for a new hire" in s.reasons
    # The back-office new hire (id 101) gets an experienced front-office buddy.
    assert tenure[{s.agent_id: s.buddy_id for s in result.pairs}[101]] >= 365


def test_cap_is_never_exceeded_and_the_rest_are_reported():
    front, back = crowd(n_front=9, n_back=2, new_hires=())
    result = buddies.suggest(front, front + back, cap=3)
    assert len(result.pairs) == 6
    assert max(Counter(s.buddy_id for s in result.pairs).values()) == 3
    assert len(result.unpaired) == 3
    assert all(why == "every buddy is at the cap" for _, why in result.unpaired)


def test_existing_load_counts_against_the_cap():
    front = [Person(1, FRONT, 400), Person(2, FRONT, 400)]
    back = [Person(10, BACK, 400, load=3), Person(11, BACK, 400, load=0)]
    result = buddies.suggest(front, front + back, cap=3)
    assert {s.buddy_id for s in result.pairs} == {11}


def test_new_hire_without_experienced_buddy_is_left_unpaired():
    front = [Person(1, FRONT, 10)]
    back = [Person(10, BACK, 100)]
    result = buddies.suggest(front, front + back, cap=3)
    assert result.pairs == [] and result.unpaired == [(1, "no experienced buddy with room")]


def test_complementary_skills_win_when_loads_are_equal():
    agent = Person(1, FRONT, 400, skills={1: 4})
    plain = Person(10, BACK, 400, skills={1: 4})
    helper = Person(11, BACK, 400, skills={3: 4, 4: 3})
    result = buddies.suggest([agent], [agent, plain, helper], cap=3)
    assert result.pairs[0].buddy_id == 11


def test_load_is_spread():
    front = [Person(i, FRONT, 400) for i in range(1, 7)]
    back = [Person(10 + i, BACK, 400) for i in range(3)]
    result = buddies.suggest(front, front + back, cap=5)
    assert sorted(Counter(s.buddy_id for s in result.pairs).values()) == [2, 2, 2]


def test_minimum_cap_places_everyone():
    front, back = crowd(n_front=10, n_back=3, new_hires=())
    needing = front + back
    cap = buddies.minimum_cap(needing, needing)
    assert cap == 4
    assert buddies.suggest(needing, needing, cap=cap).unpaired == []


def test_cap_must_be_positive():
    with pytest.raises(ValueError):
        buddies.suggest([], [], cap=0)
