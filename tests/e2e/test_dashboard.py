"""Browser: the supervisor dashboard (period switch, drill-down), the agent's scorecard, the
process map and creating a pilot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.kpi_models import KpiSnapshot, SharedGoal
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(agent, back_agent, front_team, back_team):
    """40 days of snapshots ending yesterday: AHT and SLA per agent, team, office, overall."""
    yesterday = timezone.localdate() - timedelta(days=1)
    rows = []
    for i in range(40):
        day = yesterday - timedelta(days=i)
        for person, team, office, sid in (
            (agent, front_team, Office.FRONT, 1),
            (back_agent, back_team, Office.BACK, 2),
        ):
            handled = 10 + i % 3
            aht = 300 if office == Office.FRONT else 1800
            for kind, scope_id, team_ref in (
                ("agent", person.pk, team),
                ("team", team.pk, team),
                ("office", sid, None),
            ):
                rows += [
                    KpiSnapshot(day=day, kpi="aht", scope_kind=kind, scope_id=scope_id,
                                team=team_ref, office=office, numerator=aht * handled,
                                denominator=handled, value=aht),
                    KpiSnapshot(day=day, kpi="sla_attainment", scope_kind=kind,
                                scope_id=scope_id, team=team_ref, office=office,
                                numerator=handled - 1, denominator=handled,
                                value=(handled - 1) / handled),
                ]  # fmt: skip
    KpiSnapshot.objects.bulk_create(rows)
    SharedGoal.objects.create(
        name="SLA 85", kpi="sla_attainment", target=85, effective_from=yesterday - timedelta(400)
    )
    return yesterday


def test_supervisor_switches_period_and_drills_into_a_team(page, login, supervisor, history):
    login("super")
    page.click("[data-testid=nav-area-insights]")  # the menu's areas are dropdowns
    page.locator("[data-testid=nav]").get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    teams = page.locator("[data-testid=table-teams]")
    assert "Front A" in teams.inner_text() and "Back A" in teams.inner_text()
    # The chart was drawn by the static script (no inline scripts) with the KPI list.
    page.wait_for_selector("canvas#trend-chart[data-ready='1']")
    page.select_option("#trend-kpi", "aht")
    assert page.locator("canvas#trend-chart").get_attribute("data-kpi") == "aht"
    label_30 = page.locator("[data-testid=period-label]").inner_text()
    page.locator("[data-testid=period]").get_by_role("link", name="7 days").click()
    page.wait_for_url("**/dashboard/?period=7")
    assert page.locator("[data-testid=period-label]").inner_text() != label_30
    assert page.locator("[data-testid=period] .active").inner_text() == "7 days"
    goals = page.locator("[data-testid=table-goals]").inner_text()
    assert "SLA attainment" in goals and "85.0" in goals
    teams.get_by_role("link", name="Back A").click()
    page.wait_for_url("**/dashboard/team/*/?period=7")
    assert page.locator("h1").inner_text().startswith("Back A")
    agents = page.locator("[data-testid=table-agents]").inner_text()
    assert "Backagent" in agents and "30.0" in agents  # 1800 s = 30 min
    page.locator("[data-testid=breadcrumb]").get_by_role("link", name="Back office").click()
    page.wait_for_url("**/dashboard/office/back/?period=7")
    assert "Back A" in page.locator("[data-testid=table-teams]").inner_text()


def test_agent_opens_own_scorecard(page, login, agent, history):
    login("agent")
    page.click("[data-testid=nav-area-insights]")
    page.locator("[data-testid=nav]").get_by_role("link", name="My scorecard").click()
    page.wait_for_url("**/dashboard/me/")
    card = page.locator("[data-testid=table-scorecard]").inner_text()
    assert "Average handle time" in card and "5.0" in card  # 300 s
    assert "Dashboard" not in page.locator("[data-testid=nav]").inner_text()
    page.goto("/dashboard/")
    assert "403" in page.title() or "Forbidden" in page.content()


def test_process_map_switches_grouping(page, login, supervisor, history):
    login("super")
    page.goto("/dashboard/process/?period=7")
    page.locator("[data-testid=levels]").get_by_role("link", name="Office").click()
    page.wait_for_url("**level=office")
    assert "Items closed" in page.locator("[data-testid=bounce]").inner_text()


def test_supervisor_creates_a_pilot_and_reads_the_verdict(
    page, login, supervisor, history, front_team, back_team
):
    make_user(Role.AGENT, username="spare", team=front_team)
    login("super")
    page.goto("/dashboard/pilots/")
    page.click("[data-testid=new-pilot]")
    page.fill("#id_name", "Shorter scripts")
    page.fill("#id_hypothesis", "Shorter scripts cut AHT.")
    page.select_option("#id_kpis", ["aht"])
    page.select_option("#id_pilot_teams", label="Front A")
    page.select_option("#id_control_teams", label="Back A")
    start = history - timedelta(days=9)
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", history.isoformat())
    page.click("[data-testid=pilot-form] button[type=submit]")
    page.wait_for_url("**/dashboard/pilots/*/")
    verdict = page.locator("[data-testid=verdicts]").inner_text()
    # Both groups had a constant AHT before and during: the effect is exactly 0.
    assert "Average handle time" in verdict and "No significant difference" in verdict
    # The planning figures: the minimum detectable effect from the baseline's paired days.
    assert page.get_by_text("Minimum detectable effect").first.is_visible()
    page.wait_for_selector("canvas#trend-chart[data-ready='1']")


def test_supervisor_reads_yesterdays_service_level_per_queue(
    page, login, supervisor, history, front_team
):
    from tests.factories import make_front_type
    from training.models import Skill

    team = front_team
    skill = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    calls = make_front_type(team, skill)
    for day, answered in ((history, 9), (history - timedelta(days=1), 6)):  # 90 %, 60 %
        KpiSnapshot.objects.create(
            day=day, kpi="service_level", scope_kind="queue", scope_id=calls.pk, team=team,
            office=Office.FRONT, numerator=answered, denominator=10, value=answered / 10,
        )  # fmt: skip
    login("super")
    page.goto("/dashboard/?period=7&team=all")
    page.locator("[data-testid=table-teams]").get_by_role("link", name="Front office").first.click()
    page.wait_for_url("**/dashboard/office/front/**")
    queues = page.locator("[data-testid=table-queues]")
    assert f"Service level, {history:%d %b} (%)" in queues.inner_text()
    row = queues.locator("tr", has_text="Calls").inner_text()
    assert "90.0" in row and "75.0" in row  # yesterday; the 7 days: 15 of 20
