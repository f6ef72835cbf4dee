"""What being short costs, for the schedule solver's objective ("least under-coverage,
weighted by how much it costs the service level or a deadline"); plain values, no ORM.

Costs are items that miss their target per agent-minute short, times :data:`COST_SCALE`
(integers for CP-SAT), at least 1 so every shortfall counts:

* front office: one scheduled agent fewer than the plan's requirement in an interval loses
  ``SL(n) - SL(n - 1)`` of its contacts (Erlang C at the interval's traffic and answer
  target, ``n`` = the productive agents, required x (1 - shrinkage)), over its minutes;
* back office: the backlog plan meets every deadline exactly, so each agent-minute short
  leaves ``1 / AHT`` cases (AHT in minutes) past their deadline.
"""

from __future__ import annotations

from .erlang import service_level, traffic

COST_SCALE = 100


def front_cost(
    *,
    volume: float,
    aht_seconds: float,
    answer_seconds: float,
    required: int,
    shrinkage: float,
    interval_seconds: float,
) -> int:
    if volume <= 0 or required <= 0 or aht_seconds <= 0:
        return 1
    n = max(1, int(required * (1 - shrinkage)))
    a = traffic(volume, aht_seconds, interval_seconds)
    lost = service_level(n, a, aht_seconds, answer_seconds) - service_level(
        n - 1, a, aht_seconds, answer_seconds
    )
    return max(1, round(COST_SCALE * lost * volume / (interval_seconds / 60)))


def back_cost(*, aht_seconds: float) -> int:
    return max(1, round(COST_SCALE * 60 / aht_seconds)) if aht_seconds > 0 else 1
