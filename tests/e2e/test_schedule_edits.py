"""Browser test of the planner editing a run's grid fully: add a shift, then delete it (a
run built by hand: no solve needed)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ccops.choices import Role
from staffing.models import ScheduledShift, ScheduleRun
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_planner_adds_then_deletes_a_shift_on_the_grid(page, login, planner, front_team):
    today = timezone.localdate()
    week = today - timedelta(days=today.weekday()) + timedelta(days=7)
    crew = make_user(Role.AGENT, username="crew1", team=front_team)
    run = ScheduleRun.objects.create(week_start=week, status="done", created_by=planner)
    run.teams.set([front_team])

    login("planner")
    page.goto(f"/staffing/schedule-runs/{run.pk}/")
    form = page.locator("[data-testid=shift-add]")
    form.locator("#id_agent").select_option(str(crew.pk))
    page.fill("#id_day", (week + timedelta(days=1)).isoformat())
    page.fill("#id_start_time", "08:00")
    page.fill("#id_end_time", "16:30")
    form.locator("#id_activity").select_option("front_office")
    page.click("[data-testid=add-shift]")
    row = page.locator("[data-testid=grid-row-crew1]")
    row.get_by_text("08:00–16:30").wait_for()
    shift = ScheduledShift.objects.get(run=run, agent=crew)
    day = week + timedelta(days=1)
    assert shift.start == timezone.make_aware(datetime.combine(day, time(8)))
    assert shift.meal_start is not None and shift.edited  # 8.5 h: a meal break

    row.locator("[data-testid=run-shift]", has_text="08:00–16:30").get_by_role(
        "button", name=f"Delete {shift}"
    ).click()
    page.locator("[data-testid=grid-row-crew1]").wait_for(state="detached")
    assert not ScheduledShift.objects.filter(run=run).exists()
