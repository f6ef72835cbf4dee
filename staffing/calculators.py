"""The two calculators behind the API and the pages (no ORM): plain values in, dicts out.

Every input is checked against :mod:`staffing.limits` (the same limits the serializers and
forms put on their fields), so any caller meets one rule. Errors of the pure modules
(:class:`ErlangInputError`, :class:`BacklogInputError`) pass through; callers turn them into
form errors or JSON 400s naming the field.
"""

from __future__ import annotations

import math
from datetime import date

from . import limits
from .backlog import (
    BacklogBucket,
    BacklogInputError,
    BacklogPlanInput,
    project_backlog,
    required_agents_beyond_horizon,
    required_agents_per_day,
    required_level_agents,
    working_days,
)
from .erlang import ErlangInputError, required_agents, sl_curve

# Beyond this many erlangs in one interval the calculators refuse (a 5,000-agent center is far
# below it): the agent search is linear in the traffic.
MAX_TRAFFIC = 20_000


def _check_traffic(volume, aht_seconds, interval_minutes) -> None:
    try:
        load = float(volume) * float(aht_seconds) / (float(interval_minutes) * 60)
    except (TypeError, ValueError, ZeroDivisionError):
        return  # the pure module names the bad field
    if load > MAX_TRAFFIC:
        raise ErlangInputError(
            "volume", f"volume x AHT is {load:,.0f} erlangs; at most {MAX_TRAFFIC:,} per interval"
        )


ERLANG_LIMITS = {
    "volume": limits.VOLUME,
    "aht_seconds": limits.AHT_SECONDS,
    "interval_minutes": limits.INTERVAL_MINUTES,
    "target_service_level": limits.SERVICE_LEVEL,
    "target_answer_seconds": limits.ANSWER_SECONDS,
    "shrinkage": limits.SHRINKAGE,
    "max_occupancy": limits.MAX_OCCUPANCY,
    "patience_seconds": limits.PATIENCE_SECONDS,
    "target_asa_seconds": limits.ASA_SECONDS,
    "max_abandon_rate": limits.MAX_ABANDON_RATE,
}

OPTIONAL = ("max_occupancy", "patience_seconds", "target_asa_seconds", "max_abandon_rate")


def _check_erlang(**values) -> None:
    """Each given input within its limits; an optional one may be None (not used)."""
    for field, value in values.items():
        if value is not None or field not in OPTIONAL:
            ERLANG_LIMITS[field].check(field, value, ErlangInputError)


def _finite(value):
    return value if value is None or math.isfinite(value) else None


def erlang_calculate(
    *,
    volume: float,
    aht_seconds: float,
    interval_minutes: int,
    target_service_level: float,
    target_answer_seconds: float,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    patience_seconds: float | None = None,
    target_asa_seconds: float | None = None,
    max_abandon_rate: float | None = None,
) -> dict:
    """Required agents for one interval (Erlang C; Erlang A with a patience): the smallest
    count meeting the SL target and, when given, ASA <= ``target_asa_seconds``, occupancy
    <= ``max_occupancy`` and (Erlang A) abandoned / offered <= ``max_abandon_rate``."""
    _check_erlang(
        volume=volume,
        aht_seconds=aht_seconds,
        interval_minutes=interval_minutes,
        target_service_level=target_service_level,
        target_answer_seconds=target_answer_seconds,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        patience_seconds=patience_seconds,
        target_asa_seconds=target_asa_seconds,
        max_abandon_rate=max_abandon_rate,
    )
    _check_traffic(volume, aht_seconds, interval_minutes)
    try:
        result = required_agents(
            volume,
            aht_seconds,
            interval_minutes * 60,
            target_service_level,
            target_answer_seconds,
            shrinkage=shrinkage,
            max_occupancy=max_occupancy,
            patience_seconds=patience_seconds,
            target_asa_seconds=target_asa_seconds,
            max_abandon_rate=max_abandon_rate,
        )
    except ErlangInputError as exc:
        if exc.field == "interval_seconds":
            raise ErlangInputError("interval_minutes", exc.message) from None
        raise
    return {
        "agents": result.agents,
        "scheduled_agents": result.scheduled_agents,
        "service_level": result.service_level,
        "asa_seconds": _finite(result.asa_seconds),
        "occupancy": result.occupancy,
        "wait_probability": result.wait_probability,
        "abandon_rate": result.abandon_rate,
        "traffic_erlangs": result.traffic,
        "model": "erlang_c" if patience_seconds is None else "erlang_a",
    }


def erlang_curve(
    *,
    volume: float,
    aht_seconds: float,
    interval_minutes: int,
    target_answer_seconds: float,
    agents: int,
    span: int = 12,
) -> list[dict]:
    """Erlang C service level, ASA and occupancy for agent counts around ``agents``."""
    _check_erlang(
        volume=volume,
        aht_seconds=aht_seconds,
        interval_minutes=interval_minutes,
        target_answer_seconds=target_answer_seconds,
    )
    _check_traffic(volume, aht_seconds, interval_minutes)
    n_from = max(1, agents - span)
    rows = sl_curve(
        volume, aht_seconds, interval_minutes * 60, target_answer_seconds, n_from, agents + span
    )
    return [
        {"agents": n, "service_level": sl, "asa_seconds": _finite(asa), "occupancy": occ}
        for n, sl, asa, occ in rows
    ]


def _check_backlog(
    *,
    start,
    arrivals,
    aht_minutes,
    sla_working_days,
    productive_hours,
    shrinkage,
    holidays,
    starting_backlog,
    agents,
) -> None:
    """Each input within its limits, the horizon and its lists within a year."""
    error = BacklogInputError
    if isinstance(start, date) and start > limits.LATEST_START:
        raise error("start", f"must be on or before {limits.LATEST_START.isoformat()}")
    days = limits.HORIZON_DAYS
    lists = (("arrivals", arrivals), ("holidays", holidays), ("starting_backlog", starting_backlog))
    for field, values in lists:
        if len(values) > days:
            raise error(field, f"at most {days} values")
    for count in arrivals:
        limits.ITEMS.check("arrivals", count, error)
    for bucket in starting_backlog:
        limits.ITEMS.check("starting_backlog", bucket["count"], error)
    for value in agents or ():
        limits.AGENTS.check("agents", value, error)
    limits.AHT_MINUTES.check("aht_minutes", aht_minutes, error)
    limits.SLA_WORKING_DAYS.check("sla_working_days", sla_working_days, error)
    limits.PRODUCTIVE_HOURS.check("productive_hours", productive_hours, error)
    limits.SHRINKAGE.check("shrinkage", shrinkage, error)


def backlog_calculate(
    *,
    start: date,
    arrivals: list[int],
    aht_minutes: float,
    sla_working_days: int,
    productive_hours: float = 7.5,
    shrinkage: float = 0.0,
    weekdays_only: bool = True,
    holidays: list[date] = (),
    starting_backlog: list[dict] = (),
    agents: list[float] | None = None,
) -> dict:
    """Day-by-day backlog projection and the agents each day needs (DOMAIN.md rules)."""
    _check_backlog(
        start=start,
        arrivals=arrivals,
        aht_minutes=aht_minutes,
        sla_working_days=sla_working_days,
        productive_hours=productive_hours,
        shrinkage=shrinkage,
        holidays=holidays,
        starting_backlog=starting_backlog,
        agents=agents,
    )
    days = working_days(start, len(arrivals), weekdays_only=weekdays_only, holidays=holidays)
    plan = BacklogPlanInput(
        days=days,
        arrivals=arrivals,
        aht_minutes=aht_minutes,
        sla_working_days=sla_working_days,
        productive_hours=productive_hours,
        shrinkage=shrinkage,
        starting_backlog=[
            BacklogBucket(count=b["count"], due_date=b["due_date"]) for b in starting_backlog
        ],
    )
    need = required_agents_per_day(plan)
    used = list(agents) if agents is not None else list(need.agents)
    if len(used) != len(days):
        raise BacklogInputError("agents", f"needs {len(days)} values, one per day")
    projection = project_backlog(plan, used)
    beyond = required_agents_beyond_horizon(plan, weekdays_only=weekdays_only, holidays=holidays)
    return {
        "days": [
            {
                "date": day.date,
                "arrivals": day.arrivals,
                "required_agents": need.agents[i],
                "agents": day.agents,
                "capacity": day.capacity,
                "completions": day.completions,
                "completed_on_time": day.completed_on_time,
                "completed_late": day.completed_late,
                "backlog_end": day.backlog_end,
                "past_due_end": day.past_due_end,
                "sla_attainment": day.sla_attainment,
                "cumulative_due": need.cumulative_due[i],
                "cumulative_capacity": need.cumulative_capacity[i],
            }
            for i, day in enumerate(projection.days)
        ],
        "required_agents": list(need.agents),
        "level_agents": required_level_agents(plan),
        "clear_date": projection.clear_date,
        "first_breach_date": projection.first_breach_date,
        "sla_attainment": projection.sla_attainment,
        "backlog_end": projection.backlog_end,
        "past_due_end": projection.past_due_end,
        # Items the horizon leaves due after its end, and the agents the SLA days after it
        # need for them (no arrivals assumed there).
        "beyond_horizon": {
            "items_due_after": beyond.items_due_after,
            "days": [
                {"date": d, "agents": n} for d, n in zip(beyond.days, beyond.agents, strict=True)
            ],
        },
    }
