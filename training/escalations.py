"""The hook through which the buddy page shows open escalations.

Escalations are work items, and training sits below ``workitems``: it never imports the app
nor reads its tables. ``workitems`` registers its reader from its ``AppConfig.ready``::

    from training.escalations import register_reader
    register_reader(my_selector)   # my_selector(agent, limit) -> {"to_me": [...], "by_me": [...]}

each entry a dict with ``id``, ``title``, ``status``, ``due_at``, ``person`` (the other side)
and ``url``. Without a reader (``workitems`` not installed) the page lists none.
"""

from collections.abc import Callable

_reader: Callable | None = None


def register_reader(reader: Callable) -> None:
    global _reader
    _reader = reader


def open_escalations(agent, *, limit: int = 20) -> dict:
    """``{"to_me": [...], "by_me": [...]}``: escalated items the agent holds as a buddy, and
    open items the agent escalated to someone."""
    if _reader is None:
        return {"to_me": [], "by_me": []}
    return _reader(agent, limit)
