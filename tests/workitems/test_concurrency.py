"""Real races on PostgreSQL: threads with their own connections released together by a
barrier. No item is claimed twice, a double complete or a double assign has one winner and
a clear refusal, and a double click on "Next" gives one item."""

import threading
from collections import Counter

import pytest
from django.db import connection

from ccops.choices import Role
from tests.factories import make_user
from tests.locks import row_held_elsewhere
from tests.services import require_postgres
from workitems import services
from workitems.choices import EventKind, Source, Status
from workitems.errors import IllegalTransition, StaleVersion
from workitems.models import WorkItem, WorkItemEvent, WorkType

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run each callable in its own thread, all released at once; return (results, errors)
    by position. Each thread closes its database connection when done."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=20)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test by position
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results, errors


def test_twenty_agents_ten_items_each_claimed_once(front_team, skilled, make_item):
    require_postgres()
    items = [make_item(title=f"Call {i}", customer=None) for i in range(10)]
    agents = [
        skilled(make_user(Role.AGENT, username=f"a{i:02}", team=front_team)) for i in range(20)
    ]
    for agent in agents:
        agent.has_role(Role.AGENT)  # warm the role cache outside the race

    results, errors = race(
        [lambda a=agent: services.workitem_claim_next(agent=a) for agent in agents]
    )

    assert errors == [None] * 20
    claimed = [r.pk for r in results if r is not None]
    assert len(claimed) == 10 and sorted(claimed) == sorted(i.pk for i in items)
    assert results.count(None) == 10
    holders = dict(WorkItem.objects.filter(pk__in=claimed).values_list("pk", "assignee_id"))
    for agent, result in zip(agents, results, strict=True):
        if result is not None:
            assert holders[result.pk] == agent.pk
    assert max(Counter(holders.values()).values()) == 1  # nobody got two
    assigned = Counter(
        WorkItemEvent.objects.filter(kind=EventKind.ASSIGNED).values_list("item_id", flat=True)
    )
    assert assigned == dict.fromkeys(claimed, 1)
    assert set(WorkItem.objects.values_list("status", flat=True)) == {Status.ASSIGNED}


def test_double_complete_has_one_winner(held_item, agent):
    require_postgres()
    agent.has_role(Role.AGENT)

    results, errors = race(
        [lambda: services.workitem_complete(item=held_item, by=agent, note="done")] * 2
    )

    assert sum(r is not None for r in results) == 1
    (error,) = [e for e in errors if e is not None]
    assert isinstance(error, IllegalTransition | StaleVersion)
    assert f"item #{held_item.pk}" in error.message.lower()
    assert "it is done" in error.message or "changed by someone else" in error.message
    assert WorkItem.objects.get(pk=held_item.pk).status == Status.DONE
    assert held_item.events.filter(kind=EventKind.COMPLETED).count() == 1


def test_two_supervisors_assigning_with_the_same_version(front_team, make_item, agent):
    require_postgres()
    item = make_item(customer=None)
    bosses = [make_user(Role.SUPERVISOR, username=f"sup{i}", team=front_team) for i in range(2)]
    targets = [agent, make_user(Role.AGENT, username="agent2", team=front_team)]
    for user in bosses + targets:
        user.has_role(Role.AGENT)

    results, errors = race(
        [
            lambda b=boss, t=target: services.workitem_assign(
                item=item, to=t, by=b, expected_version=item.version
            )
            for boss, target in zip(bosses, targets, strict=True)
        ]
    )

    winners = [i for i, r in enumerate(results) if r is not None]
    assert len(winners) == 1
    (error,) = [e for e in errors if e is not None]
    assert isinstance(error, StaleVersion) and "changed by someone else" in error.message
    item.refresh_from_db()
    assert item.assignee_id == targets[winners[0]].pk and item.version == 2
    assert item.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_double_click_on_next_gives_one_item(agent, skilled, make_item):
    require_postgres()
    skilled(agent)
    agent.has_role(Role.AGENT)
    first = make_item(title="First", customer=None)
    make_item(title="Second", customer=None)

    results, errors = race([lambda: services.workitem_claim_next(agent=agent)] * 2)

    assert errors == [None, None]
    assert results[0].pk == results[1].pk == first.pk
    assert list(WorkItem.objects.filter(assignee=agent).values_list("pk", flat=True)) == [first.pk]
    assert WorkItemEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 1


def test_an_action_locks_the_item_not_its_work_type(front_team, make_item, agent):
    """The general path's lock joins the work type but takes only the item's row: a
    transaction holding the work type (an admin editing it, say) does not hold up an
    assignment, and actions on items of one type do not queue behind each other."""
    require_postgres()
    item = make_item(customer=None)
    boss = make_user(Role.SUPERVISOR, username="boss", team=front_team)
    with row_held_elsewhere(WorkType, item.work_type_id):
        services.workitem_assign(item=item, to=agent, by=boss)
    item.refresh_from_db()
    assert (item.assignee_id, item.version) == (agent.pk, 2)


def test_two_clients_send_one_reference_at_once_and_get_one_item(supervisor, front_type):
    """The unique index on (source, external_ref) settles the race: the loser gets the
    winner's item back, and nothing of its own is written."""
    require_postgres()

    def send():
        return services.workitem_create(
            work_type=front_type,
            title="Lost card",
            by=supervisor,
            source=Source.API,
            external_ref="CRM-RACE",
        )

    results, errors = race([send, send])
    assert errors == [None, None]
    assert sorted(r.was_existing for r in results) == [False, True]
    assert results[0].pk == results[1].pk
    assert WorkItem.objects.filter(external_ref="CRM-RACE").count() == 1
    created = WorkItemEvent.objects.filter(item_id=results[0].pk, kind=EventKind.CREATED)
    assert created.count() == 1
