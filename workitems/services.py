"""Every write to work items: one service per transition, each validated against
``TRANSITIONS``, run under a row lock, bumping ``version`` and writing a ``WorkItemEvent``.

Rules stated once here:
- Due time: ``calendars.sla_clock_for``: the work type's SLA counted in open time of its
  calendar (24x7 without one), with "at risk" and first-response times. While an item is
  pending (waiting on the customer) its clock is stopped: when it leaves pending (back to
  work, or closed), its due times move on by the open time it waited
  (``business_hours.shift_for_pause``). The first response is the holder's first comment,
  pause, completion or hand-off.
- Reopen within ``REOPEN_AS_SAME_ITEM_WITHIN_DAYS`` of completion continues the same item
  (back to the queue, ``reopen_count`` + 1, counted in reopen rate) and keeps its original
  due time: the SLA clock is not restarted, the customer has been waiting since arrival.
  Later, a reopen creates a new item linked by ``related_to`` with a fresh SLA.
- Duplicate suspicion: an open item of the same customer and work type created within
  ``DUPLICATE_WINDOW_HOURS`` flags the new one (``duplicate_of``); a supervisor may merge it.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Office, Role
from training.models import AgentSkill, AgentTier, BuddyPairing

from .business_hours import shift_for_pause
from .calendars import calendar_of_item, sla_clock_for
from .choices import (
    OPEN_STATUSES,
    EventKind,
    PresenceState,
    Source,
    Status,
)
from .errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from .models import AgentPresence, Customer, PresenceChange, WorkItem, WorkItemEvent, WorkType
from .routing import URGENCY_ORDER, WorkTypeRule, eligible_work_types
from .scheduled_office import scheduled_office

S = Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None  # None: status unchanged (comments)
    event: str


TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(
        frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.ESCALATED}),
        S.ASSIGNED,
        EventKind.ASSIGNED,
    ),
    "unassign": Transition(frozenset({S.ASSIGNED}), S.NEW, EventKind.UNASSIGNED),
    "start": Transition(
        frozenset({S.ASSIGNED, S.PENDING, S.ESCALATED}), S.IN_PROGRESS, EventKind.STARTED
    ),
    "pend": Transition(frozenset({S.IN_PROGRESS}), S.PENDING, EventKind.PENDING),
    "escalate": Transition(
        frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING}), S.ESCALATED, EventKind.ESCALATED
    ),
    "complete": Transition(
        frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.ESCALATED}),
        S.DONE,
        EventKind.COMPLETED,
    ),
    "handoff": Transition(frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.DONE, EventKind.HANDED_OFF),
    "reopen": Transition(frozenset({S.DONE}), S.NEW, EventKind.REOPENED),
    "cancel": Transition(frozenset(OPEN_STATUSES), S.CANCELLED, EventKind.CANCELLED),
    "merge": Transition(frozenset(OPEN_STATUSES), S.MERGED, EventKind.MERGED),
    "comment": Transition(frozenset(Status.values), None, EventKind.COMMENTED),
    "edit": Transition(frozenset(OPEN_STATUSES), None, EventKind.EDITED),
    "email_received": Transition(frozenset(Status.values), None, EventKind.EMAIL_RECEIVED),
    # The customer answers an item waiting on them: back to its holder, the clock runs on.
    "customer_returned": Transition(frozenset({S.PENDING}), S.ASSIGNED, EventKind.EMAIL_RECEIVED),
}

ACTION_LABELS = {
    "assign": "assign",
    "unassign": "return to the queue",
    "start": "start",
    "pend": "pause",
    "escalate": "escalate",
    "complete": "complete",
    "handoff": "hand off",
    "reopen": "reopen",
    "cancel": "cancel",
    "merge": "merge",
    "comment": "comment on",
    "edit": "edit",
    "email_received": "add an e-mail to",
    "customer_returned": "return from the customer",
}

SUPERVISING_ROLES = (Role.SUPERVISOR,)
# The links an item is shown with (its type, customer, holder and team names).
ITEM_NAMES = ("work_type", "customer", "assignee", "team")


def _is_supervisor(user) -> bool:
    return user.has_role(*SUPERVISING_ROLES)


def _event(
    item,
    kind,
    by,
    from_status="",
    to_status="",
    note="",
    at=None,
    *,
    segment: tuple[int, int | None] = (0, None),
    **data,
):
    """Write one event. ``segment``: the ``(seconds, worker id)`` of the work segment this
    event ends (``_stop_clock``), recorded on the event itself."""
    handle_seconds, handled_by_id = segment
    return WorkItemEvent.objects.create(
        item=item,
        kind=kind,
        actor=by,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        assignee_id=item.assignee_id,
        note=note,
        data=data,
        handle_seconds=handle_seconds,
        handled_by_id=handled_by_id if handle_seconds else None,
    )


def _apply(
    *,
    item,
    action,
    by,
    expected_version=None,
    note="",
    changes=None,
    check=None,
    presence=None,
    **data,
):
    """Lock the row, validate the move, write the new state with ``version + 1`` and the event.

    The write is a conditional UPDATE on the version read under the lock, so even where the
    database has no row locks (SQLite) a concurrent change makes this one fail cleanly.
    ``presence(locked)`` returns the ``(state, item)`` the actor's presence moves to, in the
    same transaction (item, then presence: the lock order everywhere).
    """
    transition = TRANSITIONS[action]
    with transaction.atomic():
        # Only the item's row: locking its work type too would queue every action on items
        # of one type behind each other.
        locked = (
            WorkItem.objects.select_for_update(of=("self",))
            .select_related("work_type")
            .get(pk=item.pk)
        )
        if expected_version is not None and locked.version != int(expected_version):
            raise StaleVersion(
                f"Item #{locked.pk} was changed by someone else (version {locked.version}, "
                f"you had {expected_version}). Reload it and try again."
            )
        if locked.status not in transition.sources:
            raise IllegalTransition(
                f"Cannot {ACTION_LABELS[action]} item #{locked.pk}: it is "
                f"{locked.get_status_display().lower()}."
            )
        if check:
            check(locked)
        now = timezone.now()
        values = dict(changes(locked, now) if callable(changes) else (changes or {}))
        values.update(_sla_clock_changes(locked, transition, by, now))
        from_status = locked.status
        # A stopped clock: the segment's seconds, credited to who held the item while it ran.
        segment = (
            values.get("handle_seconds", locked.handle_seconds) - locked.handle_seconds,
            locked.assignee_id,
        )
        if transition.target is not None:
            values["status"] = transition.target
        values["version"] = locked.version + 1
        values["updated_at"] = now
        updated = WorkItem.objects.filter(pk=locked.pk, version=locked.version).update(**values)
        if updated != 1:
            raise StaleVersion(f"Item #{locked.pk} was changed by someone else. Try again.")
        for field, value in values.items():
            setattr(locked, field, value)
        _event(
            locked,
            transition.event,
            by,
            from_status=from_status,
            to_status=locked.status,
            note=note() if callable(note) else note,
            at=now,
            segment=segment,
            **data,
        )
        if presence is not None:
            state, on_item = presence(locked)
            _presence_change(_locked_presence(by), state, on_item, now)
    return locked


# Events by the item's holder that answer the customer (the first one meets the first
# response target).
RESPONSE_EVENTS = frozenset(
    {EventKind.COMMENTED, EventKind.PENDING, EventKind.COMPLETED, EventKind.HANDED_OFF}
)
SLA_TIMES = ("due_at", "at_risk_at", "first_response_due_at")


def _sla_clock_changes(locked, transition, by, now) -> dict:
    """The SLA clock's part of a move: stop it on entering pending, and on leaving pending
    move the due times on by the open time it waited; record the first response."""
    out = {}
    target = transition.target
    if target == S.PENDING:
        if locked.sla_paused_at is None:
            out["sla_paused_at"] = now
    elif target is not None and locked.sla_paused_at is not None:
        # Back to work, or closed while waiting (the SLA attainment of a case the customer
        # never answered does not count the wait either).
        calendar = calendar_of_item(locked)
        for name in SLA_TIMES:
            out[name] = shift_for_pause(getattr(locked, name), locked.sla_paused_at, now, calendar)
        out["sla_paused_at"] = None
    if (
        locked.first_response_at is None
        and by is not None
        and transition.event in RESPONSE_EVENTS
        and locked.assignee_id == by.pk
    ):
        out["first_response_at"] = now
    return out


def _available(locked):
    """The holder is free again (their item is done, handed on or waiting)."""
    return PresenceState.AVAILABLE, None


def _working_on(locked):
    return _work_state(locked), locked


def _must_hold(by):
    def check(item):
        if item.assignee_id != by.pk:
            raise NotAllowed(f"Item #{item.pk} is not yours: only its assignee can do this.")

    return check


def _must_supervise(by):
    def check(item):
        if not _is_supervisor(by):
            raise NotAllowed("Only a supervisor can do this.")

    return check


def _stop_clock(item, now) -> dict:
    if item.active_since is None:
        return {"active_since": None}
    spent = max(int((now - item.active_since).total_seconds()), 0)
    return {"active_since": None, "handle_seconds": item.handle_seconds + spent}


def _work_state(item) -> str:
    if item.work_type.office == Office.FRONT and item.work_type.is_queue:
        return PresenceState.ON_CONTACT
    return PresenceState.CASEWORK


# --- Presence ---------------------------------------------------------------------------


def presence_set(*, agent, state: str, item=None, at=None) -> AgentPresence:
    """Set an agent's state; the previous state's interval is closed in the history."""
    if state not in PresenceState.values:
        raise InvalidInput(f"Unknown presence state {state!r}.", field="state")
    with transaction.atomic():
        return _presence_change(_locked_presence(agent), state, item, at or timezone.now())


def _locked_presence(agent) -> AgentPresence:
    """The agent's presence row, locked (made if they have none yet)."""
    presence, _ = AgentPresence.objects.select_for_update().get_or_create(agent=agent)
    return presence


def _presence_change(presence: AgentPresence, state: str, item, at) -> AgentPresence:
    """Apply a state to a presence row the caller has locked."""
    item_id = getattr(item, "pk", None)
    if presence.state == state and presence.item_id == item_id:
        return presence
    if presence.state != state:
        PresenceChange.objects.filter(agent_id=presence.agent_id, ended_at__isnull=True).update(
            ended_at=at
        )
        PresenceChange.objects.create(agent_id=presence.agent_id, state=state, started_at=at)
        presence.since = at
    presence.state = state
    presence.item_id = item_id
    presence.save(update_fields=["state", "since", "item"])
    return presence


def presence_history_replace(*, agent_id: int, intervals, since, until) -> int:
    """Replace an agent's *closed* presence history in ``[since, until)`` with ``intervals``
    (``(started_at, ended_at, state)``, ordered, not overlapping, inside the range): the bulk
    equivalent of :func:`presence_set` for imports and the demo. The open (current) state
    is left alone, so ``until`` must not be after it starts. Returns the rows written."""
    rows = []
    previous_end = since
    for started_at, ended_at, state in intervals:
        if state not in PresenceState.values:
            raise InvalidInput(f"Unknown presence state {state!r}.", field="state")
        if started_at < previous_end or ended_at <= started_at or ended_at > until:
            raise InvalidInput("Presence intervals overlap or leave the range.", field="intervals")
        rows.append(
            PresenceChange(agent_id=agent_id, state=state, started_at=started_at, ended_at=ended_at)
        )
        previous_end = ended_at
    with transaction.atomic():
        open_since = (
            PresenceChange.objects.filter(agent_id=agent_id, ended_at__isnull=True)
            .values_list("started_at", flat=True)
            .first()
        )
        if open_since is not None and until > open_since:
            raise InvalidInput("The history would overlap the current state.", field="until")
        PresenceChange.objects.filter(
            agent_id=agent_id, ended_at__isnull=False, started_at__gte=since, started_at__lt=until
        ).delete()
        PresenceChange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Creation ---------------------------------------------------------------------------


def _by_external_ref(source: str, external_ref: str) -> WorkItem | None:
    # The repeated condition lets SQLite use the partial unique index (else a table scan).
    return (
        WorkItem.objects.filter(source=source, external_ref=external_ref)
        .exclude(external_ref="")
        .first()
    )


def _may_create_for(by, *, team, work_type: WorkType, field: str) -> None:
    """Who may put new work in a team's queue. Supervisors, planners and admins: any team
    (they see and assign all work; CSV imports and API clients feed every queue). Agents:
    their own team's work, or a work type they may take themselves; not another team's
    queue. Other roles create no work."""
    if by.has_role(Role.SUPERVISOR, Role.PLANNER):  # admins hold every role
        return
    if not by.has_role(Role.AGENT):
        raise NotAllowed("Your role cannot create work items.")
    if team is not None and team.pk == by.team_id:
        return
    if work_type.pk in eligible_work_type_ids(by):
        return
    raise NotAllowed(
        f"Agents create work for their own team or of a type they take; {work_type} "
        f"belongs to {team or 'no team'}.",
        field=field,
    )


def workitem_create(
    *,
    work_type: WorkType,
    title: str,
    by=None,
    customer: Customer | None = None,
    details: str = "",
    priority: int | None = None,
    team=None,
    source: str = Source.UI,
    external_ref: str = "",
    origin: WorkItem | None = None,
    related_to: WorkItem | None = None,
    created_at=None,
) -> WorkItem:
    """Create an item with its due time and flag a likely duplicate.

    Idempotent on ``(source, external_ref)``: a re-sent item returns the existing row with
    ``was_existing = True`` and writes nothing.
    """
    title = (title or "").strip()
    if not title:
        raise InvalidInput("A title is required.", field="title")
    if not work_type.active:
        raise InvalidInput(f"Work type {work_type} is not active.", field="work_type")
    if priority is not None and not 1 <= int(priority) <= 5:
        raise InvalidInput("Priority must be between 1 and 5.", field="priority")
    if source not in Source.values:
        raise InvalidInput(f"Unknown source {source!r}.", field="source")
    field = "team" if team else "work_type"  # what decided the team, for a refusal
    team = team or work_type.owning_team
    if by is not None and origin is None and related_to is None:
        # Fresh work (a hand-off or a reopen follows from an item its service checked).
        _may_create_for(by, team=team, work_type=work_type, field=field)
    external_ref = (external_ref or "").strip()
    # A re-sent external reference is found by the unique index refusing the insert (below),
    # so a new item, the usual case, costs no query to look for an earlier one.
    created_at = created_at or timezone.now()
    clock = sla_clock_for(work_type=work_type, start=created_at, team=team)
    item = WorkItem(
        work_type=work_type,
        customer=customer,
        title=title[:200],
        details=details,
        priority=priority if priority is not None else work_type.priority,
        team=team,
        source=source,
        external_ref=external_ref,
        origin=origin,
        related_to=related_to,
        created_at=created_at,
        due_at=clock.due_at,
        at_risk_at=clock.at_risk_at,
        first_response_due_at=clock.first_response_due_at,
    )
    try:
        with transaction.atomic():
            if customer is not None:
                window = timedelta(hours=settings.DUPLICATE_WINDOW_HOURS)
                earlier = (
                    WorkItem.objects.open()
                    .filter(
                        customer=customer,
                        work_type=work_type,
                        created_at__gte=created_at - window,
                        created_at__lte=created_at,
                    )
                    .order_by("created_at")
                    .first()
                )
                if earlier is not None:
                    item.duplicate_of = earlier
                    item.is_duplicate_suspect = True
            item.save()
            _event(
                item,
                EventKind.CREATED,
                by,
                to_status=item.status,
                at=created_at,
                source=source,
                origin_id=getattr(origin, "pk", None),
            )
            if item.is_duplicate_suspect:
                _event(
                    item,
                    EventKind.DUPLICATE_FLAGGED,
                    None,
                    from_status=item.status,
                    to_status=item.status,
                    note=f"Same customer and work type as open item #{item.duplicate_of_id}.",
                    at=created_at,
                    duplicate_of_id=item.duplicate_of_id,
                )
    except IntegrityError:
        # Sent before (or by another request at the same moment): nothing was written.
        existing = _by_external_ref(source, external_ref) if external_ref else None
        if existing is None:
            raise
        existing.was_existing = True
        return existing
    item.was_existing = False
    return item


# --- Routing ----------------------------------------------------------------------------


def eligible_work_type_ids(agent) -> list[int]:
    """Active work types the agent may take, in one query: each type's routing columns with
    the agent's unexpired level in its required skill and the agent's tier rank; the rule
    itself is ``routing.eligible_work_types`` on plain values."""
    today = timezone.localdate()
    level = (
        AgentSkill.objects.filter(agent=agent, skill_id=OuterRef("required_skill_id"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by()
        .values("level")[:1]
    )
    tier = AgentTier.objects.filter(agent=agent).order_by().values("tier__rank")[:1]
    rows = list(
        WorkType.objects.filter(active=True)
        .annotate(agent_level=Subquery(level), agent_tier=Subquery(tier))
        .order_by("id")
        .values_list(
            "id",
            "required_skill_id",
            "min_skill_level",
            "min_tier_rank",
            "agent_level",
            "agent_tier",
        )
    )
    if not rows:
        return []
    skills = {skill: level for _, skill, _, _, level, _ in rows if level is not None}
    rules = [
        WorkTypeRule(pk, skill, min_level, min_tier) for pk, skill, min_level, min_tier, *_ in rows
    ]
    return eligible_work_types(rules, skills, rows[0][5] or 0)


# One candidate per eligible work type through the (work_type, urgency) partial index, then
# the most urgent of those: walking one urgency index across all types would skip every
# more urgent item of a type the agent cannot take (thousands of rows at 100k open items).
# ``FOR UPDATE SKIP LOCKED`` passes over the rows other claimers hold, so claimers never
# wait on each other, and the UPDATE assigns only a row still new: no item is held by two.
# The ORM cannot express the per-type LATERAL pick, hence the SQL (parameters only, so it
# runs the same behind PgBouncer in transaction pooling).
_CLAIM_SQL = """
UPDATE {items} SET status = %s, assignee_id = %s, version = version + 1, updated_at = %s
WHERE id = (
    SELECT c.id FROM unnest(%s::bigint[]) AS t(type_id) CROSS JOIN LATERAL (
        SELECT id, due_at, priority, created_at FROM {items}
        WHERE status = %s AND work_type_id = t.type_id
        ORDER BY due_at, priority DESC, created_at, id
        LIMIT 1 FOR UPDATE SKIP LOCKED
    ) AS c
    ORDER BY c.due_at, c.priority DESC, c.created_at, c.id
    LIMIT 1
) AND status = %s
RETURNING id
"""

CLAIM_NOTE = "Taken from queue"


def _claim_skip_locked(agent, type_ids: list[int], now) -> int | None:
    """PostgreSQL: assign the most urgent free item of ``type_ids`` to ``agent``; its id, or
    ``None`` if every candidate is taken."""
    sql = _CLAIM_SQL.format(items=connection.ops.quote_name(WorkItem._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [S.ASSIGNED, agent.pk, now, type_ids, S.NEW, S.NEW])
        row = cursor.fetchone()
    return None if row is None else row[0]


class _LostRace(Exception):
    """Another claimer took the candidate first (possible only without SKIP LOCKED)."""


def _claim_conditional(agent, type_ids: list[int], now) -> int | None:
    """Elsewhere (SQLite) writers are serialised: pick, then a conditional UPDATE settles a
    race (``_LostRace`` if another claimer won it)."""
    queue = WorkItem.objects.filter(status=S.NEW, work_type_id__in=type_ids)
    candidate_id = queue.order_by(*URGENCY_ORDER).values_list("id", flat=True).first()
    if candidate_id is None:
        return None
    won = WorkItem.objects.filter(pk=candidate_id, status=S.NEW).update(
        status=S.ASSIGNED, assignee=agent, version=F("version") + 1, updated_at=now
    )
    if not won:
        raise _LostRace
    return candidate_id


def _in_scheduled_office(agent, type_ids: list[int]) -> list[int]:
    """The office staffing's finder names for the agent now (for a cross-trained agent, their
    scheduled block's; see ``staffing.selectors.scheduled_office``); with none, or nothing
    eligible in that office, all types stay."""
    office = scheduled_office(agent.pk, timezone.now())
    if office is None or not type_ids:
        return type_ids
    there = list(
        WorkType.objects.filter(pk__in=type_ids, office=office).values_list("pk", flat=True)
    )
    return there or type_ids


def workitem_claim_next(*, agent) -> WorkItem | None:
    """Give the agent the most urgent open item they are skilled for; ``None`` if none.
    The item comes with its ``ITEM_NAMES`` (type, customer, assignee, team) loaded.

    An item they were given but have not started yet is returned first, so a double click
    never claims two. Claims for one agent are serialised on their presence row; the claim
    itself is a conditional UPDATE, so no item is ever held by two.
    """
    if not agent.has_role(Role.AGENT):
        raise NotAllowed("Only agents take work from the queue.")
    type_ids = _in_scheduled_office(agent, eligible_work_type_ids(agent))
    claim = _claim_skip_locked if connection.vendor == "postgresql" else _claim_conditional
    for _attempt in range(10):
        try:
            with transaction.atomic():
                presence = _locked_presence(agent)
                items = WorkItem.objects.select_related(*ITEM_NAMES)
                held = (
                    items.filter(assignee=agent, status=S.ASSIGNED).order_by(*URGENCY_ORDER).first()
                )
                if held is not None or not type_ids:
                    return held
                now = timezone.now()
                item_id = claim(agent, type_ids, now)
                if item_id is None:
                    return None
                item = items.get(pk=item_id)
                _event(
                    item,
                    EventKind.ASSIGNED,
                    agent,
                    S.NEW,
                    S.ASSIGNED,
                    CLAIM_NOTE,
                    at=now,
                    claimed=True,
                )
                _presence_change(presence, _work_state(item), item, now)
                return item
        except _LostRace:
            continue  # look again
    return None


def workitem_assign(*, item, to, by, note: str = "", expected_version=None) -> WorkItem:
    """A supervisor pushes an item to an agent (reassigning it if held)."""
    if not to.is_active or not to.has_role(Role.AGENT):
        raise InvalidInput(f"{to} is not an active agent.", field="agent")

    def check(locked):
        if not _is_supervisor(by):
            raise NotAllowed("Only a supervisor can assign work to someone.")

    return _apply(
        item=item,
        action="assign",
        by=by,
        expected_version=expected_version,
        note=note or f"Assigned to {to}",
        check=check,
        changes=lambda locked, now: {"assignee": to, **_stop_clock(locked, now)},
        to_id=to.pk,
    )


def workitem_unassign(*, item, by, note: str = "", expected_version=None) -> WorkItem:
    def check(locked):
        if locked.assignee_id != by.pk and not _is_supervisor(by):
            raise NotAllowed(f"Item #{locked.pk} is not yours.")

    return _apply(
        item=item,
        action="unassign",
        by=by,
        expected_version=expected_version,
        note=note,
        check=check,
        changes={"assignee": None},
    )


# --- The assignee's actions -------------------------------------------------------------


def workitem_start(*, item, by, expected_version=None) -> WorkItem:
    def changes(locked, now):
        return {"started_at": locked.started_at or now, "active_since": now}

    return _apply(
        item=item,
        action="start",
        by=by,
        expected_version=expected_version,
        check=_must_hold(by),
        changes=changes,
        presence=_working_on,
    )


def workitem_pend(*, item, by, note: str, expected_version=None) -> WorkItem:
    if not (note or "").strip():
        raise InvalidInput("Say what the item is waiting for.", field="note")
    return _apply(
        item=item,
        action="pend",
        by=by,
        expected_version=expected_version,
        note=note,
        check=_must_hold(by),
        changes=_stop_clock,
        presence=_available,
    )


def workitem_complete(*, item, by, note: str = "", expected_version=None) -> WorkItem:
    def changes(locked, now):
        return {
            "completed_at": now,
            "started_at": locked.started_at or now,
            **_stop_clock(locked, now),
        }

    return _apply(
        item=item,
        action="complete",
        by=by,
        expected_version=expected_version,
        note=note,
        check=_must_hold(by),
        changes=changes,
        presence=_available,
    )


def workitem_handoff(
    *, item, by, work_type: WorkType, note: str = "", title: str = "", expected_version=None
) -> WorkItem:
    """Turn a front-office contact into back-office casework in one step; returns the case.

    The contact is closed as handed off; the new case points at it (``origin``) and the
    customer journey shows both. The case is created first so that the contact's hand-off
    event is written once, naming it (the event log is append-only): if the hand-off is then
    refused, the transaction takes the case back with it.
    """
    if work_type.office != Office.BACK:
        raise InvalidInput("Hand-offs go to a back-office work type.", field="work_type")

    def check(locked):
        _must_hold(by)(locked)
        if locked.work_type.office != Office.FRONT:
            raise IllegalTransition("Only front-office contacts are handed off.")

    with transaction.atomic():
        # Locked here for its current title, details and customer (the case copies them).
        # ``_apply`` locks it again in this transaction (no wait) and checks its version,
        # state and holder: a refusal there rolls the case back too.
        contact = (
            WorkItem.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=item.pk)
        )
        case = workitem_create(
            work_type=work_type,
            title=title or contact.title,
            by=by,
            customer=contact.customer,
            details=note or contact.details,
            source=Source.HANDOFF,
            origin=contact,
        )

        def changes(locked, now):
            return {
                "completed_at": now,
                "started_at": locked.started_at or now,
                **_stop_clock(locked, now),
            }

        _apply(
            item=contact,
            action="handoff",
            by=by,
            expected_version=expected_version,
            note=note,
            check=check,
            changes=changes,
            presence=_available,
            case_id=case.pk,
            to_work_type=work_type.pk,
        )
    return case


def current_buddy(agent):
    today = timezone.localdate()
    pairing = (
        BuddyPairing.objects.filter(agent=agent, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .select_related("buddy")
        .order_by("-starts_on")
        .first()
    )
    return pairing.buddy if pairing else None


def workitem_escalate(*, item, by, note: str = "", expected_version=None) -> WorkItem:
    """Escalate to the agent's buddy in the other office (their escalation path)."""
    buddy = current_buddy(by)
    if buddy is None:
        raise InvalidInput("You have no buddy to escalate to; ask your supervisor.", field="buddy")
    state = (
        AgentPresence.objects.filter(agent=buddy).values_list("state", flat=True).first()
        or PresenceState.OFFLINE
    )
    if state in (PresenceState.OFFLINE, PresenceState.BREAK, PresenceState.TRAINING):
        raise InvalidInput(
            f"Your buddy {buddy} is {PresenceState(state).label.lower()} now; "
            "ask your supervisor to reassign it.",
            field="buddy",
        )
    with transaction.atomic():
        escalated = _apply(
            item=item,
            action="escalate",
            by=by,
            expected_version=expected_version,
            note=note or f"Escalated to buddy {buddy}",
            check=_must_hold(by),
            changes=lambda locked, now: {"assignee": buddy, **_stop_clock(locked, now)},
            presence=_available,
            to_id=buddy.pk,
        )
        notifications.notify(
            notifications.Kind.ESCALATED,
            [buddy],
            title=f"{by} escalated #{escalated.pk} to you: {escalated.title}"[:200],
            body=note,
            url=reverse("workitems:item_detail", args=[escalated.pk]),
        )
    return escalated


# --- Supervisors and reopen -------------------------------------------------------------


def workitem_reopen(
    *, item, by, note: str = "", source: str = Source.REOPEN, details: str | None = None
) -> WorkItem:
    """Reopen a done item: the same item within the window, else a new linked item (with
    ``details``, else the note, else the item's). ``by`` None: the customer reopens it
    (their e-mail, ``workitem_customer_wrote``).

    Returns the item that is now open (the same one or the new one).
    """
    if by is not None and not by.has_role(Role.AGENT, Role.SUPERVISOR):
        raise NotAllowed("Only agents and supervisors reopen work.")
    window = timedelta(days=settings.REOPEN_AS_SAME_ITEM_WITHIN_DAYS)
    with transaction.atomic():
        current = WorkItem.objects.select_related("work_type", "customer").get(pk=item.pk)
        if current.status not in TRANSITIONS["reopen"].sources:
            raise IllegalTransition(
                f"Cannot reopen item #{current.pk}: it is {current.get_status_display().lower()}."
            )
        if current.completed_at and timezone.now() - current.completed_at <= window:
            return _apply(
                item=current,
                action="reopen",
                by=by,
                note=note or "Reopened",
                changes=lambda locked, now: {
                    "assignee": None,
                    "completed_at": None,
                    "reopen_count": locked.reopen_count + 1,
                },
                same_item=True,
            )
        return _follow_up(
            current,
            by=by,
            details=details or note or current.details,
            source=source,
            why=f"Reopened after the {window.days}-day window",
        )


def _follow_up(current, *, by, details: str, source: str, why: str) -> WorkItem:
    """A new item continuing ``current`` (``related_to``, a fresh SLA), noted on it."""
    follow_up = workitem_create(
        work_type=current.work_type,
        title=current.title,
        by=by,
        customer=current.customer,
        details=details,
        source=source,
        related_to=current,
    )
    _apply(
        item=current,
        action="comment",
        by=by,
        note=f"{why} as new item #{follow_up.pk}",
        follow_up_id=follow_up.pk,
    )
    return follow_up


def workitem_customer_wrote(*, item, note: str, **data) -> WorkItem:
    """The customer's e-mail naming ``item`` (``mail_in``): it joins the item as an event,
    and returns the item that holds it now.

    - open: joins it (a pending one goes back to its holder: ``workitem_email_received``);
    - closed and reopenable (``TRANSITIONS["reopen"]``: done): reopened as a reopen by the
      customer (``workitem_reopen``: the same item within the window, else a linked new one),
      then the e-mail joins what is open now;
    - closed otherwise (cancelled, merged): a new item linked to it (``related_to``) with
      the e-mail; a merged item's e-mail goes to the item it was merged into when that one
      is open.
    """
    with transaction.atomic():
        current = WorkItem.objects.select_related("work_type", "customer").get(pk=item.pk)
        if current.status == S.MERGED and current.duplicate_of_id is not None:
            into = WorkItem.objects.filter(pk=current.duplicate_of_id).first()
            if into is not None and into.status in OPEN_STATUSES:
                current = into
        if current.status not in OPEN_STATUSES:
            if current.status in TRANSITIONS["reopen"].sources:
                current = workitem_reopen(
                    item=current,
                    by=None,
                    note="Reopened by the customer's e-mail",
                    source=Source.EMAIL,
                    details=note,
                )
            else:
                current = _follow_up(
                    current,
                    by=None,
                    details=note,
                    source=Source.EMAIL,
                    why=(
                        f"The customer wrote after it was "
                        f"{current.get_status_display().lower()}; continued"
                    ),
                )
        return workitem_email_received(item=current, note=note, **data)


def workitem_cancel(*, item, by, note: str, expected_version=None) -> WorkItem:
    if not (note or "").strip():
        raise InvalidInput("Give a reason for cancelling.", field="note")
    return _apply(
        item=item,
        action="cancel",
        by=by,
        expected_version=expected_version,
        note=note,
        check=_must_supervise(by),
        changes={"assignee": None} if item.status == S.NEW else {},
    )


def workitem_merge(*, item, into: WorkItem, by, note: str = "") -> WorkItem:
    """Merge a duplicate into the item that continues (supervisors)."""
    if into.pk == item.pk:
        raise InvalidInput("An item cannot be merged into itself.", field="into")
    if into.status not in OPEN_STATUSES and into.status != S.DONE:
        raise InvalidInput(f"Item #{into.pk} is {into.get_status_display().lower()}.", field="into")
    with transaction.atomic():
        merged = _apply(
            item=item,
            action="merge",
            by=by,
            note=note or f"Merged into #{into.pk}",
            check=_must_supervise(by),
            changes={"duplicate_of": into, "is_duplicate_suspect": False},
            into_id=into.pk,
        )
        _apply(
            item=into,
            action="comment",
            by=by,
            note=f"Item #{item.pk} merged into this one",
            merged_id=item.pk,
        )
    return merged


EDITABLE_FIELDS = ("title", "details", "priority")


def workitem_update(*, item, by, changes: dict, expected_version: int) -> WorkItem:
    """Correct an open item's title, details or priority (supervisors), kept as an event."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"{field} cannot be edited here.", field=field)
    if "title" in changes and not str(changes["title"] or "").strip():
        raise InvalidInput("A title is required.", field="title")
    if "priority" in changes and not 1 <= int(changes["priority"]) <= 5:
        raise InvalidInput("Priority must be between 1 and 5.", field="priority")

    edited: dict[str, list] = {}

    def check(locked):
        if not _is_supervisor(by):
            raise NotAllowed("Only a supervisor can edit an item.")
        for field, value in changes.items():
            if getattr(locked, field) != value:
                edited[field] = [getattr(locked, field), value]
        if not edited:
            raise _NothingChanged

    try:
        return _apply(
            item=item,
            action="edit",
            by=by,
            expected_version=expected_version,
            note=lambda: "Edited " + ", ".join(sorted(edited)),
            check=check,
            changes=lambda locked, now: {field: new for field, (_old, new) in edited.items()},
            edited=edited,
        )
    except _NothingChanged:
        # The same values again: no new version, no event.
        return WorkItem.objects.select_related("work_type").get(pk=item.pk)


class _NothingChanged(Exception):
    pass


def workitem_comment(*, item, by, note: str) -> WorkItem:
    if not (note or "").strip():
        raise InvalidInput("A comment cannot be empty.", field="note")
    return _apply(item=item, action="comment", by=by, note=note)


def workitem_email_received(*, item, note: str, **data) -> WorkItem:
    """A customer's e-mail joins its case as an event (``mail_in``: no actor). A case that
    was waiting on the customer (pending) goes back to its holder, and its SLA clock runs
    again from here (``_sla_clock_changes``)."""
    if item.status == S.PENDING:
        try:
            return _apply(item=item, action="customer_returned", by=None, note=note, **data)
        except IllegalTransition:
            pass  # it left pending meanwhile: the e-mail is added as it stands
    return _apply(item=item, action="email_received", by=None, note=note, **data)
