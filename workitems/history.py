"""Reads for the agent beside their current item: the customer's recent contacts and cases,
and the item's notes. Only what the reader may see: items through
``WorkItem.objects.visible_to(user)`` (the one visibility rule)."""

from django.db.models import Q

from ccops.choices import Office

from .models import WorkItem, WorkItemEvent

RECENT_LIMIT = 5
NOTES_LIMIT = 10


def customer_recent(*, customer, user, exclude=None, limit: int = RECENT_LIMIT) -> dict:
    """``{"contacts": [...], "cases": [...]}``: the customer's latest front-office contacts
    and back-office cases that ``user`` may see, newest first, ``limit`` of each (the item
    in hand excluded). Two queries; none without a customer."""
    if customer is None:
        return {"contacts": [], "cases": []}
    items = (
        WorkItem.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("work_type")
        .order_by("-created_at", "-id")
    )
    if exclude is not None:
        items = items.exclude(pk=exclude.pk)
    return {
        "contacts": list(items.filter(work_type__office=Office.FRONT)[:limit]),
        "cases": list(items.filter(work_type__office=Office.BACK)[:limit]),
    }


def item_notes(*, item, limit: int = NOTES_LIMIT) -> list[WorkItemEvent]:
    """The item's events that carry a note (comments, hand-off and escalation reasons),
    newest first, with who wrote them. One query. The caller has already shown it may see
    ``item``."""
    return list(
        WorkItemEvent.objects.filter(item=item)
        .filter(~Q(note=""))
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
