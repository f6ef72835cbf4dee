"""Assign pickers list the supervisor's own agents but accept any active agent when posted."""

import pytest
from django.urls import reverse

from workitems.choices import Status
from workitems.models import WorkItem


@pytest.mark.django_db
def test_queue_picker_lists_own_team_only_but_assigns_across_teams(
    client, supervisor, agent, other_agent, make_item
):
    item = make_item()
    client.force_login(supervisor)
    page = client.get(reverse("workitems:queue")).content.decode()
    picker = page[page.index('data-testid="bulk-assign"') :]
    assert f'value="{agent.pk}"' in picker
    assert f'value="{other_agent.pk}"' not in picker
    response = client.post(
        reverse("workitems:bulk_assign"),
        {"items": [f"{item.pk}:{item.version}"], "agent": other_agent.pk, "next": "/work/queue/"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.assignee == other_agent and item.status == Status.ASSIGNED
    assert WorkItem.objects.filter(assignee=other_agent).count() == 1
