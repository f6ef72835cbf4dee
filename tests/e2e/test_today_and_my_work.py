"""Browser: the supervisor's dashboard opens on today's tiles for their own team; an agent's
My work shows the customer's history, the item's content and notes, overdue items in red;
shadowing offers free slots that book with a click; the API docs lead back to the app."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office
from staffing.models import Shift
from training.models import ShadowingSession
from workitems import services
from workitems.choices import Channel, PresenceState, Status
from workitems.models import AgentPresence, Customer, WorkItem, WorkType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calls(front_team):
    return WorkType.objects.create(
        name="Calls", office=Office.FRONT, channel=Channel.CALL, sla=timedelta(hours=1),
        standard_minutes=6, owning_team=front_team,
    )  # fmt: skip


@pytest.fixture
def claims(back_team):
    return WorkType.objects.create(
        name="Claims", office=Office.BACK, channel=Channel.CASE, sla=timedelta(days=2),
        standard_minutes=25, owning_team=back_team,
    )  # fmt: skip


def test_supervisor_lands_on_todays_tiles_for_their_team(page, login, supervisor, agent, calls):
    services.workitem_create(work_type=calls, title="Waiting call")
    AgentPresence.objects.create(agent=agent, state=PresenceState.AFTER_CONTACT)
    login("super")
    page.goto("/dashboard/")
    tiles = page.locator("[data-testid=today-tiles]")
    assert "Today: Front A" in tiles.inner_text()
    assert page.locator("[data-testid=tile-waiting]").inner_text() == "1 contact"
    assert page.locator("[data-testid=tile-service-level]").inner_text() in ("0.0 %", "no data")
    assert "After-contact work: 1" in page.locator("[data-testid=tile-states]").inner_text()
    assert "after_contact" not in page.content()
    # Tiles come before the trend and the goals.
    assert page.locator("[data-testid=tiles-back]").count() == 0
    page.select_option("#live-team", "all")
    page.wait_for_url("**/dashboard/?*team=all*")
    assert page.locator("[data-testid=tiles-back]").is_visible()


def test_agent_sees_history_notes_and_overdue(page, login, agent, supervisor, calls, claims):
    customer = Customer.objects.create(external_ref="C-9", name="Bea Example")
    earlier = services.workitem_create(work_type=calls, title="Earlier call", customer=customer)
    WorkItem.objects.filter(pk=earlier.pk).update(status=Status.DONE, assignee=agent)
    services.workitem_create(work_type=claims, title="Open claim", customer=customer)
    item = services.workitem_create(
        work_type=calls, title="Refund please", customer=customer, details="Order 42 arrived broken"
    )
    services.workitem_assign(item=item, to=agent, by=supervisor)
    services.workitem_comment(item=item, by=supervisor, note="Offer a replacement first")
    late = services.workitem_create(work_type=calls, title="Late one")
    services.workitem_assign(item=late, to=agent, by=supervisor)
    WorkItem.objects.filter(pk__in=[item.pk, late.pk]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    login("agent")
    assert page.url.endswith("/work/")
    assert "Order 42 arrived broken" in page.locator("[data-testid=current-content]").inner_text()
    assert "Offer a replacement first" in page.locator("[data-testid=current-notes]").inner_text()
    assert "Earlier call" in page.locator("[data-testid=recent-contacts]").inner_text()
    assert "Open claim" in page.locator("[data-testid=recent-cases]").inner_text()
    assert page.locator("[data-testid=current-overdue]").is_visible()
    overdue = page.locator("[data-testid=queue-item][data-overdue=true]")
    assert overdue.count() == 1 and "Late one" in overdue.inner_text()
    # Red: the row's left border takes Bootstrap's danger colour.
    colour = overdue.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert colour == "rgb(220, 53, 69)"
    page.click("[data-testid=recent-contacts] a")
    page.wait_for_url(f"**/work/items/{earlier.pk}/")


def test_hr_books_a_free_slot_with_a_click(page, login, hr, agent, back_agent):
    day = timezone.localdate() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.datetime.combine(day, timezone.datetime.min.time(), tzinfo=tz)
    Shift.objects.create(
        agent=agent,
        start=start.replace(hour=8),
        end=start.replace(hour=16),
        activity="front_office",
    )
    login("hr")
    page.goto("/training/shadowing/")
    page.select_option("#av-participant", str(agent.pk))
    page.select_option("#av-host", str(back_agent.pk))
    page.fill("#av-day", day.isoformat())
    page.fill("#av-duration", "60")
    page.click("[data-testid=availability-form] button[type=submit]")
    page.wait_for_load_state()
    assert "Front office shift" in page.locator("[data-testid=busy-blocks]").inner_text()
    slots = page.locator("[data-testid=free-slot]")
    assert [slots.nth(i).inner_text() for i in range(slots.count())] == ["16:00", "16:30", "17:00"]
    slots.first.click()
    page.wait_for_load_state()
    assert page.input_value("#id_starts_at") == f"{day.isoformat()}T16:00"
    page.select_option("#id_host_area", "back_office")
    page.click("[data-testid=shadowing-form] button[type=submit]")
    page.wait_for_load_state()
    session = ShadowingSession.objects.get()
    assert timezone.localtime(session.starts_at).hour == 16 and session.host == back_agent


def test_api_docs_lead_back_to_the_app(page, login, supervisor):
    login("super")
    page.goto("/api/v1/docs/")
    page.click("[data-testid=back-to-app]")
    page.wait_for_load_state()
    assert "/api/" not in page.url
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
