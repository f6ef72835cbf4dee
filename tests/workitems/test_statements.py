"""The agents' hot path as one PostgreSQL statement (``workitems.statements``): every step
written both ways (the one statement, and the services' general path) leaves the same rows;
what the statement does not take (not the holder, a stale version, no presence row yet)
falls back to the general path and its clear refusal; and a double click on one item has
one winner."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ccops import rows
from ccops.choices import Role
from tests.factories import make_user
from tests.services import require_postgres
from workitems import services, statements
from workitems.choices import EventKind, PresenceState, Status
from workitems.models import AgentPresence, PresenceChange, WorkItem, WorkItemEvent

from .test_concurrency import race

GENERAL = {
    "start": services.workitem_start,
    "pend": services.workitem_pend,
    "complete": services.workitem_complete,
}
ITEM_FIELDS = (
    "status",
    "assignee_id",
    "version",
    "started_at",
    "completed_at",
    "active_since",
    "handle_seconds",
    "team_id",
    "work_type_id",
)
EVENT_FIELDS = ("kind", "actor_id", "from_status", "to_status", "assignee_id", "note", "data")


def _state(item, agent, now, intervals_before):
    """What a step left: the item, its last event, the presence, its open interval and the
    intervals it added, with times as offsets from ``now`` (each way runs at its own now)."""
    item = WorkItem.objects.get(pk=item.pk)

    def offset(value):
        return None if value is None else round((value - now).total_seconds())

    row = {f: getattr(item, f) for f in ITEM_FIELDS}
    for f in ("started_at", "completed_at", "active_since"):
        row[f] = offset(row[f])
    event = WorkItemEvent.objects.filter(item=item).latest("id")
    presence = AgentPresence.objects.get(agent=agent)
    open_intervals = PresenceChange.objects.filter(agent=agent, ended_at__isnull=True)
    return {
        "item": row,
        "event": {f: getattr(event, f) for f in EVENT_FIELDS},
        "event_at": offset(event.at),
        "presence": (presence.state, presence.item_id == item.pk, offset(presence.since)),
        "open_intervals": [i.state for i in open_intervals],
        "intervals_added": PresenceChange.objects.filter(agent=agent).count() - intervals_before,
    }


def _held(agent, make_item, work_type, started=False, minutes_ago=7):
    """An item the agent was given (and started ``minutes_ago``), with their presence on it."""
    services.presence_set(agent=agent, state=PresenceState.AVAILABLE)
    item = make_item(work_type=work_type)
    item = services.workitem_assign(item=item, to=agent, by=_supervisor())
    services.presence_set(agent=agent, state=services._work_state(item), item=item)
    if started:
        item = services.workitem_start(item=item, by=agent)
        WorkItem.objects.filter(pk=item.pk).update(
            active_since=timezone.now() - timedelta(minutes=minutes_ago), handle_seconds=30
        )
    return WorkItem.objects.get(pk=item.pk)


def _supervisor():
    return make_user(Role.SUPERVISOR)


@pytest.mark.parametrize(
    ("step", "started", "note"),
    [
        ("start", False, ""),
        ("complete", True, "Sorted"),
        ("complete", False, ""),
        ("pend", True, "Waiting for the bank"),
    ],
)
@pytest.mark.parametrize("office", ["front", "back"])
def test_each_step_leaves_the_rows_the_services_leave(
    step, started, note, office, agent, back_agent, make_item, front_type, back_type
):
    require_postgres()
    work_type = front_type if office == "front" else back_type
    holder = agent if office == "front" else back_agent

    def general(item):
        now, before = timezone.now(), PresenceChange.objects.filter(agent=holder).count()
        extra = {"note": note} if step != "start" else {}
        GENERAL[step](item=item, by=holder, expected_version=item.version, **extra)
        return _state(item, holder, now, before)

    def one_statement(item):
        now, before = timezone.now(), PresenceChange.objects.filter(agent=holder).count()
        done = statements.holder_step(
            item_id=item.pk, step=step, by=holder, expected_version=item.version, note=note
        )
        assert done is not None and done.pk == item.pk
        assert (done.work_type.name, done.assignee, done.version) == (
            work_type.name,
            holder,
            item.version + 1,
        )
        assert done.team_id is None or done.team.name
        return _state(item, holder, now, before)

    expected = general(_held(holder, make_item, work_type, started))
    got = one_statement(_held(holder, make_item, work_type, started))
    assert got == expected
    if started and step != "start":
        assert got["item"]["handle_seconds"] == 30 + 7 * 60  # the clock stopped, counted once
    if step == "start":
        working = PresenceState.ON_CONTACT if office == "front" else PresenceState.CASEWORK
        assert got["presence"][:2] == (working, True)
    else:
        assert got["presence"][:2] == (PresenceState.AVAILABLE, False)
    assert len(got["open_intervals"]) == 1


def test_what_the_statement_does_not_take_falls_back_with_nothing_written(
    agent, other_agent, make_item, front_type
):
    require_postgres()
    item = _held(agent, make_item, front_type)
    before = (WorkItemEvent.objects.count(), PresenceChange.objects.count())

    def refused(**kwargs):
        args = {"item_id": item.pk, "step": "start", "by": agent, **kwargs}
        assert statements.holder_step(**args) is None

    refused(by=other_agent)  # not the holder
    refused(expected_version=item.version - 1)  # changed since they read it
    refused(step="pend")  # an assigned item is not paused: it is started first
    refused(item_id=10**12)  # no such item
    AgentPresence.objects.filter(agent=agent).delete()
    refused()  # no presence row: the general path makes it
    assert WorkItem.objects.get(pk=item.pk).version == item.version
    assert (WorkItemEvent.objects.count(), PresenceChange.objects.count()) == before

    item = services.workitem_start(item=item, by=agent)  # makes the presence row again
    before = (WorkItemEvent.objects.count(), PresenceChange.objects.count())
    refused(step="pend", note=" ")  # a pause needs its reason
    assert WorkItem.objects.get(pk=item.pk).status == Status.IN_PROGRESS
    assert (WorkItemEvent.objects.count(), PresenceChange.objects.count()) == before


def test_api_falls_back_to_the_general_path_and_its_refusals(
    api_as, agent, other_agent, make_item, front_type
):
    item = _held(agent, make_item, front_type)
    url = f"/api/v1/workitems/{item.pk}/"
    stale = api_as(agent).post(url + "start/", {"version": item.version - 1})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    other = api_as(other_agent).post(url + "start/", {"version": item.version})
    assert other.status_code == 404  # another team's held item is not theirs to see
    assert WorkItem.objects.get(pk=item.pk).version == item.version
    bad = api_as(agent).post(url + "start/", {"version": "x"})
    assert bad.status_code == 400 and "version" in bad.json()["errors"]
    hidden = api_as(other_agent).post(url + "start/", {"version": "x"})
    assert hidden.status_code == 404  # not theirs: the body is never judged
    no_note = api_as(agent).post(url + "pend/", {"version": item.version, "note": " "})
    assert no_note.status_code == 400 and "note" in no_note.json()["errors"]
    assert WorkItem.objects.get(pk=item.pk).status == Status.ASSIGNED
    AgentPresence.objects.filter(agent=agent).delete()  # the general path makes it
    body = api_as(agent).post(url + "start/", {"version": item.version}).json()
    assert (body["status"], body["version"]) == (Status.IN_PROGRESS, item.version + 1)
    assert AgentPresence.objects.get(agent=agent).item_id == item.pk


@pytest.mark.django_db(transaction=True)
def test_double_complete_in_one_statement_has_one_winner(agent, make_item, front_type):
    require_postgres()
    item = _held(agent, make_item, front_type, started=True)

    def complete():
        return statements.holder_step(
            item_id=item.pk, step="complete", by=agent, expected_version=item.version
        )

    results, errors = race([complete, complete])
    assert errors == [None, None]
    assert sum(r is not None for r in results) == 1  # the other finds nothing to take
    done = WorkItem.objects.get(pk=item.pk)
    assert (done.status, done.version) == (Status.DONE, item.version + 1)
    assert WorkItemEvent.objects.filter(item=item, kind="completed").count() == 1
    assert PresenceChange.objects.filter(agent=agent, ended_at__isnull=True).count() == 1


def test_hot_statements_generic_plans_use_the_partial_indexes(agent, skilled, make_item):
    """PostgreSQL plans a prepared statement's first five runs for their values, then keeps
    one generic plan if it is as good. With a status as a parameter, the generic plan cannot
    use the partial indexes whose condition names it, so on the load test's data every claim
    was planned afresh (planning cost more than running it). The statuses are now part of
    the statements' text: their generic plans use those indexes."""
    require_postgres()
    skilled(agent)
    make_item(customer=None)
    services.workitem_claim_next(agent=agent)  # prepares both on this connection
    claim = statements.moved_params(
        agent=agent, kind=EventKind.ASSIGNED, now=timezone.now(), note=services.CLAIM_NOTE
    )
    claim.update(target=Status.ASSIGNED, types=list(services._eligible_work_types(agent)))
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute("SET enable_seqscan = off")  # the tables here are tiny
        try:
            claim_plan = _generic_plan(cursor, services._claim_sql(), claim)
            presence_plan = _generic_plan(cursor, services._presence_sql(), {"agent": agent.pk})
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("RESET enable_seqscan")
    assert "Index Scan using wi_route_type_new" in claim_plan
    # The held item's status is the text's, so the open-items indexes qualify (which one
    # wins is the planner's call on data this small).
    assert "(status)::text = 'assigned'::text" in presence_plan


def _generic_plan(cursor, sql: str, params: dict) -> str:
    _, run, names = rows._prepared(sql)
    cursor.execute(f"EXPLAIN {run}", [params[name] for name in names])
    return "\n".join(line for (line,) in cursor.fetchall())
