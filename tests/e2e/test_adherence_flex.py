"""Browser: a supervisor sees an adherence alert and records an exception; a planner
applies a flex move on the demo data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.demo import DEMO_PASSWORD
from staffing.models import AdherenceException, FlexMove, Shift
from workitems.services import presence_set

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_sees_alert_and_records_exception(page, login, supervisor, agent):
    now = timezone.now()
    Shift.objects.create(
        agent=agent,
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=2),
        activity="front_office",
    )
    presence_set(agent=agent, state="casework", at=now - timedelta(minutes=20))
    login("super")
    page.goto("/staffing/intraday/")
    alerts = page.locator("[data-testid=adherence-alerts] tbody tr")
    assert "Casework" in alerts.first.inner_text()
    alerts.first.locator("text=Record exception").click()
    page.wait_for_load_state()
    end = timezone.localtime(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_end", end)
    page.fill("#id_reason", "Covering the claims desk, agreed")
    page.click("[data-testid=exception-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=alert-count]").inner_text() == "0"
    assert "Covering the claims desk" in page.locator("[data-testid=exceptions]").inner_text()
    assert AdherenceException.objects.get().approved_by == supervisor


def test_planner_applies_a_flex_move(page, login, demo_center, monkeypatch):
    demo_center()
    # The demo's suggestion is for 11:00 today and may be applied until its window is over:
    # the clock (the live server's too: same process) reads 10:30 today, whenever this runs.
    half_past_ten = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: half_past_ten)
    login("planner", DEMO_PASSWORD)
    page.goto("/staffing/intraday/?at=11:00")
    button = page.locator("[data-testid=flex-apply]").first
    button.wait_for()
    button.click()
    page.wait_for_load_state()
    assert "Flex move applied" in page.content()
    move = FlexMove.objects.get()
    assert move.before and move.after and move.agents.exists()
    page.goto("/staffing/intraday/?at=11:00")
    assert page.locator("[data-testid=applied-moves] li").count() == 1
