"""The agents' hot path as single PostgreSQL statements: claim-next's writes, and the holder's
start, pause and complete.

``services._apply`` does a holder's step in about nine round trips (read the item, lock it,
update it, write the event, lock the presence row, close and open the presence interval,
write the presence row). On PostgreSQL the usual case, where the step is allowed, is one
data-modifying ``WITH`` statement instead, atomic on its own: it locks the item only if the
agent holds it in a state the step may leave (at the version they sent, if they sent one),
writes the same row, event and presence changes as the services would, and returns the
item with its names for the answer. Claim-next (``services.workitem_claim_next``) writes its
event and presence change in its claim statement the same way.

Anything else (another database, an item that is not theirs or changed under them, an agent
with no presence row yet) makes ``holder_step`` return ``None``, and the caller runs the
services' general path, which says why, or does the step where a concurrent change made it
legal again. The rules (``TRANSITIONS``, ``_stop_clock``, ``_work_state``) are the services';
the tests run every step both ways and compare the rows written.

Locks are taken in the services' order: the item (the main query pulls it first), then the
agent's presence row.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ccops.choices import Office
from ccops.models import Team
from ccops.rows import columns, execute, from_row, literal

from .choices import Channel, PresenceState
from .models import (
    AgentPresence,
    Customer,
    PresenceChange,
    WorkItem,
    WorkItemEvent,
    WorkType,
)

# The state an agent works an item in (``services._work_state``), from the work type ``wt``.
WORKING_STATE = (
    "CASE WHEN {wt}.office = %(front)s AND {wt}.channel = ANY(%(queue_channels)s) "
    "THEN %(on_contact)s ELSE %(casework)s END"
)

# PostgreSQL runs the data-modifying parts of one WITH statement in no set order; ``began``
# reads ``ended`` so the open interval is closed before the next one is opened (one open
# interval per agent is a unique constraint).
#
# After a CTE ``moved`` (the changed item: ``id``, ``status``, ``assignee_id``, ``from_status``,
# and where its holder's presence goes: ``new_state``, ``presence_item``), the writes every
# step shares: its event, and the presence row with its history (``services._event`` and
# ``services._presence_change``: an interval is closed and another opened only when the
# state changes).
MOVED_WRITES = """
ev AS (
    INSERT INTO {events} (item_id, kind, actor_id, at, from_status, to_status, assignee_id,
                          note, data)
    SELECT id, %(kind)s, %(agent)s, %(now)s, from_status, status, assignee_id, %(note)s,
           %(data)s::jsonb
    FROM moved
),
old AS (
    SELECT p.agent_id, p.state FROM {presence} p
    WHERE p.agent_id = %(agent)s AND EXISTS (SELECT 1 FROM moved)
    FOR UPDATE
),
pres AS (
    UPDATE {presence} p SET state = m.new_state, item_id = m.presence_item,
        since = CASE WHEN old.state = m.new_state THEN p.since ELSE %(now)s END
    FROM old, moved m WHERE p.agent_id = old.agent_id
    RETURNING old.state <> m.new_state AS changed, m.new_state
),
ended AS (
    UPDATE {changes} SET ended_at = %(now)s
    WHERE agent_id = %(agent)s AND ended_at IS NULL
      AND EXISTS (SELECT 1 FROM pres WHERE changed)
    RETURNING id
),
began AS (
    INSERT INTO {changes} (agent_id, state, started_at)
    SELECT %(agent)s, new_state, %(now)s
    FROM pres CROSS JOIN (SELECT count(*) FROM ended) AS closed
    WHERE changed
)
"""


# What every step answers: the changed item with its type, customer and team.
MOVED_SELECT = """
SELECT moved.*, {work_type_columns}, {customer_columns}, {team_columns}
FROM moved
JOIN {work_types} wt ON wt.id = moved.work_type_id
LEFT JOIN {customers} cu ON cu.id = moved.customer_id
LEFT JOIN {teams} tm ON tm.id = moved.team_id
"""


@cache
def moved_writes() -> str:
    """``MOVED_WRITES`` then ``MOVED_SELECT``: the end of every step's statement."""
    return MOVED_WRITES.format(
        events=WorkItemEvent._meta.db_table,
        presence=AgentPresence._meta.db_table,
        changes=PresenceChange._meta.db_table,
    ) + MOVED_SELECT.format(
        work_types=WorkType._meta.db_table,
        customers=Customer._meta.db_table,
        teams=Team._meta.db_table,
        work_type_columns=columns(WorkType, "wt"),
        customer_columns=columns(Customer, "cu"),
        team_columns=columns(Team, "tm"),
    )


def item_with_names(row, holder, skip: int = 0) -> WorkItem:
    """The item of a row of its columns, ``skip`` more, then its type's, customer's and
    team's columns (a ``LEFT JOIN`` each but the type's), with its ``ITEM_NAMES`` loaded
    and ``holder`` as its assignee."""
    item, end = from_row(WorkItem, row)
    item.work_type, end = from_row(WorkType, row, end + skip)
    item.customer, end = from_row(Customer, row, end, present=item.customer_id is not None)
    item.team, _ = from_row(Team, row, end, present=item.team_id is not None)
    item.assignee = holder
    return item


def moved_item(row, holder) -> WorkItem:
    """The item a ``MOVED_SELECT`` row answers, with its ``ITEM_NAMES`` loaded."""
    return item_with_names(row, holder, skip=3)  # from_status, new_state, presence_item


def moved_params(*, agent, kind: str, now, note: str = "", **data) -> dict:
    """The parameters ``WORKING_STATE`` and ``MOVED_WRITES`` name."""
    return {
        "agent": agent.pk,
        "kind": kind,
        "now": now,
        "note": note,
        "data": json.dumps(data),
        "available": PresenceState.AVAILABLE,
        "front": Office.FRONT,
        "queue_channels": [Channel.CALL, Channel.CHAT],
        "on_contact": PresenceState.ON_CONTACT,
        "casework": PresenceState.CASEWORK,
    }


# --- The holder's steps -----------------------------------------------------------------

# What each step writes beyond status, version and updated_at (``services.workitem_*``).
_STOP_CLOCK = (
    "active_since = NULL, handle_seconds = i.handle_seconds + CASE WHEN i.active_since IS NULL "
    "THEN 0 ELSE GREATEST(FLOOR(EXTRACT(EPOCH FROM (%(now)s - i.active_since)))::int, 0) END"
)
_SETS = {
    "start": "started_at = COALESCE(i.started_at, %(now)s), active_since = %(now)s",
    "pend": _STOP_CLOCK,
    "complete": f"completed_at = %(now)s, started_at = COALESCE(i.started_at, %(now)s), "
    f"{_STOP_CLOCK}",
}
# Where the holder's presence goes: on the item while they work it, free once it is done or
# waiting.
_PRESENCE = {
    "start": (WORKING_STATE.format(wt="cur"), "i.id"),
    "pend": ("%(available)s", "NULL::bigint"),
    "complete": ("%(available)s", "NULL::bigint"),
}

_STEP_SQL = """
WITH cur AS (
    SELECT i.id, i.status, wt.office, wt.channel
    FROM {items} i JOIN {work_types} wt ON wt.id = i.work_type_id
    WHERE i.id = %(item)s AND i.assignee_id = %(agent)s AND i.status = ANY(%(sources)s){version}
      AND EXISTS (SELECT 1 FROM {presence} p0 WHERE p0.agent_id = %(agent)s)
    FOR UPDATE OF i
),
moved AS (
    UPDATE {items} i SET status = %(target)s, version = i.version + 1, updated_at = %(now)s,
        {sets}
    FROM cur WHERE i.id = cur.id
    RETURNING {item_columns}, cur.status AS from_status, {state} AS new_state,
        {presence_item} AS presence_item
),
{moved_writes}"""


@cache
def _step_sql(step: str, with_version: bool) -> str:
    state, presence_item = _PRESENCE[step]
    return _STEP_SQL.format(
        items=WorkItem._meta.db_table,
        work_types=WorkType._meta.db_table,
        presence=AgentPresence._meta.db_table,
        version=" AND i.version = %(version)s" if with_version else "",
        sets=_SETS[step],
        state=state,
        presence_item=presence_item,
        moved_writes=moved_writes(),
        item_columns=columns(WorkItem, "i"),
    )


def holder_step(
    *, item_id, step: str, by, expected_version=None, note: str = ""
) -> WorkItem | None:
    """Do ``step`` (start, pend or complete) on ``item_id`` for its holder ``by`` in one
    statement; the item with its ``ITEM_NAMES`` loaded, or ``None`` where the general path
    must decide (see the module's docstring)."""
    if connection.vendor != "postgresql" or (step == "pend" and not note.strip()):
        return None  # (a pause needs its reason: the general path says so)
    from .services import TRANSITIONS  # services import this module's fragments

    transition = TRANSITIONS[step]
    params = moved_params(agent=by, kind=transition.event, now=timezone.now(), note=note)
    params.update(
        item=int(item_id),
        sources=sorted(transition.sources),
        version=None if expected_version is None else int(expected_version),
        target=transition.target,
    )
    with connection.cursor() as cursor:
        execute(cursor, _step_sql(step, expected_version is not None), params)
        row = cursor.fetchone()
    return None if row is None else moved_item(row, by)


# --- An API client's new item -----------------------------------------------------------

# ``services.workitem_create`` for the usual API call, in one statement: the work type
# (active), the customer (by reference or id, when one is named), the team (when named),
# the open item of that customer and type in the duplicate window, the item, its events
# (created, and duplicate flagged where there was one), and the item back with its names.
# Nothing is written when the type is missing or inactive, a named customer or team is
# missing, or the external reference was sent before (the unique index refuses it and
# ``ON CONFLICT`` leaves it): the caller then takes the services' path, which says why, or
# returns the earlier item.
_CREATE_SQL = """
WITH wt AS (
    SELECT * FROM {work_types} WHERE id = %(work_type)s AND active
),
cu AS (
    SELECT * FROM {customers}
    WHERE (%(customer_ref)s <> '' AND external_ref = %(customer_ref)s)
       OR (%(customer_ref)s = '' AND id = %(customer)s::bigint)
),
tm_given AS (
    SELECT id FROM {teams} WHERE id = %(team)s::bigint
),
dup AS (
    SELECT w.id FROM {items} w
    WHERE w.status IN ({open}) AND w.customer_id = (SELECT id FROM cu)
      AND w.work_type_id = %(work_type)s
      AND w.created_at >= %(window_start)s::timestamptz
      AND w.created_at <= %(now)s::timestamptz
    ORDER BY w.created_at, w.id LIMIT 1
),
ins AS (
    INSERT INTO {items} (work_type_id, customer_id, title, details, status, priority,
        assignee_id, team_id, created_at, started_at, completed_at, due_at, handle_seconds,
        active_since, origin_id, duplicate_of_id, related_to_id, is_duplicate_suspect,
        reopen_count, source, external_ref, version, updated_at)
    SELECT wt.id, cu.id, %(title)s, %(details)s, {new},
        COALESCE(%(priority)s::smallint, wt.priority), NULL,
        COALESCE((SELECT id FROM tm_given), wt.owning_team_id), %(now)s, NULL, NULL,
        %(now)s + COALESCE(wt.sla, INTERVAL '0'), 0, NULL, NULL, (SELECT id FROM dup), NULL,
        EXISTS (SELECT 1 FROM dup), 0, %(source)s, %(external_ref)s, 1, %(now)s
    FROM wt LEFT JOIN cu ON true
    WHERE (NOT %(wants_customer)s::boolean OR cu.id IS NOT NULL)
      AND (%(team)s::bigint IS NULL OR EXISTS (SELECT 1 FROM tm_given))
    ON CONFLICT (source, external_ref) WHERE NOT external_ref = '' DO NOTHING
    RETURNING *
),
ev AS (
    INSERT INTO {events} (item_id, kind, actor_id, at, from_status, to_status, assignee_id,
                          note, data)
    SELECT id, {created}, %(by)s::bigint, %(now)s::timestamptz, '', status, NULL::bigint, '',
           jsonb_build_object('source', source, 'origin_id', NULL::bigint)
    FROM ins
    UNION ALL
    SELECT id, {flagged}, NULL::bigint, %(now)s::timestamptz, status, status, NULL::bigint,
           'Same customer and work type as open item #' || duplicate_of_id || '.',
           jsonb_build_object('duplicate_of_id', duplicate_of_id)
    FROM ins WHERE is_duplicate_suspect
)
SELECT {item_columns}, {work_type_columns}, {customer_columns}, {team_columns}
FROM ins i
JOIN wt ON true
LEFT JOIN cu ON cu.id = i.customer_id
LEFT JOIN {teams} tm ON tm.id = i.team_id
"""


@cache
def _create_sql() -> str:
    from .choices import OPEN_STATUSES, EventKind, Status

    return _CREATE_SQL.format(
        work_types=WorkType._meta.db_table,
        customers=Customer._meta.db_table,
        teams=Team._meta.db_table,
        items=WorkItem._meta.db_table,
        events=WorkItemEvent._meta.db_table,
        open=", ".join(literal(s) for s in OPEN_STATUSES),
        new=literal(Status.NEW),
        created=literal(EventKind.CREATED),
        flagged=literal(EventKind.DUPLICATE_FLAGGED),
        item_columns=columns(WorkItem, "i"),
        work_type_columns=columns(WorkType, "wt"),
        customer_columns=columns(Customer, "cu"),
        team_columns=columns(Team, "tm"),
    )


def create_item(
    *,
    by,
    work_type_id: int,
    title: str,
    source: str,
    details: str = "",
    priority: int | None = None,
    customer_id: int | None = None,
    customer_ref: str = "",
    team_id: int | None = None,
    external_ref: str = "",
) -> WorkItem | None:
    """``services.workitem_create`` in one statement, for input already checked for type
    and range (the API's serializer); the new item with its ``ITEM_NAMES``, or ``None``
    where the services' path must decide (see ``_CREATE_SQL``). PostgreSQL only."""
    title = (title or "").strip()
    customer_ref = (customer_ref or "").strip()
    if (
        connection.vendor != "postgresql"
        or not title
        or (customer_ref and customer_id is not None)
        or (priority is not None and not 1 <= int(priority) <= 5)
    ):
        return None
    now = timezone.now()
    window = timedelta(hours=settings.DUPLICATE_WINDOW_HOURS)
    params = {
        "work_type": int(work_type_id),
        "customer_ref": customer_ref,
        "customer": None if customer_id is None else int(customer_id),
        "wants_customer": bool(customer_ref) or customer_id is not None,
        "team": None if team_id is None else int(team_id),
        "title": title[:200],
        "details": details or "",
        "priority": None if priority is None else int(priority),
        "source": source,
        "external_ref": (external_ref or "").strip(),
        "now": now,
        "window_start": now - window,
        "by": by.pk,
    }
    with connection.cursor() as cursor:
        execute(cursor, _create_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    item = item_with_names(row, None)
    item.was_existing = False
    return item
