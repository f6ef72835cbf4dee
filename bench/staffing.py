"""Benchmark of the staffing math; prints JSON.

Usage: ``python bench/staffing.py`` (any interpreter with numpy and scipy; statsmodels and
Django are not needed). Measures:

* ``required_agents_batch`` for one week of 30-minute intervals x 20 work types (6,720
  solves, fixed seed), against a plain loop of ``required_agents``;
* a 90-working-day backlog plan for 20 work types (``required_agents_per_day`` and
  ``project_backlog``);
* if ``pyworkforce`` is importable, the same 6,720 inputs through
  ``pyworkforce.queuing.ErlangC(...).required_positions(service_level, max_occupancy=1.0)``:
  agent-count mismatches, per-solve times and the speed ratio. pyworkforce pins its own
  dependencies, so install it in a separate venv (see ``PYWORKFORCE_NOTE``) and run this
  script with that venv's python.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from staffing.backlog import (  # noqa: E402
    BacklogBucket,
    BacklogPlanInput,
    project_backlog,
    required_agents_per_day,
    working_days,
)
from staffing.erlang import required_agents, required_agents_batch  # noqa: E402

PYWORKFORCE_NOTE = (
    "pyworkforce is not importable; to compare, install it in a separate venv: "
    "python3 -m venv /tmp/pwf && /tmp/pwf/bin/pip install numpy scipy pandas pyworkforce "
    "&& /tmp/pwf/bin/python bench/staffing.py"
)
WORK_TYPES = 20
INTERVALS = 336  # a week of 30-minute intervals
INTERVAL_SECONDS = 1800
SHRINKAGE = 0.3
SEED = 20240101


def week_inputs() -> dict[str, np.ndarray]:
    """Realistic volumes: daily bell with a lunch dip, quiet nights and weekends, Poisson."""
    rng = np.random.default_rng(SEED)
    slot = np.arange(INTERVALS) % 48
    day = np.arange(INTERVALS) // 48
    daily = np.exp(-(((slot - 21) / 7.0) ** 2)) + 0.8 * np.exp(-(((slot - 30) / 6.0) ** 2))
    weekly = np.where(day >= 5, 0.35, 1.0) * np.where(day == 0, 1.2, 1.0)
    peak = rng.uniform(10, 450, size=(WORK_TYPES, 1))  # calls per interval at the peak
    volumes = rng.poisson(peak * (0.02 + daily * weekly)).astype(float)
    base_aht = rng.uniform(150, 720, size=(WORK_TYPES, 1))
    ahts = np.round(base_aht * rng.uniform(0.9, 1.1, size=(WORK_TYPES, INTERVALS)))
    return {
        "volumes": volumes,
        "ahts": ahts,
        "target_sl": rng.choice([0.7, 0.8, 0.9], size=(WORK_TYPES, 1)),
        "answer_seconds": rng.choice([15.0, 20.0, 30.0, 60.0], size=(WORK_TYPES, 1)),
    }


def _timed(func, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return times, result


def bench_erlang(inputs: dict[str, np.ndarray]) -> tuple[dict, object]:
    def batch():
        return required_agents_batch(
            inputs["volumes"],
            inputs["ahts"],
            INTERVAL_SECONDS,
            inputs["target_sl"],
            inputs["answer_seconds"],
            SHRINKAGE,
        )

    times, result = _timed(batch, 30)

    def scalar_loop():
        for i in range(WORK_TYPES):
            for j in range(INTERVALS):
                required_agents(
                    inputs["volumes"][i, j],
                    inputs["ahts"][i, j],
                    INTERVAL_SECONDS,
                    inputs["target_sl"][i, 0],
                    inputs["answer_seconds"][i, 0],
                    shrinkage=SHRINKAGE,
                )

    loop_times, _ = _timed(scalar_loop, 3)
    solves = WORK_TYPES * INTERVALS
    return {
        "solves": solves,
        "zero_volume_cells": int((inputs["volumes"] == 0).sum()),
        "max_traffic_erlangs": round(float(result.traffic.max()), 2),
        "max_agents": int(result.agents.max()),
        "batch_best_ms": round(min(times) * 1e3, 3),
        "batch_median_ms": round(statistics.median(times) * 1e3, 3),
        "batch_per_solve_us": round(min(times) / solves * 1e6, 3),
        "scalar_loop_best_ms": round(min(loop_times) * 1e3, 2),
        "scalar_per_solve_us": round(min(loop_times) / solves * 1e6, 2),
        "target_whole_week_ms": 50,
        "meets_target": min(times) < 0.05,
    }, result


def backlog_plans() -> list[BacklogPlanInput]:
    rng = np.random.default_rng(SEED + 1)
    days = working_days(date(2024, 1, 1), 90, weekdays_only=True)
    weekday_factor = np.array([1.3, 1.1, 1.0, 0.95, 0.85])[[d.weekday() for d in days]]
    plans = []
    for _ in range(WORK_TYPES):
        mean = rng.uniform(40, 900)
        sla = int(rng.integers(1, 6))
        plans.append(
            BacklogPlanInput(
                days=days,
                arrivals=rng.poisson(mean * weekday_factor).tolist(),
                aht_minutes=float(rng.uniform(4, 40)),
                sla_working_days=sla,
                productive_hours=6.5,
                shrinkage=0.15,
                starting_backlog=[
                    BacklogBucket(int(mean * 0.3), days[0] - timedelta(days=3)),  # already late
                    BacklogBucket(int(mean * 1.5), days[min(sla, 89)]),
                ],
            )
        )
    return plans


def bench_backlog() -> dict:
    plans = backlog_plans()

    def plan_all():
        return [required_agents_per_day(plan) for plan in plans]

    times, agent_plans = _timed(plan_all, 5)

    def project_all():
        return [project_backlog(p, a.agents) for p, a in zip(plans, agent_plans, strict=True)]

    project_times, projections = _timed(project_all, 5)
    return {
        "work_types": WORK_TYPES,
        "working_days": 90,
        "required_agents_per_day_best_ms": round(min(times) * 1e3, 2),
        "project_backlog_best_ms": round(min(project_times) * 1e3, 2),
        "past_due_days_in_plans": sum(
            d.past_due_end > 0 for p in projections for d in p.days
        ),  # 0: every deadline met
    }


def bench_pyworkforce(inputs: dict[str, np.ndarray], ours) -> dict:
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return {"available": False, "note": PYWORKFORCE_NOTE}
    import pyworkforce

    cells = [
        (i, j) for i in range(WORK_TYPES) for j in range(INTERVALS) if inputs["volumes"][i, j] > 0
    ]
    results = {}
    start = time.perf_counter()
    for i, j in cells:
        # pyworkforce works in minutes; its "asa" argument is the answer-time target.
        erlang = ErlangC(
            transactions=inputs["volumes"][i, j],
            aht=inputs["ahts"][i, j] / 60,
            asa=inputs["answer_seconds"][i, 0] / 60,
            interval=INTERVAL_SECONDS / 60,
            shrinkage=SHRINKAGE,
        )
        results[i, j] = erlang.required_positions(
            service_level=inputs["target_sl"][i, 0], max_occupancy=1.0
        )
    elapsed = time.perf_counter() - start
    mismatches, scheduled_mismatches, float_noise, examples = 0, 0, 0, []
    for (i, j), res in results.items():
        if res["raw_positions"] != ours.agents[i, j]:
            mismatches += 1
            traffic = float(ours.traffic[i, j])
            if len(examples) < 5:
                examples.append(
                    {
                        "traffic": round(traffic, 4),
                        "target_sl": float(inputs["target_sl"][i, 0]),
                        "answer_seconds": float(inputs["answer_seconds"][i, 0]),
                        "ours": int(ours.agents[i, j]),
                        "pyworkforce": int(res["raw_positions"]),
                        "pyworkforce_first_n_tried": round(traffic + 1),
                    }
                )
        if res["positions"] != ours.scheduled_agents[i, j]:
            scheduled_mismatches += 1
            # pyworkforce takes ceil(raw / (1 - shrinkage)) with no tolerance, so e.g.
            # 21 / 0.7 = 30.000000000000004 schedules 31 people; we schedule 30.
            ratio = res["raw_positions"] / (1 - SHRINKAGE)
            float_noise += abs(ratio - round(ratio)) < 1e-9
    ours_ms = _timed(
        lambda: required_agents_batch(
            inputs["volumes"],
            inputs["ahts"],
            INTERVAL_SECONDS,
            inputs["target_sl"],
            inputs["answer_seconds"],
            SHRINKAGE,
        ),
        30,
    )[0]
    ours_per_solve = min(ours_ms) / len(cells)  # charge the zero-volume cells to us too
    theirs_per_solve = elapsed / len(cells)
    return {
        "available": True,
        "version": getattr(pyworkforce, "__version__", "unknown"),
        "solves": len(cells),
        "skipped_zero_volume": WORK_TYPES * INTERVALS - len(cells),  # pyworkforce rejects 0
        "agent_mismatches": mismatches,
        "scheduled_mismatches": scheduled_mismatches,
        "scheduled_mismatches_from_float_noise": int(float_noise),
        "mismatch_examples": examples,
        "pyworkforce_total_ms": round(elapsed * 1e3, 1),
        "pyworkforce_per_solve_us": round(theirs_per_solve * 1e6, 2),
        "ours_batch_per_solve_us": round(ours_per_solve * 1e6, 3),
        "speed_ratio": round(theirs_per_solve / ours_per_solve, 1),
    }


def main() -> None:
    inputs = week_inputs()
    erlang, ours = bench_erlang(inputs)
    report = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "erlang_week": erlang,
        "backlog_90_days": bench_backlog(),
        "pyworkforce": bench_pyworkforce(inputs, ours),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
