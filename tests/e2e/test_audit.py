"""Browser test of the audit trail: a supervisor edits a shared goal, then reads the change
(who, from -> to) in the goal's History."""

from datetime import date

import pytest

from ccops.kpi_models import SharedGoal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_edits_a_goal_and_sees_it_in_the_history(page, login, supervisor):
    goal = SharedGoal.objects.create(
        name="First contact resolution", kpi="fcr", target=80, effective_from=date(2026, 1, 1)
    )
    login("super")
    page.goto("/dashboard/goals/")
    page.click("text=First contact resolution")
    page.click("[data-testid=edit-goal]")
    page.fill("#id_target", "87.5")
    page.click("[data-testid=goal-form] button[type=submit]")
    page.wait_for_url(f"**/dashboard/goals/{goal.pk}/")
    assert page.locator("[data-testid=goal-target]").inner_text() == "87.5"
    latest = page.locator("[data-testid=audit-history] [data-testid=history-row]").first
    assert latest.locator("[data-testid=history-who]").inner_text() == str(supervisor)
    assert latest.locator("[data-testid=history-change]").all_inner_texts() == [
        "Target: 80.0 → 87.5"
    ]
    goal.refresh_from_db()
    assert goal.target == 87.5 and goal.history.latest().history_user == supervisor
