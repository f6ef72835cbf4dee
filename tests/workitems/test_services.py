"""The workflow: every allowed and refused transition, reopen, duplicates, hand-off, routing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ccops.choices import Role
from ccops.notification_models import Notification
from tests.factories import TeamFactory, make_user
from training.models import AgentSkill, AgentTier, Tier
from workitems import services
from workitems.choices import EventKind, PresenceState, Source, Status
from workitems.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from workitems.models import AgentPresence, PresenceChange, WorkItem, WorkItemEvent

S = Status
ALL = set(Status.values)
OPEN = {S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.ESCALATED}

# action -> (statuses it is allowed from, status after, event kind). Written out by hand:
# the services' TRANSITIONS table must agree with it.
EXPECTED = {
    "assign": (OPEN, S.ASSIGNED, EventKind.ASSIGNED),
    "unassign": ({S.ASSIGNED}, S.NEW, EventKind.UNASSIGNED),
    "start": ({S.ASSIGNED, S.PENDING, S.ESCALATED}, S.IN_PROGRESS, EventKind.STARTED),
    "pend": ({S.IN_PROGRESS}, S.PENDING, EventKind.PENDING),
    "escalate": ({S.ASSIGNED, S.IN_PROGRESS, S.PENDING}, S.ESCALATED, EventKind.ESCALATED),
    "complete": (
        {S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.ESCALATED},
        S.DONE,
        EventKind.COMPLETED,
    ),
    "handoff": ({S.ASSIGNED, S.IN_PROGRESS}, S.DONE, EventKind.HANDED_OFF),
    "reopen": ({S.DONE}, S.NEW, EventKind.REOPENED),
    "cancel": (OPEN, S.CANCELLED, EventKind.CANCELLED),
    "merge": (OPEN, S.MERGED, EventKind.MERGED),
    "comment": (ALL, None, EventKind.COMMENTED),
    "edit": (OPEN, None, EventKind.EDITED),
}


def put_in(item, status, holder):
    closed = status in (S.DONE, S.CANCELLED, S.MERGED)
    WorkItem.objects.filter(pk=item.pk).update(
        status=status,
        assignee=None if status == S.NEW else holder,
        completed_at=timezone.now() if closed else None,
    )
    item.refresh_from_db()
    return item


@pytest.fixture
def run_action(agent, supervisor, buddy, back_type, make_item):
    def run(action, item):
        if action == "assign":
            return services.workitem_assign(item=item, to=agent, by=supervisor)
        if action in ("cancel",):
            return services.workitem_cancel(item=item, by=supervisor, note="customer withdrew")
        if action == "merge":
            target = make_item(title="Other")
            return services.workitem_merge(item=item, into=target, by=supervisor)
        if action == "handoff":
            return services.workitem_handoff(item=item, by=agent, work_type=back_type)
        if action == "pend":
            return services.workitem_pend(item=item, by=agent, note="waiting for documents")
        if action == "comment":
            return services.workitem_comment(item=item, by=agent, note="called back")
        if action == "edit":
            return services.workitem_update(
                item=item, by=supervisor, changes={"priority": 5}, expected_version=item.version
            )
        return getattr(services, f"workitem_{action}")(item=item, by=agent)

    return run


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(ALL))
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_transition_table(action, status, run_action, make_item, agent, front_team):
    allowed, target, kind = EXPECTED[action]
    assert services.TRANSITIONS[action].sources == frozenset(allowed)
    item = put_in(make_item(customer=None), status, agent)
    before_events = WorkItemEvent.objects.filter(item=item).count()
    if status in allowed:
        run_action(action, item)
        item.refresh_from_db()
        assert item.status == (target or status)
        assert item.version == 2
        event = WorkItemEvent.objects.filter(item=item).order_by("id").last()
        assert event.kind == kind
        assert event.from_status == status
        assert event.to_status == (target or status)
    else:
        with pytest.raises(IllegalTransition) as err:
            run_action(action, item)
        assert f"item #{item.pk}" in err.value.message
        item.refresh_from_db()
        assert item.status == status and item.version == 1
        assert WorkItemEvent.objects.filter(item=item).count() == before_events


@pytest.mark.django_db
def test_complete_someone_elses_item_refused(held_item, other_agent):
    with pytest.raises(NotAllowed, match="not yours"):
        services.workitem_complete(item=held_item, by=other_agent)
    held_item.refresh_from_db()
    assert held_item.status == S.ASSIGNED


@pytest.mark.django_db
def test_stale_version_refused(held_item, agent):
    services.workitem_start(item=held_item, by=agent, expected_version=held_item.version)
    with pytest.raises(StaleVersion, match="changed by someone else"):
        services.workitem_complete(item=held_item, by=agent, expected_version=held_item.version)
    held_item.refresh_from_db()
    assert held_item.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_agents_cannot_push_assign(held_item, agent, other_agent):
    with pytest.raises(NotAllowed):
        services.workitem_assign(item=held_item, to=other_agent, by=agent)


@pytest.mark.django_db
def test_create_sets_due_time_and_event(front_type, supervisor):
    created = timezone.now() - timedelta(minutes=10)
    item = services.workitem_create(
        work_type=front_type, title="Hi", by=supervisor, created_at=created
    )
    assert item.due_at == created + timedelta(hours=1)
    assert item.team == front_type.owning_team
    assert item.priority == front_type.priority
    event = item.events.get()
    assert event.kind == EventKind.CREATED and event.actor == supervisor


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs,field",
    [({"title": "  "}, "title"), ({"title": "x", "priority": 9}, "priority")],
)
def test_create_rejects_bad_input(front_type, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        services.workitem_create(work_type=front_type, **kwargs)
    assert err.value.field == field
    assert not WorkItem.objects.exists()


@pytest.mark.django_db
def test_external_ref_is_idempotent_per_source(front_type):
    a = services.workitem_create(
        work_type=front_type, title="A", source=Source.IMPORT, external_ref="X1"
    )
    b = services.workitem_create(
        work_type=front_type, title="A again", source=Source.IMPORT, external_ref="X1"
    )
    c = services.workitem_create(
        work_type=front_type, title="A by API", source=Source.API, external_ref="X1"
    )
    assert a.pk == b.pk and b.was_existing and not a.was_existing
    assert c.pk != a.pk
    assert WorkItem.objects.count() == 2


@pytest.mark.django_db
def test_duplicate_detection_flags_and_supervisor_merges(make_item, customer, supervisor):
    first = make_item(customer=customer)
    second = make_item(customer=customer, title="Calling again")
    assert second.is_duplicate_suspect and second.duplicate_of == first
    assert second.events.filter(kind=EventKind.DUPLICATE_FLAGGED).count() == 1
    assert not first.is_duplicate_suspect
    services.workitem_merge(item=second, into=first, by=supervisor)
    second.refresh_from_db()
    assert second.status == S.MERGED and not second.is_duplicate_suspect
    assert first.events.filter(kind=EventKind.COMMENTED, note__contains="merged").exists()


@pytest.mark.django_db
def test_no_duplicate_outside_window_or_other_type(make_item, customer, back_type, settings):
    first = make_item(customer=customer)
    other_type = make_item(customer=customer, work_type=back_type)
    assert not other_type.is_duplicate_suspect
    later = make_item(
        customer=customer,
        created_at=first.created_at + timedelta(hours=settings.DUPLICATE_WINDOW_HOURS + 1),
    )
    assert not later.is_duplicate_suspect


@pytest.mark.django_db
def test_reopen_within_window_continues_same_item(held_item, agent, settings):
    services.workitem_complete(item=held_item, by=agent)
    due = WorkItem.objects.get(pk=held_item.pk).due_at
    reopened = services.workitem_reopen(item=held_item, by=agent, note="customer called back")
    assert reopened.pk == held_item.pk
    reopened.refresh_from_db()
    assert reopened.status == S.NEW and reopened.reopen_count == 1
    assert reopened.assignee is None and reopened.completed_at is None
    assert reopened.due_at == due  # the SLA clock is not restarted
    assert reopened.events.filter(kind=EventKind.REOPENED).count() == 1


@pytest.mark.django_db
def test_reopen_after_window_creates_linked_item(held_item, agent, settings):
    services.workitem_complete(item=held_item, by=agent)
    old = timezone.now() - timedelta(days=settings.REOPEN_AS_SAME_ITEM_WITHIN_DAYS + 1)
    WorkItem.objects.filter(pk=held_item.pk).update(completed_at=old)
    follow_up = services.workitem_reopen(item=held_item, by=agent)
    assert follow_up.pk != held_item.pk
    assert follow_up.related_to_id == held_item.pk and follow_up.source == Source.REOPEN
    held_item.refresh_from_db()
    assert held_item.status == S.DONE and held_item.reopen_count == 0
    assert held_item.events.filter(note__contains=f"#{follow_up.pk}").exists()


@pytest.mark.django_db
def test_reopen_open_item_refused(held_item, agent):
    with pytest.raises(IllegalTransition, match="Cannot reopen"):
        services.workitem_reopen(item=held_item, by=agent)


@pytest.mark.django_db
def test_handoff_journey(held_item, agent, back_type, customer, supervisor):
    services.workitem_start(item=held_item, by=agent)
    case = services.workitem_handoff(
        item=held_item, by=agent, work_type=back_type, note="needs claim assessment"
    )
    held_item.refresh_from_db()
    assert held_item.status == S.DONE
    assert case.origin_id == held_item.pk and case.source == Source.HANDOFF
    assert case.customer == customer and case.work_type == back_type
    assert case.team == back_type.owning_team and case.status == S.NEW
    handed = held_item.events.get(kind=EventKind.HANDED_OFF)
    assert handed.data["case_id"] == case.pk
    from workitems.selectors import customer_journey

    journey = customer_journey(customer=customer, user=supervisor)
    assert [j["item"].pk for j in journey] == [held_item.pk, case.pk]
    assert [j["office"] for j in journey] == ["front", "back"]


@pytest.mark.django_db
def test_handoff_needs_back_office_type(held_item, agent, front_type):
    with pytest.raises(InvalidInput) as err:
        services.workitem_handoff(item=held_item, by=agent, work_type=front_type)
    assert err.value.field == "work_type"


@pytest.mark.django_db
def test_escalate_to_buddy(held_item, agent, buddy):
    services.workitem_escalate(item=held_item, by=agent, note="customer threatens to leave")
    held_item.refresh_from_db()
    assert held_item.status == S.ESCALATED and held_item.assignee == buddy
    # The buddy is told, in the same transaction, with a link to the item.
    (note,) = Notification.objects.filter(kind="escalated")
    assert (note.user, note.body) == (buddy, "customer threatens to leave")
    assert note.url == f"/work/items/{held_item.pk}/" and str(agent) in note.title
    services.workitem_start(item=held_item, by=buddy)
    held_item.refresh_from_db()
    assert held_item.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_escalate_without_buddy_or_buddy_offline(held_item, agent, back_agent):
    with pytest.raises(InvalidInput, match="no buddy"):
        services.workitem_escalate(item=held_item, by=agent)
    from training.models import BuddyPairing

    BuddyPairing.objects.create(agent=agent, buddy=back_agent)
    with pytest.raises(InvalidInput, match="offline"):
        services.workitem_escalate(item=held_item, by=agent)


@pytest.mark.django_db
def test_handle_time_accumulates(held_item, agent):
    services.workitem_start(item=held_item, by=agent)
    WorkItem.objects.filter(pk=held_item.pk).update(
        active_since=timezone.now() - timedelta(seconds=300)
    )
    services.workitem_complete(item=held_item, by=agent)
    held_item.refresh_from_db()
    assert 300 <= held_item.handle_seconds < 310


# --- Routing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_next_item_picks_most_urgent(agent, skilled, make_item):
    skilled(agent)
    now = timezone.now()
    later = make_item(title="later", created_at=now - timedelta(minutes=5))
    make_item(title="overdue", created_at=now - timedelta(hours=3), customer=None)
    urgent_same_due = make_item(
        title="high priority", created_at=now - timedelta(minutes=5), priority=5, customer=None
    )
    WorkItem.objects.filter(pk=urgent_same_due.pk).update(due_at=later.due_at)
    order = []
    for _ in range(3):
        item = services.workitem_claim_next(agent=agent)
        order.append(item.title)
        services.workitem_complete(item=item, by=agent)
    assert order == ["overdue", "high priority", "later"]
    assert services.workitem_claim_next(agent=agent) is None


@pytest.mark.django_db
def test_next_item_respects_skill_level_tier_and_expiry(agent, skilled, make_item, front_type):
    make_item()
    assert services.workitem_claim_next(agent=agent) is None  # no skill
    skilled(agent, level=1)
    front_type.min_skill_level = 2
    front_type.min_tier_rank = 2
    front_type.save()
    assert services.workitem_claim_next(agent=agent) is None  # level too low
    skilled(agent, level=3)
    assert services.workitem_claim_next(agent=agent) is None  # tier too low
    AgentTier.objects.create(agent=agent, tier=Tier.objects.create(name="Tier II", rank=2))
    AgentSkill.objects.filter(agent=agent).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    assert services.workitem_claim_next(agent=agent) is None  # certification expired
    AgentSkill.objects.filter(agent=agent).update(expires_on=None)
    assert services.workitem_claim_next(agent=agent) is not None


@pytest.mark.django_db
def test_next_item_returns_held_unstarted_item_first(agent, skilled, make_item):
    skilled(agent)
    make_item(customer=None)
    make_item(customer=None)
    first = services.workitem_claim_next(agent=agent)
    again = services.workitem_claim_next(agent=agent)
    assert first.pk == again.pk
    assert WorkItem.objects.filter(assignee=agent).count() == 1


@pytest.mark.django_db
def test_supervisors_do_not_claim(supervisor):
    with pytest.raises(NotAllowed):
        services.workitem_claim_next(agent=supervisor)


@pytest.mark.django_db
def test_presence_follows_actions_and_keeps_history(held_item, agent):
    presence = AgentPresence.objects.get(agent=agent)
    assert presence.state == PresenceState.ON_CONTACT and presence.item_id == held_item.pk
    services.workitem_complete(item=held_item, by=agent)
    services.presence_set(agent=agent, state=PresenceState.BREAK)
    states = list(PresenceChange.objects.filter(agent=agent).values_list("state", "ended_at"))
    assert [s for s, _ in states] == ["on_contact", "available", "break"]
    assert all(ended is not None for _, ended in states[:-1]) and states[-1][1] is None


@pytest.mark.django_db
def test_suggested_agents_ranked_by_availability_and_load(make_item, skilled, front_type):
    team = TeamFactory()
    busy = skilled(make_user(Role.AGENT, team=team), level=5)
    free = skilled(make_user(Role.AGENT, team=team), level=2)
    unskilled = make_user(Role.AGENT, team=team)
    services.presence_set(agent=busy, state=PresenceState.AVAILABLE)
    services.presence_set(agent=free, state=PresenceState.AVAILABLE)
    for _ in range(2):
        make_item(customer=None)
    services.workitem_claim_next(agent=busy)
    services.presence_set(agent=busy, state=PresenceState.AVAILABLE)
    item = make_item(customer=None)
    from workitems.selectors import suggested_agents

    suggestions = suggested_agents(item=item)
    names = [s["agent"].pk for s in suggestions]
    assert names[:2] == [free.pk, busy.pk]
    assert unskilled.pk not in names
    assert suggestions[1]["open_items"] == 1


@pytest.mark.parametrize("open_items", [2, 30])
def test_claim_next_queries_are_few_and_constant(
    agent, supervisor, skilled, make_item, open_items, django_assert_num_queries
):
    skilled(agent)
    for i in range(open_items):
        make_item(title=f"Waiting {i}")
    first = services.workitem_claim_next(agent=agent)  # creates the presence row
    services.workitem_complete(item=first, by=agent)
    postgres = connection.vendor == "postgresql"
    # 1 eligible types with the agent's levels and tier, 2 savepoint, 3 lock the presence
    # row, 4 an item given and not started?, then PostgreSQL: 5 one UPDATE picks (SKIP
    # LOCKED) and assigns; SQLite: 5 pick, 6 conditional UPDATE; then the item with its
    # names, its event, the presence interval closed and opened, the presence row, release;
    # plus the scheduled office now (staffing's registered finder; no block: no type filter)
    expected = 12 if postgres else 13
    with django_assert_num_queries(expected):
        item = services.workitem_claim_next(agent=agent)
    with django_assert_num_queries(0):
        assert item.customer.name
        assert item.work_type.name
    assert item.status == Status.ASSIGNED and item.assignee == agent
    assert WorkItem.objects.get(pk=item.pk).version == item.version
    presence = AgentPresence.objects.get(agent=agent)
    assert (presence.item_id, presence.state) == (item.pk, PresenceState.ON_CONTACT)
    assert PresenceChange.objects.filter(agent=agent, ended_at__isnull=True).count() == 1
