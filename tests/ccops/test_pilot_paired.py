"""The paired pilot method (issue 23): Newey-West against statsmodels, Holm against
statsmodels, the minimum detectable effect by hand, the verdict's words, and a simulation
of the false-positive rate with autocorrelated days (pure: no database)."""

from datetime import date, timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ccops import pilot_stats as ps

DAY0 = date(2026, 1, 5)


def days(values, first=DAY0):
    return {first + timedelta(days=i): float(v) for i, v in enumerate(values)}


def split(pilot, control, nb):
    """Four ``{day: value}`` dicts from two full series (nb baseline days first)."""
    p, c = days(pilot), days(control)
    cut = DAY0 + timedelta(days=nb)
    before = lambda d: {k: v for k, v in d.items() if k < cut}  # noqa: E731
    during = lambda d: {k: v for k, v in d.items() if k >= cut}  # noqa: E731
    return before(p), during(p), before(c), during(c)


def ar1(rng, n, rho):
    return ps._ar1(rng, 1, n, rho)[0]


def null_world(rng, n, rho=0.6, shock_sd=1.0):
    shock = shock_sd * ar1(rng, n, rho)
    return shock + ar1(rng, n, rho), shock + ar1(rng, n, rho)


@pytest.mark.parametrize(("n", "lags"), [(5, 2), (10, 2), (56, 3), (100, 4), (180, 4)])
def test_newey_west_lag_rule(n, lags):
    assert ps.newey_west_lags(n) == lags == max(1, int(4 * (n / 100) ** (2 / 9)))


def test_vectorised_hac_equals_statsmodels():
    rng = np.random.default_rng(3)
    x = ps.design(17, 23)
    series = rng.normal(size=(3, 40)).cumsum(axis=1)
    coef, se, t = ps.hac_t_stats(series, x, 3)
    for i in range(3):
        fit = sm.OLS(series[i], x).fit(
            cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}
        )
        assert coef[i] == pytest.approx(fit.params[1], rel=1e-10)
        assert se[i] == pytest.approx(fit.bse[1], rel=1e-10)
        assert t[i] == pytest.approx(fit.tvalues[1], rel=1e-10)


def test_paired_effect_and_se_are_statsmodels_newey_west_on_the_paired_days():
    rng = np.random.default_rng(5)
    pilot, control = null_world(rng, 50)
    pilot[30:] += 0.8
    groups = split(pilot, control, 30)
    # A day with a pilot value only is not paired: it is left out.
    groups[1][DAY0 + timedelta(days=60)] = 99.0
    r = ps.paired_hac(*groups, seed=1)
    d = pilot - control
    expected = sm.OLS(d, ps.design(30, 20)).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}
    )
    assert (r.n_before, r.n_during, r.maxlags) == (30, 20, 3)
    assert r.effect == pytest.approx(d[30:].mean() - d[:30].mean())
    assert r.effect == pytest.approx(expected.params[1])
    assert r.se == pytest.approx(expected.bse[1])
    assert r.effect_size == pytest.approx(r.effect / np.sqrt(expected.ssr / 48))
    assert r.ci_low < r.effect < r.ci_high
    # The CI and the p-value come from the same reference distribution of |t|.
    half = (r.ci_high - r.ci_low) / 2
    assert (r.p_value < 0.05) == (abs(r.effect) / r.se > half / r.se)
    assert 0 <= r.rho <= 0.95
    assert ps.paired_hac(*groups, seed=1) == r  # seeded: the same answer again


def test_pairing_removes_shared_day_shocks():
    """Big day-level shocks hit both groups: unpaired, the effect drowns; paired, it shows."""
    rng = np.random.default_rng(11)
    pilot, control = null_world(rng, 56, rho=0.3, shock_sd=10.0)
    pilot[28:] += 1.5
    groups = split(pilot, control, 28)
    paired = ps.paired_hac(*groups, seed=0)
    unpaired = ps.compare_groups(*(list(g.values()) for g in groups))
    assert paired.p_value < 0.05 and paired.ci_low > 0
    assert unpaired.p_value > 0.2


def test_too_few_paired_days():
    groups = split(np.arange(8.0), np.zeros(8), 4)
    r = ps.paired_hac(*groups)
    assert not r.enough_data and r.p_value is None and r.effect == pytest.approx(4.0)
    text = ps.paired_verdict(r, None, family=1, higher_is_better=True)
    assert text.startswith("Not enough data yet") and "before 4, during 4" in text


def test_holm_matches_statsmodels_and_by_hand():
    p = [0.01, 0.04, 0.03, None, 0.2]
    adjusted = ps.holm(p)
    # By hand: sorted 0.01 x4 = 0.04; 0.03 x3 = 0.09; 0.04 x2 = 0.08 -> 0.09 (monotone);
    # 0.2 x1 = 0.2.
    assert adjusted == pytest.approx([0.04, 0.09, 0.09, None, 0.2])
    reference = multipletests([0.01, 0.04, 0.03, 0.2], 0.05, "holm")[1]
    assert [a for a in adjusted if a is not None] == pytest.approx(list(reference))
    assert ps.holm([None, None]) == [None, None]


def test_minimum_detectable_effect_by_hand():
    # Alternating history: lag-1 autocorrelation negative, clipped to 0 (independent days).
    history = [1.0, -1.0] * 10
    m = ps.minimum_detectable_effect(history, n_before=14, n_during=28)
    sd = np.std(history, ddof=1)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert (m.sd, m.rho) == (pytest.approx(sd), 0.0)
    assert m.mde == pytest.approx(z * sd * np.sqrt(1 / 14 + 1 / 28))
    # Autocorrelated days carry less information: a larger MDE; longer pilots: smaller.
    trending = list(np.cumsum(np.random.default_rng(1).normal(size=40)))
    wide = ps.minimum_detectable_effect(trending, n_before=14, n_during=28)
    assert wide.rho > 0.5
    flat = ps.minimum_detectable_effect(
        list(np.random.default_rng(1).normal(size=40) * wide.sd), n_before=14, n_during=28
    )
    assert wide.mde > flat.mde
    longer = ps.minimum_detectable_effect(trending, n_before=14, n_during=56)
    assert longer.mde < wide.mde
    assert ps.minimum_detectable_effect([1.0, 2.0], n_before=14, n_during=28).mde is None


def test_verdict_says_which_kpi_moved_and_how_sure():
    rng = np.random.default_rng(2)
    pilot, control = null_world(rng, 56)
    pilot[28:] -= 3.0  # AHT fell by 3 minutes in the pilot group
    r = ps.paired_hac(*split(pilot, control, 28), seed=0)
    text = ps.paired_verdict(r, 0.004, family=3, higher_is_better=False, metric="AHT", unit="min")
    assert text.startswith("The pilot group improved AHT by 2.6 min")
    assert "Holm-adjusted over 3 KPIs p = 0.004" in text and "this KPI moved" in text
    calm = ps.paired_verdict(r, 0.2, family=3, higher_is_better=False, metric="AHT")
    assert calm.startswith("No significant difference") and "p = 0.200" in calm


def test_false_positive_rate_with_autocorrelated_days():
    """No effect, rho 0.6, 4 weeks before and 4 during: the paired method's false-positive
    rate stays within 5 +- 1.5 %, and Holm keeps five KPIs' false "wins" near 5 %.
    (bench/pilot_fpr.py runs more replications; figures in bench/RESULTS.md.)"""
    rng = np.random.default_rng(2026)
    reps, nb = 1000, 28  # 3.8 % false positives, Holm 5.0 % (200 families) with this seed
    p_values = []
    for _ in range(reps):
        pilot, control = null_world(rng, 2 * nb)
        d = pilot - control
        p_values.append(ps._paired_from_differences(d[:nb], d[nb:], 0.05, 0, 499).p_value)
    rate = np.mean(np.asarray(p_values) < 0.05)
    assert 0.035 <= rate <= 0.065, rate
    families = np.asarray(p_values).reshape(-1, 5)
    unadjusted = np.mean((families < 0.05).any(axis=1))
    holm = np.mean([min(ps.holm(list(f))) < 0.05 for f in families])
    assert unadjusted > 0.15  # five tests at 5 % each: about 23 %
    assert holm <= 0.08, holm


def test_holm_equals_statsmodels_on_random_families():
    rng = np.random.default_rng(8)
    # Few calls: multipletests runs gc.collect() each time (slow in a Django process).
    for size in (1, 2, 5, 9):
        p = list(rng.uniform(0, 0.2, size))
        reference = multipletests(p, 0.05, "holm")[1]
        assert ps.holm(p) == pytest.approx(list(reference), abs=1e-12)


def test_short_periods_carry_a_caution():
    rng = np.random.default_rng(4)
    pilot, control = null_world(rng, 20)
    short = ps.paired_hac(*split(pilot, control, 10), seed=0)
    text = ps.paired_verdict(short, short.p_value, family=1, higher_is_better=True)
    assert "Caution: fewer than 14 paired days" in text
    pilot, control = null_world(rng, 56)
    full = ps.paired_hac(*split(pilot, control, 28), seed=0)
    assert "Caution" not in ps.paired_verdict(full, 0.5, family=1, higher_is_better=True)
