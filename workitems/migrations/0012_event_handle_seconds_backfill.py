"""Fill ``WorkItemEvent.handle_seconds`` / ``handled_by`` for the events written before
migration 0008, so that AHT backfills of past days read per-segment handle time.

Derivation, per item with handle time, from its own event log (ordered by time, id),
mirroring ``workitems.services._stop_clock``: a ``started`` event starts the clock (held
by its assignee); the next ``pending``, ``completed``, ``handed_off``, ``escalated`` or
``assigned`` event stops it and records ``int(seconds between them)``, credited to that
holder. Where the segments add up to the item's recorded ``handle_seconds`` (up to one
second per segment: older loaders rounded the total, the services round each segment),
they are written. Where they do not (items loaded with a total but no matching starts
and stops, e.g. imports), the events cannot say when the work happened: the whole total
goes on the item's LAST closing event (completed / handed off), credited to its actor,
so it counts once instead of once per closing as before. Open items whose only work is
still running, or that never closed, get nothing (their time counts when it stops).

The event log is append-only in PostgreSQL (a trigger, migration 0007): this one-off
correction turns the trigger off for its own transaction and back on at the end (the
``ALTER TABLE`` is transactional; a failure rolls both back). SQLite has no trigger.
"""

from django.db import migrations

STOPS = {"pending", "completed", "handed_off", "escalated", "assigned"}
CLOSING = {"completed", "handed_off"}
CHUNK = 1000
TABLE = "workitems_workitemevent"
TRIGGER = "workitemevent_append_only"


def segments(events):
    """``{event_id: (seconds, holder_id)}`` for one item's events in order."""
    out, active, holder = {}, None, None
    for e in events:
        if e["kind"] == "started":
            active, holder = e["at"], e["assignee_id"] or e["actor_id"]
        elif active is not None and e["kind"] in STOPS:
            out[e["id"]] = (max(int((e["at"] - active).total_seconds()), 0), holder)
            active = None
    return out


def plan(total, events):
    """The ``{event_id: (seconds, holder_id)}`` to write for one item."""
    found = {k: v for k, v in segments(events).items() if v[0] > 0}
    derived = sum(s for s, _ in found.values())
    if found and 0 <= total - derived <= len(found):
        return found
    closings = [e for e in events if e["kind"] in CLOSING and e["actor_id"] is not None]
    if not closings:
        return {}
    last = closings[-1]
    return {last["id"]: (total, last["actor_id"])}


def forward(apps, schema_editor):
    WorkItem = apps.get_model("workitems", "WorkItem")
    WorkItemEvent = apps.get_model("workitems", "WorkItemEvent")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # Deferred foreign-key checks pending in this transaction would block the ALTER.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    last_pk = 0
    while True:
        items = list(
            WorkItem.objects.filter(pk__gt=last_pk, handle_seconds__gt=0)
            .order_by("pk")
            .values_list("pk", "handle_seconds")[:CHUNK]
        )
        if not items:
            break
        last_pk = items[-1][0]
        by_item = {pk: [] for pk, _ in items}
        rows = (
            WorkItemEvent.objects.filter(item_id__in=list(by_item))
            .order_by("item_id", "at", "id")
            .values("id", "item_id", "kind", "at", "actor_id", "assignee_id")
        )
        for row in rows:
            by_item[row["item_id"]].append(row)
        updates = []
        for pk, total in items:
            for event_id, (seconds, holder) in plan(total, by_item[pk]).items():
                updates.append(
                    WorkItemEvent(id=event_id, handle_seconds=seconds, handled_by_id=holder)
                )
        WorkItemEvent.objects.bulk_update(updates, ["handle_seconds", "handled_by"], 500)
    if postgres:
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [("workitems", "0011_event_handle_seconds")]

    # Backwards: 0011's reversal drops the columns; nothing to undo here.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
