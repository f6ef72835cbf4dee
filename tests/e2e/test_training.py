"""Training pages in a real browser: skills matrix and tier report, ideas, kudos and points,
the new-hire module, buddies, shadowing, modules, assessments and incentive schemes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.training import conftest as training_fixtures
from training import newhire, services
from training.models import (
    AgentTier,
    BuddyPairing,
    CompetencyAssessment,
    Enrollment,
    Idea,
    IncentiveScheme,
    Recognition,
    ShadowingSession,
    TrainingModule,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

skills = training_fixtures.skills
ladder = training_fixtures.ladder
expert_module = training_fixtures.expert_module


def logout(page):
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/")


def test_hr_raises_a_skill_and_sees_the_tier_report_change(page, login, hr, agent, skills, ladder):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=hr)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=1, by=hr)
    login("hr")
    assert page.url.endswith("/training/tiers/")  # HR's home page
    row = page.locator("[data-testid=tier-row-agent]")
    assert "Claims casework L2 (has 1)" in row.inner_text()
    assert row.locator("[data-testid=ready]").count() == 0

    page.goto(f"/training/skills/?team={agent.team_id}")
    cell = page.locator(f"[data-testid=cell-agent-{skills['claims'].pk}]")
    assert cell.inner_text().strip() == "1"
    cell.locator("a").click()
    page.wait_for_url(f"**/training/skills/{agent.pk}/{skills['claims'].pk}/")
    page.select_option("#id_level", "2")
    page.click("[data-testid=skill-form] button[type=submit]:not([name])")
    page.wait_for_url("**/training/skills/?team=*")
    assert "Claims casework set to level 2" in page.locator(".alert-success").inner_text()
    assert (
        page.locator(f"[data-testid=cell-agent-{skills['claims'].pk}]").inner_text().strip() == "2"
    )

    page.goto("/training/tiers/")
    row = page.locator("[data-testid=tier-row-agent]")
    assert row.locator("[data-testid=ready]").inner_text() == "Ready"
    assert "Tier II: 1 ready of 1" in page.locator("[data-testid=tier-summary]").inner_text()
    page.click("[data-testid=promote-agent]")
    page.wait_for_load_state()
    assert "promoted to Tier II" in page.locator(".alert-success").inner_text()
    row = page.locator("[data-testid=tier-row-agent]")
    assert "Tier II" in row.inner_text() and row.locator("[data-testid=ready]").count() == 0
    assert AgentTier.objects.get(agent=agent).tier == ladder[2]


def test_agent_submits_an_idea_and_a_supervisor_implements_it(
    page, login, agent, back_agent, supervisor
):
    login("agent")
    page.goto("/training/ideas/")
    page.fill("#id_title", "Claim checklist on the call script")
    page.fill("#id_description", "Ask the five questions the claims team always needs.")
    page.select_option("#id_co_authors", str(back_agent.pk))
    page.click("[data-testid=idea-form] button[type=submit]")
    page.wait_for_url("**/training/ideas/*/")
    assert "is on the board" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=idea-status]").inner_text() == "Submitted"
    idea = Idea.objects.get()
    assert idea.submitted_by == agent and list(idea.co_authors.all()) == [back_agent]
    page.goto("/training/ideas/")
    assert "Claim checklist on the call script" in page.locator("[data-testid=ideas]").inner_text()

    logout(page)
    login("super")
    for status in ("under_review", "accepted", "implemented"):
        page.goto(f"/training/ideas/{idea.pk}/")
        page.select_option("#id_status", status)
        page.click("[data-testid=idea-move] button[type=submit]")
        page.wait_for_load_state()
    assert page.locator("[data-testid=idea-status]").inner_text() == "Implemented"
    awards = page.locator("[data-testid=idea-awards]").inner_text()
    assert "Agent: +25" in awards and "Backagent: +25" in awards
    assert Recognition.objects.filter(idea=idea).count() == 2


def test_agent_sees_development_gives_kudos_and_points(
    page, login, hr, agent, back_agent, skills, ladder
):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=3, by=hr)
    login("agent")
    page.goto("/training/")
    assert "Tier I" in page.locator("[data-testid=my-tier]").inner_text()
    assert "Claims casework at level 2" in page.locator("[data-testid=tier-missing]").inner_text()
    assert "Inbound calls" in page.locator("[data-testid=my-skills]").inner_text()

    page.goto("/training/recognition/give/")
    page.select_option("#id_agent", str(back_agent.pk))
    page.fill("#id_reason", "Turned my hand-off round in an hour")
    page.click("[data-testid=recognition-form] button[type=submit]")
    page.wait_for_url("**/training/recognition/")
    assert "5 points to Backagent" in page.locator(".alert-success").inner_text()
    board = page.locator("[data-testid=agent-board]").inner_text()
    assert "Backagent" in board.splitlines()[1]  # top of the board

    logout(page)
    login("backagent")
    page.goto("/training/points/")
    assert page.locator("[data-testid=points-total]").inner_text() == "5 points"
    assert (
        "Turned my hand-off round in an hour"
        in page.locator("[data-testid=statement]").inner_text()
    )


def test_new_hire_takes_the_workflow_module(page, login, agent):
    login("agent")
    page.goto("/training/")
    page.click("text=New-hire module: where work comes from and where it goes")
    page.wait_for_url("**/training/welcome/")
    assert "Front office to back office" in page.content()
    for q in newhire.QUESTIONS:
        page.check(f"input[name={q.key}][value={q.answer}]")
    page.click("[data-testid=quiz] button[type=submit]")
    page.wait_for_load_state()
    assert "Passed with 100%" in page.locator("[role=alert].alert-success").inner_text()
    assert "Completed" in page.locator("[data-testid=newhire-status]").inner_text()
    assert Enrollment.objects.get(agent=agent).status == "completed"


def test_hr_pairs_buddies_and_the_agent_sees_theirs(
    page, login, hr, agent, back_agent, other_agent
):
    login("hr")
    page.goto("/training/buddies/")
    assert "Agent" in page.locator("[data-testid=unpaired]").inner_text()
    page.click("[data-testid=apply]")
    page.wait_for_load_state()
    assert "3 pairings made" in page.locator(".alert-success").inner_text()
    assert "Backagent" in page.locator("[data-testid=pairing-agent]").inner_text()
    assert BuddyPairing.objects.filter(ends_on__isnull=True).count() == 3

    logout(page)
    login("agent")
    page.goto("/training/buddy/")
    assert "Backagent" in page.locator("[data-testid=buddy]").inner_text()
    assert "None." in page.locator("[data-testid=escalations-to-me]").inner_text()


def test_shadowing_is_booked_clashes_refused_and_reflected(page, login, hr, agent, back_agent):
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=0)
    login("hr")
    page.goto("/training/shadowing/")

    def book(at):
        page.select_option("#id_participant", str(agent.pk))
        page.select_option("#id_host", str(back_agent.pk))
        page.select_option("#id_host_area", "back_office")
        page.fill("#id_starts_at", at.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_duration_minutes", "120")
        page.click("[data-testid=shadowing-form] button[type=submit]")
        page.wait_for_load_state()

    book(start)
    assert "Agent shadows Backagent" in page.locator(".alert-success").inner_text()
    book(start + timedelta(hours=1))
    assert (
        "Clashes with Agent shadowing Backagent"
        in page.locator("[data-testid=shadowing-form]").inner_text()
    )
    assert ShadowingSession.objects.count() == 1

    session = ShadowingSession.objects.get()
    ShadowingSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    logout(page)
    login("agent")
    page.goto("/training/shadowing/")
    page.fill("textarea[name=reflection]", "Saw how claims are triaged")
    page.click("text=Save my reflection")
    page.wait_for_load_state()
    assert "Saw how claims are triaged" in page.locator("[data-testid=sessions]").inner_text()
    session.refresh_from_db()
    assert session.status == "completed"


def test_hr_adds_a_module_enrols_and_records_a_result(page, login, hr, agent):
    login("hr")
    page.goto("/training/modules/")
    page.fill("#id_title", "Chat etiquette")
    page.select_option("#id_kind", "elearning")
    page.fill("#id_duration_minutes", "30")
    page.fill("#id_pass_mark", "80")
    page.click("[data-testid=module-form] button[type=submit]")
    page.wait_for_url("**/training/modules/*/")
    page.select_option("#id_agent", str(agent.pk))
    page.click("[data-testid=enroll-form] button[type=submit]")
    page.wait_for_load_state()
    row = page.locator("[data-testid=enrollment-agent]")
    assert "Enrolled" in row.inner_text()
    row.locator("input[name=score]").fill("92")
    row.locator("button:has-text('Save')").click()
    page.wait_for_load_state()
    assert "Completed" in page.locator("[data-testid=enrollment-agent]").inner_text()
    module = TrainingModule.objects.get(title="Chat etiquette")
    assert Enrollment.objects.get(agent=agent, module=module).score == 92


def test_hr_sets_a_competency_and_assesses(page, login, hr, agent, skills, ladder, expert_module):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=3, by=hr)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=3, by=hr)
    login("hr")
    page.goto("/training/tiers/setup/")
    page.select_option("#id_tier", str(ladder[3].pk))
    page.select_option("#id_skill", str(skills["chat"].pk))
    page.fill("#id_min_level", "2")
    page.click("[data-testid=requirement-form] button[type=submit]")
    page.wait_for_load_state()
    assert "Chat at level 2+" in page.locator("[data-testid=tiers]").inner_text()

    page.goto(f"/training/people/{agent.pk}/assess/?tier={ladder[3].pk}")
    for radio in page.locator("input[type=radio][value=partly]").all():
        radio.check()
    page.check("input[name=decision][value=develop]")
    page.fill("#id_summary", "Strong on calls; needs the complex claims course")
    page.click("[data-testid=assessment-form] button[type=submit]")
    page.wait_for_url(f"**/training/people/{agent.pk}/")
    assert "Assessment saved: develop" in page.locator(".alert-success").inner_text()
    assert "Develop" in page.locator("[data-testid=assessment]").inner_text()
    assert Enrollment.objects.get(agent=agent, module=expert_module).status == "enrolled"
    assert CompetencyAssessment.objects.get().decision == "develop"


def test_hr_adds_an_incentive_scheme(page, login, hr):
    login("hr")
    page.goto("/training/incentives/")
    page.fill("#id_name", "Back-office SLA week")
    page.fill("#id_kpi", "sla_attainment")
    page.select_option("#id_scope_kind", "team")
    page.select_option("#id_comparison", "gte")
    page.fill("#id_threshold", "90")
    page.fill("#id_points", "20")
    page.select_option("#id_office", "back")
    page.click("[data-testid=scheme-form] button[type=submit]")
    page.wait_for_load_state()
    assert "Back-office SLA week" in page.locator("[data-testid=schemes]").inner_text()
    assert IncentiveScheme.objects.get().office == "back"
