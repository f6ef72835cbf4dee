"""Tier rules on plain values: which tier an agent's skills and modules qualify them for.

No ORM here: ``training.services.tiers`` loads the rules and an agent's holdings and applies
the outcome. Tiers are a ladder: an agent qualifies for a tier when they meet its
competencies and those of every tier below it (so losing a Tier I skill also loses Tier II).
A skill whose certification has expired is not held.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

SKILL = "skill"
MODULE = "module"

NONE = "none"
INITIAL = "initial"
DEMOTE = "demote"


@dataclass(frozen=True)
class TierRule:
    """One tier's competencies: skills at minimum levels and modules completed."""

    tier_id: int
    rank: int
    name: str
    skills: dict[int, int] = field(default_factory=dict)  # skill id -> minimum level
    modules: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Holding:
    """What an agent holds: current (unexpired) skill levels, expired ones, modules passed."""

    skills: dict[int, int] = field(default_factory=dict)
    expired: dict[int, int] = field(default_factory=dict)
    modules: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Outcome:
    """What the tier service should do, and where the agent stands afterwards."""

    action: str  # NONE, INITIAL (place on the entry tier) or DEMOTE
    target: TierRule | None  # the tier after the action (None: no tier)
    qualified: TierRule | None  # highest tier the agent qualifies for
    next: TierRule | None  # the tier above ``target``
    ready: bool  # qualifies for ``next`` (a promotion HR may confirm)
    missing: list[dict]  # what ``next`` needs that the agent lacks


def holding_from_rows(
    skill_rows: Iterable[tuple[int, int, date | None]],
    completed_modules: Iterable[int],
    *,
    on: date,
) -> Holding:
    """Build a holding from ``(skill_id, level, expires_on)`` rows and completed modules."""
    current: dict[int, int] = {}
    expired: dict[int, int] = {}
    for skill_id, level, expires_on in skill_rows:
        if expires_on is not None and expires_on < on:
            expired[skill_id] = level
        else:
            current[skill_id] = level
    return Holding(skills=current, expired=expired, modules=frozenset(completed_modules))


def meets(rule: TierRule, holding: Holding) -> bool:
    if any(holding.skills.get(s, 0) < lvl for s, lvl in rule.skills.items()):
        return False
    return rule.modules <= holding.modules


def gaps(
    rule: TierRule,
    holding: Holding,
    *,
    skill_names: dict[int, str] | None = None,
    module_names: dict[int, str] | None = None,
) -> list[dict]:
    """What ``rule`` needs that ``holding`` lacks, skills first, in a stable order."""
    skill_names = skill_names or {}
    module_names = module_names or {}
    out = []
    for skill_id, need in sorted(rule.skills.items(), key=lambda kv: skill_names.get(kv[0], "")):
        have = holding.skills.get(skill_id, 0)
        if have < need:
            out.append(
                {
                    "kind": SKILL,
                    "id": skill_id,
                    "name": skill_names.get(skill_id, f"Skill {skill_id}"),
                    "need": need,
                    "have": have,
                    "expired": skill_id in holding.expired,
                }
            )
    for module_id in sorted(rule.modules - holding.modules, key=lambda m: module_names.get(m, "")):
        out.append(
            {
                "kind": MODULE,
                "id": module_id,
                "name": module_names.get(module_id, f"Module {module_id}"),
            }
        )
    return out


def qualified_tier(rules: Sequence[TierRule], holding: Holding) -> TierRule | None:
    """The highest tier of the ladder met together with every tier below it."""
    best = None
    for rule in sorted(rules, key=lambda r: r.rank):
        if not meets(rule, holding):
            break
        best = rule
    return best


def decide(
    rules: Sequence[TierRule],
    holding: Holding,
    current_rank: int,
    *,
    skill_names: dict[int, str] | None = None,
    module_names: dict[int, str] | None = None,
) -> Outcome:
    """Where the agent should be and what they lack for the next tier.

    - An agent above what they qualify for is demoted to it (or to no tier): routing must not
      keep giving them work their expired certifications no longer cover.
    - An agent with no tier who meets the entry tier is placed on it.
    - Promotions are never automatic: ``ready`` says HR may confirm one.
    """
    ladder = sorted(rules, key=lambda r: r.rank)
    by_rank = {r.rank: r for r in ladder}
    qualified = qualified_tier(ladder, holding)
    q_rank = qualified.rank if qualified else 0
    action, target = NONE, by_rank.get(current_rank)
    if current_rank > q_rank:
        action, target = DEMOTE, qualified
    elif current_rank == 0 and ladder and q_rank >= ladder[0].rank:
        action, target = INITIAL, ladder[0]
    target_rank = target.rank if target else (current_rank if action == NONE else 0)
    nxt = next((r for r in ladder if r.rank > target_rank), None)
    ready = nxt is not None and q_rank >= nxt.rank
    missing = gaps(nxt, holding, skill_names=skill_names, module_names=module_names) if nxt else []
    return Outcome(action, target, qualified, nxt, ready, missing)
