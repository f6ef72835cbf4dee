"""Erlang A with a maximum abandonment rate (and ASA/occupancy limits): the pure solver
against a hand-worked reference, the calculator, its page and API, and plans (issue 23)."""

import math

import numpy as np
import pytest
from scipy.stats import poisson

from staffing import calculators
from staffing.erlang import ErlangInputError, erlang_a, required_agents, required_agents_batch


def poisson_abandon(n: int, a: float) -> float:
    """Hand-worked reference: with mean patience equal to the mean handle time, every caller
    in the system leaves at the same rate 1/h whether served or waiting, so the number in
    the system is Poisson(A) (an M/M/infinity). Abandonments happen at rate (X - n)^+ / h,
    arrivals at A / h: abandoned / offered = E[(X - n)^+] / A."""
    k = np.arange(n + 1, int(a + 40 * math.sqrt(a) + 50))
    return float(((k - n) * poisson.pmf(k, a)).sum() / a)


@pytest.mark.parametrize(("n", "a"), [(5, 4.0), (10, 12.0), (30, 25.0)])
def test_abandon_rate_matches_the_poisson_reference(n, a):
    result = erlang_a(n, a, 300, 300, 20)
    assert result.abandon_rate == pytest.approx(poisson_abandon(n, a), rel=1e-9, abs=1e-12)


def test_staff_is_the_smallest_n_meeting_sl_and_abandonment():
    # 100 calls of 300 s in 30 minutes = 16.67 erlangs; patience = AHT (reference above).
    a = 100 * 300 / 1800
    sl_only = required_agents(100, 300, 1800, 0.5, 60, patience_seconds=300)
    capped = required_agents(100, 300, 1800, 0.5, 60, patience_seconds=300, max_abandon_rate=0.01)
    smallest = next(n for n in range(1, 100) if poisson_abandon(n, a) <= 0.01)
    assert capped.agents == max(sl_only.agents, smallest)
    assert capped.agents > sl_only.agents  # the abandonment target binds here
    assert capped.abandon_rate <= 0.01 < erlang_a(capped.agents - 1, a, 300, 300, 60).abandon_rate
    assert sl_only.abandon_rate > 0.01


def test_all_limits_together_by_brute_force():
    kwargs = {"patience_seconds": 120, "max_abandon_rate": 0.03, "target_asa_seconds": 15}
    result = required_agents(60, 240, 1800, 0.7, 20, max_occupancy=0.85, **kwargs)
    a = 60 * 240 / 1800

    def ok(n):
        p = erlang_a(n, a, 240, 120, 20)
        return (
            p.service_level >= 0.7
            and p.abandon_rate <= 0.03
            and p.asa_seconds <= 15
            and p.occupancy <= 0.85
        )

    assert result.agents == next(n for n in range(1, 200) if ok(n))


def test_batch_and_calculator_carry_the_limit():
    batch = required_agents_batch(
        [100], 300, 1800, 0.5, 60, patience_seconds=300, max_abandon_rate=0.01
    )
    single = required_agents(100, 300, 1800, 0.5, 60, patience_seconds=300, max_abandon_rate=0.01)
    assert batch.agents[0] == single.agents
    out = calculators.erlang_calculate(
        volume=100,
        aht_seconds=300,
        interval_minutes=30,
        target_service_level=0.5,
        target_answer_seconds=60,
        patience_seconds=300,
        max_abandon_rate=0.01,
        target_asa_seconds=30,
    )
    assert out["agents"] >= single.agents and out["abandon_rate"] <= 0.01
    assert out["asa_seconds"] <= 30 and out["model"] == "erlang_a"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_abandon_rate": 0.05}, "max_abandon_rate"),  # no patience: Erlang C
        ({"max_abandon_rate": 0, "patience_seconds": 60}, "max_abandon_rate"),
        ({"max_abandon_rate": 1.5, "patience_seconds": 60}, "max_abandon_rate"),
        ({"target_asa_seconds": 0}, "target_asa_seconds"),
    ],
)
def test_bad_limits_name_the_field(kwargs, field):
    with pytest.raises(ErlangInputError) as err:
        calculators.erlang_calculate(
            volume=100,
            aht_seconds=300,
            interval_minutes=30,
            target_service_level=0.8,
            target_answer_seconds=20,
            **kwargs,
        )
    assert err.value.field == field


@pytest.mark.django_db
def test_api_and_page(client, supervisor):
    client.force_login(supervisor)
    body = {
        "volume": 100,
        "aht_seconds": 300,
        "target_service_level": 0.5,
        "target_answer_seconds": 60,
        "patience_seconds": 300,
        "max_abandon_rate": 0.01,
    }
    response = client.post("/api/v1/staffing/erlang/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    expected = required_agents(100, 300, 1800, 0.5, 60, patience_seconds=300, max_abandon_rate=0.01)
    assert response.json()["agents"] == expected.agents
    body.pop("patience_seconds")
    response = client.post("/api/v1/staffing/erlang/", body, content_type="application/json")
    assert response.status_code == 400 and "max_abandon_rate" in response.json()["errors"]
    page = client.get(
        "/staffing/erlang/?volume=100&aht_seconds=300&interval_minutes=30"
        "&target_service_level=0.5&target_answer_seconds=60&shrinkage=0"
        "&patience_seconds=300&max_abandon_rate=0.01"
    )
    assert page.context["result"]["agents"] == expected.agents
    page = client.get(
        "/staffing/erlang/?volume=100&aht_seconds=300&interval_minutes=30"
        "&target_service_level=0.5&target_answer_seconds=60&shrinkage=0&max_abandon_rate=0.01"
    )
    assert page.context["result"] is None
    assert "Give a patience" in page.content.decode()
