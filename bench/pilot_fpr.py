"""False-positive rate of the pilot verdicts with autocorrelated days (issue 23).

Null world: pilot and control share each day's shock (AR(1), rho) and each adds its own
AR(1) noise (same rho); no effect. For each replication the pilot's before/during days go
through the legacy unpaired Welch comparison (``compare_groups``), the paired Newey-West
t against Student's t (no calibration), and the method pilots use
(``pilot_stats._paired_from_differences``: paired days, Newey-West, AR(1) sieve reference).
Families of five independent KPIs give the family-wise false-"win" rate with and without
Holm's adjustment.

    OMP_NUM_THREADS=1 python bench/pilot_fpr.py --reps 2000 --days 28
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from ccops import pilot_stats as ps  # noqa: E402


def world(rng, n, rho):
    shock = ps._ar1(rng, 1, n, rho)[0]
    return shock + ps._ar1(rng, 1, n, rho)[0], shock + ps._ar1(rng, 1, n, rho)[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28, help="days per period")
    parser.add_argument("--rho", type=float, default=0.6)
    parser.add_argument("--resamples", type=int, default=ps.DEFAULT_PAIRED_RESAMPLES)
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    nb = nd = args.days
    n = nb + nd
    x = ps.design(nb, nd)
    lags = ps.newey_west_lags(n)
    welch, naive, paired = [], [], []
    started = time.time()
    for _ in range(args.reps):
        pilot, control = world(rng, n, args.rho)
        welch.append(ps.compare_groups(pilot[:nb], pilot[nb:], control[:nb], control[nb:]).p_value)
        d = pilot - control
        _, _, t = ps.hac_t_stats(d[None, :], x, lags)
        naive.append(float(2 * stats.t.sf(abs(t[0]), n - 2)))
        paired.append(
            ps._paired_from_differences(d[:nb], d[nb:], args.alpha, 0, args.resamples).p_value
        )
    elapsed = time.time() - started
    a = args.alpha

    def rate(ps_):
        r = float(np.mean(np.asarray(ps_) < a))
        se = math.sqrt(r * (1 - r) / len(ps_))
        return f"{100 * r:.1f}% (+- {100 * 1.96 * se:.1f})"

    families = np.asarray(paired[: 5 * (len(paired) // 5)]).reshape(-1, 5)
    any_raw = np.mean((families < a).any(axis=1))
    any_holm = np.mean([min(ps.holm(list(f), a)) < a for f in families])
    print(
        f"rho {args.rho}, {nb} days before + {nd} during, {args.reps} replications, "
        f"{args.resamples} resamples, Newey-West maxlags {lags}, alpha {a}"
    )
    print(f"  legacy unpaired Welch (days independent): false positives {rate(welch)}")
    print(f"  paired Newey-West t vs Student t(n-2):    false positives {rate(naive)}")
    print(f"  paired Newey-West, AR(1) sieve reference: false positives {rate(paired)}")
    print(
        f"  five KPIs ({len(families)} families): any false win unadjusted "
        f"{100 * any_raw:.1f}%, Holm-adjusted {100 * any_holm:.1f}%"
    )
    print(f"  ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
