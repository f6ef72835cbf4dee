"""QA statistics of issue 23 on simulated data; prints JSON. Pure Python, no database.

Usage::

    .venv/bin/python bench/qa_statistics.py [--sessions 200] [--seed 23]

(a) Calibration: ``--sessions`` simulated sessions of 5 evaluators x 12 items on 6 yes/no
    criteria where "yes" is the true answer 93% of the time and each evaluator gives the
    wrong answer 4% of the time. Raw agreement (share of answers equal to their item's
    modal answer, as the calibration page showed before) against Krippendorff's alpha
    (nominal) of the same answers: the median, 5th and 95th percentiles over sessions.
(b) Sampling: an agent with 80% calls, 16% e-mails and 4% complaints whose true mean scores
    are 90 / 80 / 40 (population mean 86.4); 2,000 weekly samples of 6 items from a week of
    50 items drawn with the equal (round-robin) and the proportional allocation; the mean
    of the unweighted and the weighted estimates, and their root-mean-square error.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quality import calibration, reliability  # noqa: E402  (pure modules, no Django setup)
from quality.sampling import EQUAL, PROPORTIONAL, SampleItem, draw_sample, weighted_mean  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def calibration_bench(sessions: int, rng: random.Random) -> dict:
    raw, alphas = [], []
    for _ in range(sessions):
        answers = {}  # {evaluator: {item: Evaluation}}
        truth = {
            (i, c): "yes" if rng.random() < 0.93 else "no" for i in range(12) for c in range(6)
        }
        for ev in range(5):
            answers[ev] = {}
            for i in range(12):
                given = {}
                for c in range(6):
                    t = truth[(i, c)]
                    given[f"c{c}"] = t if rng.random() >= 0.04 else ("no" if t == "yes" else "yes")
                answers[ev][i] = calibration.Evaluation(score=None, answers=given)
        report = calibration.agreement(answers)
        for key, stats in report.criteria.items():
            units = {i: {ev: answers[ev][i].answers[key] for ev in answers} for i in range(12)}
            alpha = reliability.criterion_alpha(key, units, level=reliability.NOMINAL).alpha
            if alpha is not None:
                raw.append(stats.modal_agreement)
                alphas.append(alpha)
    return {
        "criteria_measured": len(raw),
        "raw_modal_agreement": {
            "p05": round(pct(raw, 0.05), 3),
            "median": round(statistics.median(raw), 3),
            "p95": round(pct(raw, 0.95), 3),
        },
        "krippendorff_alpha": {
            "p05": round(pct(alphas, 0.05), 3),
            "median": round(statistics.median(alphas), 3),
            "p95": round(pct(alphas, 0.95), 3),
        },
    }


def sampling_bench(weeks: int, rng: random.Random) -> dict:
    shares = {"call": 0.80, "mail": 0.16, "complaint": 0.04}
    means = {"call": 90.0, "mail": 80.0, "complaint": 40.0}
    true_mean = sum(shares[h] * means[h] for h in shares)
    out = {"true_mean": round(true_mean, 2)}
    for allocation in (EQUAL, PROPORTIONAL):
        unweighted, weighted = [], []
        for week in range(weeks):
            population = {"call": 40, "mail": 8, "complaint": 2}
            items = []
            for h, n in population.items():
                items += [SampleItem(f"{h}{k}", "agent", h, week) for k in range(n)]
            drawn = set(draw_sample(items, set(), 6, seed=rng.random(), allocation=allocation))
            values = [
                (i.work_type_id, rng.gauss(means[i.work_type_id], 8))
                for i in items
                if i.item_id in drawn
            ]
            est = weighted_mean(values, population)
            unweighted.append(est.unweighted_mean)
            weighted.append(est.mean)

        def rmse(xs):
            return round((sum((x - true_mean) ** 2 for x in xs) / len(xs)) ** 0.5, 2)

        out[allocation] = {
            "unweighted_mean": round(statistics.fmean(unweighted), 2),
            "unweighted_rmse": rmse(unweighted),
            "weighted_mean": round(statistics.fmean(weighted), 2),
            "weighted_rmse": rmse(weighted),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        json.dumps(
            {
                "calibration": calibration_bench(args.sessions, rng),
                "sampling": sampling_bench(args.weeks, rng),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
