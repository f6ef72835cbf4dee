"""Which office an agent is scheduled in now, as far as claim-next is concerned.

Work items sit below staffing and never import it: staffing registers a finder here
(``register_office_finder`` from its ``AppConfig.ready``), and ``workitem_claim_next`` asks
it. With no finder, or the finder answering ``None`` (no front/back-office block now, or an
agent skilled for one office only), every type the agent is eligible for stays in play.
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


# Real-time adherence alerts for the presence board: staffing registers the source
# (``register_alert_source``); each alert is a dict with ``agent``, ``activity_label``,
# ``state_label``, ``since`` and ``minutes``.
_alert_source: Callable | None = None


def register_alert_source(source: Callable) -> None:
    """``source(user)`` -> the adherence alerts ``user`` may see now."""
    global _alert_source
    _alert_source = source


def adherence_alerts_for(user) -> list[dict]:
    return list(_alert_source(user)) if _alert_source is not None else []
