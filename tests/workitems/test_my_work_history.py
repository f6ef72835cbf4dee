"""My work beside the current item: the customer's last contacts and cases (only what the
agent may see), the item's content and notes; overdue items marked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from workitems import services
from workitems.choices import Status
from workitems.models import WorkItem

pytestmark = pytest.mark.django_db
MY_WORK = reverse("workitems:my_work")


@pytest.fixture
def history(agent, back_agent, supervisor, held_item, make_item, back_type):
    """The held item's customer also has: an earlier call the agent took, a case still in
    the queue (visible: the open queue), a case another team's agent holds (hidden)."""
    earlier = make_item(title="Earlier call")
    WorkItem.objects.filter(pk=earlier.pk).update(status=Status.DONE, assignee=agent)
    queued = make_item(work_type=back_type, title="Queued claim")
    hidden = make_item(work_type=back_type, title="Hidden claim")
    WorkItem.objects.filter(pk=hidden.pk).update(status=Status.ASSIGNED, assignee=back_agent)
    services.workitem_comment(item=held_item, by=supervisor, note="Customer prefers email")
    return {"earlier": earlier, "queued": queued, "hidden": hidden}


def test_my_work_shows_history_content_and_notes(client, agent, held_item, history):
    WorkItem.objects.filter(pk=held_item.pk).update(details="Wants a refund of order 42")
    client.force_login(agent)
    response = client.get(MY_WORK)
    page = response.content.decode()
    assert [i.title for i in response.context["recent_contacts"]] == ["Earlier call"]
    assert [i.title for i in response.context["recent_cases"]] == ["Queued claim"]
    assert "Hidden claim" not in page  # held by another team's agent: not the agent's to see
    assert "Wants a refund of order 42" in page
    assert "Customer prefers email" in page
    assert f"#{held_item.pk} Customer question" in page
    assert "Earlier call" in page and "Done" in page  # the status label, not its code


def test_overdue_items_are_marked(client, agent, supervisor, held_item, make_item):
    late = make_item(title="Late one", customer=None)
    services.workitem_assign(item=late, to=agent, by=supervisor)
    WorkItem.objects.filter(pk__in=[late.pk, held_item.pk]).update(
        due_at=timezone.now() - timedelta(hours=2)
    )
    on_time = make_item(title="On time", customer=None)
    services.workitem_assign(item=on_time, to=agent, by=supervisor)
    client.force_login(agent)
    page = client.get(MY_WORK).content.decode()
    assert 'data-testid="current-overdue"' in page
    assert page.count('data-overdue="true"') == 1
    late_row = page[page.index("Late one") - 400 : page.index("Late one")]
    assert 'data-overdue="true"' in late_row
    assert "past due" in page


@pytest.mark.parametrize("extra", [0, 6])
def test_my_work_with_history_query_count(
    client, agent, held_item, history, make_item, back_type, extra, django_assert_num_queries
):
    for i in range(extra):
        make_item(title=f"More {i}")
        make_item(work_type=back_type, title=f"More case {i}")
    client.force_login(agent)
    # 1 user + team, 2 roles, 3 current item, 4 recent contacts, 5 recent cases, 6 notes,
    # 7 my queue count, 8 buddy pairing, 9 my presence, 10 back-office types (hand-off
    # select). (No queue page: the queue is empty.)
    with django_assert_num_queries(10):
        response = client.get(MY_WORK)
    assert len(response.context["recent_contacts"]) == min(1 + extra, 5)
