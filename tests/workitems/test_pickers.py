"""Assign pickers list the supervisor's own agents but accept any active agent when posted."""

import pytest
from django.urls import reverse

from ccops.choices import Role
from tests.factories import make_user
from workitems.choices import Status
from workitems.forms import BulkAssignForm
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


@pytest.mark.django_db
def test_a_teams_picker_lists_its_active_agents_in_name_order(
    client, supervisor, agent, other_agent, front_team, make_item
):
    """With a team filtered, the queue's picker lists that team's active agents only, by
    the name they are shown with."""
    make_user(Role.AGENT, username="zed", display_name="Aaron Z", team=front_team)
    make_user(
        Role.AGENT,
        username="amy",
        display_name="",
        first_name="Amy",
        last_name="B",
        team=front_team,
    )
    make_user(Role.AGENT, username="gone", team=front_team, is_active=False)
    make_user(Role.SUPERVISOR, username="boss2", team=front_team)  # not an agent
    form = BulkAssignForm(user=supervisor, team=front_team)
    assert [label for _, label in form.fields["agent"].choices] == [
        "---------",
        "Amy B (Front A)",  # no display name: the full name, and first by display name
        "Aaron Z (Front A)",
        "Agent (Front A)",
    ]
    html = form["agent"].as_widget()
    assert f'value="{agent.pk}"' in html and f'value="{other_agent.pk}"' not in html
    client.force_login(supervisor)
    page = client.get(reverse("workitems:queue"), {"team": front_team.pk}).content.decode()
    assert "Aaron Z (Front A)" in page and "gone" not in page
