"""Browser tests of the workforce settings pages: a supervisor turns on their team's
auto-approval and a planner edits the team's scheduling rules on the Scheduling rules page;
HR changes an agent's holiday allowance on the Holiday balances page and sees the balance."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from staffing.models import ScheduleRules, TeamStaffingSettings, TimeOffAllowance, TimeOffRequest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_switches_auto_approval_and_planner_edits_rules(
    page, login, agent, supervisor, planner, front_team
):
    login("super")
    page.goto("/staffing/rules/")
    row = page.locator("[data-testid=team-row][data-team='Front A']")
    assert row.locator("[data-testid=auto-state]").inner_text() == "Off"
    row.get_by_role("button", name="Turn on").click()
    page.get_by_text("Auto-approval for Front A is on.").wait_for()
    assert TeamStaffingSettings.objects.get(team=front_team).auto_approve is True
    assert page.get_by_role("link", name="Edit").count() == 0  # rules: planners only

    page.context.clear_cookies()
    login("planner")
    page.goto("/staffing/rules/")
    page.locator("[data-testid=team-row][data-team='Front A']").get_by_role(
        "link", name="Edit"
    ).click()
    page.fill("#id_max_hours_week", "36")
    page.fill("#id_earliest_start", "08:00")
    page.fill("#id_meal_break_minutes", "45")  # not whole half hours: Rules.check refuses
    page.get_by_role("button", name="Save").click()
    page.locator("[data-testid=rules-error]").first.wait_for()
    assert not ScheduleRules.objects.filter(team=front_team).exists()
    page.fill("#id_meal_break_minutes", "30")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Rules of Front A saved.").wait_for()
    rules = ScheduleRules.objects.get(team=front_team)
    assert (rules.max_hours_week, rules.earliest_start.hour) == (36, 8)
    assert "36 h" in page.locator("[data-testid=team-row][data-team='Front A']").inner_text()


def test_hr_changes_an_allowance(page, login, agent, hr):
    year = timezone.localdate().year
    TimeOffAllowance.objects.create(agent=agent, year=year, days=Decimal(20))
    start = timezone.now().replace(month=1, day=5)
    TimeOffRequest.objects.create(
        agent=agent,
        start=start,
        end=start + timedelta(days=2),
        kind="holiday",
        status="approved",
        days=Decimal(2),
    )
    login("hr")
    page.goto("/staffing/balances/")
    row = page.locator("[data-testid=balance-row][data-agent=agent]")
    assert row.locator("[data-testid=balance]").inner_text() == "18 days"
    row.locator("input[name=days]").fill("25.5")
    row.get_by_role("button", name="Save").click()
    page.get_by_text("allowance for").wait_for()
    row = page.locator("[data-testid=balance-row][data-agent=agent]")
    assert row.locator("[data-testid=balance]").inner_text() == "23.50 days"
    assert TimeOffAllowance.objects.get(agent=agent, year=year).days == Decimal("25.5")


def test_the_pages_fit_a_phone(browser, live_server, planner, supervisor, agent, front_team):
    """The new pages at a phone's width (tests/e2e/test_overflow.py visits them with the
    rest of the menu on the demo; this is the quick check)."""
    from .test_overflow import FITS

    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/accounts/login/")
    page.fill("#id_username", "planner")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for url in (
        "/staffing/rules/",
        f"/staffing/rules/teams/{front_team.pk}/",
        f"/staffing/rules/agents/{agent.pk}/",
        "/staffing/balances/",
    ):
        page.goto(url)
        assert page.evaluate(FITS), url
    context.close()
