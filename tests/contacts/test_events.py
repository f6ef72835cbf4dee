"""POST /api/v1/contact-events/: signing, idempotence, out-of-order events, partial batches,
dead letters and replay, and what the events do to work items and presence."""

import time

import pytest
from django.core.management import call_command

from contacts import services, signing
from contacts.choices import ApplyStatus
from contacts.models import Contact, ContactEvent, ContactSource
from workitems.choices import PresenceState, Status
from workitems.models import AgentPresence, PresenceChange, WorkItem, WorkItemEvent

from .conftest import event

pytestmark = pytest.mark.django_db

T0 = "2026-12-07T09:00:00+00:00"


def offered(eid, contact, queue, at=T0):
    return event(eid, "offered", at, contact, queue=queue)


def nothing_written():
    return not (
        ContactEvent.objects.exists() or Contact.objects.exists() or WorkItem.objects.exists()
    )


# --- Authentication ---------------------------------------------------------------------


def test_a_signed_event_is_applied_and_makes_a_work_item(post, calls, source):
    response = post(offered("e1", "c1", calls.name))
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1 and body["invalid"] == 0
    assert body["results"] == [{"index": 0, "id": "e1", "status": "applied", "error": ""}]
    contact = Contact.objects.get()
    assert contact.queue == calls and contact.offered_at.isoformat() == T0
    item = WorkItem.objects.get()
    assert contact.work_item == item
    assert item.status == Status.NEW and item.work_type == calls
    assert item.created_at.isoformat() == T0 and item.team == calls.owning_team


@pytest.mark.parametrize(
    "case",
    ["wrong_secret", "stale", "future", "unknown_source", "no_signature", "inactive", "garbage"],
)
def test_unauthenticated_requests_get_401_and_write_nothing(post, calls, source, case):
    src, secret = source
    old = str(int(time.time()) - 301)
    options = {
        "wrong_secret": {"secret_": "not-the-secret"},
        "stale": {"timestamp": old},
        "future": {"timestamp": str(int(time.time()) + 330)},  # margin for a slow run
        "unknown_source": {"headers": {"HTTP_X_CCOPS_SOURCE": "nobody"}},
        "no_signature": {"headers": {"HTTP_X_CCOPS_SIGNATURE": ""}},
        "inactive": {},
        "garbage": {"timestamp": "12abc"},
    }[case]
    if case == "inactive":
        ContactSource.objects.filter(pk=src.pk).update(active=False)
    response = post(offered("e1", "c1", calls.name), **options)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert nothing_written()


def test_a_body_changed_after_signing_is_refused(client, calls, source):
    src, secret = source
    from .conftest import signed_headers

    signed = b'{"id": "e1", "type": "offered", "at": "' + T0.encode() + b'", "contact_id": "c"}'
    headers = signed_headers(src.name, secret, signed)
    tampered = signed.replace(b'"c"', b'"d"')
    response = client.generic(
        "POST", "/api/v1/contact-events/", tampered, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert nothing_written()


def test_a_rotated_secret_replaces_the_old_one(post, calls, source):
    src, old = source
    new = services.source_rotate(source=src)
    assert new != old and signing.unseal(src.secret_sealed) == new
    assert src.rotated_at is not None
    assert post(offered("e1", "c1", calls.name), secret_=old).status_code == 401
    assert post(offered("e1", "c1", calls.name), secret_=new).status_code == 200


def test_the_secret_is_not_stored_in_clear(source):
    src, secret = source
    assert secret not in src.secret_sealed


def test_the_command_creates_a_source_and_prints_its_secret_once(db, capsys):
    call_command("contact_source_create", "twilio")
    secret = capsys.readouterr().out.strip()
    source = ContactSource.objects.get(name="twilio")
    assert len(secret) >= 40 and signing.unseal(source.secret_sealed) == secret
    with pytest.raises(Exception, match="already exists"):
        call_command("contact_source_create", "twilio")


# --- Idempotence, validation, dead letters ----------------------------------------------


def test_replaying_events_changes_nothing(post, calls, agent):
    events = [
        offered("e1", "c1", calls.pk),
        event("e2", "answered", "2026-12-07T09:00:10+00:00", "c1", agent="agent"),
        event("e3", "ended", "2026-12-07T09:05:10+00:00", "c1", agent="agent", talk_seconds=240),
    ]
    assert post(events).status_code == 200
    snapshot = (
        list(Contact.objects.values()),
        list(WorkItem.objects.values()),
        WorkItemEvent.objects.count(),
        list(ContactEvent.objects.values("id", "status", "attempts")),
    )
    again = post(events)
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 3
    # The admin's replay of applied events changes nothing either.
    for stored in ContactEvent.objects.all():
        services.event_replay(event=stored)
    after = (
        list(Contact.objects.values()),
        list(WorkItem.objects.values()),
        WorkItemEvent.objects.count(),
        list(ContactEvent.objects.values("id", "status")),
    )
    assert after[:3] == snapshot[:3]
    assert all(row["status"] == ApplyStatus.APPLIED for row in after[3])


def test_a_bad_event_in_a_list_is_reported_by_index_and_the_good_ones_kept(post, calls, agent):
    response = post(
        [
            offered("e1", "c1", calls.name),
            {"id": "e2", "type": "teleported", "at": T0, "contact_id": "c2"},
            event("e3", "offered", "2026-12-07 09:00:00", "c3", queue=calls.name),  # no offset
            event("e4", "answered", T0, "c1"),  # no agent
            "not an object",
            event("e6", "ended", T0, "c1", agent="agent", talk_seconds=-1),
            offered("e7", "c7", calls.name),
        ]
    )
    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 2 and body["invalid"] == 5
    results = body["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "applied",
    ]
    assert list(results[1]["errors"]) == ["type"]
    assert "offset" in results[2]["errors"]["at"][0]
    assert list(results[3]["errors"]) == ["agent"]
    assert results[4]["errors"] == {"non_field_errors": ["An event is a JSON object."]}
    assert list(results[5]["errors"]) == ["talk_seconds"]
    assert set(ContactEvent.objects.values_list("external_id", flat=True)) == {"e1", "e7"}
    assert Contact.objects.count() == 2 and WorkItem.objects.count() == 2


def test_a_single_invalid_event_is_a_400_naming_the_field(post, calls):
    response = post({"id": "e1", "type": "offered", "at": T0, "contact_id": "c1"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["queue"]
    assert nothing_written()


@pytest.mark.parametrize("body", [[], 5, "text"])
def test_a_body_that_is_no_event_is_a_400(post, body):
    assert post(body).status_code == 400
    assert not ContactEvent.objects.exists()


def test_a_list_of_only_bad_events_is_a_400(post):
    response = post([{"id": "x"}, {"type": "offered"}])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"0.type", "0.at", "1.id", "1.at"} <= set(errors)
    assert not ContactEvent.objects.exists()


def test_unknown_queue_is_a_dead_letter_that_a_replay_applies_once_it_exists(
    post, calls, front_team
):
    response = post(offered("e1", "c1", "Chats"))
    result = response.json()["results"][0]
    assert response.status_code == 200
    assert result["status"] == "dead_letter" and "Unknown queue 'Chats'" in result["error"]
    stored = ContactEvent.objects.get()
    assert stored.status == ApplyStatus.DEAD and "Chats" in stored.error
    assert not Contact.objects.exists() and not WorkItem.objects.exists()  # nothing half-done

    calls.pk = None
    calls.name = "Chats"
    calls.save()  # the admin creates the queue, then replays
    replayed = services.event_replay(event=stored)
    assert replayed.status == ApplyStatus.APPLIED and replayed.error == ""
    assert replayed.attempts == 2
    assert Contact.objects.get().queue.name == "Chats"
    assert WorkItem.objects.get().work_type.name == "Chats"


def test_unknown_agent_is_a_dead_letter(post, calls):
    post(offered("e1", "c1", calls.name))
    result = post(event("e2", "answered", T0, "c1", agent="ghost")).json()["results"][0]
    assert result["status"] == "dead_letter" and "ghost" in result["error"]
    assert Contact.objects.get().answered_at is None
    assert WorkItem.objects.get().status == Status.NEW


# --- What the events do -----------------------------------------------------------------


def test_a_contact_through_its_life_moves_its_work_item(post, calls, agent):
    post(offered("e1", "c1", calls.name))
    post(event("e2", "answered", "2026-12-07T09:00:12+00:00", "c1", agent="agent"))
    item = WorkItem.objects.get()
    assert item.status == Status.IN_PROGRESS and item.assignee == agent
    assert item.started_at.isoformat() == "2026-12-07T09:00:12+00:00"
    post(
        event(
            "e3",
            "ended",
            "2026-12-07T09:05:12+00:00",
            "c1",
            agent="agent",
            talk_seconds=240,
            hold_seconds=30,
            wrap_seconds=30,
        )
    )
    item.refresh_from_db()
    assert item.status == Status.DONE and item.handle_seconds == 300
    assert item.completed_at.isoformat() == "2026-12-07T09:05:12+00:00"
    contact = Contact.objects.get()
    assert contact.wait_seconds == 12 and contact.handle_seconds == 300
    kinds = list(item.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "assigned", "started", "completed"]


def test_out_of_order_events_give_the_same_contact_and_item(post, calls, agent):
    # ended, then answered, then offered: the same end state as in order.
    post(event("e3", "ended", "2026-12-07T09:05:12+00:00", "c1", agent="agent", talk_seconds=100))
    contact = Contact.objects.get()
    assert contact.queue is None and contact.work_item is None  # no queue known yet
    post(event("e2", "answered", "2026-12-07T09:00:12+00:00", "c1", agent="agent"))
    post(offered("e1", "c1", calls.name))
    contact = Contact.objects.get()
    assert contact.offered_at.isoformat() == T0
    assert contact.answered_at.isoformat() == "2026-12-07T09:00:12+00:00"
    assert contact.wait_seconds == 12 and contact.talk_seconds == 100
    item = WorkItem.objects.get()
    assert item.status == Status.DONE and item.assignee == agent and item.handle_seconds == 100
    assert item.created_at.isoformat() == T0


def test_an_answer_before_its_offer_keeps_the_right_wait(post, calls, agent):
    post(event("e2", "answered", "2026-12-07T09:00:30+00:00", "c1", agent="agent", queue=calls.pk))
    item = WorkItem.objects.get()
    assert item.status == Status.IN_PROGRESS and item.assignee == agent
    post(offered("e1", "c1", calls.name))
    contact = Contact.objects.get()
    assert contact.wait_seconds == 30 and contact.offered_at.isoformat() == T0
    assert WorkItem.objects.count() == 1


def test_an_abandoned_contact_cancels_its_item(post, calls):
    post(
        [
            offered("e1", "c1", calls.name),
            event("e2", "abandoned", "2026-12-07T09:00:40+00:00", "c1"),
        ]
    )
    item = WorkItem.objects.get()
    assert item.status == Status.CANCELLED and item.assignee is None
    assert Contact.objects.get().wait_seconds == 40


def test_agent_state_moves_presence_and_an_older_state_does_not_undo_a_newer(post, agent):
    post(event("s1", "agent_state", "2026-12-07T09:00:00+00:00", agent="agent", state="available"))
    post(event("s3", "agent_state", "2026-12-07T09:10:00+00:00", agent="agent", state="break"))
    post(event("s2", "agent_state", "2026-12-07T09:05:00+00:00", agent="agent", state="offline"))
    presence = AgentPresence.objects.get(agent=agent)
    assert presence.state == PresenceState.BREAK
    assert presence.since.isoformat() == "2026-12-07T09:10:00+00:00"
    history = list(PresenceChange.objects.filter(agent=agent).values_list("state", "ended_at"))
    assert [h[0] for h in history] == ["available", "break"]
    assert history[1][1] is None
    assert ContactEvent.objects.get(external_id="s2").status == ApplyStatus.APPLIED


def test_agent_state_with_an_unknown_state_is_invalid(post, agent):
    response = post(event("s1", "agent_state", T0, agent="agent", state="dancing"))
    assert response.status_code == 400 and list(response.json()["errors"]) == ["state"]


# --- Query counts -----------------------------------------------------------------------


def test_query_count_of_one_offered_event(post, calls, django_assert_num_queries):
    # 1 the source, 2 the queues named; 3 savepoint, 4 insert the event, 5 savepoint,
    # 6 lock its contact (none yet), 7-11 the item (savepoint, its team's or site's business
    # calendar, insert, its created event, release), 12 insert the contact, 13-14 releases.
    with django_assert_num_queries(14):
        assert post(offered("e1", "c1", calls.name)).status_code == 200


def test_query_count_of_100_events_grows_per_event_not_per_batch(post, calls, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = [offered(f"e{i}", f"c{i}", calls.name) for i in range(100)]
    with CaptureQueriesContext(connection) as ctx:
        assert post(batch).status_code == 200
    # One source and one queue lookup per batch, then per event: insert it, savepoint, lock
    # its contact (none yet), the item (savepoint, its calendar, insert, its event, release),
    # insert the contact, release; and the test's transaction's savepoint and release.
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) <= 2 + 100 * 12, len(queries)
    assert sum(q.startswith('SELECT "workitems_worktype"') for q in queries) == 1


def test_the_timestamp_window_is_300_seconds_either_way(source):
    src, secret = source
    body = b"[]"
    for offset, ok in ((300, True), (-300, True), (301, False), (-301, False)):
        ts = str(1_800_000_000 + offset)
        sig = signing.signature(secret, ts, body)
        found = services.source_authenticate(
            name="acd", timestamp=ts, signature=sig, body=body, now=1_800_000_000
        )
        assert (found == src) is ok, offset


def test_too_many_events_or_too_big_a_body_is_a_400(post, calls, settings):
    many = [offered(f"e{i}", f"c{i}", calls.name) for i in range(501)]
    response = post(many)
    assert response.status_code == 400 and "At most 500" in response.json()["detail"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert post(many[:20]).status_code == 400
    assert nothing_written()


def test_hostile_signed_bodies_are_400s_that_write_nothing(post, calls):
    """What the project-wide hostile-input test cannot send unsigned: deep nesting and
    numbers past 64 bits, signed, answer 400 (the latter naming the field)."""
    deep = {"id": "d", "type": "offered", "at": T0, "contact_id": "c", "queue": calls.name}
    nested = deep
    for _ in range(500):
        nested = {"x": nested}
    assert post(nested).status_code == 400
    huge = dict(deep, talk_seconds=2**70)
    response = post(huge)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["talk_seconds"]
    assert nothing_written()
