"""Shared, briefly cached aggregates for the pages that update themselves (wallboard,
dashboard tiles): every open page polls a small partial every ``POLL_SECONDS``; the
partials read ONE aggregate per office (or team selection) per ``LIVE_MAX_AGE_SECONDS``
from the cache, so N open pages cost one aggregate every few seconds plus N cache reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from contacts.selectors import queue_stats_today
from workitems.selectors import LIVE_POLL_SECONDS
from workitems.today import agents_by_state, work_types_today

from ..choices import Office

# The pages poll this often (while their tab is visible, see static/ccops/live.js) ...
POLL_SECONDS = LIVE_POLL_SECONDS
# ... and the aggregate they read is shared for this long: a change shows within
# POLL_SECONDS + LIVE_MAX_AGE_SECONDS at worst, POLL_SECONDS / 2 + LIVE_MAX_AGE_SECONDS / 2
# on average.
LIVE_MAX_AGE_SECONDS = 2

OFFICE_LABELS = dict(Office.choices)


@dataclass
class Wallboard:
    office: str
    label: str
    as_of: datetime
    queues: list[dict] = field(default_factory=list)
    casework: list[dict] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)

    @property
    def agents(self) -> int:
        return sum(s["count"] for s in self.states)


def wallboard(*, office: str, now: datetime | None = None) -> Wallboard:
    """The wallboard of one office, uncached. Front office: per queue (work type) contacts
    waiting and the longest wait (open items not yet taken), service level and ASA today
    (``contacts.selectors.queue_stats_today``: since midnight in each queue's time zone;
    ``None`` = no data). Back office: per casework type due today, at risk, past due and
    open backlog. Both: agents by state. Four queries (front) or two (back)."""
    now = now or timezone.now()
    board = Wallboard(office, OFFICE_LABELS[office], now)
    rows = work_types_today(office=office, now=now)
    if office == Office.FRONT:
        stats = queue_stats_today(queue_ids=[r["id"] for r in rows], now=now) if rows else {}
        for row in rows:
            figures = stats.get(row["id"], {})
            row["service_level"] = figures.get("service_level")
            row["asa_seconds"] = figures.get("asa_seconds")
            row["offered"] = figures.get("offered", 0)
        board.queues = rows
    else:
        board.casework = rows
    board.states = agents_by_state(office=office)
    return board


def _key(office: str) -> str:
    return f"dashboards:wallboard:v1:{office}"


def wallboard_snapshot(*, office: str) -> Wallboard:
    """:func:`wallboard` shared through the cache for ``LIVE_MAX_AGE_SECONDS`` per office
    (readers are dashboard roles, who see every team: the office is the only key)."""
    key = _key(office)
    cached = cache.get(key)
    if cached is not None:
        return cached
    board = wallboard(office=office)
    cache.set(key, board, LIVE_MAX_AGE_SECONDS)
    return board
