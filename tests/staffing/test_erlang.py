"""Erlang B / C / A staffing math (pure: imports nothing from Django).

Reference values were recomputed independently before being asserted: ``_exact_erlang_b``
and ``_exact_erlang_c`` below evaluate the textbook factorial formulas in exact rational
arithmetic (``fractions.Fraction``), which shares no code with the recursion under test.
"""

from __future__ import annotations

import heapq
import math
import time
from fractions import Fraction

import numpy as np
import pytest

from staffing.erlang import (
    ErlangInputError,
    asa,
    erlang_a,
    erlang_b,
    occupancy,
    required_agents,
    required_agents_batch,
    scheduled_agents,
    service_level,
    sl_curve,
    traffic,
    wait_probability,
)


def _exact_erlang_b(n: int, a: Fraction) -> Fraction:
    """Textbook Erlang B: (A^n / n!) / sum_{i<=n} A^i / i!  (exact)."""
    terms = [a**i / math.factorial(i) for i in range(n + 1)]
    return terms[-1] / sum(terms)


def _exact_erlang_c(n: int, a: Fraction) -> Fraction:
    """Textbook Erlang C: X / (X + Y), X = A^n/n! * n/(n-A), Y = sum_{i<n} A^i/i!  (exact)."""
    x = a**n / math.factorial(n) * Fraction(n) / (n - a)
    y = sum(a**i / math.factorial(i) for i in range(n))
    return x / (x + y)


# --------------------------------------------------------------------------------------------
# Published worked examples
# --------------------------------------------------------------------------------------------


def test_callcentrehelper_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example".

    Inputs from the article: 100 calls in 30 minutes, AHT 180 s, 80% answered in 20 s,
    maximum occupancy 85%, shrinkage 30%. Traffic 10 erlangs; its first iteration, N = 11,
    gives Pw = 0.6821 and SL = 39%. 14 agents are needed and 20 are scheduled after 30%
    shrinkage. The same example is a unit test of pyworkforce
    (github.com/rodrigo-arenas/pyworkforce, pyworkforce/queuing/tests/test_erlang.py:
    raw_positions 14, positions 20, service level 0.888, occupancy 0.714, waiting
    probability 0.174).

    Note: 13 agents are NOT enough (Pw = 0.2853, SL = 79.56% < 80%); all values below were
    recomputed with the exact factorial formula (``_exact_erlang_c``).
    """
    a = traffic(100, 180, 1800)
    assert a == 10.0
    assert wait_probability(11, a) == pytest.approx(0.6821182, abs=1e-7)
    assert service_level(11, a, 180, 20) == pytest.approx(0.3896138, abs=1e-7)
    assert wait_probability(13, a) == pytest.approx(0.2852705, abs=1e-7)
    assert service_level(13, a, 180, 20) == pytest.approx(0.7955948, abs=1e-7)

    result = required_agents(100, 180, 1800, 0.80, 20, shrinkage=0.30, max_occupancy=0.85)
    assert result.agents == 14
    assert result.scheduled_agents == 20
    assert result.wait_probability == pytest.approx(0.1741319, abs=1e-7)
    assert result.service_level == pytest.approx(0.8883500, abs=1e-7)
    assert result.asa_seconds == pytest.approx(7.835937, abs=1e-6)
    assert result.occupancy == pytest.approx(0.7142857, abs=1e-7)
    assert result.abandon_rate is None
    for n in (11, 13, 14):
        exact = float(_exact_erlang_c(n, Fraction(10)))
        assert wait_probability(n, a) == pytest.approx(exact, rel=1e-12)


def test_westbay_worked_example():
    """Westbay Engineers, "The Erlang-C formula" step-by-step example.

    Inputs from that page: 360 calls per half hour, average call duration 4 minutes, 55 agents,
    target answer time 15 seconds. Traffic 48 erlangs, occupancy 0.873. The expected outputs
    (Pw 0.2387, ASA 8.18 s, SL 84.6%) were recomputed here with the exact factorial formula
    rather than copied from the page.
    """
    a = traffic(360, 240, 1800)
    assert a == 48.0
    assert occupancy(55, a) == pytest.approx(0.8727, abs=1e-4)
    assert wait_probability(55, a) == pytest.approx(float(_exact_erlang_c(55, Fraction(48))))
    assert wait_probability(55, a) == pytest.approx(0.238701, abs=1e-6)
    assert asa(55, a, 240) == pytest.approx(8.184032, abs=1e-6)
    assert service_level(55, a, 240, 15) == pytest.approx(0.845883, abs=1e-6)
    # 54 agents give 79.3% within 15 s, 55 give 84.6%: 55 is the 80% requirement.
    assert required_agents(360, 240, 1800, 0.80, 15).agents == 55


@pytest.mark.parametrize(
    ("n", "a", "expected"),
    [
        (10, 5.0, 0.01838),  # Erlang B tables: 5 erlangs on 10 circuits, GoS 1.84%
        (5, 2.0, 0.03670),  # 2 erlangs on 5 circuits, GoS 3.7%
        (1, 1.0, 0.5),  # B(1, A) = A / (1 + A)
        (0, 3.0, 1.0),  # B0 = 1
    ],
)
def test_erlang_b_table_values(n, a, expected):
    assert erlang_b(n, a) == pytest.approx(expected, abs=5e-6)
    assert erlang_b(n, a) == pytest.approx(float(_exact_erlang_b(n, Fraction(a))), rel=1e-12)


@pytest.mark.parametrize(("n", "a"), [(2, 1.5), (7, 4.25), (30, 24.0), (60, 51.3), (150, 130.0)])
def test_recursion_matches_exact_factorial_formulas(n, a):
    exact_a = Fraction(a)
    assert erlang_b(n, a) == pytest.approx(float(_exact_erlang_b(n, exact_a)), rel=1e-11)
    assert wait_probability(n, a) == pytest.approx(float(_exact_erlang_c(n, exact_a)), rel=1e-11)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


def test_boundaries_of_the_elementary_functions():
    assert wait_probability(10, 10.0) == 1.0
    assert service_level(10, 10.0, 180, 20) == 0.0
    assert asa(9, 10.0, 180) == math.inf
    assert occupancy(8, 10.0) == 1.0
    assert occupancy(20, 10.0) == 0.5
    assert (wait_probability(3, 0), service_level(3, 0, 180, 20), asa(3, 0, 180)) == (0, 1, 0)
    assert occupancy(0, 0) == 0.0
    assert erlang_b(5, 0.0) == 0.0
    assert erlang_b(np.int64(10), np.float64(5.0)) == erlang_b(10, 5.0)


def test_service_level_rises_and_asa_falls_with_agents():
    rows = sl_curve(250, 240, 1800, 20, 1, 60)
    assert [row[0] for row in rows] == list(range(1, 61))
    stable = [row for row in rows if row[0] > 250 * 240 / 1800]
    levels = [row[1] for row in stable]
    waits = [row[2] for row in stable]
    assert all(x < y for x, y in zip(levels, levels[1:], strict=False))
    assert all(x > y for x, y in zip(waits, waits[1:], strict=False))
    assert rows[0] == (1, 0.0, math.inf, 1.0)
    n, level, wait, occ = rows[40]
    assert level == pytest.approx(service_level(n, 250 * 240 / 1800, 240, 20), rel=1e-12)
    assert wait == pytest.approx(asa(n, 250 * 240 / 1800, 240), rel=1e-12)
    assert occ == occupancy(n, 250 * 240 / 1800)


def _random_cases(count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        case = {
            "volume": float(rng.integers(1, 600)),
            "aht_seconds": float(rng.integers(60, 900)),
            "interval_seconds": 1800,
            "target_service_level": float(rng.choice([0.5, 0.7, 0.8, 0.9, 0.95])),
            "target_answer_seconds": float(rng.choice([0, 10, 20, 30, 60, 120])),
        }
        if rng.random() < 0.3:
            case["target_asa_seconds"] = float(rng.choice([5, 15, 30]))
        if rng.random() < 0.3:
            case["max_occupancy"] = float(rng.choice([0.6, 0.75, 0.85]))
        cases.append(case)
    return cases


def _meets(case: dict, n: int) -> bool:
    a = traffic(case["volume"], case["aht_seconds"], case["interval_seconds"])
    ok = service_level(n, a, case["aht_seconds"], case["target_answer_seconds"])
    ok = ok >= case["target_service_level"] and n > a
    ok = ok and asa(n, a, case["aht_seconds"]) <= case.get("target_asa_seconds", math.inf)
    return ok and occupancy(n, a) <= case.get("max_occupancy", 1.0)


@pytest.mark.parametrize("case", _random_cases(60, seed=7))
def test_required_agents_is_minimal_and_meets_every_target(case):
    result = required_agents(**case)
    assert _meets(case, result.agents)
    assert not _meets(case, result.agents - 1)
    assert result.service_level >= case["target_service_level"]
    assert result.asa_seconds <= case.get("target_asa_seconds", math.inf)
    assert result.occupancy <= case.get("max_occupancy", 1.0)


def test_asa_and_occupancy_targets_bind():
    base = required_agents(100, 180, 1800, 0.8, 20)
    by_asa = required_agents(100, 180, 1800, 0.8, 20, target_asa_seconds=2.0)
    by_occ = required_agents(100, 180, 1800, 0.8, 20, max_occupancy=0.5)
    assert base.agents == 14
    assert by_asa.agents > base.agents and by_asa.asa_seconds <= 2.0
    assert asa(by_asa.agents - 1, 10.0, 180) > 2.0
    assert by_occ.agents == 20 and by_occ.occupancy == 0.5


@pytest.mark.parametrize("erlangs", [1000.0, 5000.0])
def test_large_traffic_does_not_overflow(erlangs):
    start = time.perf_counter()
    result = required_agents(erlangs * 1800 / 300, 300, 1800, 0.8, 20)
    assert time.perf_counter() - start < 0.5
    assert result.traffic == pytest.approx(erlangs)
    # Square-root staffing: the safety margin is of the order of sqrt(A), not of A.
    assert erlangs < result.agents < erlangs + 3 * math.sqrt(erlangs)
    assert 0.8 <= result.service_level < 1.0
    assert math.isfinite(result.asa_seconds) and 0 < result.wait_probability < 1
    assert service_level(result.agents - 1, erlangs, 300, 20) < 0.8
    assert 0 < erlang_b(int(erlangs) + 100, erlangs) < erlang_b(int(erlangs), erlangs) < 1
    assert 0.0 <= erlang_b(2 * int(erlangs), erlangs) < 1e-150  # tiny or underflowed, no NaN


def test_volume_zero_needs_nobody():
    result = required_agents(0, 300, 1800, 0.9, 20, shrinkage=0.3)
    assert (result.agents, result.scheduled_agents, result.service_level) == (0, 0, 1.0)
    assert required_agents(0, 300, 1800, 0.9, 20, patience_seconds=60).abandon_rate == 0.0


@pytest.mark.parametrize(
    ("agents", "shrinkage", "expected"),
    [(14, 0.3, 20), (14, 0.0, 14), (10, 0.35, 16), (1, 0.5, 2), (0, 0.4, 0), (7, 0.3, 10)],
)
def test_scheduled_agents_rounds_up_without_float_noise(agents, shrinkage, expected):
    assert scheduled_agents(agents, shrinkage) == expected


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"volume": -1}, "volume"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"interval_seconds": -30}, "interval_seconds"),
        ({"target_service_level": 0}, "target_service_level"),
        ({"target_service_level": 1.2}, "target_service_level"),
        ({"target_service_level": float("nan")}, "target_service_level"),
        ({"target_answer_seconds": -1}, "target_answer_seconds"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"max_occupancy": 0}, "max_occupancy"),
        ({"max_occupancy": 1.01}, "max_occupancy"),
        ({"target_asa_seconds": 0}, "target_asa_seconds"),
        ({"patience_seconds": -5}, "patience_seconds"),
        ({"target_service_level": 1.0, "target_answer_seconds": 0}, "target_service_level"),
        ({"volume": "many"}, "volume"),
    ],
)
def test_validation_errors_carry_the_field(kwargs, field):
    args = {
        "volume": 100,
        "aht_seconds": 180,
        "interval_seconds": 1800,
        "target_service_level": 0.8,
        "target_answer_seconds": 20,
    } | kwargs
    positional = [args.pop(k) for k in list(args)[:5]]
    with pytest.raises(ErlangInputError) as info:
        required_agents(*positional, **args)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(f"{field}: ")


def test_elementary_function_validation():
    with pytest.raises(ErlangInputError) as info:
        erlang_b(-1, 2.0)
    assert info.value.field == "n"
    with pytest.raises(ErlangInputError) as info:
        wait_probability(3, -2.0)
    assert info.value.field == "traffic"
    with pytest.raises(ErlangInputError) as info:
        sl_curve(100, 180, 1800, 20, 0, 5)
    assert info.value.field == "n_from"


# --------------------------------------------------------------------------------------------
# Batch
# --------------------------------------------------------------------------------------------


def _week(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    slots = np.arange(336) % 48
    profile = np.exp(-(((slots - 26) / 8.0) ** 2))
    scale = rng.uniform(5, 400, size=(20, 1))
    volumes = rng.poisson(scale * profile).astype(float)
    ahts = np.round(rng.uniform(120, 720, size=(20, 1)) * rng.uniform(0.85, 1.15, (20, 336)))
    targets = rng.choice([0.7, 0.8, 0.9], size=(20, 1))
    answer = rng.choice([10.0, 20.0, 30.0, 60.0], size=(20, 1))
    return volumes, ahts, targets, answer


def test_batch_matches_scalar_cell_by_cell():
    volumes, ahts, targets, answer = _week()
    batch = required_agents_batch(
        volumes, ahts, 1800, targets, answer, 0.25, max_occupancy=0.9, target_asa_seconds=40
    )
    assert batch.agents.shape == (20, 336) and batch.abandon_rate is None
    assert (volumes == 0).any()
    for i in range(20):
        for j in range(0, 336, 7):
            one = required_agents(
                volumes[i, j],
                ahts[i, j],
                1800,
                targets[i, 0],
                answer[i, 0],
                shrinkage=0.25,
                max_occupancy=0.9,
                target_asa_seconds=40,
            )
            assert batch.agents[i, j] == one.agents
            assert batch.scheduled_agents[i, j] == one.scheduled_agents
            assert batch.service_level[i, j] == pytest.approx(one.service_level, abs=1e-12)
            assert batch.asa_seconds[i, j] == pytest.approx(one.asa_seconds, abs=1e-9)
            assert batch.occupancy[i, j] == one.occupancy
            assert batch.wait_probability[i, j] == pytest.approx(one.wait_probability, abs=1e-12)


def test_batch_week_of_twenty_work_types_is_fast():
    volumes, ahts, targets, answer = _week(seed=11)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        batch = required_agents_batch(volumes, ahts, 1800, targets, answer, 0.3)
        best = min(best, time.perf_counter() - start)
    assert batch.agents.size == 6720
    assert best < 0.05, f"6,720 solves took {best * 1000:.1f} ms"


def test_batch_large_traffic_and_erlang_a():
    batch = required_agents_batch([0, 10, 1000 * 6, 5000 * 6], 300, 1800, 0.8, 20)
    assert batch.agents[0] == 0
    assert batch.agents[1] == required_agents(10, 300, 1800, 0.8, 20).agents
    assert batch.agents[3] == required_agents(30000, 300, 1800, 0.8, 20).agents
    with_patience = required_agents_batch([0, 100, 100], 180, 1800, 0.8, 20, patience_seconds=120)
    single = required_agents(100, 180, 1800, 0.8, 20, patience_seconds=120)
    assert list(with_patience.agents) == [0, single.agents, single.agents]
    assert with_patience.abandon_rate[1] == single.abandon_rate


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"volumes": [1, -1]}, "volume"),
        ({"ahts": [180, 0]}, "aht_seconds"),
        ({"target_service_level": 1.5}, "target_service_level"),
        ({"target_service_level": 1.0, "target_answer_seconds": 0}, "target_service_level"),
        ({"shrinkage": [0.1, 1.0]}, "shrinkage"),
        ({"max_occupancy": 0.0}, "max_occupancy"),
        ({"interval_seconds": 0}, "interval_seconds"),
    ],
)
def test_batch_validation_errors_carry_the_field(kwargs, field):
    args = {
        "volumes": [10, 20],
        "ahts": 180,
        "interval_seconds": 1800,
        "target_service_level": 0.8,
        "target_answer_seconds": 20,
    } | kwargs
    with pytest.raises(ErlangInputError) as info:
        required_agents_batch(**args)
    assert info.value.field == field


# --------------------------------------------------------------------------------------------
# Erlang A against a discrete-event simulation
# --------------------------------------------------------------------------------------------


def _simulate(n, a, aht, patience, target, customers=200_000, seed=1):
    """FCFS M/M/n+M discrete-event simulation; statistics skip the first 5% (warm-up).

    Customers are taken in arrival order; ``free`` holds when each agent next becomes free.
    A customer starts at max(arrival, earliest free agent) and abandons if that start is
    later than arrival + patience; served customers take agents in arrival order, which is
    exactly FCFS with reneging.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht / a, customers)).tolist()
    services = rng.exponential(aht, customers).tolist()
    patiences = (
        rng.exponential(patience, customers).tolist() if patience else [math.inf] * customers
    )
    free = [0.0] * n
    warm = customers // 20
    offered = answered = within = waited = abandoned = 0
    total_wait = 0.0
    for i in range(customers):
        arrival = arrivals[i]
        start = free[0] if free[0] > arrival else arrival
        wait = start - arrival
        counted = i >= warm
        if counted:
            offered += 1
            waited += wait > 0
        if wait > patiences[i]:
            abandoned += counted
            continue
        heapq.heapreplace(free, start + services[i])
        if counted:
            answered += 1
            within += wait <= target
            total_wait += wait
    return {
        "service_level": within / offered,
        "abandon_rate": abandoned / offered,
        "wait_probability": waited / offered,
        "asa_seconds": total_wait / answered,
    }


@pytest.mark.parametrize(
    ("n", "a", "aht", "patience", "target"),
    [
        (12, 10.0, 180.0, 120.0, 20.0),  # moderate load, impatient callers
        (9, 10.0, 180.0, 60.0, 20.0),  # overloaded (n < A): abandonment keeps it stable
        (55, 48.0, 240.0, 300.0, 15.0),  # Westbay load with patience
    ],
)
def test_erlang_a_matches_simulation(n, a, aht, patience, target):
    """Tolerance: 0.01 absolute on SL and abandon rate, 0.02 on wait probability, 10% on ASA.

    Observed (model vs 200k-customer simulation): SL within 0.004, abandon rate within
    0.0005, wait probability within 0.01, ASA within 5%.
    """
    model = erlang_a(n, a, aht, patience, target)
    sim = _simulate(n, a, aht, patience, target)
    assert model.service_level == pytest.approx(sim["service_level"], abs=0.01)
    assert model.abandon_rate == pytest.approx(sim["abandon_rate"], abs=0.01)
    assert model.wait_probability == pytest.approx(sim["wait_probability"], abs=0.02)
    assert model.asa_seconds == pytest.approx(sim["asa_seconds"], rel=0.10)


def test_simulation_without_abandonment_matches_erlang_c():
    """Sanity check of the simulator itself against Erlang C (Call Centre Helper example)."""
    sim = _simulate(14, 10.0, 180.0, None, 20.0)
    assert sim["abandon_rate"] == 0
    assert sim["service_level"] == pytest.approx(service_level(14, 10.0, 180, 20), abs=0.02)
    assert sim["wait_probability"] == pytest.approx(wait_probability(14, 10.0), abs=0.02)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience():
    model = erlang_a(13, 10.0, 180, 1e9, 20)
    assert model.abandon_rate < 1e-6
    assert model.service_level == pytest.approx(service_level(13, 10.0, 180, 20), abs=1e-5)
    assert model.wait_probability == pytest.approx(wait_probability(13, 10.0), abs=1e-5)
    assert model.asa_seconds == pytest.approx(asa(13, 10.0, 180), rel=1e-4)


def test_erlang_a_abandonment_balances_queue_length():
    """Little's law for the queue: abandonment flow = E[queue] / patience = P(ab) * lambda."""
    n, a, aht, patience = 20, 19.0, 300.0, 90.0
    model = erlang_a(n, a, aht, patience, 30)
    offered_per_second = a / aht
    answered_load = a * model.answered_fraction  # agents busy on average
    # Flow balance: arrivals = answered + abandoned, answered rate = busy agents / aht.
    assert answered_load / aht + model.abandon_rate * offered_per_second == pytest.approx(
        offered_per_second, rel=1e-9
    )
    assert model.occupancy == pytest.approx(answered_load / n)
    assert 0 < model.service_level < model.answered_fraction


def test_required_agents_with_patience_is_minimal_and_needs_no_more_than_erlang_c():
    erlang_c = required_agents(100, 180, 1800, 0.8, 20)
    result = required_agents(100, 180, 1800, 0.8, 20, patience_seconds=120)
    assert result.abandon_rate is not None and 0 < result.abandon_rate < 0.2
    assert result.agents <= erlang_c.agents
    assert result.service_level >= 0.8
    assert erlang_a(result.agents - 1, 10.0, 180, 120, 20).service_level < 0.8
    bounded = required_agents(100, 180, 1800, 0.8, 20, patience_seconds=120, target_asa_seconds=3)
    assert bounded.asa_seconds <= 3
    assert erlang_a(bounded.agents - 1, 10.0, 180, 120, 20).asa_seconds > 3


def test_erlang_a_refuses_a_queue_that_never_settles():
    """Overloaded (n < A) with a near-infinite patience: the queue would need ~1e8 states."""
    with pytest.raises(ErlangInputError) as info:
        erlang_a(5, 10.0, 180, 1e12, 20)
    assert info.value.field == "patience_seconds"


def test_erlang_a_handles_thousands_of_agents():
    model = erlang_a(2050, 2000.0, 300, 180, 20)
    assert all(
        math.isfinite(x)
        for x in (model.service_level, model.abandon_rate, model.asa_seconds, model.occupancy)
    )
    assert 0.5 < model.service_level < 1 and model.abandon_rate < 0.05
