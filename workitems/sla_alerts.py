"""SLA alerts: an item that has just become at risk or past due is told to whoever holds it
and to its team's supervisor, once each (``ccops.notifications``' keys), by a task every
five minutes.

The scan reads only the items whose at-risk or due time fell within the look-back window, by
index (``wi_open_at_risk`` and ``wi_open_urgency``), so it costs the same at any table size;
an item paused for the customer is not alerted (its clock is stopped). A worker that was down
for longer than the window does not alert what fell due meanwhile: the queue shows those.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ccops import notifications

from .models import WorkItem
from .querysets import running_q

LOOK_BACK = timedelta(hours=1)


def _recipients(item: WorkItem) -> list:
    supervisor = item.team.supervisor if item.team_id else None
    return [item.assignee, supervisor]


def _alert(items, kind: str, title: str) -> int:
    told = 0
    for item in items:
        made = notifications.notify(
            kind,
            _recipients(item),
            title=title.format(item=item)[:200],
            body=f"Due {timezone.localtime(item.due_at):%a %d %b %H:%M}.",
            url=reverse("workitems:item_detail", args=[item.pk]),
            key=f"item:{item.pk}",
        )
        told += len(made)
    return told


def sla_alerts_send(*, now=None, look_back: timedelta = LOOK_BACK) -> dict[str, int]:
    """Alert the items that turned at risk or past due in ``(now - look_back, now]``.
    Returns how many in-app notifications each kind made."""
    now = now or timezone.now()
    since = now - look_back
    open_items = WorkItem.objects.filter(running_q()).select_related("assignee", "team__supervisor")
    at_risk = open_items.filter(at_risk_at__gt=since, at_risk_at__lte=now, due_at__gt=now)
    breached = open_items.filter(due_at__gt=since, due_at__lte=now)
    return {
        "at_risk": _alert(
            at_risk.iterator(chunk_size=500),
            notifications.Kind.SLA_AT_RISK,
            "At risk: #{item.pk} {item.title}",
        ),
        "breached": _alert(
            breached.iterator(chunk_size=500),
            notifications.Kind.SLA_BREACHED,
            "Past due: #{item.pk} {item.title}",
        ),
    }
