"""Pure rules of time off (plain values in, plain values out).

Counting rule (what a request costs against the allowance): every local calendar day the
request touches counts 1 when the request covers the whole day (00:00 to 24:00), else the
hours it covers divided by the agent's contract day, capped at 1. The contract day is the
agent's maximum weekly hours over their working days (``max_hours_week / (7 -
days_off_per_week)``: 40 h over 5 days = 8 h).

Coverage rule (auto-approval), :func:`coverage_holds`: ``target`` is the published run's
required figure for each slot (front office: agents per 30 minutes; back office:
agent-hours per day). Per affected day and office, in agent-hours: ``short`` = what is
missing once the agent's scheduled work is removed, ``surplus`` = what is left over. The day
holds when neither office is short, or when one office's shortfall fits in the other
office's surplus worked by cross-trained agents (who may cover either office).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


def contract_day_hours(max_hours_week: float, days_off_per_week: int) -> float:
    working = max(1, 7 - int(days_off_per_week))
    return max(0.5, float(max_hours_week) / working)


def count_days(
    spans: list[tuple[datetime, datetime, datetime, datetime]], contract_hours: float
) -> Decimal:
    """``spans``: per local day touched, ``(day_start, day_end, start, end)`` with the
    request clipped to that day. Returns the days counted (2 decimals)."""
    total = Decimal(0)
    for day_begin, day_end, start, end in spans:
        if start <= day_begin and end >= day_end:
            total += 1
            continue
        hours = (min(end, day_end) - max(start, day_begin)).total_seconds() / 3600
        total += Decimal(str(min(1.0, max(0.0, hours) / contract_hours)))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DayCoverage:
    """One day of one published week, in agent-hours, with the agent's work removed."""

    day: date
    front_short: float
    front_surplus: float
    back_short: float
    back_surplus: float
    front_cross: float  # hours cross-trained agents work in the front office that day
    back_cross: float


def day_holds(d: DayCoverage, eps: float = 1e-6) -> bool:
    if d.front_short > eps and d.back_short > eps:
        return False
    if d.front_short > eps:
        return d.front_short <= min(d.back_surplus, d.back_cross) + eps
    if d.back_short > eps:
        return d.back_short <= min(d.front_surplus, d.front_cross) + eps
    return True


def coverage_holds(days: list[DayCoverage]) -> bool:
    """True when every affected day holds (no days = no published target = False)."""
    return bool(days) and all(day_holds(d) for d in days)


def local_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
