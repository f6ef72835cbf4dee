"""Browser tests of time off and shift trades: an agent requests time off on My schedule and
their supervisor approves it on the Time off page; an agent offers a shift, another takes
it, the supervisor approves and the shift is the taker's."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ccops.choices import Role
from staffing.models import Shift, ShiftTrade, TimeOffAllowance, TimeOffRequest
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def as_user(browser, live_server):
    """A page signed in as ``username`` in its own browser context."""
    contexts = []

    def open_as(username):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_agent_requests_time_off_and_supervisor_approves(as_user, agent, supervisor):
    today = timezone.localdate()
    first = today + timedelta(days=10)
    TimeOffAllowance.objects.create(agent=agent, year=first.year, days=Decimal(5))
    page = as_user("agent")
    page.goto("/staffing/my-schedule/")
    page.fill("#id_first_day", first.isoformat())
    page.fill("#id_last_day", (first + timedelta(days=1)).isoformat())
    page.select_option("#id_kind", "holiday")
    page.fill("#id_note", "Wedding")
    page.click("[data-testid=time-off-form] button[type=submit]")
    page.locator("[data-testid=time-off-status]", has_text="Requested").wait_for()
    req = TimeOffRequest.objects.get(agent=agent)
    assert (req.days, req.status) == (Decimal("2.00"), "requested")

    boss = as_user("super")
    boss.goto("/staffing/time-off/")
    row = boss.locator("[data-testid=pending-request][data-agent=agent]")
    row.locator("input[name=reason]").fill("Enjoy")
    row.get_by_role("button", name="Approve").click()
    boss.get_by_text("Nothing pending.").wait_for()
    req.refresh_from_db()
    assert (req.status, req.reason, req.decided_by) == ("approved", "Enjoy", supervisor)

    page.reload()
    page.locator("[data-testid=time-off-status]", has_text="Approved").wait_for()
    balance = page.locator("[data-testid=time-off-balance]").inner_text()
    assert "3 of 5 day(s) left" in balance


def test_agent_offers_a_shift_another_takes_it_supervisor_approves(as_user, agent, supervisor):
    taker = make_user(Role.AGENT, username="taker", team=agent.team)
    day = timezone.localdate() + timedelta(days=5)
    start = timezone.make_aware(datetime.combine(day, time(9)))
    shift = Shift.objects.create(
        agent=agent, start=start, end=start + timedelta(hours=8), activity="front_office"
    )
    page = as_user("agent")
    page.goto("/staffing/my-schedule/")
    page.select_option("[data-testid=offer-shift]", str(shift.pk))
    page.get_by_role("button", name="Offer").click()
    page.locator("[data-testid=trade-status]", has_text="Offered").wait_for()

    other = as_user("taker")
    other.goto("/staffing/my-schedule/")
    other.locator("[data-testid=open-offer]").get_by_role("button", name="Take").click()
    other.locator("[data-testid=trade-status]", has_text="Taken").wait_for()

    boss = as_user("super")
    boss.goto("/staffing/time-off/")
    boss.locator("[data-testid=pending-trade]").get_by_role("button", name="Approve").click()
    boss.get_by_text("Nothing to approve.").wait_for()
    trade = ShiftTrade.objects.get()
    assert (trade.status, trade.taken_by, trade.decided_by) == ("approved", taker, supervisor)
    shift.refresh_from_db()
    assert shift.agent == taker

    other.goto("/staffing/my-schedule/" + f"?week={day - timedelta(days=day.weekday())}")
    assert other.locator("[data-testid=shift]").count() == 1
