"""Back-office backlog planning (pure, dataclasses in and out; no Django).

Definitions (shared/DOMAIN.md):

* capacity of a day, in items = agents * productive hours * 60 * (1 - shrinkage) / AHT minutes;
* completions_d = min(B(d-1) + arrivals_d, capacity_d); B(d) = B(d-1) + arrivals_d -
  completions_d; work is taken oldest-due first;
* an item arriving on working day ``d`` is due at the end of working day ``d + SLA``;
* meeting every deadline needs cumulative capacity >= cumulative work due, every day, with
  the backlog carried in counted on day one.

Whole items (the rule used everywhere in this module): capacity stays fractional, but only
whole items are completed. The fraction of an item started and not finished carries into the
next day as work in progress (at most one item); it is lost when the queue runs dry, because
idle time cannot be banked. So cumulative completions never exceed cumulative capacity, and
``completions_d = min(open items, floor(capacity_d + carried fraction))``.

Days are *working* days: ``days`` lists the dates worked, in order (see :func:`working_days`).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from numbers import Integral, Real

__all__ = [
    "AgentPlan",
    "BacklogBucket",
    "BacklogInputError",
    "BacklogPlanInput",
    "BacklogProjection",
    "BeyondHorizon",
    "DayProjection",
    "cumulative_due",
    "project_backlog",
    "required_agents_beyond_horizon",
    "required_agents_per_day",
    "required_level_agents",
    "working_days",
]

# floor(capacity + carry) tolerates float noise: 0.1 * 30 items must be 3 items, not 2.
_EPS = 1e-9


class BacklogInputError(ValueError):
    """Invalid backlog input; ``field`` names the offending argument (for form errors)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class BacklogBucket:
    """``count`` open items due at the end of ``due_date`` (which may already be past)."""

    count: int
    due_date: date


def _whole(value: object, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise BacklogInputError(field_name, f"must be a whole number, got {value!r}")
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise BacklogInputError(
            field_name, f"must be a whole number >= 0 (round forecasts first), got {value!r}"
        )
    return int(value)


def _number(value: object, field_name: str, ok: Callable[[float], bool], rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise BacklogInputError(field_name, f"must be a number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and ok(number)):
        raise BacklogInputError(field_name, f"must be {rule}, got {value!r}")
    return number


@dataclass(frozen=True)
class BacklogPlanInput:
    """Everything a backlog plan for one work type needs.

    * ``days``: working dates of the horizon, strictly increasing.
    * ``arrivals``: whole items arriving each day (same length as ``days``).
    * ``aht_minutes``: standard minutes of work per item (> 0).
    * ``sla_working_days``: an item arriving on day ``d`` is due at the end of ``d + SLA``.
    * ``productive_hours``: hours per agent per day, in (0, 24]; ``shrinkage`` in [0, 1).
    * ``starting_backlog``: buckets open at the start. A bucket due before ``days[0]`` is
      already late; a due date that is not a working day means the working day before it.

    Lists are accepted and stored as tuples. Raises :class:`BacklogInputError`.
    """

    days: Sequence[date]
    arrivals: Sequence[int]
    aht_minutes: float
    sla_working_days: int
    productive_hours: float
    shrinkage: float = 0.0
    starting_backlog: Sequence[BacklogBucket] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        days = tuple(self.days)
        if not days or not all(isinstance(d, date) for d in days):
            raise BacklogInputError("days", "must be a non-empty list of dates")
        if any(b <= a for a, b in zip(days, days[1:], strict=False)):
            raise BacklogInputError("days", "must be strictly increasing")
        arrivals = tuple(_whole(x, "arrivals") for x in self.arrivals)
        if len(arrivals) != len(days):
            raise BacklogInputError("arrivals", f"needs {len(days)} values, one per day")
        _number(self.aht_minutes, "aht_minutes", lambda x: x > 0, "> 0")
        sla = self.sla_working_days
        if isinstance(sla, bool) or not isinstance(sla, Integral) or sla < 0:
            raise BacklogInputError("sla_working_days", f"must be a whole number >= 0: {sla!r}")
        _number(self.productive_hours, "productive_hours", lambda x: 0 < x <= 24, "in (0, 24]")
        _number(self.shrinkage, "shrinkage", lambda x: 0 <= x < 1, "in [0, 1)")
        buckets = tuple(self.starting_backlog)
        for bucket in buckets:
            if not isinstance(bucket, BacklogBucket) or not isinstance(bucket.due_date, date):
                raise BacklogInputError("starting_backlog", f"not a BacklogBucket: {bucket!r}")
            _whole(bucket.count, "starting_backlog")
        object.__setattr__(self, "sla_working_days", int(sla))
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "arrivals", arrivals)
        object.__setattr__(self, "starting_backlog", buckets)

    @property
    def items_per_agent_day(self) -> float:
        """Capacity of one agent for one day, in items (fractional)."""
        return self.productive_hours * 60.0 * (1.0 - self.shrinkage) / self.aht_minutes

    def due_index(self, due_date: date) -> int:
        """Index of the working day by whose end an item due on ``due_date`` must be done.

        -1 when it is due before the horizon (already late); ``len(days)`` or more when it is
        due after the horizon (only the order of those indices matters).
        """
        if due_date > self.days[-1]:
            return len(self.days) - 1 + (due_date - self.days[-1]).days
        return bisect_right(self.days, due_date) - 1


@dataclass(frozen=True)
class DayProjection:
    """One projected working day.

    ``capacity`` is fractional items; ``completions`` whole items, split into on time (due
    today or later) and late. ``past_due_end`` counts open items whose due day has ended
    (including items already late at the start). ``sla_attainment`` = on time / completed,
    ``None`` on a day with no completions.
    """

    date: date
    agents: float
    arrivals: int
    capacity: float
    completions: int
    completed_on_time: int
    completed_late: int
    backlog_end: int
    past_due_end: int
    sla_attainment: float | None


@dataclass(frozen=True)
class BacklogProjection:
    """A projected horizon.

    ``clear_date``: first day whose end backlog is 0 (``None`` if never). ``first_breach_date``:
    first day on which an item is past due at the end of the day or is completed late
    (``None`` if never). ``sla_attainment``: on time / completed over the horizon.
    """

    days: tuple[DayProjection, ...]
    clear_date: date | None
    first_breach_date: date | None
    completed: int
    completed_on_time: int
    sla_attainment: float | None
    backlog_end: int
    past_due_end: int


@dataclass(frozen=True)
class AgentPlan:
    """Agents per day that meet every deadline inside the horizon, and the evidence.

    ``cumulative_due[d]``: items due by the end of day ``d`` (already-late items count on day
    0). ``cumulative_capacity[d]``: items of capacity planned through day ``d``; it is >=
    ``cumulative_due[d]`` on every day. ``projection``: :func:`project_backlog` of the plan.
    """

    agents: tuple[int, ...]
    cumulative_due: tuple[int, ...]
    cumulative_capacity: tuple[float, ...]
    projection: BacklogProjection


def working_days(
    start: date, n_days: int, *, weekdays_only: bool = False, holidays: Iterable[date] = ()
) -> tuple[date, ...]:
    """The first ``n_days`` working dates from ``start`` (inclusive).

    With ``weekdays_only`` Saturdays and Sundays are skipped; ``holidays`` are always skipped.
    """
    if isinstance(n_days, bool) or not isinstance(n_days, Integral) or n_days < 1:
        raise BacklogInputError("days", f"n_days must be a whole number >= 1, got {n_days!r}")
    skip = set(holidays)
    days: list[date] = []
    current = start
    while len(days) < n_days:
        if current not in skip and not (weekdays_only and current.weekday() >= 5):
            days.append(current)
        current += timedelta(days=1)
    return tuple(days)


class _Queue:
    """Open items as a heap of ``[due index, sequence, count]`` cohorts (oldest due first)."""

    def __init__(self, plan: BacklogPlanInput) -> None:
        self.heap: list[list[int]] = []
        self.seq = 0
        self.carry = 0.0  # fraction of an item in progress, from earlier capacity
        for bucket in plan.starting_backlog:
            self.add(plan.due_index(bucket.due_date), bucket.count)

    def add(self, due: int, count: int) -> None:
        if count:
            heapq.heappush(self.heap, [due, self.seq, count])
            self.seq += 1

    def open_items(self) -> int:
        return sum(cohort[2] for cohort in self.heap)

    def due_by(self, day: int) -> int:
        return sum(cohort[2] for cohort in self.heap if cohort[0] <= day)

    def whole_capacity(self, capacity: float) -> int:
        return math.floor(capacity + self.carry + _EPS)

    def work(self, day: int, capacity: float) -> tuple[int, int]:
        """Work one day oldest-due first; returns (on time, late) completions."""
        available = self.open_items()
        budget = self.whole_capacity(capacity)
        done = min(available, budget)
        # Work in progress carries over only while work is waiting; idle time is lost.
        self.carry = max(0.0, capacity + self.carry - done) if done < available else 0.0
        self.carry = min(self.carry, 1.0 - _EPS)
        on_time = late = 0
        remaining = done
        while remaining:
            cohort = self.heap[0]
            take = min(remaining, cohort[2])
            if cohort[0] >= day:
                on_time += take
            else:
                late += take
            remaining -= take
            cohort[2] -= take
            if cohort[2] == 0:
                heapq.heappop(self.heap)
        return on_time, late


def _agents_list(plan: BacklogPlanInput, agents: Sequence[float] | float) -> list[float]:
    values = [agents] * len(plan.days) if isinstance(agents, Real) else list(agents)
    if len(values) != len(plan.days):
        raise BacklogInputError("agents", f"needs {len(plan.days)} values, one per day")
    for value in values:
        _number(value, "agents", lambda x: x >= 0, ">= 0")
    return [float(v) for v in values]


def project_backlog(plan: BacklogPlanInput, agents: Sequence[float] | float) -> BacklogProjection:
    """Project the backlog forward for ``agents`` per day (a list, or one number for all).

    Each day: the day's arrivals join the queue (due ``d + SLA``), capacity is computed as in
    the module docstring, whole items are completed oldest-due first (an item is on time when
    completed by the end of its due day), and the end-of-day backlog and past-due count are
    recorded. Agents may be fractional (FTE).
    """
    staff = _agents_list(plan, agents)
    per_agent = plan.items_per_agent_day
    queue = _Queue(plan)
    days: list[DayProjection] = []
    for d, (day, arrivals, n) in enumerate(zip(plan.days, plan.arrivals, staff, strict=True)):
        queue.add(d + plan.sla_working_days, arrivals)
        capacity = n * per_agent
        on_time, late = queue.work(d, capacity)
        done = on_time + late
        days.append(
            DayProjection(
                date=day,
                agents=n,
                arrivals=arrivals,
                capacity=capacity,
                completions=done,
                completed_on_time=on_time,
                completed_late=late,
                backlog_end=queue.open_items(),
                past_due_end=queue.due_by(d),
                sla_attainment=on_time / done if done else None,
            )
        )
    return _summarise(days)


def _summarise(days: list[DayProjection]) -> BacklogProjection:
    completed = sum(day.completions for day in days)
    on_time = sum(day.completed_on_time for day in days)
    clear = next((day.date for day in days if day.backlog_end == 0), None)
    breach = next(
        (day.date for day in days if day.past_due_end > 0 or day.completed_late > 0), None
    )
    return BacklogProjection(
        days=tuple(days),
        clear_date=clear,
        first_breach_date=breach,
        completed=completed,
        completed_on_time=on_time,
        sla_attainment=on_time / completed if completed else None,
        backlog_end=days[-1].backlog_end,
        past_due_end=days[-1].past_due_end,
    )


def cumulative_due(plan: BacklogPlanInput) -> tuple[int, ...]:
    """Items due by the end of each day, cumulated; already-late items count on day 0."""
    due_on = [0] * len(plan.days)
    for bucket in plan.starting_backlog:
        index = plan.due_index(bucket.due_date)
        if index < len(due_on):
            due_on[max(index, 0)] += bucket.count
    for d, arrivals in enumerate(plan.arrivals):
        if d + plan.sla_working_days < len(due_on):
            due_on[d + plan.sla_working_days] += arrivals
    running, total = [], 0
    for count in due_on:
        total += count
        running.append(total)
    return tuple(running)


def required_agents_per_day(plan: BacklogPlanInput) -> AgentPlan:
    """Fewest whole agents per day such that every deadline inside the horizon is met.

    Rule (earliest deadline, as late as possible): walking the days in order, day ``d`` gets
    the fewest agents whose whole-item capacity (plus the carried fraction) completes every
    open item due by the end of ``d``; already-late carried items are due on day 0. Anything
    that capacity completes beyond that (rounding up to a whole agent) is worked oldest-due
    first, exactly as :func:`project_backlog` does.

    Minimality guaranteed: for every day with ``agents[d] > 0``, one agent fewer on that day
    (all other days unchanged) leaves an item due by the end of ``d`` open at the end of
    ``d``. Items due after the horizon are not planned for (extend the horizon by the SLA to
    include them). The plan front-loads nothing, so it rises where deadlines cluster; see
    :func:`required_level_agents` for the fewest *constant* agents instead.
    """
    per_agent = plan.items_per_agent_day
    queue = _Queue(plan)
    agents: list[int] = []
    for d, arrivals in enumerate(plan.arrivals):
        queue.add(d + plan.sla_working_days, arrivals)
        need = queue.due_by(d)
        n = 0
        if need:
            n = max(0, math.ceil((need - queue.carry) / per_agent) - 1)
            while queue.whole_capacity(n * per_agent) < need:
                n += 1
        queue.work(d, n * per_agent)
        agents.append(n)
    capacity, total = [], 0.0
    for n in agents:
        total += n * per_agent
        capacity.append(total)
    return AgentPlan(
        agents=tuple(agents),
        cumulative_due=cumulative_due(plan),
        cumulative_capacity=tuple(capacity),
        projection=project_backlog(plan, agents),
    )


def _meets_deadlines(plan: BacklogPlanInput, agents: int) -> bool:
    return all(day.past_due_end == 0 for day in project_backlog(plan, agents).days)


def required_level_agents(plan: BacklogPlanInput) -> int:
    """Fewest agents that, staffed the same on every day, meet every deadline in the horizon.

    Found by bisection between 0 and the peak of :func:`required_agents_per_day` (always
    enough: more capacity on any day never delays a completion under oldest-due-first).
    ``agents - 1`` leaves some item past due at the end of some day.
    """
    hi = max(required_agents_per_day(plan).agents)
    lo = -1  # invariant: lo fails (or is -1), hi meets every deadline
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _meets_deadlines(plan, mid) else (mid, hi)
    return hi


@dataclass(frozen=True)
class BeyondHorizon:
    """What a plan's horizon leaves to the days after it.

    ``items_due_after``: items arriving in the horizon (or carried in) that fall due after
    its last day. ``days``: the ``sla_working_days`` working days after the horizon;
    ``agents``: agents each of those days needs so that those items still meet their
    deadlines (no further arrivals assumed: under earliest-deadline staffing later arrivals
    are due later and never change these numbers).
    """

    items_due_after: int
    days: tuple[date, ...]
    agents: tuple[int, ...]


def required_agents_beyond_horizon(
    plan: BacklogPlanInput, *, weekdays_only: bool = True, holidays: Iterable[date] = ()
) -> BeyondHorizon:
    """Extend ``plan`` by ``sla_working_days`` working days (no arrivals) and staff them with
    :func:`required_agents_per_day`: the horizon's own days need exactly what they needed
    before; the extension days carry the staffing for the items the horizon leaves due
    after its end."""
    n = len(plan.days)
    sla = plan.sla_working_days
    due_after = sum(a for d, a in enumerate(plan.arrivals) if d + sla >= n)
    due_after += sum(b.count for b in plan.starting_backlog if plan.due_index(b.due_date) >= n)
    if sla == 0:
        return BeyondHorizon(items_due_after=due_after, days=(), agents=())
    tail = working_days(
        plan.days[-1] + timedelta(days=1), sla, weekdays_only=weekdays_only, holidays=holidays
    )
    extended = BacklogPlanInput(
        days=plan.days + tail,
        arrivals=plan.arrivals + (0,) * sla,
        aht_minutes=plan.aht_minutes,
        sla_working_days=sla,
        productive_hours=plan.productive_hours,
        shrinkage=plan.shrinkage,
        starting_backlog=plan.starting_backlog,
    )
    agents = required_agents_per_day(extended).agents
    return BeyondHorizon(items_due_after=due_after, days=tail, agents=tuple(agents[n:]))
