"""Carry out an intraday flex suggestion: ONE service for the page (and anything else).

The agents' front/back-office blocks overlapping the window are split, and the window's
part moved to the other office's activity, in one transaction under locks on the agents'
rows and their blocks. The suggestion carries a fingerprint of the blocks it was made
from; if they changed since (another apply, an edit), nothing is written (409). Claim-next
follows the new blocks (``staffing.selectors.scheduled_office``); the agents are told
(``SCHEDULE_PUBLISHED``); a :class:`~staffing.models.FlexMove` logs before and after.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.models import User

from ..adherence_models import FlexMove
from ..choices import Activity
from ..errors import InvalidInput, NotAllowed, StaffingError
from ..models import Shift
from ..permissions import can_edit_shifts_of


class StaleSuggestion(StaffingError):
    status_code = 409
    code = "stale"


DIRECTIONS = {
    "to_front": (Activity.BACK_OFFICE, Activity.FRONT_OFFICE),
    "to_back": (Activity.FRONT_OFFICE, Activity.BACK_OFFICE),
}


def _blocks(agent_ids, start, end, *, lock=False):
    qs = Shift.objects.filter(agent_id__in=agent_ids, start__lt=end, end__gt=start).order_by(
        "agent_id", "start", "pk"
    )
    return list(qs.select_for_update() if lock else qs)


def blocks_fingerprint(agent_ids, start: datetime, end: datetime, blocks=None) -> str:
    """A short hash of the agents' blocks overlapping the window (what a suggestion saw)."""
    blocks = _blocks(agent_ids, start, end) if blocks is None else blocks
    text = ";".join(
        f"{b.pk},{b.agent_id},{b.start.isoformat()},{b.end.isoformat()},{b.activity}"
        for b in blocks
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _row(b) -> dict:
    return {
        "agent": b.agent_id,
        "start": b.start.isoformat(),
        "end": b.end.isoformat(),
        "activity": b.activity,
    }


def flex_move_apply(
    *,
    by,
    direction: str,
    agent_ids,
    window_start: datetime,
    window_end: datetime,
    fingerprint: str,
    to_type=None,
    suggestion: dict | None = None,
) -> FlexMove:
    if direction not in DIRECTIONS:
        raise InvalidInput("Unknown direction.", field="direction")
    if window_end <= window_start:
        raise InvalidInput("The window must end after it starts.", field="window_end")
    agent_ids = sorted({int(a) for a in agent_ids})
    if not agent_ids:
        raise InvalidInput("No agents to move.", field="agents")
    agents = list(User.objects.filter(pk__in=agent_ids, is_active=True).select_related("team"))
    if len(agents) != len(agent_ids):
        raise InvalidInput("An agent is unknown or inactive.", field="agents")
    for agent in agents:
        if not can_edit_shifts_of(by, agent):
            raise NotAllowed("You may only move your own team's agents.")
    source, target = DIRECTIONS[direction]
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk__in=agent_ids).order_by("pk"))
        blocks = _blocks(agent_ids, window_start, window_end, lock=True)
        if blocks_fingerprint(agent_ids, window_start, window_end, blocks) != fingerprint:
            raise StaleSuggestion(
                "The agents' schedule changed since this suggestion was made: reload the page."
            )
        moving = [b for b in blocks if b.activity == source]
        if not moving:
            raise StaleSuggestion("None of these agents is scheduled there in this window.")
        before = [_row(b) for b in blocks]
        for b in moving:
            pieces = []
            if b.start < window_start:
                pieces.append((b.start, window_start, b.activity))
            pieces.append((max(b.start, window_start), min(b.end, window_end), target))
            if b.end > window_end:
                pieces.append((window_end, b.end, b.activity))
            first, *rest = pieces
            b.start, b.end, b.activity = first
            b.save(update_fields=["start", "end", "activity", "updated_at"])
            Shift.objects.bulk_create(
                Shift(
                    agent_id=b.agent_id, start=s, end=e, activity=a, note="flex move", created_by=by
                )
                for s, e, a in rest
            )
        after = [_row(b) for b in _blocks(agent_ids, window_start, window_end)]
        move = FlexMove.objects.create(
            direction=direction,
            to_type=to_type,
            window_start=window_start,
            window_end=window_end,
            suggestion=suggestion or {},
            before=before,
            after=after,
            applied_by=by,
        )
        move.agents.set(agent_ids)
        local = timezone.localtime
        notifications.notify(
            notifications.Kind.SCHEDULE_PUBLISHED,
            agents,
            title=(
                f"Flex move: {Activity(target).label.lower()} "
                f"{local(window_start):%H:%M}–{local(window_end):%H:%M}"
                + (f" ({to_type})" if to_type else "")
            ),
            body="Your schedule changed for this window; claim-next gives you that work.",
            url=reverse("staffing:my_schedule"),
            key=f"flex:{move.pk}",
        )
    return move
