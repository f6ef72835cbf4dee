"""The SLA states in a real browser: the supervisor's queue labels an item at risk, one past
due and one paused (waiting on the customer); the item page says the same."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Office
from workitems import services
from workitems.choices import Channel, Status
from workitems.models import WorkItem, WorkType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_queue_and_item_page_show_at_risk_past_due_and_paused(page, login, supervisor, agent):
    claims = WorkType.objects.create(
        name="Claims",
        office=Office.BACK,
        channel=Channel.CASE,
        sla=timedelta(days=2),
        standard_minutes=25,
    )
    now = timezone.now()
    at_risk = services.workitem_create(
        work_type=claims, title="Risky claim", created_at=now - timedelta(hours=40)
    )
    late = services.workitem_create(
        work_type=claims, title="Late claim", created_at=now - timedelta(days=3)
    )
    paused = services.workitem_create(
        work_type=claims, title="Waiting claim", created_at=now - timedelta(days=3)
    )
    fresh = services.workitem_create(work_type=claims, title="Fresh claim")
    WorkItem.objects.filter(pk=paused.pk).update(
        status=Status.PENDING, assignee=agent, sla_paused_at=now - timedelta(days=2)
    )

    login("super")
    page.goto(reverse("workitems:queue"))

    def row(item):
        return page.locator(f"[data-testid=queue-row][data-item='{item.pk}']").inner_text()

    assert "At risk" in row(at_risk)
    assert "past due" in row(late) and "At risk" not in row(late)
    assert "Paused" in row(paused) and "past due" not in row(paused)
    assert "At risk" not in row(fresh) and "past due" not in row(fresh)

    page.click(f"[data-testid=queue-row][data-item='{at_risk.pk}'] a")
    page.wait_for_load_state()
    assert page.locator("[data-testid=at-risk]").inner_text() == "At risk"
    page.goto(reverse("workitems:item_detail", args=[paused.pk]))
    assert page.locator("[data-testid=sla-paused]").is_visible()
    page.goto(reverse("workitems:item_detail", args=[late.pk]))
    assert page.locator("[data-testid=past-due]").is_visible()
