"""Which office an agent is scheduled in now, as far as claim-next is concerned.

Work items sit below staffing and never import it: staffing registers a finder here
(``register_office_finder`` from its ``AppConfig.ready``), and ``workitem_claim_next`` asks
it. With no finder, or the finder answering ``None`` (no front/back-office block now), every
type the agent is eligible for stays in play.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

_finder: Callable[[int, datetime], str | None] | None = None


def register_office_finder(finder: Callable[[int, datetime], str | None]) -> None:
    """``finder(agent_id, at)`` -> ``"front"``, ``"back"`` or ``None``."""
    global _finder
    _finder = finder


def scheduled_office(agent_id: int, at: datetime) -> str | None:
    return _finder(agent_id, at) if _finder is not None else None
