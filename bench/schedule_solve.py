"""Benchmark of weekly schedule generation (``staffing.scheduling``); prints JSON.

Usage: ``python bench/schedule_solve.py [--demo-limit 50] [--large-limit 100] [--workers 2]``
(Django is not needed; the limits are CP-SAT's time limits in seconds). Two synthetic
weeks with the demo center's shape (fixed seed):

* ``demo``: 48 agents in 4 teams (2 front, 2 back; a quarter cross-trained), a front-office
  day curve peaking at 11:00 and 15:00 (07:00-21:00, weekends lighter) split over three
  work types (Sales, Support, Complaints: the last for one agent in five, a senior tier)
  and back-office casework of about 40 agent-hours per weekday with a carried-in backlog
  on Monday over two types (Claims, Disputes: the latter for one agent in three); each
  type's shortfall weighted by the product's rule (``staffing.shortfall``: contacts missing
  the answer target, cases missing their deadline, per agent-minute short);
* ``200_agents``: the same shape scaled to 200 agents.

For each: the CP-SAT solve seconds (time limit and 2 workers), the greedy baseline's
seconds, and both under-coverage figures in agent-hours. Limits to meet: demo < 60 s and
200 agents < 120 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from staffing.scheduling import (  # noqa: E402
    BACK,
    DAYS,
    FRONT,
    SLOTS,
    SLOTS_PER_DAY,
    AgentIn,
    Problem,
    Rules,
    TypeDemand,
    greedy,
    solve,
)
from staffing.shortfall import back_cost, front_cost  # noqa: E402

FRONT_SPLIT = ((1, "Sales", 0.4), (2, "Support", 0.45), (3, "Complaints", 0.15))
BACK_SPLIT = ((11, "Claims", 0.7), (12, "Disputes", 0.3))
# Per type: handle time (seconds) and, front office, the answer target (seconds).
AHT = {1: 360, 2: 300, 3: 540, 11: 1200, 12: 2400}
ANSWER = {1: 20, 2: 20, 3: 60}
SHRINKAGE = 0.3


def _costs(pk: int, office: str, values: tuple[int, ...]) -> tuple[int, ...]:
    """The solver's weights by the product's rule (``staffing.shortfall``): front office
    from the contacts a slot's requirement was sized for (traffic at 85 % of the productive
    agents), back office from the type's handle time."""
    if office == BACK:
        return (back_cost(aht_seconds=AHT[pk]),) * len(values)
    out = []
    for required in values:
        productive = int(required * (1 - SHRINKAGE))
        volume = 0.85 * productive * 1800 / AHT[pk]
        out.append(
            front_cost(
                volume=volume,
                aht_seconds=AHT[pk],
                answer_seconds=ANSWER[pk],
                required=required,
                shrinkage=SHRINKAGE,
                interval_seconds=1800,
            )
        )
    return tuple(out)


def _split(total: list[int], parts) -> list[tuple[int, str, tuple[int, ...]]]:
    """Whole shares of ``total`` per part (the last part takes the rounding)."""
    out, left = [], list(total)
    for k, (pk, name, share) in enumerate(parts):
        if k == len(parts) - 1:
            values = left
        else:
            values = [min(lv, round(v * share)) for v, lv in zip(total, left, strict=True)]
            left = [lv - v for lv, v in zip(left, values, strict=True)]
        out.append((pk, name, tuple(values)))
    return out


def week(agents: int, seed: int = 21) -> Problem:
    rng = random.Random(seed)
    front_agents = agents // 2
    scale = agents / 48
    front = []
    for slot in range(SLOTS):
        day, minute = divmod(slot, SLOTS_PER_DAY)
        hour = minute * 0.5
        if not 7 <= hour < 21:
            front.append(0)
            continue
        curve = math.exp(-((hour - 11) ** 2) / 6) + 0.8 * math.exp(-((hour - 15) ** 2) / 8)
        level = (0.45 if day >= 5 else 1.0) * (3 + 12 * curve) * scale
        front.append(max(0, round(level + rng.uniform(-1, 1))))
    back = [round((40 + (16 if d == 0 else 0)) * 60 * scale) if d < 5 else 0 for d in range(DAYS)]
    types = tuple(
        TypeDemand(pk, FRONT, values, _costs(pk, FRONT, values), name=name)
        for pk, name, values in _split(front, FRONT_SPLIT)
    ) + tuple(
        TypeDemand(pk, BACK, values, _costs(pk, BACK, values), name=name)
        for pk, name, values in _split(back, BACK_SPLIT)
    )
    people = []
    for i in range(agents):
        office = FRONT if i < front_agents else BACK
        offices = (FRONT, BACK) if i % 4 == 0 else (office,)
        # Skills and tiers: everybody takes Support or Claims; some Sales or Disputes; one
        # in five (the senior tier) Complaints.
        front_types = {2} | ({1} if i % 2 else set()) | ({1, 3} if i % 5 == 0 else set())
        back_types = {11} | ({12} if i % 3 == 0 else set())
        allowed = set()
        for o in offices:
            allowed |= front_types if o == FRONT else back_types
        rules = Rules(shift_lengths=(8 * 60, 6 * 60) if i % 3 == 0 else (8 * 60,))
        unavailable = ((2 * 1440, 3 * 1440),) if i % 17 == 0 else ()
        people.append(
            AgentIn(
                id=i + 1,
                offices=offices,
                rules=rules,
                unavailable=unavailable,
                types=frozenset(allowed),
            )
        )
    return Problem(front_required=(), back_required=(), agents=tuple(people), types=types)


def measure(name: str, problem: Problem, time_limit: float, workers: int) -> dict:
    began = time.perf_counter()
    base = greedy(problem)
    solution = solve(problem, time_limit=time_limit, workers=workers, fallback=base)
    return {
        "case": name,
        "agents": len(problem.agents),
        "required_agent_hours": round(
            (sum(problem.front_required) * 30 + sum(problem.back_required)) / 60, 1
        ),
        "solve_seconds": round(solution.seconds, 2),
        "solver_status": solution.status,
        "greedy_seconds": round(base.seconds, 2),
        "total_seconds": round(time.perf_counter() - began, 2),
        "shifts": len(solution.shifts),
        "under_coverage_hours": solution.coverage.under_hours,
        "baseline_under_coverage_hours": base.coverage.under_hours,
        "over_coverage_hours": solution.coverage.over_hours,
        "baseline_over_coverage_hours": base.coverage.over_hours,
        "under_coverage_hours_by_type": {
            f"{t.office}:{t.name}": round(solution.coverage.by_type[t.key].under_minutes / 60, 2)
            for t in problem.types
        },
        "baseline_under_coverage_hours_by_type": {
            f"{t.office}:{t.name}": round(base.coverage.by_type[t.key].under_minutes / 60, 2)
            for t in problem.types
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-limit", type=float, default=50.0)
    parser.add_argument("--large-limit", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out = [
        measure("demo", week(48), args.demo_limit, args.workers),
        measure("200_agents", week(200), args.large_limit, args.workers),
    ]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
