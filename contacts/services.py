"""Every write of the contacts app: sources and their secrets, taking events in, applying
them to contacts, work items and presence, and replaying dead letters.

Rules stated once here:
- An event is stored once per ``(source, id)`` (a unique constraint; a re-sent event is a
  ``duplicate`` and changes nothing). A stored event is applied at once; one that cannot be
  (unknown queue or agent, an inactive work type, an illegal move) is kept as a dead letter
  with its error, and :func:`event_replay` applies it again once the cause is fixed.
- Events arrive in any order. Each merges into its contact's row (earliest offer, answer
  and abandon; the end with its seconds), and the work item is then moved to where the
  contact now is: offered -> open (new), answered -> the agent's and in progress, ended ->
  done with the platform's handle seconds, abandoned (never answered) -> cancelled.
- ``agent_state`` moves the agent's presence as of the event's time, unless a later state
  is already recorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from workitems import contact_services as acd
from workitems.errors import WorkflowError
from workitems.models import WorkItem, WorkType

from . import signing
from .choices import ApplyStatus, EventType
from .models import Contact, ContactEvent, ContactSource

MAX_EVENTS_PER_REQUEST = 500


class ContactsError(Exception):
    """An event that cannot be applied (it goes to the dead letters with this message)."""


# --- Sources ----------------------------------------------------------------------------


def source_create(*, name: str) -> tuple[ContactSource, str]:
    """A new source and its secret (returned once: only its sealed form is stored)."""
    name = (name or "").strip()
    if not name:
        raise ContactsError("A source needs a name.")
    secret = signing.new_secret()
    source = ContactSource(name=name, secret_sealed=signing.seal(secret))
    source.full_clean()
    source.save()
    return source, secret


def source_rotate(*, source: ContactSource) -> str:
    """A new secret for the source; the old one stops working at once."""
    secret = signing.new_secret()
    ContactSource.objects.filter(pk=source.pk).update(
        secret_sealed=signing.seal(secret), rotated_at=timezone.now()
    )
    source.refresh_from_db()
    return secret


def source_authenticate(
    *, name: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> ContactSource | None:
    """The active source whose secret signed ``timestamp + "." + body``, if the timestamp is
    fresh; None otherwise (unknown, inactive, stale or wrongly signed alike)."""
    now = time.time() if now is None else now
    if not name or not signing.fresh(timestamp or "", now):
        return None
    source = ContactSource.objects.filter(name=name, active=True).first()
    secret = signing.unseal(source.secret_sealed) if source else None
    if secret is None:
        return None
    return source if signing.valid(secret, timestamp, body, signature or "") else None


# --- Taking events in -------------------------------------------------------------------


@dataclass
class _Resolver:
    """Queues (by id or name) and agents (by username) named by a batch, looked up in one
    query each; a miss is an error for that event only."""

    queues: dict[str, WorkType] = field(default_factory=dict)
    agents: dict[str, object] = field(default_factory=dict)

    @classmethod
    def for_refs(cls, queue_refs, agent_refs) -> _Resolver:
        resolver = cls()
        queue_refs = {str(r) for r in queue_refs if r not in (None, "")}
        ids = {int(r) for r in queue_refs if r.isascii() and r.isdigit() and len(r) < 19}
        if queue_refs:
            for wt in WorkType.objects.filter(
                Q(pk__in=ids) | Q(name__in=queue_refs)
            ).select_related("owning_team"):
                resolver.queues[wt.name] = wt
                resolver.queues[str(wt.pk)] = wt
        agent_refs = {r for r in agent_refs if r}
        if agent_refs:
            users = get_user_model().objects.filter(username__in=agent_refs, is_active=True)
            resolver.agents = {u.username: u for u in users}
        return resolver

    def queue(self, ref: str) -> WorkType:
        try:
            return self.queues[ref]
        except KeyError:
            raise ContactsError(f"Unknown queue {ref!r} (a work type's id or name).") from None

    def agent(self, ref: str):
        try:
            return self.agents[ref]
        except KeyError:
            raise ContactsError(f"Unknown or inactive agent {ref!r}.") from None


def events_ingest(*, source: ContactSource, events: list[dict]) -> list[dict]:
    """Store and apply validated events (dicts with ``id, type, at, contact_id, queue,
    agent, talk_seconds, hold_seconds, wrap_seconds, state, payload``). Returns one result
    per event: ``{"id", "status": applied|dead_letter|duplicate, "error"}``. Each event is
    its own transaction: a failure of one never undoes another."""
    resolver = _Resolver.for_refs(
        (e.get("queue") or "" for e in events), (e.get("agent") or "" for e in events)
    )
    return [_ingest_one(source, e, resolver) for e in events]


def _ingest_one(source: ContactSource, data: dict, resolver: _Resolver) -> dict:
    event = ContactEvent(
        source=source,
        external_id=data["id"],
        type=data["type"],
        at=data["at"],
        contact_id=data.get("contact_id") or "",
        queue_ref=str(data.get("queue") or ""),
        agent_ref=data.get("agent") or "",
        talk_seconds=data.get("talk_seconds"),
        hold_seconds=data.get("hold_seconds"),
        wrap_seconds=data.get("wrap_seconds"),
        state=data.get("state") or "",
        payload=data.get("payload") or {},
        status=ApplyStatus.APPLIED,
    )
    try:
        _resolve(event, resolver)
    except ContactsError as exc:
        event.status, event.error = ApplyStatus.DEAD, str(exc)
    try:
        # New events are the usual case: insert, and let the unique constraint find a
        # re-sent one (on PostgreSQL a concurrent twin waits for this one, then fails).
        with transaction.atomic():
            event.save(force_insert=True)
            if event.status == ApplyStatus.APPLIED:
                _apply_or_dead_letter(event)
    except IntegrityError:
        if not ContactEvent.objects.filter(source=source, external_id=event.external_id).exists():
            raise
        return {"id": event.external_id, "status": "duplicate", "error": ""}
    status = "applied" if event.status == ApplyStatus.APPLIED else "dead_letter"
    return {"id": event.external_id, "status": status, "error": event.error}


def _resolve(event: ContactEvent, resolver: _Resolver) -> None:
    event.queue = resolver.queue(event.queue_ref) if event.queue_ref else None
    event.agent = resolver.agent(event.agent_ref) if event.agent_ref else None


def _apply_or_dead_letter(event: ContactEvent) -> None:
    """Apply in a savepoint; on failure the event is kept as a dead letter with why."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _apply(event)
        except IntegrityError:
            # Another transaction made this contact's row first: apply again onto it.
            if attempt == 2:
                raise
            continue
        except (ContactsError, WorkflowError) as exc:
            ContactEvent.objects.filter(pk=event.pk).update(status=ApplyStatus.DEAD, error=str(exc))
            event.status, event.error = ApplyStatus.DEAD, str(exc)
        break


def event_replay(*, event: ContactEvent) -> ContactEvent:
    """Apply a stored event again (the admin's replay). An event already applied changes
    nothing (applying is idempotent); a dead letter is applied if its cause is gone."""
    with transaction.atomic():
        event = (
            ContactEvent.objects.select_for_update(of=("self",))
            .select_related("source")
            .get(pk=event.pk)
        )
        event.attempts += 1
        try:
            _resolve(event, _Resolver.for_refs([event.queue_ref], [event.agent_ref]))
        except ContactsError as exc:
            event.status, event.error = ApplyStatus.DEAD, str(exc)
        else:
            event.status, event.error = ApplyStatus.APPLIED, ""
        event.save(update_fields=["attempts", "status", "error", "queue", "agent"])
        if event.status == ApplyStatus.APPLIED:
            _apply_or_dead_letter(event)
    return event


# --- Applying an event ------------------------------------------------------------------


def _earliest(current, at):
    return at if current is None or at < current else current


def _apply(event: ContactEvent) -> None:
    if event.type == EventType.AGENT_STATE:
        acd.presence_set_from_platform(agent=event.agent, state=event.state, at=event.at)
        return
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("queue__owning_team", "agent")
        .filter(source_id=event.source_id, contact_id=event.contact_id)
        .first()
    )
    fields = [f.attname for f in Contact._meta.concrete_fields if f.attname != "updated_at"]
    before = [getattr(contact, name) for name in fields] if contact else None
    if contact is None:
        contact = Contact(source_id=event.source_id, contact_id=event.contact_id)
    _merge(contact, event)
    _open_item(contact, event)
    if before is None:
        contact.save(force_insert=True)  # a concurrent twin: IntegrityError, applied again
    elif [getattr(contact, name) for name in fields] != before:  # a replay changes nothing
        contact.save()
    _move_item(contact)


def _merge(contact: Contact, event: ContactEvent) -> None:
    """The event's facts into the contact's row, the same whatever the order of arrival."""
    if contact.queue_id is None and event.queue is not None:
        contact.queue = event.queue
    if event.type == EventType.OFFERED:
        contact.offered_at = _earliest(contact.offered_at, event.at)
    elif event.type == EventType.ANSWERED:
        contact.answered_at = _earliest(contact.answered_at, event.at)
        contact.agent = event.agent or contact.agent
    elif event.type == EventType.ABANDONED:
        contact.abandoned_at = _earliest(contact.abandoned_at, event.at)
    elif event.type == EventType.ENDED:
        contact.ended_at = event.at if contact.ended_at is None else max(contact.ended_at, event.at)
        contact.talk_seconds = event.talk_seconds or 0
        contact.hold_seconds = event.hold_seconds or 0
        contact.wrap_seconds = event.wrap_seconds or 0
        if contact.agent_id is None and event.agent is not None:
            contact.agent = event.agent
    left_queue = contact.answered_at or contact.abandoned_at
    if contact.offered_at is not None and left_queue is not None:
        contact.wait_seconds = max(round((left_queue - contact.offered_at).total_seconds()), 0)


def _open_item(contact: Contact, event: ContactEvent) -> None:
    """The contact's work item, made once its queue is known (through workitems)."""
    if contact.queue is None or contact.work_item_id is not None:
        return
    known = [t for t in (contact.offered_at, contact.answered_at, contact.abandoned_at) if t]
    contact.work_item = acd.contact_item_open(
        work_type=contact.queue,
        external_ref=f"contact:{contact.source_id}:{contact.contact_id}"[:100],
        title=f"{contact.queue.get_channel_display()} {contact.contact_id}",
        at=min(known) if known else (contact.ended_at or event.at),
    )


def _move_item(contact: Contact) -> None:
    """Bring the contact's work item to where the contact is (through workitems)."""
    if contact.work_item_id is None:
        return  # no queue known yet: an event that names it will make the item
    item = WorkItem(pk=contact.work_item_id)
    if contact.answered_at is None and contact.abandoned_at is not None:
        acd.contact_item_abandon(
            item=item, note=f"Abandoned after {contact.wait_seconds or 0} s in the queue"
        )
    elif contact.ended_at is not None and contact.agent is not None:
        acd.contact_item_end(
            item=item, agent=contact.agent, at=contact.ended_at, handle_seconds=_handle(contact)
        )
    elif contact.answered_at is not None and contact.agent is not None:
        acd.contact_item_answer(item=item, agent=contact.agent, at=contact.answered_at)


def _handle(contact: Contact) -> int:
    return contact.talk_seconds + contact.hold_seconds + contact.wrap_seconds


__all__ = [
    "MAX_EVENTS_PER_REQUEST",
    "ContactsError",
    "event_replay",
    "events_ingest",
    "source_authenticate",
    "source_create",
    "source_rotate",
]
