"""Browser tests of the staffing pages' main actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office
from ccops.demo import DEMO_PASSWORD
from staffing import services
from staffing.erlang import required_agents
from staffing.models import ForecastOverride, Shift, StaffingPlan
from tests.staffing.conftest import at
from workitems.choices import Channel
from workitems.models import WorkType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front_type(front_team):
    return WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=5,
        owning_team=front_team,
    )


def test_planner_changes_volume_and_sees_required_agents_change(page, login, planner):
    login("planner")
    page.goto("/staffing/erlang/")
    agents = page.locator("[data-testid=erlang-agents]")
    before = agents.inner_text()
    assert int(before) == required_agents(100, 300, 1800, 0.8, 20).agents
    assert page.evaluate("() => !!Chart.getChart('erlang-chart')")
    page.fill("#id_volume", "400")
    expected = str(required_agents(400, 300, 1800, 0.8, 20).agents)
    page.wait_for_function(
        "n => document.querySelector('[data-testid=erlang-agents]').innerText === n", arg=expected
    )
    assert agents.inner_text() == expected != before
    assert "volume=400" in page.url  # the URL keeps the calculation
    page.fill("#id_volume", "-3")
    page.locator("[data-testid=erlang-error]").wait_for()


def test_supervisor_sees_a_flex_suggestion_on_the_demo_data(page, login, demo_center):
    demo_center()
    login("sup1", DEMO_PASSWORD)
    page.goto("/staffing/intraday/?at=11:00")
    suggestion = page.locator("[data-testid=flex-suggestion]").first
    suggestion.wait_for()
    text = suggestion.inner_text()
    assert text.startswith("Move ") and ("Service level" in text or "items done" in text)
    assert page.locator("[data-testid=intraday-front] tbody tr").count() == 2


def test_planner_projects_a_backlog(page, login, planner):
    login("planner")
    page.goto("/staffing/backlog/")
    page.fill("#id_start", "2026-03-02")
    page.fill("#id_arrivals", "20, 10, 10, 10, 10")
    page.fill("#id_aht_minutes", "30")
    page.fill("#id_sla_working_days", "2")
    page.fill("#id_productive_hours", "7.5")
    page.fill("#id_shrinkage", "0")
    page.fill("#id_starting_backlog", "0")
    page.fill("#id_starting_past_due", "0")
    page.click("[data-testid=backlog-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=backlog-days] tbody tr").count() == 5
    assert page.locator("[data-testid=level-agents]").inner_text() == "1"
    assert page.evaluate("() => !!Chart.getChart('backlog-chart')")


def test_planner_builds_edits_publishes_and_copies_a_plan(page, login, planner, front_type):
    login("planner")
    page.goto("/staffing/plans/")
    page.fill("#id_name", "Browser week")
    page.fill("#id_start", "2026-03-02")
    page.fill("#id_end", "2026-03-02")
    page.click("[data-testid=plan-create] button[type=submit]")
    page.wait_for_url("**/staffing/plans/*/")
    plan = StaffingPlan.objects.get(name="Browser week")
    row = page.locator("[data-testid=plan-line]").nth(20)  # 10:00
    row.locator("input[name=override_volume]").fill("100")
    row.locator("[data-testid=override-save]").click()
    page.wait_for_load_state()
    row = page.locator("[data-testid=plan-line]").nth(20)
    assert row.locator("[data-testid=line-required]").inner_text() == str(
        required_agents(100, 300, 1800, 0.8, 20, shrinkage=0.3).scheduled_agents
    )
    page.click("[data-testid=plan-publish]")
    page.wait_for_load_state()
    assert "read-only" in page.locator("[data-testid=plan-status]").inner_text()
    assert page.locator("[data-testid=override-save]").count() == 0
    page.click("[data-testid=plan-copy]")
    page.wait_for_load_state()
    copy = StaffingPlan.objects.exclude(pk=plan.pk).get()
    assert copy.copied_from_id == plan.pk and f"/staffing/plans/{copy.pk}/" in page.url
    assert page.locator("[data-testid=plan-status]").inner_text() == "Draft"


def test_planner_overrides_a_forecast(page, login, planner, front_type):
    login("planner")
    page.goto("/staffing/forecasts/")
    page.get_by_role("link", name="Calls").click()
    page.wait_for_load_state()
    row = page.locator("[data-testid=forecast-intervals] tbody tr").nth(20)
    row.locator("input[name=volume]").fill("42")
    row.locator("input[name=reason]").fill("Mailing")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    override = ForecastOverride.objects.get()
    assert (override.volume, override.reason) == (42, "Mailing")
    assert timezone.localtime(override.interval_start).strftime("%H:%M") == "10:00"


def test_supervisor_adds_a_shift_in_the_grid(page, login, supervisor, agent):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    login("super")
    page.goto(f"/staffing/schedule/?week={monday.isoformat()}")
    form = page.locator("[data-testid=shift-add]")
    form.locator("#id_agent").select_option(str(agent.pk))
    form.locator("#id_day").fill(monday.isoformat())
    form.locator("#id_start_time").fill("09:00")
    form.locator("#id_end_time").fill("13:00")
    form.locator("#id_activity").select_option("front_office")
    form.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    cell = page.locator("[data-testid=schedule-row][data-agent=agent] [data-testid=shift]")
    assert cell.inner_text().startswith("09:00–13:00 FO")
    assert Shift.objects.get().agent == agent
    page.locator("[data-testid=shift-add] #id_agent").select_option(str(agent.pk))
    page.fill("[data-testid=shift-add] #id_day", monday.isoformat())
    page.fill("[data-testid=shift-add] #id_start_time", "12:00")
    page.fill("[data-testid=shift-add] #id_end_time", "14:00")
    page.locator("[data-testid=shift-add]").get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    assert "Overlaps" in page.locator("[data-testid=shift-error]").first.inner_text()


def test_planner_imports_shifts_from_csv(page, login, planner, agent):
    login("planner")
    page.goto("/staffing/schedule/import/")
    csv = b"agent,date,start,end,activity,note\nagent,2026-03-02,09:00,12:00,front_office,\n"
    page.set_input_files("#id_file", {"name": "w.csv", "mimeType": "text/csv", "buffer": csv})
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/staffing/schedule/?week=2026-03-02")
    assert "Imported 1 shift" in page.content()
    page.goto("/staffing/schedule/import/")
    page.set_input_files("#id_file", {"name": "w.csv", "mimeType": "text/csv", "buffer": csv})
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert "Overlaps" in page.locator("[data-testid=import-line-errors]").inner_text()
    assert Shift.objects.count() == 1


def test_agent_sees_their_schedule(page, login, planner, agent):
    today = timezone.localdate()
    services.shift_create(
        agent=agent, start=at(today, 9), end=at(today, 12), activity="front_office", by=planner
    )
    login("agent")
    page.click("[data-testid=nav-area-staffing]")  # the menu's areas are dropdowns
    page.get_by_test_id("nav").get_by_role("link", name="My schedule").click()
    page.wait_for_load_state()
    assert "09:00–12:00 Front office" in page.locator("[data-testid=my-schedule]").inner_text()
