"""Real concurrency on PostgreSQL: the same event, or two events of one new contact, posted
at the same moment leave one event row, one contact and one work item."""

import threading

import pytest
from django.db import connection

from contacts import services
from contacts.models import Contact, ContactEvent
from tests.services import require_postgres
from workitems.models import WorkItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AT = "2026-12-07T09:00:00+00:00"


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _event(eid, type_, **extra):
    from django.utils.dateparse import parse_datetime

    return {"id": eid, "type": type_, "at": parse_datetime(AT), "contact_id": "c1", **extra}


def test_the_same_event_posted_twice_at_once_is_stored_once(source, calls):
    require_postgres()
    src, _ = source
    data = _event("e1", "offered", queue=calls.name)
    results = race(
        lambda: services.events_ingest(source=src, events=[data]),
        lambda: services.events_ingest(source=src, events=[data]),
    )
    statuses = sorted(r[0]["status"] for r in results)
    assert statuses == ["applied", "duplicate"], results
    assert ContactEvent.objects.count() == 1
    assert Contact.objects.count() == 1 and WorkItem.objects.count() == 1


def test_two_events_of_a_new_contact_at_once_make_one_contact_and_item(source, calls, agent):
    require_postgres()
    src, _ = source
    results = race(
        lambda: services.events_ingest(
            source=src, events=[_event("e1", "offered", queue=calls.name)]
        ),
        lambda: services.events_ingest(
            source=src, events=[_event("e2", "answered", agent="agent", queue=calls.name)]
        ),
    )
    assert sorted(r[0]["status"] for r in results) == ["applied", "applied"], results
    contact = Contact.objects.get()
    assert contact.offered_at is not None and contact.answered_at is not None
    item = WorkItem.objects.get()
    assert contact.work_item == item and item.assignee == agent and item.status == "in_progress"
