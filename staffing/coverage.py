"""Scheduled coverage: how many agent-minutes shifts put into each period (pure numpy).

Shifts are spans ``(column, start_minute, end_minute, weight)`` in minutes from the start of
a window; ``column`` is a work type and ``weight`` the share of the agent given to it (an
agent skilled for two queues counts 0.5 in each). Coverage per minute is built with a
difference array and a cumulative sum, so 5,000 agents x a month costs a few numpy passes,
not a Python loop per interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def agent_minutes(
    spans: Sequence[tuple[int, float, float, float]],
    n_columns: int,
    boundaries: Sequence[float],
) -> np.ndarray:
    """Weighted agent-minutes per column in each period ``[boundaries[i], boundaries[i+1])``.

    ``boundaries`` are increasing minute offsets from the window start (the first is
    usually 0; the last is the window end). Spans are clipped to the window and rounded to
    whole minutes. Returns an array of shape ``(n_columns, len(boundaries) - 1)``.
    Divide by a period's length in minutes for the FTE present on average in it.
    """
    bounds = np.asarray(boundaries, dtype=np.int64)
    if bounds.ndim != 1 or bounds.size < 2 or np.any(np.diff(bounds) <= 0):
        raise ValueError("boundaries must be at least two increasing minute offsets")
    lo, hi = int(bounds[0]), int(bounds[-1])
    periods = bounds.size - 1
    if not spans or n_columns == 0:
        return np.zeros((n_columns, periods))
    arr = np.asarray(spans, dtype=float).reshape(-1, 4)
    cols = arr[:, 0].astype(np.int64)
    start = np.clip(np.rint(arr[:, 1]).astype(np.int64), lo, hi) - lo
    end = np.clip(np.rint(arr[:, 2]).astype(np.int64), lo, hi) - lo
    keep = end > start
    cols, start, end, weight = cols[keep], start[keep], end[keep], arr[keep, 3]
    diff = np.zeros((n_columns, hi - lo + 1))
    np.add.at(diff, (cols, start), weight)
    np.add.at(diff, (cols, end), -weight)
    per_minute = np.cumsum(diff[:, :-1], axis=1)
    return np.add.reduceat(per_minute, bounds[:-1] - lo, axis=1)[:, :periods]


def split_weights(
    skilled_columns: Sequence[int], office_columns: Sequence[int]
) -> dict[int, float]:
    """How one agent's time in an office is shared among that office's work types.

    Rule: equally among the office's work types the agent is skilled for (a type without a
    required skill counts as one everybody is skilled for); an agent skilled for none of
    them is shared equally among all of the office's types, so nobody on shift is lost.
    """
    office = list(dict.fromkeys(office_columns))
    if not office:
        return {}
    chosen = [c for c in office if c in set(skilled_columns)] or office
    share = 1.0 / len(chosen)
    return dict.fromkeys(chosen, share)


def type_weights(
    skills: dict[int, int], office_types: Sequence[tuple[int, int | None, int]]
) -> dict[int, float]:
    """:func:`split_weights` keyed by work type id.

    ``skills``: the agent's ``{skill_id: level}``; ``office_types``: ``(work_type_id,
    required_skill_id or None, min_skill_level)`` of one office. A type without a required
    skill is one everybody is skilled for.
    """
    skilled = [
        type_id
        for type_id, skill_id, min_level in office_types
        if skill_id is None or skills.get(skill_id, 0) >= max(1, min_level)
    ]
    return split_weights(skilled, [t for t, _, _ in office_types])
