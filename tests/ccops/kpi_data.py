"""A small hand-made day of work for the KPI tests (fixtures imported by the test modules).

Day D = 2026-03-10 (UTC). People: ``agent`` (Front A), ``other_agent`` (Front B),
``back_agent`` and ``idle`` (Back A). Items are written straight to the tables with exact
times, as the services would have left them, so every number below can be worked by hand.

Closed on D (event kind, by whom, handle seconds, due, customer):

    i1  Calls  c1  completed  agent       09:10  300 s  due 10:00  on time
    i2  Calls  c2  completed  agent       11:00  600 s  due 10:30  late
    i3  Calls  c3  handed_off agent       10:20  240 s  due 11:00  on time -> case i4
    i5  Calls  c1  completed  other_agent 12:05  120 s  due 13:00  on time, repeat of i1
    i4  Claims c3  completed  back_agent  15:00 1800 s  due D+2    on time
    i6  Claims c2  completed  back_agent  16:00 2400 s  due D-1    late

i7 (Calls, c4, Front A) was completed by agent on D-1 and reopened on D 08:00 (same item).
i8 (Calls, c2) arrives on D+1 09:00: a follow-up contact, within the FCR window, to both
i2 and i6 (customer c2).
Open at the end of D: i7 (39 h, past due), and in Back A i9 (48 h), i10 (12 h),
i11 (144 h, past due), i13 (72 h, cancelled only on D+1, past due), i14 (18 h, completed
on D+1). i12 was cancelled on D. ``idle`` was available on D and closed nothing.
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from ccops.choices import Office, Role
from tests.factories import make_user
from workitems.choices import Channel, EventKind, PresenceState, Source, Status
from workitems.models import Customer, PresenceChange, WorkItem, WorkItemEvent, WorkType

D = date(2026, 3, 10)


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return datetime(D.year, D.month, D.day, hour, minute, tzinfo=UTC) + timedelta(days=days)


def make_item(work_type, created, *, customer=None, team=None, status=Status.NEW, **fields):
    return WorkItem.objects.create(
        work_type=work_type,
        title=f"{work_type.name} item",
        customer=customer,
        team=team or work_type.owning_team,
        created_at=created,
        due_at=created + work_type.sla,
        status=status,
        **fields,
    )


def event(item, kind, when, actor=None, from_status="", to_status="", *, handle=0, **data):
    return WorkItemEvent.objects.create(
        item=item,
        kind=kind,
        at=when,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        assignee=item.assignee,
        data=data,
        handle_seconds=handle,
        handled_by=actor if handle else None,
    )


def close(item, agent, when, handle_seconds, kind=EventKind.COMPLETED, **data):
    """Leave ``item`` as the services do after it was created, taken, worked and closed;
    ``data`` goes on the closing event (written once: the event log is append-only)."""
    WorkItem.objects.filter(pk=item.pk).update(
        status=Status.DONE,
        assignee=agent,
        started_at=when - timedelta(seconds=handle_seconds),
        completed_at=when,
        handle_seconds=handle_seconds,
        updated_at=when,
    )
    item.refresh_from_db()
    event(item, EventKind.CREATED, item.created_at, to_status=Status.NEW)
    event(
        item, EventKind.ASSIGNED, item.created_at + timedelta(minutes=1), agent, "new", "assigned"
    )
    event(item, EventKind.STARTED, item.started_at, agent, "assigned", "in_progress")
    # The closing event ends the one work segment and records it (as the services do).
    event(item, kind, when, agent, "in_progress", "done", handle=handle_seconds, **data)
    return item


@pytest.fixture
def work_types(front_team, back_team):
    calls = WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=6,
        owning_team=front_team,
    )
    claims = WorkType.objects.create(
        name="Claims",
        office=Office.BACK,
        channel=Channel.CASE,
        sla=timedelta(days=2),
        standard_minutes=25,
        owning_team=back_team,
    )
    return SimpleNamespace(calls=calls, claims=claims)


@pytest.fixture
def kpi_day(work_types, agent, other_agent, back_agent, back_team):
    calls, claims = work_types.calls, work_types.claims
    c1, c2, c3, c4 = (
        Customer.objects.create(external_ref=f"C{n}", name=f"Customer {n}") for n in range(1, 5)
    )
    idle = make_user(Role.AGENT, username="idle", team=back_team)
    i1 = close(make_item(calls, at(9), customer=c1), agent, at(9, 10), 300)
    i2 = close(make_item(calls, at(9, 30), customer=c2), agent, at(11), 600)
    # i3 is handed off as case i4: the case exists before the hand-off event names it.
    i3 = make_item(calls, at(10), customer=c3)
    i4 = make_item(claims, at(10, 20), customer=c3, source=Source.HANDOFF, origin=i3)
    i3 = close(
        i3, agent, at(10, 20), 240, EventKind.HANDED_OFF, case_id=i4.pk, to_work_type=claims.pk
    )
    i4 = close(i4, back_agent, at(15), 1800)
    i5 = close(make_item(calls, at(12), customer=c1), other_agent, at(12, 5), 120)
    i6 = close(make_item(claims, at(8, days=-3), customer=c2), back_agent, at(16), 2400)
    # i7: completed on D-1, reopened on D as the same item (back in the queue).
    i7 = close(make_item(calls, at(9, days=-1), customer=c4), agent, at(9, 10, days=-1), 100)
    WorkItem.objects.filter(pk=i7.pk).update(
        status=Status.NEW, assignee=None, completed_at=None, reopen_count=1
    )
    event(i7, EventKind.REOPENED, at(8), agent, "done", "new", same_item=True)
    i8 = make_item(calls, at(9, days=1), customer=c2)
    i9 = make_item(claims, at(0, days=-1))
    i10 = make_item(claims, at(12))
    i11 = make_item(claims, at(0, days=-5))
    i12 = make_item(calls, at(0, days=-2))
    WorkItem.objects.filter(pk=i12.pk).update(status=Status.CANCELLED, updated_at=at(10))
    i13 = make_item(claims, at(0, days=-2))
    WorkItem.objects.filter(pk=i13.pk).update(status=Status.CANCELLED, updated_at=at(5, days=1))
    i14 = close(make_item(claims, at(6)), back_agent, at(10, days=1), 900)
    PresenceChange.objects.create(
        agent=idle, state=PresenceState.AVAILABLE, started_at=at(9), ended_at=at(17)
    )
    PresenceChange.objects.create(
        agent=agent, state=PresenceState.AVAILABLE, started_at=at(8), ended_at=at(18)
    )
    return SimpleNamespace(
        day=D,
        agent=agent,
        other_agent=other_agent,
        back_agent=back_agent,
        idle=idle,
        calls=calls,
        claims=claims,
        items=[i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14],
    )
