"""The demo seeds work of both offices with history, hand-offs, reopens and a live backlog,
and a second run adds nothing."""

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from ccops.choices import Office
from ccops.demo import DemoContext
from ccops.models import User
from training.models import AgentSkill
from workitems.choices import EventKind, Source, Status
from workitems.models import AgentPresence, Customer, WorkItem, WorkItemEvent, WorkType


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (WorkType, WorkItem, WorkItemEvent, Customer, AgentSkill, AgentPresence)
    }


@pytest.mark.django_db
def test_seed_demo_builds_work_history_and_is_idempotent(capsys, monkeypatch):
    # Three weeks of history instead of 60 days keeps the test quick; same code paths.
    monkeypatch.setattr(DemoContext, "history_days", 21, raising=False)
    call_command("seed_demo", "--agents", "8", "--seed", "5")
    assert "Work items:" in capsys.readouterr().out
    names = dict(WorkType.objects.values_list("name", "office"))
    assert names == {
        "Inbound calls": Office.FRONT,
        "Chat": Office.FRONT,
        "Claims casework": Office.BACK,
        "Billing casework": Office.BACK,
        "Complaints": Office.BACK,
    }
    calls = WorkType.objects.get(name="Inbound calls")
    assert calls.required_skill.name == "Inbound calls" and calls.owning_team.office == "front"
    assert WorkType.objects.get(name="Claims casework").owning_team.name == "Claims Casework"

    first = counts()
    assert 800 < first["WorkItem"] < 4000
    assert first["WorkItemEvent"] > 3 * first["WorkItem"]
    agents = User.objects.filter(groups__name="Agent")
    assert AgentPresence.objects.filter(agent__in=agents).count() == 8
    assert set(AgentSkill.objects.values_list("agent", flat=True)) == set(
        agents.values_list("pk", flat=True)
    )

    # Hand-offs: cases that point at the call they came from, and the call's event says so.
    cases = WorkItem.objects.filter(source=Source.HANDOFF)
    assert cases.count() > 0.05 * WorkItem.objects.filter(work_type__office="front").count()
    case = cases.select_related("origin__work_type").first()
    assert case.origin.work_type.office == Office.FRONT
    handed = case.origin.events.get(kind=EventKind.HANDED_OFF)
    assert handed.data["case_id"] == case.pk
    # Reopens, repeats and the live backlog.
    assert WorkItem.objects.filter(reopen_count__gt=0).exists()
    assert WorkItemEvent.objects.filter(kind=EventKind.REOPENED).exists()
    repeaters = WorkItem.objects.values("customer").annotate(n=Count("id")).filter(n__gt=1).count()
    assert repeaters > 50
    assert WorkItem.objects.open().filter(work_type__office="front", status=Status.NEW).exists()
    assert WorkItem.objects.past_due().filter(work_type__office="back").exists()
    assert WorkItem.objects.filter(status=Status.IN_PROGRESS).exists()
    assert WorkItem.objects.filter(is_duplicate_suspect=True).count() == 1
    # Weekly pattern in the history: no Sunday arrivals, Mondays busier than Fridays. Today's
    # live queue is there whatever the weekday (a demo opened on a Sunday still has work).
    # The live queue arrived in the last quarter hour: just after midnight that is yesterday,
    # so the history ends at the start of the day an hour ago.
    hour_ago = timezone.localtime() - timedelta(hours=1)
    midnight = timezone.make_aware(datetime.combine(hour_ago.date(), time.min))
    by_day = dict(
        WorkItem.objects.filter(source=Source.API, created_at__lt=midnight)
        .values_list("created_at__week_day")
        .annotate(n=Count("id"))
        .values_list("created_at__week_day", "n")
    )
    assert by_day.get(1, 0) == 0 and by_day[2] > by_day[6]
    # Every item's state agrees with its last event.
    for item in WorkItem.objects.order_by("?")[:200]:
        last = item.events.order_by("at", "id").last()
        assert last.to_status == item.status, item

    call_command("seed_demo", "--agents", "8", "--seed", "5")
    assert counts() == first
