"""Intraday flex: which cross-trained agents to move between the offices for the next
intervals, and what that does to service level and backlog (pure; no Django).

Rules (stated once, used by the intraday page):

* A queue is *short* when Erlang C needs more agents for the window's volume than are
  staffed (``required > floor(staffed)``). A casework type is *at risk* when items are past
  due now, or when its open work due by the end of today is more than the scheduled
  agent-minutes left today can finish.
* Donors keep their own targets: a queue gives up an agent only while its service level
  with one agent fewer still meets the target; casework gives up an agent only while the
  agent-minutes left today after the move still finish everything due by tonight (past-due
  items included). A type that lends agents does not also receive any.
* Only agents scheduled now in the donor office and skilled for the receiving work type are
  proposed, each at most once, the available and most skilled first (the caller orders the
  candidates). Queues are served before casework (waiting customers first), the shortest
  first; casework the most past due first.
* Effects: Erlang C service level before -> after for queues; for casework, items finished
  in the window = agents x window minutes / minutes per item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .erlang import ErlangInputError, required_agents, service_level, traffic

_EPS = 1e-9


@dataclass(frozen=True)
class QueueState:
    """A front-office work type over the window: volume per interval and agents staffed."""

    work_type_id: int
    name: str
    volume: float
    aht_seconds: float
    interval_seconds: int
    target_service_level: float
    answer_seconds: float
    staffed: float


@dataclass(frozen=True)
class CaseState:
    """A back-office work type now.

    ``due_today``: open items due by the end of today (past-due ones included);
    ``minutes_left``: scheduled agent-minutes from now to the end of today; ``staffed``:
    agents (FTE) scheduled now."""

    work_type_id: int
    name: str
    open_items: int
    past_due: int
    due_today: int
    aht_minutes: float
    staffed: float
    minutes_left: float


@dataclass(frozen=True)
class Candidate:
    """An agent scheduled now in ``office``, the types they are counted in there
    (``from_type_ids``) and the other office's types they may take."""

    agent_id: int
    name: str
    office: str  # "front" or "back": where they are scheduled now
    from_type_ids: tuple[int, ...]
    eligible_type_ids: frozenset[int]


@dataclass(frozen=True)
class FlexMove:
    """Move ``agents`` to ``to_type`` for the window, and what it does."""

    direction: str  # "to_front" or "to_back"
    to_type_id: int
    to_type: str
    agents: tuple[Candidate, ...]
    donors: tuple[str, ...]
    donor_ids: tuple[int, ...]
    sl_before: float | None
    sl_after: float | None
    items_before: int | None  # casework: items the receiving type finishes in the window
    items_after: int | None
    donor_effect: str

    @property
    def count(self) -> int:
        return len(self.agents)


def queue_sl(q: QueueState, agents: float) -> float:
    """Erlang C service level of ``q`` with ``floor(agents)`` agents."""
    n = max(0, math.floor(agents + _EPS))
    a = traffic(q.volume, q.aht_seconds, q.interval_seconds)
    return service_level(n, a, q.aht_seconds, q.answer_seconds)


def queue_required(q: QueueState) -> int:
    """Agents Erlang C needs for the queue's volume (0 without volume)."""
    try:
        return required_agents(
            q.volume, q.aht_seconds, q.interval_seconds, q.target_service_level, q.answer_seconds
        ).agents
    except ErlangInputError:  # an impossible target: at least more than the traffic
        return math.floor(traffic(q.volume, q.aht_seconds, q.interval_seconds)) + 1


def items_in(minutes: float, aht_minutes: float) -> int:
    return math.floor(minutes / aht_minutes + _EPS) if aht_minutes > 0 and minutes > 0 else 0


def case_at_risk(c: CaseState) -> bool:
    return c.past_due > 0 or items_in(c.minutes_left, c.aht_minutes) < c.due_today


def case_needed(c: CaseState, window_minutes: float) -> int:
    """Extra agents for the window that would finish what today's capacity cannot."""
    short = max(c.past_due, c.due_today - items_in(c.minutes_left, c.aht_minutes))
    per_agent = items_in(window_minutes, c.aht_minutes)
    if short <= 0:
        return 0
    return max(1, math.ceil(short / per_agent)) if per_agent else 1


def case_spare(c: CaseState, window_minutes: float) -> int:
    """Agents casework can lend for the window and still finish all work due by tonight."""
    spare = 0
    while spare + 1 <= c.staffed + _EPS and (
        items_in(c.minutes_left - (spare + 1) * window_minutes, c.aht_minutes) >= c.due_today
    ):
        spare += 1
    return spare


def queue_spare(q: QueueState) -> int:
    """Agents a queue can lend while its service level stays at or above target."""
    spare = 0
    while spare + 1 <= q.staffed + _EPS and (
        queue_sl(q, q.staffed - spare - 1) >= q.target_service_level
    ):
        spare += 1
    return spare


def suggest_moves(
    queues: Sequence[QueueState],
    cases: Sequence[CaseState],
    candidates: Sequence[Candidate],
    *,
    window_minutes: float = 120,
) -> list[FlexMove]:
    """Flex moves for the window (rules in the module docstring)."""
    by_case = {c.work_type_id: c for c in cases}
    by_queue = {q.work_type_id: q for q in queues}
    spare = {c.work_type_id: case_spare(c, window_minutes) for c in cases}
    spare.update({q.work_type_id: queue_spare(q) for q in queues})
    used: set[int] = set()

    def take(office: str, type_id: int, need: int) -> list[tuple[Candidate, int]]:
        chosen: list[tuple[Candidate, int]] = []
        for cand in candidates:
            if len(chosen) >= need:
                break
            if cand.agent_id in used or cand.office != office:
                continue
            if type_id not in cand.eligible_type_ids:
                continue
            donor = max(cand.from_type_ids, key=lambda t: spare.get(t, 0), default=None)
            if donor is None or spare.get(donor, 0) <= 0:
                continue
            spare[donor] -= 1
            used.add(cand.agent_id)
            chosen.append((cand, donor))
        return chosen

    moves: list[FlexMove] = []
    short = [q for q in queues if queue_required(q) > math.floor(q.staffed + _EPS)]
    short.sort(key=lambda q: q.staffed - queue_required(q))
    for q in short:
        need = queue_required(q) - math.floor(q.staffed + _EPS)
        chosen = take("back", q.work_type_id, need)
        if not chosen:
            continue
        lent: dict[int, int] = {}
        for _, donor in chosen:
            lent[donor] = lent.get(donor, 0) + 1
        effects = [
            f"{by_case[d].name}: about {items_in(n * window_minutes, by_case[d].aht_minutes)} "
            f"fewer items in the next {window_minutes:.0f} minutes; all work due by tonight "
            "still done"
            for d, n in sorted(lent.items(), key=lambda kv: by_case[kv[0]].name)
        ]
        moves.append(
            FlexMove(
                direction="to_front",
                to_type_id=q.work_type_id,
                to_type=q.name,
                agents=tuple(c for c, _ in chosen),
                donors=tuple(sorted(by_case[d].name for d in lent)),
                donor_ids=tuple(sorted(lent)),
                sl_before=queue_sl(q, q.staffed),
                sl_after=queue_sl(q, q.staffed + len(chosen)),
                items_before=None,
                items_after=None,
                donor_effect="; ".join(effects),
            )
        )
    lenders = {d for m in moves for d in m.donor_ids}
    risky = [c for c in cases if case_at_risk(c) and c.work_type_id not in lenders]
    risky.sort(key=lambda c: (-c.past_due, -c.due_today, c.name))
    for c in risky:
        chosen = take("front", c.work_type_id, case_needed(c, window_minutes))
        if not chosen:
            continue
        lent = {}
        for _, donor in chosen:
            lent[donor] = lent.get(donor, 0) + 1
        effects = [
            f"{by_queue[d].name}: service level {queue_sl(by_queue[d], by_queue[d].staffed):.0%}"
            f" -> {queue_sl(by_queue[d], by_queue[d].staffed - n):.0%} (target "
            f"{by_queue[d].target_service_level:.0%})"
            for d, n in sorted(lent.items(), key=lambda kv: by_queue[kv[0]].name)
        ]
        base = c.staffed * window_minutes
        moves.append(
            FlexMove(
                direction="to_back",
                to_type_id=c.work_type_id,
                to_type=c.name,
                agents=tuple(x for x, _ in chosen),
                donors=tuple(sorted(by_queue[d].name for d in lent)),
                donor_ids=tuple(sorted(lent)),
                sl_before=None,
                sl_after=None,
                items_before=items_in(base, c.aht_minutes),
                items_after=items_in(base + len(chosen) * window_minutes, c.aht_minutes),
                donor_effect="; ".join(effects),
            )
        )
    return moves
