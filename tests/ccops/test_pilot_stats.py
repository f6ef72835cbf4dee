"""Tests of ccops.pilot_stats.compare_groups (pure: no database, no Django fixtures)."""

import ast
import math

import numpy as np
import pytest
from scipy import stats

from ccops import pilot_stats
from ccops.pilot_stats import GROUPS, MIN_DAYS_PER_GROUP, compare_groups

METHODS = ["welch", "bootstrap"]

# A small case worked by hand:
#   pilot before  10 12 14 16 18   mean 14, variance 10   -> v = 10 / 5 = 2
#   pilot during  20 22 24 26 28   mean 24, variance 10   -> v = 2
#   control before 10 11 12 13 14  mean 12, variance 2.5  -> v = 0.5
#   control during 12 13 14 15 16  mean 14, variance 2.5  -> v = 0.5
#   effect = (24 - 14) - (14 - 12) = 8; se = sqrt(2 + 2 + 0.5 + 0.5) = sqrt(5)
#   df = 5**2 / (2**2/4 + 2**2/4 + 0.5**2/4 + 0.5**2/4) = 25 / 2.125 = 11.7647...
HAND = (
    [10, 12, 14, 16, 18],
    [20, 22, 24, 26, 28],
    [10, 11, 12, 13, 14],
    [12, 13, 14, 15, 16],
)
HAND_DF = 25 / 2.125


def synthetic(seed, effect, n=30, base=300.0, sd=20.0):
    """Daily values: every group ~ N(base, sd), except pilot during shifted by ``effect``.

    The control also drifts by +15 between periods (a seasonal change the DiD must remove).
    """
    rng = np.random.default_rng(seed)
    return (
        rng.normal(base, sd, n),
        rng.normal(base + 15 + effect, sd, n),
        rng.normal(base - 10, sd, n),
        rng.normal(base - 10 + 15, sd, n),
    )


def test_welch_hand_computed():
    result = compare_groups(*HAND, method="welch")
    assert result.effect == pytest.approx(8.0)
    t_crit = stats.t.ppf(0.975, HAND_DF)
    assert result.ci_low == pytest.approx(8 - t_crit * math.sqrt(5))
    assert result.ci_high == pytest.approx(8 + t_crit * math.sqrt(5))
    assert result.p_value == pytest.approx(2 * stats.t.sf(8 / math.sqrt(5), HAND_DF))
    assert result.p_value == pytest.approx(0.0040, abs=5e-4)
    assert result.significant is True
    assert result.enough_data is True
    assert result.n == dict.fromkeys(GROUPS, 5)
    assert result.means == {
        "pilot_before": 14,
        "pilot_during": 24,
        "control_before": 12,
        "control_during": 14,
    }


def test_welch_reduces_to_scipy_two_sample_welch_when_control_is_constant():
    rng = np.random.default_rng(7)
    before, during = rng.normal(50, 5, 12), rng.normal(55, 9, 8)
    result = compare_groups(before, during, [3.0] * 6, [3.0] * 7, method="welch", alpha=0.1)
    reference = stats.ttest_ind(during, before, equal_var=False)
    ci = reference.confidence_interval(confidence_level=0.9)
    assert result.effect == pytest.approx(during.mean() - before.mean())
    assert result.p_value == pytest.approx(reference.pvalue)
    assert (result.ci_low, result.ci_high) == pytest.approx((ci.low, ci.high))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_known_effect_is_detected(method, data_seed):
    true_effect = -40.0  # AHT down by 40 s in the pilot
    result = compare_groups(*synthetic(data_seed, true_effect), method=method, seed=data_seed)
    assert result.significant is True
    assert result.p_value < 0.01
    assert result.ci_low < true_effect < result.ci_high
    assert result.effect == pytest.approx(true_effect, abs=15)


@pytest.mark.parametrize("method", METHODS)
def test_no_effect_is_mostly_not_detected(method):
    # Fixed seeds, so this is deterministic; at alpha 0.05 about 1 in 20 is a false alarm.
    p_values = [
        compare_groups(*synthetic(s, 0.0), method=method, seed=s).p_value for s in range(20)
    ]
    assert sum(p > 0.05 for p in p_values) >= 17


@pytest.mark.parametrize("method", METHODS)
def test_confidence_interval_coverage(method):
    # 40 fixed data sets with a true effect of 12: a 95% interval should cover it ~38 times.
    covered = 0
    for s in range(40):
        r = compare_groups(*synthetic(100 + s, 12.0, n=15), method=method, seed=s)
        covered += r.ci_low < 12.0 < r.ci_high
    assert covered >= 34


def test_bootstrap_is_reproducible_and_close_to_welch():
    data = synthetic(3, -40.0)
    first = compare_groups(*data, method="bootstrap", seed=11)
    again = compare_groups(*data, method="bootstrap", seed=11)
    other = compare_groups(*data, method="bootstrap", seed=12)
    welch = compare_groups(*data, method="welch")
    assert (first.ci_low, first.ci_high, first.p_value) == (
        again.ci_low,
        again.ci_high,
        again.p_value,
    )
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.effect == welch.effect  # the estimate is the same, only the inference differs
    assert first.ci_low == pytest.approx(welch.ci_low, abs=3)
    assert first.ci_high == pytest.approx(welch.ci_high, abs=3)


def test_bootstrap_p_value_floor_and_ceiling():
    # Far from 0: every resample is negative, p = 2 * 1 / (n + 1).
    far = compare_groups(*synthetic(0, -200.0), method="bootstrap", n_resamples=999)
    assert far.p_value == pytest.approx(2 / 1000)
    # Exactly symmetric around 0 (identical groups): p is capped at 1.
    same = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert compare_groups(same, same, same, same, method="bootstrap").p_value <= 1.0


def test_constant_groups_welch():
    flat = compare_groups([5] * 5, [5] * 5, [3] * 5, [3] * 5)
    assert (flat.effect, flat.ci_low, flat.ci_high, flat.p_value) == (0, 0, 0, 1.0)
    shifted = compare_groups([5] * 5, [7] * 5, [3] * 5, [3] * 5)
    assert (shifted.effect, shifted.ci_low, shifted.ci_high, shifted.p_value) == (2, 2, 2, 0.0)


def ci_text(low, high):
    return f"{low:.1f} to {high:.1f}"


@pytest.mark.parametrize(
    "flip, higher_is_better, word",
    [
        (False, True, "improved"),  # KPI up 8, up is good
        (False, False, "worsened"),  # KPI up 8, down is good (e.g. AHT)
        (True, False, "improved"),  # KPI down 8, down is good
        (True, True, "worsened"),  # KPI down 8, up is good
    ],
)
def test_verdict_wording_follows_higher_is_better(flip, higher_is_better, word):
    data = [[-v for v in g] for g in HAND] if flip else HAND
    r = compare_groups(*data, higher_is_better=higher_is_better, metric="AHT", unit="s")
    # The CI is stated in the same direction as the word, so it is the interval of the size
    # of the change: 8 +/- t * sqrt(5), whichever way the data were flipped.
    half = stats.t.ppf(0.975, HAND_DF) * math.sqrt(5)
    assert r.verdict == (
        f"The pilot group {word} AHT by 8.0 s relative to control "
        f"(95% CI {ci_text(8 - half, 8 + half)}, p = 0.004): "
        "the effect is statistically significant."
    )


def test_verdict_not_significant():
    # Pilot during only 1 higher on average; noise swamps it.
    data = (
        [10, 20, 30, 40, 50],
        [11, 21, 31, 41, 51],
        [10, 20, 30, 40, 50],
        [10, 20, 30, 40, 50],
    )
    r = compare_groups(*data, higher_is_better=False, metric="AHT", unit="s", alpha=0.1)
    assert r.significant is False
    assert r.effect == pytest.approx(1.0)
    # Up is bad here: the pilot "worsened" by 1.0, interval of the worsening = raw CI.
    assert r.verdict == (
        f"No significant difference: the pilot group worsened AHT by 1.0 s relative to control "
        f"(90% CI {ci_text(r.ci_low, r.ci_high)}, p = {r.p_value:.3f}), "
        "which is within what chance alone could produce."
    )


def test_verdict_small_p_and_defaults():
    r = compare_groups(*synthetic(0, 80.0))
    assert r.verdict.startswith("The pilot group improved the KPI by ")
    assert "p < 0.001" in r.verdict


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "sizes",
    [(4, 5, 5, 5), (5, 5, 5, 4), (5, 0, 5, 5), (1, 1, 1, 1)],
)
def test_not_enough_data(method, sizes):
    groups = [list(range(10, 10 + k)) for k in sizes]
    r = compare_groups(*groups, method=method)
    assert r.enough_data is False
    assert r.significant is False
    assert (r.ci_low, r.ci_high, r.p_value) == (None, None, None)
    assert r.n == dict(zip(GROUPS, sizes, strict=True))
    assert r.verdict.startswith(
        f"Not enough data yet: each group needs at least {MIN_DAYS_PER_GROUP} daily values ("
    )
    labels = ["pilot before", "pilot during", "control before", "control during"]
    counts = ", ".join(f"{label} {k}" for label, k in zip(labels, sizes, strict=True))
    assert r.verdict.endswith(f"({counts}).")
    if 0 in sizes:
        assert r.effect is None
        assert r.means["pilot_during"] is None
    else:
        assert r.effect is not None


def test_minimum_is_exactly_five():
    assert MIN_DAYS_PER_GROUP == 5
    assert compare_groups(*HAND).enough_data is True  # 5 values per group suffice


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alpha": 0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"method": "ttest"}, "method"),
        ({"n_resamples": 0}, "n_resamples"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare_groups(*HAND, **kwargs)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values_are_rejected(bad):
    with pytest.raises(ValueError, match="pilot_during"):
        compare_groups(HAND[0], [*HAND[1][:4], bad], HAND[2], HAND[3])


def test_module_is_pure():
    # No Django in this module: it must be usable from a notebook or a nightly job alike.
    with open(pilot_stats.__file__, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in {"django", "rest_framework"}}
