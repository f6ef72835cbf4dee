"""SLA alerts: the holder and the team's supervisor are told once when an item turns at
risk and once when it is past due; paused and long-past items are not alerted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.notification_models import Notification
from workitems.models import WorkItem
from workitems.sla_alerts import sla_alerts_send

pytestmark = pytest.mark.django_db


def times(item, *, at_risk, due, paused=None):
    """Set an item's SLA times; ``paused``: waiting on the customer since then (pending, as
    the services leave a paused item)."""
    status = {"status": "pending"} if paused else {}
    WorkItem.objects.filter(pk=item.pk).update(
        at_risk_at=at_risk, due_at=due, sla_paused_at=paused, **status
    )


def test_holder_and_supervisor_are_told_once_of_each_turn(held_item, agent, supervisor):
    now = timezone.now()
    times(held_item, at_risk=now - timedelta(minutes=2), due=now + timedelta(minutes=30))
    assert sla_alerts_send(now=now) == {"at_risk": 2, "breached": 0}
    assert sla_alerts_send(now=now + timedelta(minutes=5)) == {"at_risk": 0, "breached": 0}
    told = Notification.objects.filter(kind="sla_at_risk")
    assert {n.user for n in told} == {agent, supervisor}
    assert told[0].title == f"At risk: #{held_item.pk} {held_item.title}"
    assert told[0].url == f"/work/items/{held_item.pk}/"

    later = now + timedelta(minutes=31)
    assert sla_alerts_send(now=later) == {"at_risk": 0, "breached": 2}
    assert sla_alerts_send(now=later) == {"at_risk": 0, "breached": 0}
    assert Notification.objects.filter(kind="sla_breached").count() == 2


def test_paused_closed_and_long_past_items_are_not_alerted(make_item, supervisor):
    now = timezone.now()
    paused, old, fine = make_item(), make_item(), make_item()
    times(paused, at_risk=now - timedelta(minutes=1), due=now - timedelta(seconds=1), paused=now)
    times(old, at_risk=now - timedelta(days=2), due=now - timedelta(days=1))
    times(fine, at_risk=now + timedelta(hours=1), due=now + timedelta(hours=2))
    assert sla_alerts_send(now=now) == {"at_risk": 0, "breached": 0}
    assert not Notification.objects.exists()
