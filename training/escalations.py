"""The hook through which the buddy page shows open escalations.

Training sits below ``workitems`` and never imports it. ``workitems`` may register a reader
(from its ``AppConfig.ready``)::

    from training.escalations import register_reader
    register_reader(my_selector)   # my_selector(agent, limit) -> {"to_me": [...], "by_me": [...]}

each entry a dict with ``id``, ``title``, ``status``, ``due_at``, ``person`` (the other side)
and ``url``. Until one is registered, a fallback reads the work item tables lazily through
the app registry (two queries), and shows nothing when ``workitems`` is not installed.
"""

from collections.abc import Callable

from django.apps import apps
from django.db.models import Exists, F, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse

_reader: Callable | None = None


def register_reader(reader: Callable) -> None:
    global _reader
    _reader = reader


def open_escalations(agent, *, limit: int = 20) -> dict:
    """``{"to_me": [...], "by_me": [...]}``: escalated items the agent holds as a buddy, and
    open items the agent escalated to someone."""
    if _reader is not None:
        return _reader(agent, limit)
    return _fallback(agent, limit)


def _url(pk: int) -> str:
    try:
        return reverse("workitems:item_detail", args=[pk])
    except NoReverseMatch:
        return ""


def _fallback(agent, limit: int) -> dict:
    try:
        WorkItem = apps.get_model("workitems", "WorkItem")
        Event = apps.get_model("workitems", "WorkItemEvent")
    except LookupError:
        return {"to_me": [], "by_me": [], "available": False}
    escalations = Event.objects.filter(item=OuterRef("pk"), kind="escalated")
    escalated = WorkItem.objects.filter(status="escalated").order_by("due_at", "pk")
    # Escalated to me: I hold it; the person is who escalated it last.
    to_me = escalated.filter(assignee=agent).annotate(
        person=Subquery(escalations.order_by("-at").values("actor__username")[:1])
    )
    # Escalated by me and still with the buddy (open escalated items are few: the EXISTS
    # runs per item on the (item, at) index of the events).
    by_me = (
        escalated.filter(Exists(escalations.filter(actor=agent)))
        .exclude(assignee=agent)
        .annotate(person=F("assignee__username"))
    )
    fields = ("pk", "title", "status", "due_at", "person")
    return {
        "to_me": [_row(r) for r in to_me.values(*fields)[:limit]],
        "by_me": [_row(r) for r in by_me.values(*fields)[:limit]],
        "available": True,
    }


def _row(r: dict) -> dict:
    return {
        "id": r["pk"],
        "title": r["title"],
        "status": r["status"],
        "due_at": r["due_at"],
        "person": r["person"],
        "url": _url(r["pk"]),
    }
