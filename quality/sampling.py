"""QA sampling: which completed items get evaluated. Pure functions, no Django.

Rules of :func:`draw_sample`:

* Items are grouped by (agent, week); each group gets up to ``per_agent`` items, so
  ``per_agent`` is a quota per agent *per week key*. A group with fewer eligible items than the
  quota gives all of them.
* Items whose id is in ``already_evaluated`` are never drawn (the caller passes the ids that
  already have an evaluation or are already in a sample; ``per_agent`` is the number still to
  draw).
* Stratified by work type, **proportional allocation** by default
  (:func:`proportional_allocation`): each of the agent's work types gets at least
  ``minimum_per_stratum`` items (1; fewer if it has fewer), and the rest of the quota goes to
  the types in proportion to how many eligible items each has (largest deficit from the
  proportional share first). With 80% calls, 16% e-mails and 4% complaints and a quota of
  25, the draw is 20 / 4 / 1, not a third complaints. When the quota is smaller than the
  number of types, the larger types get the items (ties in a seeded random order).
  ``allocation="equal"`` keeps the earlier rule: round-robin across the types in a seeded
  random order, one item per type per round, skipping types that have run out.
* A sample that is not proportional (the minimum, or an equal allocation) misstates the
  agent's quality unless weighted: :func:`weighted_mean` weights each stratum by its
  population share over its sample share.
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
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

PROPORTIONAL = "proportional"
EQUAL = "equal"


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


def proportional_allocation(
    sizes: Mapping[Hashable, int],
    n: int,
    *,
    minimum: int = 1,
    order: Iterable[Hashable] | None = None,
) -> dict[Hashable, int]:
    """Split a sample of ``n`` across strata of ``sizes`` in proportion to their sizes.

    Every stratum first gets ``min(minimum, size)``; the rest goes one item at a time to the
    stratum furthest below its proportional share ``n * size / total`` (never above its
    size). If ``n`` cannot cover the minimums, the largest strata get them. Ties follow
    ``order`` (default: the strata's order in ``sizes``). ``n`` above the total gives every
    item. Returns ``{stratum: count}`` for every stratum (0 where it gets none)."""
    if n < 0 or minimum < 0:
        raise ValueError("n and minimum must not be negative")
    strata = list(order) if order is not None else list(sizes)
    rank = {h: i for i, h in enumerate(strata)}
    total = sum(sizes[h] for h in strata)
    n = min(n, total)
    counts = dict.fromkeys(strata, 0)
    if n == 0:
        return counts
    by_size = sorted(strata, key=lambda h: (-sizes[h], rank[h]))
    left = n
    for h in by_size:
        give = min(minimum, sizes[h], left)
        counts[h] = give
        left -= give
    while left > 0:
        open_strata = [h for h in strata if counts[h] < sizes[h]]
        best = max(open_strata, key=lambda h: (n * sizes[h] / total - counts[h], -rank[h]))
        counts[best] += 1
        left -= 1
    return counts


def _draw_group(
    items_by_type: dict[Hashable, list[Hashable]],
    per_agent: int,
    rng: random.Random,
    allocation: str = PROPORTIONAL,
    minimum: int = 1,
) -> list[Hashable]:
    types = sorted(items_by_type, key=_sort_key)
    rng.shuffle(types)
    queues: list[list[Hashable]] = []
    for work_type in types:
        queue = sorted(items_by_type[work_type], key=_sort_key)
        rng.shuffle(queue)
        queues.append(queue)
    if allocation == PROPORTIONAL:
        counts = proportional_allocation(
            {i: len(q) for i, q in enumerate(queues)}, per_agent, minimum=minimum
        )
        return [item for i, queue in enumerate(queues) for item in queue[: counts[i]]]
    drawn: list[Hashable] = []
    position = 0  # how deep into each shuffled queue the round-robin has gone
    while len(drawn) < per_agent and any(position < len(q) for q in queues):
        for queue in queues:
            if position < len(queue) and len(drawn) < per_agent:
                drawn.append(queue[position])
        position += 1
    return drawn


@dataclass(frozen=True)
class WeightedEstimate:
    """A stratified sample's mean, weighted back to the population.

    ``weights[h] = (N_h / N) / (n_h / n)`` (population share over sample share, over the
    strata that have a sample); ``mean = sum(w_i y_i) / sum(w_i) = sum_h (N_h / N') mean_h``
    with ``N'`` the population of the sampled strata. ``coverage = N' / N``: the share of the
    population whose stratum is in the sample (1.0 when every stratum is)."""

    mean: float | None
    unweighted_mean: float | None
    n: int
    weights: dict[Hashable, float]
    coverage: float | None


def weighted_mean(
    values: Iterable[tuple[Hashable, float]], population: Mapping[Hashable, int]
) -> WeightedEstimate:
    """Weight ``(stratum, value)`` samples by ``population`` (items per stratum)."""
    sums: dict[Hashable, float] = {}
    counts: dict[Hashable, int] = {}
    for stratum, value in values:
        sums[stratum] = sums.get(stratum, 0.0) + float(value)
        counts[stratum] = counts.get(stratum, 0) + 1
    return weighted_estimate(sums, counts, population)


def weighted_estimate(
    sums: Mapping[Hashable, float],
    counts: Mapping[Hashable, int],
    population: Mapping[Hashable, int],
) -> WeightedEstimate:
    """:func:`weighted_mean` from per-stratum sums and counts (as SQL aggregates give them).

    A stratum with sampled values counts at least as many items as it has values (the
    population is never smaller than the sample drawn from it)."""
    counts = {h: int(c) for h, c in counts.items() if c}
    n = sum(counts.values())
    if n == 0:
        return WeightedEstimate(None, None, 0, {}, None)
    pop = {h: max(int(population.get(h, 0)), counts.get(h, 0)) for h in {*population, *counts}}
    total = sum(pop.values())
    covered = sum(pop[h] for h in counts)
    weights = {h: (pop[h] / covered) / (counts[h] / n) for h in counts}
    mean = sum(pop[h] / covered * float(sums[h]) / counts[h] for h in counts)
    return WeightedEstimate(
        mean=mean,
        unweighted_mean=sum(float(sums[h]) for h in counts) / n,
        n=n,
        weights=weights,
        coverage=covered / total if total else None,
    )


def draw_sample(
    items: Iterable[tuple[Hashable, Hashable, Hashable, Hashable]],
    already_evaluated: Collection[Hashable],
    per_agent: int,
    seed: str | int,
    *,
    allocation: str = PROPORTIONAL,
    minimum_per_stratum: int = 1,
) -> list[Hashable]:
    """Draw up to ``per_agent`` item ids per (agent, week); see the module docstring.

    ``items`` are ``(item_id, agent_id, work_type_id, week_key)`` tuples. An id listed twice
    with the same agent, type and week counts once; with different ones it raises
    ``ValueError``, as does a negative ``per_agent``.
    """
    if isinstance(per_agent, bool) or not isinstance(per_agent, int) or per_agent < 0:
        raise ValueError(f"per_agent must be a non-negative integer, got {per_agent!r}")
    if allocation not in (PROPORTIONAL, EQUAL):
        raise ValueError(f"allocation must be {PROPORTIONAL!r} or {EQUAL!r}, got {allocation!r}")
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
        rng = _rng(seed, agent_id, week_key)
        sample.extend(_draw_group(by_type, per_agent, rng, allocation, minimum_per_stratum))
    return sorted(sample, key=_sort_key)
