"""Work items moved by a telephony / ACD platform instead of by a person (the ``contacts``
app calls these when it applies contact events).

The ACD has already decided who took a contact and when, so these are not the people's
actions of :mod:`workitems.services`: no role checks, and the times (answered, ended) and
the handle seconds are the platform's. Each still goes through ``services._apply`` (the row
lock, the transition table, ``version + 1`` and the event), and each is idempotent: an item
already where the contact says it is stays as it is.
"""

from __future__ import annotations

from django.db import transaction

from .choices import CLOSED_STATUSES, PresenceState, Source, Status
from .models import AgentPresence, WorkItem, WorkType
from .services import _apply, _presence_change, workitem_create

SOURCE = Source.API


def contact_item_open(*, work_type: WorkType, external_ref: str, title: str, at) -> WorkItem:
    """The contact's item, created at its offer (idempotent on ``external_ref``)."""
    return workitem_create(
        work_type=work_type,
        title=title,
        source=SOURCE,
        external_ref=external_ref,
        created_at=at,
    )


def contact_item_answer(*, item: WorkItem, agent, at) -> WorkItem:
    """The agent answered: the item is theirs and in progress from ``at``."""
    item = WorkItem.objects.get(pk=item.pk)
    if item.status in CLOSED_STATUSES:
        return item
    if item.assignee_id != agent.pk or item.status == Status.NEW:
        item = _apply(
            item=item,
            action="assign",
            by=agent,
            note="Answered (contact event)",
            changes={"assignee": agent, "active_since": None},
            to_id=agent.pk,
        )
    if item.status == Status.ASSIGNED:
        item = _apply(
            item=item,
            action="start",
            by=agent,
            changes={"started_at": at, "active_since": None},
        )
    return item


def contact_item_end(*, item: WorkItem, agent, at, handle_seconds: int) -> WorkItem:
    """The contact ended: the item is done by ``agent`` with the platform's handle time."""
    item = WorkItem.objects.get(pk=item.pk)
    if item.status in CLOSED_STATUSES:
        return item
    if agent is not None:
        item = contact_item_answer(item=item, agent=agent, at=item.started_at or at)
    if item.status == Status.NEW:  # nobody to credit: it closes as cancelled below instead
        return contact_item_abandon(item=item, note="Ended without an agent (contact event)")

    def changes(locked, now):
        return {
            "completed_at": at,
            "started_at": locked.started_at or at,
            "active_since": None,
            "handle_seconds": handle_seconds,
        }

    return _apply(
        item=item,
        action="complete",
        by=agent,
        note="Ended (contact event)",
        changes=changes,
    )


def contact_item_abandon(*, item: WorkItem, note: str) -> WorkItem:
    """The caller left before an answer: the item is cancelled (no agent's work)."""
    item = WorkItem.objects.get(pk=item.pk)
    if item.status in CLOSED_STATUSES:
        return item
    return _apply(
        item=item,
        action="cancel",
        by=None,
        note=note,
        changes={"assignee": None} if item.status == Status.NEW else {},
    )


def presence_set_from_platform(*, agent, state: str, at) -> tuple[AgentPresence, bool]:
    """Move an agent's presence to ``state`` as of ``at``, unless a later state is already
    recorded (events arrive out of order: an older one must not undo a newer one).
    Returns ``(presence, moved)``."""
    if state not in PresenceState.values:
        raise ValueError(f"unknown presence state {state!r}")
    with transaction.atomic():
        presence, created = AgentPresence.objects.select_for_update().get_or_create(
            agent=agent, defaults={"since": at}
        )
        if not created and presence.since > at:
            return presence, False
        on_item = state in (PresenceState.ON_CONTACT, PresenceState.CASEWORK) and presence.item_id
        item = WorkItem(pk=presence.item_id) if on_item else None
        return _presence_change(presence, state, item, at), True
