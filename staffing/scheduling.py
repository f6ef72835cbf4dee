"""Weekly schedule generation on plain values: CP-SAT (OR-Tools) and a greedy baseline.

Time is counted in minutes from the week's Monday 00:00 (local). A week has
``SLOTS = 7 * 48`` front-office slots of 30 minutes and 7 back-office days.

Input: :class:`Problem` = demand (front office: required agents per slot; back office:
agent-minutes of casework per day, each with a cost weight) + :class:`AgentIn` per person
(the offices their skills allow, their :class:`Rules`, unavailable periods such as approved
time off or training, locked shifts to keep, the published week to stay close to).

Output: :class:`Solution` = one :class:`ShiftOut` per agent and worked day (start, end, the
office the shift covers, its meal break) and the coverage it gives (:func:`evaluate`).

Hard rules per agent: a shift length from the rules; start at or after ``earliest_start``
and end by ``latest_end`` of its day; worked minutes per week within min/max (the minimum
lowered by unavailable minutes); at most ``7 - days_off`` worked days; at least
``min_rest`` minutes between shifts (also after last week's last shift); a meal break in
every shift longer than ``meal_after``; nothing overlapping an unavailable period; locked
shifts kept as they are. Soft (weighted, in this order of weight): under-coverage x cost,
over-coverage, the most weekend days any agent works (fairness), changes against the
published week.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SLOT = 30
DAY = 24 * 60
DAYS = 7
SLOTS_PER_DAY = DAY // SLOT
SLOTS = DAYS * SLOTS_PER_DAY
FRONT = "front"
BACK = "back"
OFFICES = (FRONT, BACK)
WEEKEND = (5, 6)

# Objective weights (per agent-minute for coverage): under-coverage dominates the rest.
W_UNDER = 1000
W_OVER = 10
W_WEEKEND = 200
W_CHANGE = 50


class ScheduleInputError(ValueError):
    """Input the solver cannot use; ``field`` names the offending value."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Rules:
    """One person's scheduling rules (minutes; times of day as minutes after midnight)."""

    min_week_minutes: int = 24 * 60
    max_week_minutes: int = 40 * 60
    shift_lengths: tuple[int, ...] = (8 * 60,)
    earliest_start: int = 7 * 60
    latest_end: int = 22 * 60
    days_off: int = 2
    min_rest: int = 11 * 60
    meal_after: int = 6 * 60
    meal_minutes: int = 30
    start_step: int = 30

    def check(self) -> None:
        if not self.shift_lengths or any(
            n <= 0 or n > 16 * 60 or n % SLOT for n in self.shift_lengths
        ):
            raise ScheduleInputError(
                "Shift lengths must be whole half-hours of at most 16 hours.", "shift_lengths"
            )
        if not 0 <= self.earliest_start < self.latest_end <= DAY:
            raise ScheduleInputError(
                "The earliest start must be before the latest end, within one day.",
                "latest_end",
            )
        if self.earliest_start % SLOT or self.latest_end % SLOT:
            raise ScheduleInputError(
                "Start and end times must be on the half hour.", "earliest_start"
            )
        if not 0 <= self.min_week_minutes <= self.max_week_minutes:
            raise ScheduleInputError(
                "Contract hours: the minimum exceeds the maximum.", "min_hours"
            )
        if not 0 <= self.days_off <= DAYS:
            raise ScheduleInputError("Days off per week must be 0 to 7.", "days_off")
        if self.start_step <= 0 or self.start_step % SLOT:
            raise ScheduleInputError(
                "The start step must be a whole number of half hours.", "start_step"
            )
        if self.meal_minutes < 0 or self.meal_minutes % SLOT:
            raise ScheduleInputError("A meal break lasts whole half hours.", "meal_minutes")

    def worked(self, length: int) -> int:
        return length - (self.meal_minutes if length > self.meal_after else 0)


@dataclass(frozen=True)
class ShiftOut:
    """A shift: ``start``/``end`` in week minutes; ``meal_start`` None when it has no break."""

    agent_id: int
    day: int
    start: int
    end: int
    office: str
    meal_start: int | None = None
    meal_end: int | None = None
    locked: bool = False

    @property
    def worked_minutes(self) -> int:
        meal = (self.meal_end - self.meal_start) if self.meal_start is not None else 0
        return self.end - self.start - meal

    def covers_slot(self, slot: int) -> bool:
        at = slot * SLOT
        if not self.start <= at < self.end:
            return False
        return self.meal_start is None or not self.meal_start <= at < self.meal_end


@dataclass(frozen=True)
class AgentIn:
    id: int
    offices: tuple[str, ...]
    rules: Rules = field(default_factory=Rules)
    unavailable: tuple[tuple[int, int], ...] = ()
    locked: tuple[ShiftOut, ...] = ()
    # The published week's shifts (None: nothing published, so no change penalty).
    previous: tuple[ShiftOut, ...] | None = None
    # End of the agent's last shift before the week (negative minutes), for the rest rule.
    rest_from: int | None = None


@dataclass(frozen=True)
class Problem:
    front_required: tuple[int, ...]  # agents per slot (SLOTS values)
    back_required: tuple[int, ...]  # agent-minutes per day (DAYS values)
    agents: tuple[AgentIn, ...]
    front_cost: tuple[int, ...] | None = None  # weight per slot (default 1)
    back_cost: tuple[int, ...] | None = None  # weight per day (default 1)

    def check(self) -> None:
        if len(self.front_required) != SLOTS or any(v < 0 for v in self.front_required):
            raise ScheduleInputError(f"Front demand needs {SLOTS} values >= 0.", "front_required")
        if len(self.back_required) != DAYS or any(v < 0 for v in self.back_required):
            raise ScheduleInputError(f"Back demand needs {DAYS} values >= 0.", "back_required")
        for name, costs, size in (
            ("front_cost", self.front_cost, SLOTS),
            ("back_cost", self.back_cost, DAYS),
        ):
            if costs is not None and (len(costs) != size or any(c < 0 for c in costs)):
                raise ScheduleInputError(f"{name} needs {size} values >= 0.", name)
        seen = set()
        for agent in self.agents:
            if agent.id in seen:
                raise ScheduleInputError(f"Agent {agent.id} is listed twice.", "agents")
            seen.add(agent.id)
            if not agent.offices or set(agent.offices) - set(OFFICES):
                raise ScheduleInputError(f"Agent {agent.id} needs offices front/back.", "offices")
            agent.rules.check()


@dataclass(frozen=True)
class Coverage:
    front_scheduled: tuple[int, ...]
    back_scheduled: tuple[int, ...]  # agent-minutes per day
    under_minutes: int  # agent-minutes short, both offices
    over_minutes: int

    @property
    def under_hours(self) -> float:
        return round(self.under_minutes / 60, 2)

    @property
    def over_hours(self) -> float:
        return round(self.over_minutes / 60, 2)


@dataclass(frozen=True)
class Solution:
    shifts: tuple[ShiftOut, ...]
    coverage: Coverage
    status: str  # optimal | feasible | greedy
    seconds: float


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    meal_start: int | None
    meal_end: int | None
    worked: int


# --- Shared pieces ---------------------------------------------------------------------


def meal_break(rules: Rules, start: int, length: int) -> tuple[int | None, int | None]:
    """A meal break on the half hour nearest the shift's middle (shifts over ``meal_after``)."""
    if length <= rules.meal_after or rules.meal_minutes == 0:
        return None, None
    middle = start + (length - rules.meal_minutes) // 2
    meal_start = (middle // SLOT) * SLOT
    return meal_start, meal_start + rules.meal_minutes


def _overlaps(start: int, end: int, periods: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in periods)


def candidates(agent: AgentIn, day: int) -> list[_Cand]:
    """Every shift the rules allow ``agent`` on ``day`` (locked shifts are handled apart)."""
    rules = agent.rules
    base = day * DAY
    out = []
    for length in sorted(set(rules.shift_lengths)):
        start = rules.earliest_start
        while start + length <= rules.latest_end:
            s, e = base + start, base + start + length
            rested = agent.rest_from is None or s >= agent.rest_from + rules.min_rest
            if rested and not _overlaps(s, e, agent.unavailable):
                ms, me = meal_break(rules, s, length)
                out.append(_Cand(s, e, ms, me, rules.worked(length)))
            start += rules.start_step
    return out


def _locked_cand(shift: ShiftOut) -> _Cand:
    return _Cand(shift.start, shift.end, shift.meal_start, shift.meal_end, shift.worked_minutes)


def _min_minutes(agent: AgentIn) -> int:
    """The contract minimum, lowered by the agent's unavailable minutes in the week."""
    lost = sum(max(0, min(e, DAYS * DAY) - max(s, 0)) for s, e in agent.unavailable)
    return max(0, agent.rules.min_week_minutes - lost)


def evaluate(problem: Problem, shifts: Sequence[ShiftOut]) -> Coverage:
    """Scheduled agents per slot and agent-minutes per day, and the unweighted gap."""
    front = [0] * SLOTS
    back = [0] * DAYS
    for shift in shifts:
        if shift.office == FRONT:
            for slot in range(max(0, shift.start // SLOT), min(SLOTS, -(-shift.end // SLOT))):
                if shift.covers_slot(slot):
                    front[slot] += 1
        elif 0 <= shift.day < DAYS:
            back[shift.day] += shift.worked_minutes
    under = over = 0
    for req, got in zip(problem.front_required, front, strict=True):
        under += max(0, req - got) * SLOT
        over += max(0, got - req) * SLOT
    for req, got in zip(problem.back_required, back, strict=True):
        under += max(0, req - got)
        over += max(0, got - req)
    return Coverage(tuple(front), tuple(back), under, over)


def _shift(agent: AgentIn, day: int, cand: _Cand, office: str, locked: bool) -> ShiftOut:
    return ShiftOut(
        agent.id, day, cand.start, cand.end, office, cand.meal_start, cand.meal_end, locked
    )


def _locked_by_day(agent: AgentIn) -> dict[int, ShiftOut]:
    return {s.day: s for s in agent.locked}


# --- Greedy baseline ----------------------------------------------------------------------


def greedy(problem: Problem) -> Solution:
    """Day by day, each agent (in an order rotated daily) takes the shift and office that
    cover the most remaining demand, within every hard rule; locked shifts are placed
    first. A second pass gives agents still under their contract minimum the most useful
    shifts on their free days. The baseline each run is measured against."""
    problem.check()
    began = time.perf_counter()
    need_front = list(problem.front_required)
    need_back = list(problem.back_required)
    plan: dict[int, dict[int, ShiftOut]] = {a.id: {} for a in problem.agents}

    def take(shift: ShiftOut) -> None:
        plan[shift.agent_id][shift.day] = shift
        if shift.office == FRONT:
            for slot in range(shift.start // SLOT, shift.end // SLOT):
                if shift.covers_slot(slot):
                    need_front[slot] -= 1
        else:
            need_back[shift.day] -= shift.worked_minutes

    def fits(agent: AgentIn, day: int, cand: _Cand) -> bool:
        rules, mine = agent.rules, plan[agent.id]
        if len(mine) >= DAYS - rules.days_off:
            return False
        if sum(s.worked_minutes for s in mine.values()) + cand.worked > rules.max_week_minutes:
            return False
        before = mine[day - 1].end if day - 1 in mine else (agent.rest_from if day == 0 else None)
        if before is not None and cand.start < before + rules.min_rest:
            return False
        after = mine.get(day + 1)
        return after is None or after.start >= cand.end + rules.min_rest

    def gain(cand: _Cand, office: str, day: int) -> int:
        if office == BACK:
            return min(cand.worked, max(0, need_back[day]))
        return sum(
            SLOT
            for slot in range(cand.start // SLOT, cand.end // SLOT)
            if need_front[slot] > 0
            and (cand.meal_start is None or not cand.meal_start <= slot * SLOT < cand.meal_end)
        )

    def best(agent: AgentIn, day: int, floor: int) -> tuple[_Cand, str] | None:
        found, top = None, floor
        for cand in candidates(agent, day):
            if not fits(agent, day, cand):
                continue
            for office in agent.offices:
                g = gain(cand, office, day)
                if g > top:
                    found, top = (cand, office), g
        return found

    agents = list(problem.agents)
    for agent in agents:
        for shift in agent.locked:
            take(shift)
    for day in range(DAYS):
        k = day % len(agents) if agents else 0
        for agent in agents[k:] + agents[:k]:
            if day in plan[agent.id]:
                continue
            pick = best(agent, day, 0)
            if pick is not None:
                take(_shift(agent, day, pick[0], pick[1], False))
    for agent in agents:
        for day in range(DAYS):
            mine = plan[agent.id]
            if sum(s.worked_minutes for s in mine.values()) >= _min_minutes(agent):
                break
            if day not in mine:
                pick = best(agent, day, -1)
                if pick is not None:
                    take(_shift(agent, day, pick[0], pick[1], False))
    shifts = sorted(
        (s for mine in plan.values() for s in mine.values()), key=lambda s: (s.agent_id, s.start)
    )
    return Solution(tuple(shifts), evaluate(problem, shifts), "greedy", time.perf_counter() - began)


# --- CP-SAT -------------------------------------------------------------------------------


def solve(
    problem: Problem,
    *,
    time_limit: float = 50.0,
    workers: int = 2,
    fallback: Solution | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Solution:
    """The best schedule CP-SAT finds within ``time_limit`` seconds (see the module doc).

    ``fallback`` (the greedy solution, which keeps every hard rule) seeds the search as a
    complete hint, and is returned when time runs out before CP-SAT's first solution or when
    it is still the better week (fewer weighted short minutes). Raises
    :class:`ScheduleInputError` when the hard rules admit no schedule."""
    from ortools.sat.python import cp_model

    problem.check()
    began = time.perf_counter()
    model = cp_model.CpModel()
    front_cost = problem.front_cost or (1,) * SLOTS
    back_cost = problem.back_cost or (1,) * DAYS
    front_terms: list[list] = [[] for _ in range(SLOTS)]
    back_terms: list[list] = [[] for _ in range(DAYS)]
    choices: list[tuple[object, AgentIn, int, _Cand, str, bool]] = []
    objective = []
    weekend_vars = []
    hints: list[tuple[object, int]] = []
    hinted = (
        {(s.agent_id, s.day, s.start, s.end, s.office) for s in fallback.shifts}
        if fallback
        else set()
    )
    hinted_days = {(s.agent_id, s.day) for s in fallback.shifts} if fallback else set()

    for agent in problem.agents:
        rules = agent.rules
        locked = _locked_by_day(agent)
        work, starts, ends, worked_terms, by_day = {}, {}, {}, [], {}
        for day in range(DAYS):
            if day in locked:
                shift = locked[day]
                options = [(_locked_cand(shift), shift.office, True)]
            else:
                options = [
                    (cand, office, False)
                    for cand in candidates(agent, day)
                    for office in agent.offices
                ]
            if not options:
                continue
            day_vars = []
            for cand, office, is_locked in options:
                x = model.new_bool_var(f"x{agent.id}_{day}_{cand.start}_{office}")
                if is_locked:
                    model.add(x == 1)
                day_vars.append((x, cand))
                by_day.setdefault(day, []).append((x, cand, office))
                choices.append((x, agent, day, cand, office, is_locked))
                worked_terms.append(cand.worked * x)
                if office == FRONT:
                    for slot in range(cand.start // SLOT, cand.end // SLOT):
                        at = slot * SLOT
                        if cand.meal_start is None or not cand.meal_start <= at < cand.meal_end:
                            front_terms[slot].append(x)
                else:
                    back_terms[day].append(cand.worked * x)
            w = model.new_bool_var(f"w{agent.id}_{day}")
            hints.append((w, (agent.id, day) in hinted_days))
            model.add(sum(x for x, _ in day_vars) == w)
            work[day] = w
            starts[day] = sum(c.start * x for x, c in day_vars)
            ends[day] = sum(c.end * x for x, c in day_vars)
        model.add(sum(worked_terms) <= rules.max_week_minutes)
        model.add(sum(worked_terms) >= _min_minutes(agent))
        model.add(sum(work.values()) <= DAYS - rules.days_off)
        for day in range(DAYS - 1):
            if day in work and day + 1 in work:
                model.add(starts[day + 1] - ends[day] >= rules.min_rest).only_enforce_if(
                    [work[day], work[day + 1]]
                )
        weekend = [work[d] for d in WEEKEND if d in work]
        if weekend:
            weekend_vars.append(sum(weekend))
        if agent.previous is not None:
            before = {s.day: s for s in agent.previous}
            for day, w in work.items():
                prev = before.get(day)
                if prev is None:
                    objective.append(W_CHANGE * w)
                    continue
                same = [
                    x
                    for x, c, o in by_day[day]
                    if (c.start, c.end, o) == (prev.start, prev.end, prev.office)
                ]
                objective.append(W_CHANGE * (1 - sum(same)))

    n = len(problem.agents)
    for slot in range(SLOTS):
        req = problem.front_required[slot]
        if not req and not front_terms[slot]:
            continue
        cov = sum(front_terms[slot])
        short = model.new_int_var(0, req, f"fs{slot}")
        over = model.new_int_var(0, n, f"fo{slot}")
        if fallback is not None:
            got = fallback.coverage.front_scheduled[slot]
            hints += [(short, max(0, req - got)), (over, max(0, got - req))]
        model.add(cov - req == over - short)
        objective.append(W_UNDER * SLOT * front_cost[slot] * short)
        objective.append(W_OVER * SLOT * over)
    for day in range(DAYS):
        req = problem.back_required[day]
        cov = sum(back_terms[day])
        short = model.new_int_var(0, req, f"bs{day}")
        over = model.new_int_var(0, n * DAY, f"bo{day}")
        if fallback is not None:
            got = fallback.coverage.back_scheduled[day]
            hints += [(short, max(0, req - got)), (over, max(0, got - req))]
        model.add(cov - req == over - short)
        objective.append(W_UNDER * back_cost[day] * short)
        objective.append(W_OVER * over)
    if weekend_vars:
        most = model.new_int_var(0, len(WEEKEND), "weekend_max")
        for v in weekend_vars:
            model.add(most >= v)
        objective.append(W_WEEKEND * most)
        if fallback is not None:
            weekend_days: dict[int, int] = defaultdict(int)
            for shift in fallback.shifts:
                weekend_days[shift.agent_id] += shift.day in WEEKEND
            hints.append((most, max(weekend_days.values(), default=0)))
    model.minimize(sum(objective))
    if fallback is not None:
        # The fallback as a complete hint: CP-SAT starts from a solution at least as good.
        for x, agent, day, cand, office, _ in choices:
            model.add_hint(x, (agent.id, day, cand.start, cand.end, office) in hinted)
        for var, value in hints:
            model.add_hint(var, int(value))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = 7
    # Symmetry detection costs seconds on large weeks and buys little here.
    solver.parameters.symmetry_level = 0
    # Presolve probing takes most of the time on 30k+ Booleans; the search does better.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1

    class _Progress(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):  # pragma: no cover - timing dependent
            if on_progress is not None:
                on_progress(min(1.0, self.wall_time / max(time_limit, 0.001)))

    status = solver.solve(model, _Progress() if on_progress else None)
    if status == cp_model.UNKNOWN and fallback is not None:
        # Out of time before a first solution: the rule-abiding fallback is the answer.
        return Solution(fallback.shifts, fallback.coverage, "timeout", time.perf_counter() - began)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleInputError(
            "No schedule satisfies the rules (contract hours, rest, days off, locked shifts "
            "and unavailability together); relax a rule or unlock a shift.",
            "rules",
        )
    shifts = [
        _shift(agent, day, cand, office, is_locked)
        for x, agent, day, cand, office, is_locked in choices
        if solver.boolean_value(x)
    ]
    shifts.sort(key=lambda s: (s.agent_id, s.start))
    coverage = evaluate(problem, shifts)
    if fallback is not None and coverage.under_minutes > fallback.coverage.under_minutes:
        return Solution(fallback.shifts, fallback.coverage, "baseline", time.perf_counter() - began)
    return Solution(
        tuple(shifts),
        coverage,
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        time.perf_counter() - began,
    )
