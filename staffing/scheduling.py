"""Weekly schedule generation on plain values: CP-SAT (OR-Tools) and a greedy baseline.

Time is counted in minutes from the week's Monday 00:00 (local). A week has
``SLOTS = 7 * 48`` front-office slots of 30 minutes and 7 back-office days.

Input: :class:`Problem` = demand per work type (:class:`TypeDemand`; front office:
required agents per slot; back office: agent-minutes of casework per day; each with a cost
weight) + :class:`AgentIn` per person (the offices and work types their skills and tier
allow, their :class:`Rules`, unavailable periods such as approved time off or training,
locked shifts to keep, the published week to stay close to). Without types, each office's
demand is one pseudo-type (id 0) every agent of the office may cover.

Output: :class:`Solution` = one :class:`ShiftOut` per agent and worked day (start, end, the
office the shift covers, its meal break placed in its window) and the coverage it gives
(:func:`evaluate`): agents on shift per office, and how they are best allocated to the
types each may take, per type and in total.

Hard rules per agent: a shift length from the rules; start at or after ``earliest_start``
and end by ``latest_end`` of its day; worked minutes per week within min/max (the minimum
lowered by unavailable minutes); at most ``7 - days_off`` worked days; at least
``min_rest`` minutes between shifts (also after last week's last shift); one meal break in
every shift longer than ``meal_after``, within its window (:func:`meal_window`); nothing
overlapping an unavailable period; locked shifts kept as they are; an agent covers only the
types they may take. Soft (weighted, in this order of weight): under-coverage per type x
cost (a slot short by more than a quarter of a type's demand costs extra, so breaks
stagger), over-coverage, the most weekend days any agent works (fairness), changes against
the published week.
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
# A type's shortfall beyond a quarter of its demand in a slot costs this much more.
W_DEEP = 100


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
    # The meal break starts at least ``meal_earliest`` minutes into the shift and ends at
    # least ``meal_latest`` minutes before its end; the solver places it in that window.
    meal_earliest: int = 150
    meal_latest: int = 150

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
        if self.meal_earliest < 0 or self.meal_latest < 0:
            raise ScheduleInputError("The meal window needs minutes >= 0.", "meal_earliest")

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
    # The work types the agent may take (skills and tier, the routing rule); None: every
    # type of their offices.
    types: frozenset[int] | None = None


@dataclass(frozen=True)
class TypeDemand:
    """One work type's demand: front office = agents per slot (``SLOTS`` values), back
    office = agent-minutes per day (``DAYS`` values); ``cost`` weighs its shortfall."""

    id: int
    office: str
    required: tuple[int, ...]
    cost: tuple[int, ...] | None = None
    name: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.office, self.id)

    def weight(self, at: int) -> int:
        return self.cost[at] if self.cost is not None else 1


@dataclass(frozen=True)
class Problem:
    """Demand per work type (``types``) or, without types, per office as a whole
    (``front_required``/``back_required``, each one pseudo-type of id 0). With types, the
    office totals are filled in as their sums."""

    front_required: tuple[int, ...]  # agents per slot (SLOTS values), office total
    back_required: tuple[int, ...]  # agent-minutes per day (DAYS values), office total
    agents: tuple[AgentIn, ...]
    front_cost: tuple[int, ...] | None = None  # weight per slot (default 1)
    back_cost: tuple[int, ...] | None = None  # weight per day (default 1)
    types: tuple[TypeDemand, ...] = ()

    def __post_init__(self):
        if not self.types:
            pseudo = (
                TypeDemand(0, FRONT, tuple(self.front_required), self.front_cost, "Front office"),
                TypeDemand(0, BACK, tuple(self.back_required), self.back_cost, "Back office"),
            )
            object.__setattr__(self, "types", pseudo)
        elif not self.front_required and not self.back_required:
            front, back = [0] * SLOTS, [0] * DAYS
            for t in self.types:
                total = front if t.office == FRONT else back
                if len(t.required) == len(total):
                    for i, v in enumerate(t.required):
                        total[i] += v
            object.__setattr__(self, "front_required", tuple(front))
            object.__setattr__(self, "back_required", tuple(back))

    def of(self, office: str) -> list[TypeDemand]:
        return [t for t in self.types if t.office == office]

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
        keys = set()
        for t in self.types:
            size = SLOTS if t.office == FRONT else DAYS
            if t.office not in OFFICES or t.key in keys:
                raise ScheduleInputError(f"Work type {t.id} is listed twice or badly.", "types")
            keys.add(t.key)
            if len(t.required) != size or any(v < 0 for v in t.required):
                raise ScheduleInputError(f"Work type {t.id} needs {size} values >= 0.", "types")
            if t.cost is not None and (len(t.cost) != size or any(c < 0 for c in t.cost)):
                raise ScheduleInputError(f"Work type {t.id} needs {size} costs >= 0.", "types")
        seen = set()
        for agent in self.agents:
            if agent.id in seen:
                raise ScheduleInputError(f"Agent {agent.id} is listed twice.", "agents")
            seen.add(agent.id)
            if not agent.offices or set(agent.offices) - set(OFFICES):
                raise ScheduleInputError(f"Agent {agent.id} needs offices front/back.", "offices")
            agent.rules.check()


def eligible(agent: AgentIn, problem: Problem, office: str) -> frozenset[int]:
    """Indexes (in ``problem.types``) of the ``office`` types ``agent`` may cover."""
    if office not in agent.offices:
        return frozenset()
    return frozenset(
        i
        for i, t in enumerate(problem.types)
        if t.office == office and (agent.types is None or t.id in agent.types)
    )


@dataclass(frozen=True)
class TypeCoverage:
    """What one work type got: ``scheduled`` per slot (agents) or day (agent-minutes)
    allocated to it, and its shortfall in agent-minutes."""

    scheduled: tuple[int, ...]
    under_minutes: int


@dataclass(frozen=True)
class Coverage:
    front_scheduled: tuple[int, ...]  # agents on shift in the front office per slot
    back_scheduled: tuple[int, ...]  # agent-minutes per day
    under_minutes: int  # agent-minutes short, both offices (the sum over the types)
    over_minutes: int  # agent-minutes on shift that no type's demand needed
    # (office, type id) -> TypeCoverage
    by_type: dict = field(default_factory=dict, compare=False, repr=False)
    # (office, slot or day) -> eligible set -> type index -> agents (agent-minutes) given
    allocation: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def under_hours(self) -> float:
        return round(self.under_minutes / 60, 2)

    @property
    def over_hours(self) -> float:
        return round(self.over_minutes / 60, 2)

    def office_under_minutes(self, office: str) -> int:
        return sum(c.under_minutes for (o, _), c in self.by_type.items() if o == office)


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
    # Where the meal break may start (week minutes); empty: no break, or a fixed one.
    meal_options: tuple[int, ...] = ()

    def with_meal(self, at: int | None) -> _Cand:
        if at is None or self.meal_start is None:
            return self
        return _Cand(
            self.start,
            self.end,
            at,
            at + (self.meal_end - self.meal_start),
            self.worked,
            self.meal_options,
        )


# --- Shared pieces ---------------------------------------------------------------------


def meal_break(rules: Rules, start: int, length: int) -> tuple[int | None, int | None]:
    """A meal break on the half hour nearest the shift's middle (shifts over ``meal_after``):
    the default position (a hand-edited shift); the solver places it in
    :func:`meal_window`."""
    if length <= rules.meal_after or rules.meal_minutes == 0:
        return None, None
    middle = start + (length - rules.meal_minutes) // 2
    meal_start = (middle // SLOT) * SLOT
    return meal_start, meal_start + rules.meal_minutes


def meal_window(rules: Rules, start: int, length: int) -> tuple[int, ...]:
    """Every start the meal break of a shift may take, on the slot grid: at least
    ``meal_earliest`` after the shift's start, ending at least ``meal_latest`` before its
    end (the middle alone when the shift is too short for that window; none without a
    break)."""
    middle, _ = meal_break(rules, start, length)
    if middle is None:
        return ()
    lo = -(-(start + rules.meal_earliest) // SLOT) * SLOT
    hi = ((start + length - rules.meal_latest - rules.meal_minutes) // SLOT) * SLOT
    if lo > hi:
        return (middle,)
    return tuple(range(lo, hi + 1, SLOT))


def _overlaps(start: int, end: int, periods: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in periods)


def candidates(agent: AgentIn, day: int) -> list[_Cand]:
    """Every shift the rules allow ``agent`` on ``day`` (locked shifts are handled apart);
    each with its meal window and a default break staggered across agents and days."""
    rules = agent.rules
    base = day * DAY
    out = []
    for length in sorted(set(rules.shift_lengths)):
        start = rules.earliest_start
        while start + length <= rules.latest_end:
            s, e = base + start, base + start + length
            rested = agent.rest_from is None or s >= agent.rest_from + rules.min_rest
            if rested and not _overlaps(s, e, agent.unavailable):
                options = meal_window(rules, s, length)
                if options:
                    ms = options[(agent.id + day) % len(options)]
                    me = ms + rules.meal_minutes
                else:
                    ms = me = None
                out.append(_Cand(s, e, ms, me, rules.worked(length), options))
            start += rules.start_step
    return out


def _locked_cand(shift: ShiftOut) -> _Cand:
    return _Cand(shift.start, shift.end, shift.meal_start, shift.meal_end, shift.worked_minutes)


def _min_minutes(agent: AgentIn) -> int:
    """The contract minimum, lowered by the agent's unavailable minutes in the week."""
    lost = sum(max(0, min(e, DAYS * DAY) - max(s, 0)) for s, e in agent.unavailable)
    return max(0, agent.rules.min_week_minutes - lost)


def _allocate(
    supply: dict, eligible_of: dict, demand: list[tuple[int, int]], flows: dict | None = None
) -> dict[int, int]:
    """Spread ``supply`` (group -> agents or minutes) over ``demand`` ([(type, required)],
    most important first) along ``eligible_of`` (group -> type indexes): each type in turn
    takes all it can, rerouting earlier allocations along augmenting paths without
    lowering them (a maximum allocation that favours the earlier types). Returns type ->
    allocated; ``flows`` (when given) receives group -> type -> amount."""
    spare = {g: v for g, v in supply.items() if v > 0}
    flow: dict = defaultdict(lambda: defaultdict(int))  # group -> type -> amount
    got: dict[int, int] = defaultdict(int)
    if not spare:
        return got
    takers: dict[int, list] = defaultdict(list)
    for g in spare:
        for t in eligible_of.get(g, ()):
            takers[t].append(g)
    for t, req in demand:
        while got[t] < req and takers.get(t):
            # Breadth-first from the type back to a group with spare supply.
            parent: dict = {}
            queue = []
            for g in takers[t]:
                if g not in parent:
                    parent[g] = None
                    queue.append(g)
            found = None
            while queue:
                g = queue.pop(0)
                if spare.get(g, 0) > 0:
                    found = g
                    break
                for t2, amount in flow[g].items():
                    if amount <= 0:
                        continue
                    for g2 in takers.get(t2, ()):
                        if g2 not in parent:
                            parent[g2] = (g, t2)
                            queue.append(g2)
            if found is None:
                break
            # The path: found -(t2)-> g ... -> t. Bottleneck along the rerouted flows.
            amount = min(spare[found], req - got[t])
            node = found
            while parent[node] is not None:
                g, t2 = parent[node]
                amount = min(amount, flow[g][t2])
                node = g
            node = found
            while parent[node] is not None:
                g, t2 = parent[node]
                flow[node][t2] += amount
                flow[g][t2] -= amount
                node = g
            flow[node][t] += amount
            spare[found] -= amount
            got[t] += amount
    if flows is not None:
        for g, by_type in flow.items():
            flows[g] = {t: v for t, v in by_type.items() if v > 0}
    return got


def _priority(problem: Problem, indexes, at: int) -> list[int]:
    return sorted(indexes, key=lambda i: (-problem.types[i].weight(at), i))


def evaluate(problem: Problem, shifts: Sequence[ShiftOut]) -> Coverage:
    """Agents on shift per front slot and agent-minutes per back day, each allocated to the
    work types its agents may take (the costliest types first), and the unweighted gap:
    per type the demand not allocated, overall the time on shift no demand needed."""
    agents = {a.id: a for a in problem.agents}
    groups = {FRONT: {}, BACK: {}}  # office -> eligible set -> group id

    def group_of(shift: ShiftOut) -> frozenset[int]:
        agent = agents.get(shift.agent_id)
        if agent is None:  # a recount without the people: any type of the office
            return frozenset(i for i, t in enumerate(problem.types) if t.office == shift.office)
        return eligible(agent, problem, shift.office) or eligible(
            AgentIn(agent.id, (shift.office,), agent.rules, types=agent.types),
            problem,
            shift.office,
        )

    front_on: list[dict] = [defaultdict(int) for _ in range(SLOTS)]
    back_on: list[dict] = [defaultdict(int) for _ in range(DAYS)]
    for shift in shifts:
        g = group_of(shift)
        groups[shift.office].setdefault(g, g)
        if shift.office == FRONT:
            for slot in range(max(0, shift.start // SLOT), min(SLOTS, -(-shift.end // SLOT))):
                if shift.covers_slot(slot):
                    front_on[slot][g] += 1
        elif 0 <= shift.day < DAYS:
            back_on[shift.day][g] += shift.worked_minutes
    eligible_of = {g: g for office in groups.values() for g in office}
    scheduled = {i: [0] * len(t.required) for i, t in enumerate(problem.types)}
    under_by = defaultdict(int)
    allocation: dict = {}
    over = 0
    for office, on_list, unit in ((FRONT, front_on, SLOT), (BACK, back_on, 1)):
        indexes = [i for i, t in enumerate(problem.types) if t.office == office]
        for at, supply in enumerate(on_list):
            want = [(i, problem.types[i].required[at]) for i in _priority(problem, indexes, at)]
            flows: dict = {}
            got = _allocate(supply, eligible_of, [(i, r) for i, r in want if r > 0], flows)
            allocation[(office, at)] = flows
            for i, req in want:
                scheduled[i][at] = got.get(i, 0)
                under_by[i] += (req - got.get(i, 0)) * unit
            over += (sum(supply.values()) - sum(got.values())) * unit
    by_type = {
        t.key: TypeCoverage(tuple(scheduled[i]), under_by[i]) for i, t in enumerate(problem.types)
    }
    front = tuple(sum(s.values()) for s in front_on)
    back = tuple(sum(s.values()) for s in back_on)
    return Coverage(front, back, sum(under_by.values()), over, by_type, allocation)


def _shift(agent: AgentIn, day: int, cand: _Cand, office: str, locked: bool) -> ShiftOut:
    return ShiftOut(
        agent.id, day, cand.start, cand.end, office, cand.meal_start, cand.meal_end, locked
    )


def _locked_by_day(agent: AgentIn) -> dict[int, ShiftOut]:
    return {s.day: s for s in agent.locked}


# --- Greedy baseline ----------------------------------------------------------------------


def greedy(problem: Problem) -> Solution:
    """Day by day, each agent (in an order rotated daily) takes the shift and office that
    cover the most remaining demand of the types they may take, within every hard rule,
    with the meal break where it is least needed; locked shifts are placed first. A second
    pass gives agents still under their contract minimum the most useful shifts on their
    free days. The baseline each run is measured against (scored by :func:`evaluate`)."""
    problem.check()
    began = time.perf_counter()
    types = problem.types
    need = [list(t.required) for t in types]
    plan: dict[int, dict[int, ShiftOut]] = {a.id: {} for a in problem.agents}
    elig = {(a.id, o): eligible(a, problem, o) for a in problem.agents for o in a.offices}

    def order(indexes, at):
        return sorted(indexes, key=lambda i: (-types[i].weight(at), -need[i][at], i))

    def take(shift: ShiftOut) -> None:
        plan[shift.agent_id][shift.day] = shift
        mine = elig.get((shift.agent_id, shift.office), ())
        if shift.office == FRONT:
            for slot in range(max(0, shift.start // SLOT), min(SLOTS, shift.end // SLOT)):
                if shift.covers_slot(slot):
                    for i in order(mine, slot):
                        if need[i][slot] > 0:
                            need[i][slot] -= 1
                            break
        elif 0 <= shift.day < DAYS:
            left = shift.worked_minutes
            for i in order(mine, shift.day):
                used = min(left, max(0, need[i][shift.day]))
                need[i][shift.day] -= used
                left -= used

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

    def needed(mine, slot) -> int:
        return sum(max(0, need[i][slot]) for i in mine)

    def placed(cand: _Cand, mine) -> tuple[int, _Cand]:
        """The front-office gain of ``cand`` with its break where it is least needed."""
        gain = sum(
            SLOT for slot in range(cand.start // SLOT, cand.end // SLOT) if needed(mine, slot)
        )
        if cand.meal_start is None:
            return gain, cand
        span = (cand.meal_end - cand.meal_start) // SLOT
        options = cand.meal_options or (cand.meal_start,)
        k = options.index(cand.meal_start) if cand.meal_start in options else 0
        rotated = options[k:] + options[:k]  # ties go to the staggered default

        def cost(at):
            slots = range(at // SLOT, at // SLOT + span)
            short = [needed(mine, s) for s in slots]
            return (sum(SLOT for v in short if v), sum(short))

        best_at = min(rotated, key=cost)
        return gain - cost(best_at)[0], cand.with_meal(best_at)

    def gain(agent: AgentIn, cand: _Cand, office: str, day: int) -> tuple[int, _Cand]:
        mine = elig.get((agent.id, office), ())
        if office == BACK:
            return min(cand.worked, sum(max(0, need[i][day]) for i in mine)), cand
        return placed(cand, mine)

    def best(agent: AgentIn, day: int, floor: int) -> tuple[_Cand, str] | None:
        found, top = None, floor
        for cand in candidates(agent, day):
            if not fits(agent, day, cand):
                continue
            for office in agent.offices:
                g, where = gain(agent, cand, office, day)
                if g > top:
                    found, top = (where, office), g
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
    """The best schedule CP-SAT finds within ``time_limit`` seconds, model building
    included (see the module doc).

    Agents are grouped by the set of work types they may take in an office; per front slot
    (back day) integer allocations spread each group's agents on shift (agent-minutes)
    over its types, and each type's shortfall is what its allocations leave of its demand.
    Front-office meal breaks are placed by the solver within each shift's window; a
    shortfall deeper than a quarter of a type's demand costs extra (service level falls
    faster than linearly), so breaks are staggered.

    ``fallback`` (the greedy solution, which keeps every hard rule) seeds the search as a
    complete hint, and is returned when time runs out before CP-SAT's first solution or when
    it is still the better week (fewer short minutes). Raises :class:`ScheduleInputError`
    when the hard rules admit no schedule."""
    from ortools.sat.python import cp_model

    LinearExpr = cp_model.LinearExpr
    problem.check()
    began = time.perf_counter()
    model = cp_model.CpModel()
    types = problem.types
    # Presence per (office, eligible set) group: front per slot, back agent-minutes per day.
    front_on: dict[frozenset, list[list]] = {}
    back_on: dict[frozenset, list[list]] = {}
    choices: list[tuple[object, AgentIn, int, _Cand, str, bool]] = []
    meals: list[tuple[object, int, int, int]] = []  # (var, agent id, day, meal start)
    objective = []
    weekend_vars = []
    hints: list[tuple[object, int]] = []
    hinted = (
        {(s.agent_id, s.day, s.start, s.end, s.office) for s in fallback.shifts}
        if fallback
        else set()
    )
    hinted_meals = (
        {(s.agent_id, s.day, s.meal_start) for s in fallback.shifts if s.office == FRONT}
        if fallback
        else set()
    )
    hinted_days = {(s.agent_id, s.day) for s in fallback.shifts} if fallback else set()

    memo: dict[tuple[int, str], frozenset] = {}

    def group(agent: AgentIn, office: str) -> frozenset:
        key = (agent.id, office)
        if key in memo:
            return memo[key]
        found = eligible(agent, problem, office)
        if not found and office not in agent.offices:  # a locked shift elsewhere
            found = eligible(
                AgentIn(agent.id, (office,), agent.rules, types=agent.types), problem, office
            )
        table = front_on if office == FRONT else back_on
        if found not in table:
            table[found] = [[] for _ in range(SLOTS if office == FRONT else DAYS)]
        memo[key] = found
        return found

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
            with_meal = []
            meal_cands: dict[int, list] = defaultdict(list)  # front meal start -> shift vars
            for cand, office, is_locked in options:
                x = model.new_bool_var(f"x{agent.id}_{day}_{cand.start}_{office}")
                if is_locked:
                    model.add(x == 1)
                day_vars.append((x, cand))
                by_day.setdefault(day, []).append((x, cand, office))
                choices.append((x, agent, day, cand, office, is_locked))
                worked_terms.append(cand.worked * x)
                g = group(agent, office)
                if office == FRONT:
                    free_meal = bool(cand.meal_options) and not is_locked
                    for slot in range(cand.start // SLOT, min(SLOTS, cand.end // SLOT)):
                        at = slot * SLOT
                        fixed = cand.meal_start is not None
                        if free_meal or not (fixed and cand.meal_start <= at < cand.meal_end):
                            front_on[g][slot].append(x)
                    if free_meal:
                        with_meal.append(x)
                        for at in cand.meal_options:
                            meal_cands[at].append(x)
                else:
                    back_on[g][day].append(cand.worked * x)
            if with_meal:
                # One break per front shift that needs one, inside the chosen shift's window.
                span = rules.meal_minutes // SLOT
                g = group(agent, FRONT)
                placed = []
                for at, xs in sorted(meal_cands.items()):
                    b = model.new_bool_var(f"m{agent.id}_{day}_{at}")
                    model.add(b <= LinearExpr.sum(xs))
                    placed.append(b)
                    meals.append((b, agent.id, day, at))
                    hints.append((b, (agent.id, day, at) in hinted_meals))
                    for slot in range(at // SLOT, min(SLOTS, at // SLOT + span)):
                        front_on[g][slot].append(-b)
                model.add(LinearExpr.sum(placed) == LinearExpr.sum(with_meal))
            w = model.new_bool_var(f"w{agent.id}_{day}")
            hints.append((w, (agent.id, day) in hinted_days))
            model.add(LinearExpr.sum([x for x, _ in day_vars]) == w)
            work[day] = w
            xs = [x for x, _ in day_vars]
            starts[day] = LinearExpr.weighted_sum(xs, [c.start for _, c in day_vars])
            ends[day] = LinearExpr.weighted_sum(xs, [c.end for _, c in day_vars])
        worked = LinearExpr.sum(worked_terms)
        model.add(worked <= rules.max_week_minutes)
        model.add(worked >= _min_minutes(agent))
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

    got = fallback.coverage.by_type if fallback is not None else {}
    for office, table, size, unit in (
        (FRONT, front_on, SLOTS, SLOT),
        (BACK, back_on, DAYS, 1),
    ):
        indexes = [i for i, t in enumerate(types) if t.office == office]
        for at in range(size):
            present = {g: LinearExpr.sum(terms[at]) for g, terms in table.items() if terms[at]}
            allocated: dict[frozenset, list] = defaultdict(list)
            given = (
                fallback.coverage.allocation.get((office, at), {}) if fallback is not None else None
            )
            covered = 0
            for i in indexes:
                t = types[i]
                req = t.required[at]
                if not req:
                    continue
                short = model.new_int_var(0, req, f"u{office}{i}_{at}")
                mine = []
                for g in present:
                    if i in g:
                        a = model.new_int_var(0, req, f"a{office}{i}_{at}_{len(mine)}")
                        mine.append(a)
                        allocated[g].append(a)
                        if given is not None:
                            hints.append((a, given.get(g, {}).get(i, 0)))
                model.add(short + sum(mine) >= req)
                weight = t.weight(at)
                objective.append(W_UNDER * unit * weight * short)
                if office == FRONT and req >= 2:
                    deep = model.new_int_var(0, req, f"d{i}_{at}")
                    model.add(deep >= short - max(1, req // 4))
                    objective.append(W_DEEP * unit * weight * deep)
                    if fallback is not None and t.key in got:
                        gap = max(0, req - got[t.key].scheduled[at])
                        hints.append((deep, max(0, gap - max(1, req // 4))))
                if fallback is not None and t.key in got:
                    hints.append((short, max(0, req - got[t.key].scheduled[at])))
                covered += req - short
            for g, allocs in allocated.items():
                model.add(sum(allocs) <= present[g])
            if present:
                # Time on shift no demand needed (>= 0: allocations never exceed presence).
                objective.append(W_OVER * unit * (sum(present.values()) - covered))
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
    model.minimize(LinearExpr.sum(objective))
    if fallback is not None:
        # The fallback as a complete hint (shifts, breaks, allocations, gaps).
        for x, agent, day, cand, office, _ in choices:
            model.add_hint(x, (agent.id, day, cand.start, cand.end, office) in hinted)
        for var, value in hints:
            model.add_hint(var, int(value))

    solver = cp_model.CpSolver()
    # The limit bounds the whole call: building the model (seconds on large weeks) counts.
    solver.parameters.max_time_in_seconds = max(
        1.0, float(time_limit) - (time.perf_counter() - began)
    )
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
    placed_meals = {(a, d): at for b, a, d, at in meals if solver.boolean_value(b)}
    shifts = []
    for x, agent, day, cand, office, is_locked in choices:
        if not solver.boolean_value(x):
            continue
        if office == FRONT and not is_locked and cand.meal_options:
            cand = cand.with_meal(placed_meals.get((agent.id, day)))
        shifts.append(_shift(agent, day, cand, office, is_locked))
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
