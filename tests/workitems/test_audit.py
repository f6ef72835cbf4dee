"""Work items' audit trail is their append-only event log: every change, field edits
included, names who and when and is shown on the item page (the timeline)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from workitems.choices import EventKind
from workitems.models import WorkItemEvent

pytestmark = pytest.mark.django_db


def test_field_edit_is_an_event_with_actor_time_and_fields(
    client, api_as, supervisor, admin_user, make_item
):
    item = make_item(priority=3)
    before = timezone.now()
    response = api_as(supervisor).patch(
        f"/api/v1/workitems/{item.pk}/",
        {"title": "Card blocked", "priority": 5, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    event = WorkItemEvent.objects.filter(item=item).latest("id")
    assert event.actor == supervisor and before <= event.at <= timezone.now()
    assert event.note == "Edited priority, title"
    assert event.kind == EventKind.EDITED
    assert event.data["edited"] == {"title": [item.title, "Card blocked"], "priority": [3, 5]}

    for user in (supervisor, admin_user):
        client.force_login(user)
        page = client.get(reverse("workitems:item_detail", args=[item.pk])).content.decode()
        assert 'data-testid="timeline"' in page and "Edited priority, title" in page
        assert "Priority: 3 &rarr; 5" in page
        assert f"Title: {item.title} &rarr; Card blocked" in page
        assert str(supervisor) in page
