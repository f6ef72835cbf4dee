"""Buddy suggestion on plain values: pair each agent with a go-to in the other office.

Rules, in order of strength:

1. A buddy is in the other office (front <-> back): the pairing is the escalation path for
   time-critical work that crosses the hand-off.
2. No buddy takes more than ``cap`` agents (existing pairings count).
3. A new hire gets an experienced buddy (tenure of a year or more).
4. Among the candidates left, prefer complementary skills (the buddy is strong where the
   agent is weak, and the reverse) and a light load (spread people evenly).

Greedy and deterministic: new hires are placed first (their pool is the smallest), then
everyone else by id; ties go to the lighter load, then the lower id. Agents who cannot be
placed are returned with the reason, never placed over the cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

FRONT = "front"
BACK = "back"
STRONG_LEVEL = 3
LOAD_WEIGHT = 1.5
DEFAULT_CAP = 3


@dataclass(frozen=True)
class Person:
    id: int
    office: str
    tenure_days: int | None  # None: unknown hire date, treated as experienced
    skills: dict[int, int] = field(default_factory=dict)  # skill id -> current level
    load: int = 0  # agents who already have this person as their open buddy


@dataclass(frozen=True)
class Suggestion:
    agent_id: int
    buddy_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass
class Result:
    pairs: list[Suggestion]
    unpaired: list[tuple[int, str]]
    cap: int


def other_office(office: str) -> str:
    return BACK if office == FRONT else FRONT


def is_new_hire(person: Person, new_hire_days: int) -> bool:
    return person.tenure_days is not None and person.tenure_days < new_hire_days


def is_experienced(person: Person, experienced_days: int) -> bool:
    return person.tenure_days is None or person.tenure_days >= experienced_days


def complementarity(agent: Person, buddy: Person) -> tuple[float, list[str]]:
    """Skills where one is strong (level >= 3) and the other is not: the buddy's count
    fully (help the agent gets), the agent's count half (help the buddy gets back)."""
    helps = [s for s, lvl in buddy.skills.items() if lvl >= STRONG_LEVEL]
    helps = [s for s in helps if agent.skills.get(s, 0) < STRONG_LEVEL]
    back = [s for s, lvl in agent.skills.items() if lvl >= STRONG_LEVEL]
    back = [s for s in back if buddy.skills.get(s, 0) < STRONG_LEVEL]
    reasons = []
    if helps:
        reasons.append(f"strong in {len(helps)} skill(s) the agent is not")
    if back:
        reasons.append(f"learns {len(back)} skill(s) from the agent")
    return len(helps) + 0.5 * len(back), reasons


def minimum_cap(needing: Sequence[Person], candidates: Sequence[Person]) -> int:
    """The smallest cap that can place everyone in ``needing`` (per office, with loads)."""
    cap = 1
    for office in (FRONT, BACK):
        want = sum(1 for p in needing if p.office == office)
        pool = [c for c in candidates if c.office == other_office(office)]
        if want and pool:
            already = sum(c.load for c in pool)
            cap = max(cap, math.ceil((want + already) / len(pool)))
    return cap


def suggest(
    needing: Sequence[Person],
    candidates: Sequence[Person],
    *,
    cap: int,
    new_hire_days: int = 90,
    experienced_days: int = 365,
) -> Result:
    """Pair each person in ``needing`` with a buddy among ``candidates``.

    ``candidates`` carry their current ``load``; it grows as pairs are made here.
    """
    if cap < 1:
        raise ValueError("cap must be at least 1")
    load = {c.id: c.load for c in candidates}
    pools: dict[str, list[Person]] = {FRONT: [], BACK: []}
    for c in sorted(candidates, key=lambda p: p.id):
        pools.setdefault(c.office, []).append(c)
    order = sorted(needing, key=lambda p: (not is_new_hire(p, new_hire_days), p.id))
    pairs: list[Suggestion] = []
    unpaired: list[tuple[int, str]] = []
    for agent in order:
        new_hire = is_new_hire(agent, new_hire_days)
        pool = [
            c
            for c in pools.get(other_office(agent.office), [])
            if c.id != agent.id and load[c.id] < cap
        ]
        if new_hire:
            pool = [c for c in pool if is_experienced(c, experienced_days)]
        if not pool:
            why = "no experienced buddy with room" if new_hire else "every buddy is at the cap"
            unpaired.append((agent.id, why))
            continue
        best = None
        for c in pool:
            comp, reasons = complementarity(agent, c)
            score = comp - LOAD_WEIGHT * load[c.id]
            key = (-score, load[c.id], c.id)
            if best is None or key < best[0]:
                best = (key, c, score, reasons)
        _, buddy, score, reasons = best
        if new_hire:
            reasons = ["experienced buddy for a new hire", *reasons]
        load[buddy.id] += 1
        pairs.append(Suggestion(agent.id, buddy.id, round(score, 2), tuple(reasons)))
    return Result(pairs=pairs, unpaired=unpaired, cap=cap)
