"""Browser tests of schedule generation: the planner generates, edits, locks and publishes a
week; the agent sees the published shifts on My schedule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Role
from staffing import services
from staffing.models import ScheduledShift, ScheduleRules, ScheduleRun, Shift
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.STAFFING_SCHEDULE_TIME_LIMIT = 10


@pytest.fixture
def week():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


@pytest.fixture
def crew(front_team):
    ScheduleRules.objects.create(team=front_team, min_hours_week=15, max_hours_week=16)
    return [make_user(Role.AGENT, username=f"crew{i}", team=front_team) for i in (1, 2)]


def test_planner_generates_edits_locks_and_publishes_a_week(page, login, planner, crew, week):
    login("planner")
    page.goto("/staffing/schedule-runs/")
    page.fill("#id_week_start", week.isoformat())
    page.click("[data-testid=run-form] button[type=submit]")
    page.locator("[data-testid=run-figures]").wait_for()
    run = ScheduleRun.objects.get()
    assert run.status == "done"
    assert (
        page.locator("[data-testid=under-coverage]").inner_text() == f"{run.under_coverage_hours} h"
    )
    assert (
        page.locator("[data-testid=baseline-under-coverage]").inner_text()
        == f"{run.baseline_under_coverage_hours} h"
    )
    assert page.evaluate("() => !!Chart.getChart('schedule-chart')")
    shifts = page.locator("[data-testid=run-shift]")
    assert shifts.count() == run.shifts.count() == 4  # two 8-hour shifts each (15-16 h)

    row = page.locator("[data-testid=grid-row-crew1]")
    row.locator("a", has_text="edit").first.click()
    page.fill("#id_start_time", "10:00")
    page.fill("#id_end_time", "16:00")
    page.click("[data-testid=shift-edit] button[type=submit]")
    row = page.locator("[data-testid=grid-row-crew1]")
    row.get_by_text("10:00–16:00").wait_for()
    edited = ScheduledShift.objects.get(run=run, agent=crew[0], edited=True)
    assert (timezone.localtime(edited.start).hour, timezone.localtime(edited.end).hour) == (10, 16)

    row.locator("[data-testid=run-shift]", has_text="10:00–16:00").get_by_role(
        "button", name="lock"
    ).click()
    page.locator("[data-testid=grid-row-crew1] [aria-label=Locked]").wait_for()
    edited.refresh_from_db()
    assert edited.locked

    page.click("[data-testid=publish]")
    page.locator("[data-testid=run-published]").wait_for()
    run.refresh_from_db()
    assert run.published
    assert Shift.objects.filter(agent=crew[0], start=edited.start, end=edited.end).exists()


def test_agent_sees_published_shifts_on_my_schedule(page, login, planner, crew, week):
    run = services.schedule_run_create(week_start=week, by=planner)
    services.schedule_run_publish(run=ScheduleRun.objects.get(pk=run.pk), by=planner)
    mine = ScheduledShift.objects.filter(run=run, agent=crew[0]).order_by("start")
    assert mine.count() == 2
    login("crew1")
    page.goto(f"/staffing/my-schedule/?week={week.isoformat()}")
    blocks = page.locator("[data-testid=my-schedule] [data-testid=shift]")
    blocks.first.wait_for()
    texts = blocks.all_inner_texts()
    first = timezone.localtime(mine[0].start)
    assert any(t.startswith(f"{first:%H:%M}") and "Front office" in t for t in texts)
    assert sum("Break" in t for t in texts) == 2  # one meal break per 8-hour shift
    assert page.locator("#time-off-panel").count() == 1


def test_planner_filters_the_coverage_chart_by_work_type(page, login, planner, front_team, week):
    from ccops.choices import Office
    from staffing.models import ScheduleCoverage
    from staffing.schedule_selectors import at_minute
    from workitems.choices import Channel
    from workitems.models import WorkType

    sales = WorkType.objects.create(
        name="Sales calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        sla_answer_seconds=20,
        standard_minutes=5,
    )
    run = ScheduleRun.objects.create(week_start=week, created_by=planner, status="done")
    run.teams.set([front_team])
    rows = []
    for slot in range(7 * 48):
        start, end = at_minute(week, slot * 30), at_minute(week, slot * 30 + 30)
        rows.append(
            ScheduleCoverage(
                run=run, start=start, end=end, office=Office.FRONT, required=5, scheduled=4
            )
        )
        rows.append(
            ScheduleCoverage(
                run=run,
                start=start,
                end=end,
                office=Office.FRONT,
                work_type=sales,
                required=2,
                scheduled=1,
            )
        )
    ScheduleCoverage.objects.bulk_create(rows)
    login("planner")
    page.goto(f"/staffing/schedule-runs/{run.pk}/")
    page.locator("[data-testid=run-figures]").wait_for()
    data = "() => Chart.getChart('schedule-chart').data.datasets.map(d => d.data[0])"
    assert page.evaluate(data) == [5, 4]  # the office as a whole
    page.select_option("[data-testid=chart-type]", label="Sales calls")
    assert page.evaluate(data) == [2, 1]
    page.select_option("[data-testid=chart-type]", value="")
    assert page.evaluate(data) == [5, 4]
