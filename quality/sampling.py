"""QA sampling: which completed items get evaluated. Pure functions, no Django.

Rules of :func:`draw_sample`:

* Items are grouped by (agent, week); each group gets up to ``per_agent`` items, so
  ``per_agent`` is a quota per agent *per week key*. A group with fewer eligible items than the
  quota gives all of them.
* Items whose id is in ``already_evaluated`` are never drawn (the caller passes the ids that
  already have an evaluation or are already in a sample; ``per_agent`` is the number still to
  draw).
* Stratified by work type: the agent's work types are put in a seeded random order and the
  draw goes round-robin across them, one item per type per round, skipping types that have run
  out. So with ``per_agent`` >= number of types every type gets at least one item, and the
  types' counts never differ by more than one unless a type runs out.
* Random but reproducible: each group uses its own ``random.Random`` seeded from a SHA-256 of
  (seed, agent, week) -- never Python's ``hash()``, which is salted per process. Ids are
  turned into text with ``str()`` for that hash, so agent 7 and agent "7" draw alike.
* Idempotent: the candidates are put in a canonical order before shuffling, so the same inputs
  in any order give the same sample. The result is sorted (ints numerically, then other ids by
  their text).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Collection, Hashable, Iterable
from typing import NamedTuple


class SampleItem(NamedTuple):
    """One candidate; plain 4-tuples in the same order work too."""

    item_id: Hashable
    agent_id: Hashable
    work_type_id: Hashable
    week_key: Hashable


def _sort_key(value: Hashable) -> tuple[int, int, str]:
    # Ids may be ints or strings (or a mix); ints sort numerically, the rest by their text.
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _rng(seed: str | int, agent: Hashable, week: Hashable) -> random.Random:
    # JSON keeps the parts unambiguous ("a|b" + "c" vs "a" + "b|c" cannot collide).
    payload = json.dumps([str(seed), str(agent), str(week)]).encode()
    digest = hashlib.sha256(payload).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _draw_group(
    items_by_type: dict[Hashable, list[Hashable]], per_agent: int, rng: random.Random
) -> list[Hashable]:
    types = sorted(items_by_type, key=_sort_key)
    rng.shuffle(types)
    queues: list[list[Hashable]] = []
    for work_type in types:
        queue = sorted(items_by_type[work_type], key=_sort_key)
        rng.shuffle(queue)
        queues.append(queue)
    drawn: list[Hashable] = []
    position = 0  # how deep into each shuffled queue the round-robin has gone
    while len(drawn) < per_agent and any(position < len(q) for q in queues):
        for queue in queues:
            if position < len(queue) and len(drawn) < per_agent:
                drawn.append(queue[position])
        position += 1
    return drawn


def draw_sample(
    items: Iterable[tuple[Hashable, Hashable, Hashable, Hashable]],
    already_evaluated: Collection[Hashable],
    per_agent: int,
    seed: str | int,
) -> list[Hashable]:
    """Draw up to ``per_agent`` item ids per (agent, week); see the module docstring.

    ``items`` are ``(item_id, agent_id, work_type_id, week_key)`` tuples. An id listed twice
    with the same agent, type and week counts once; with different ones it raises
    ``ValueError``, as does a negative ``per_agent``.
    """
    if isinstance(per_agent, bool) or not isinstance(per_agent, int) or per_agent < 0:
        raise ValueError(f"per_agent must be a non-negative integer, got {per_agent!r}")
    excluded = set(already_evaluated)

    seen: dict[Hashable, tuple[Hashable, Hashable, Hashable]] = {}
    groups: dict[tuple[Hashable, Hashable], dict[Hashable, list[Hashable]]] = {}
    for item_id, agent_id, work_type_id, week_key in items:
        where = (agent_id, work_type_id, week_key)
        if item_id in seen:
            if seen[item_id] != where:
                raise ValueError(
                    f"item {item_id!r} is listed as {seen[item_id]!r} and as {where!r}"
                )
            continue
        seen[item_id] = where
        if item_id in excluded:
            continue
        by_type = groups.setdefault((agent_id, week_key), {})
        by_type.setdefault(work_type_id, []).append(item_id)

    if per_agent == 0:
        return []
    sample: list[Hashable] = []
    for (agent_id, week_key), by_type in groups.items():
        sample.extend(_draw_group(by_type, per_agent, _rng(seed, agent_id, week_key)))
    return sorted(sample, key=_sort_key)
