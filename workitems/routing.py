"""Routing rules on plain values: which work types an agent may take, and who should get one.

The claim itself (row locks) lives in ``services.workitem_claim_next``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkTypeRule:
    id: int
    required_skill_id: int | None
    min_skill_level: int
    min_tier_rank: int


def eligible_work_types(
    rules: list[WorkTypeRule], skills: dict[int, int], tier_rank: int
) -> list[int]:
    """Work types the agent may take: the required skill held at the minimum level (a type
    with no skill needs none) and a tier rank at or above the type's minimum."""
    out = []
    for rule in rules:
        if rule.min_tier_rank and tier_rank < rule.min_tier_rank:
            continue
        needed = max(rule.min_skill_level, 1)
        if rule.required_skill_id is not None and skills.get(rule.required_skill_id, 0) < needed:
            continue
        out.append(rule.id)
    return out


# Urgency order for "next item": past due first, then earliest due, then priority, then
# oldest. Past-due items have the earliest due times, so one ORDER BY covers both rules.
URGENCY_ORDER = ("due_at", "-priority", "created_at", "id")


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    skill_level: int
    open_items: int
    available: bool
    tier_rank: int = 0


def rank_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """Suggested agents for push-assign: available first, then least loaded, then the most
    skilled (and higher tier) for the work."""
    return sorted(
        candidates,
        key=lambda c: (not c.available, c.open_items, -c.skill_level, -c.tier_rank, c.agent_id),
    )
