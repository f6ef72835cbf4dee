"""Schedule runs end to end: demand from the plan, the solve task, edits, locks, publishing,
the API (with its refusals) and the pages."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.notification_models import Notification
from staffing import services
from staffing.choices import Activity
from staffing.errors import InvalidInput, NotAllowed, Overlap
from staffing.models import (
    PlanLine,
    ScheduleCoverage,
    ScheduledShift,
    ScheduleRules,
    ScheduleRun,
    Shift,
    StaffingPlan,
)
from staffing.services.schedules import RunConflict
from tests.factories import make_user
from tests.services import require_postgres

from .conftest import MONDAY, at

WEEK_END = MONDAY + timedelta(days=6)


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.STAFFING_SCHEDULE_TIME_LIMIT = 10


@pytest.fixture
def center(front_team, back_team, front_type, back_type, call_skill, claims_skill, skilled):
    """Two front agents, one back agent, one cross-trained; a published plan that needs two
    front agents 09:00-17:00 on weekdays and 7.5 back-office agent-hours each weekday."""
    front = [make_user(Role.AGENT, username=f"fo{i}", team=front_team) for i in (1, 2)]
    back = make_user(Role.AGENT, username="bo1", team=back_team)
    cross = make_user(Role.AGENT, username="cross", team=front_team)
    for user in [*front, cross]:
        skilled(user, call_skill)
    skilled(back, claims_skill)
    skilled(cross, claims_skill)
    plan = StaffingPlan.objects.create(
        name="Week", start=MONDAY, end=WEEK_END, status="published", productive_hours=7.5
    )
    lines = []
    for d in range(7):
        day = MONDAY + timedelta(days=d)
        for half in range(48):
            hour, minute = divmod(half * 30, 60)
            need = 2 if d < 5 and 9 <= hour < 17 else 0
            lines.append(
                PlanLine(
                    plan=plan,
                    work_type=front_type,
                    interval_start=at(day, hour, minute),
                    forecast_volume=0,
                    forecast_aht=300,
                    required_agents=need,
                )
            )
        lines.append(
            PlanLine(
                plan=plan,
                work_type=back_type,
                interval_start=at(day, 0),
                forecast_volume=0,
                forecast_aht=1800,
                required_agents=1 if d < 5 else 0,
            )
        )
    PlanLine.objects.bulk_create(lines)
    ScheduleRules.objects.create(team=front_team, min_hours_week=0)
    ScheduleRules.objects.create(team=back_team, min_hours_week=0)
    return {
        "front": front,
        "back": back,
        "cross": cross,
        "plan": plan,
        "front_type": front_type,
        "back_type": back_type,
    }


def generate(planner, teams=None) -> ScheduleRun:
    run = services.schedule_run_create(week_start=MONDAY, teams=teams, by=planner)
    return ScheduleRun.objects.get(pk=run.pk)


# --- Service ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_generate_solves_and_stores_shifts_and_coverage(center, planner):
    run = generate(planner)  # the task runs eagerly after the commit
    assert run.status == "done", run.error
    assert run.progress == 100 and run.plan_id == center["plan"].pk
    assert run.under_coverage_hours is not None and run.baseline_under_coverage_hours is not None
    assert run.under_coverage_hours <= run.baseline_under_coverage_hours
    shifts = list(ScheduledShift.objects.filter(run=run))
    assert shifts
    # The back-office agent only ever covers the back office; front-only agents the front.
    assert {s.activity for s in shifts if s.agent == center["back"]} <= {Activity.BACK_OFFICE}
    for user in center["front"]:
        assert {s.activity for s in shifts if s.agent == user} <= {Activity.FRONT_OFFICE}
    # 8-hour shifts carry a 30-minute meal break.
    for s in shifts:
        assert s.meal_start is not None and s.meal_end - s.meal_start == timedelta(minutes=30)
    front_rows = ScheduleCoverage.objects.filter(
        run=run, office=Office.FRONT, work_type__isnull=True
    )
    assert front_rows.count() == 7 * 48
    monday_ten = front_rows.get(start=at(MONDAY, 10))
    assert monday_ten.required == 2
    back_monday = ScheduleCoverage.objects.get(
        run=run, office=Office.BACK, work_type__isnull=True, start=at(MONDAY, 0)
    )
    assert back_monday.required == 7.5
    # And per work type: the type's demand and the agents the allocation gave it.
    calls = ScheduleCoverage.objects.filter(run=run, work_type=center["front_type"])
    assert calls.count() == 7 * 48 and all(r.office == Office.FRONT for r in calls)
    assert calls.get(start=at(MONDAY, 10)).required == 2
    assert calls.get(start=at(MONDAY, 10)).scheduled <= monday_ten.scheduled
    claims = ScheduleCoverage.objects.filter(run=run, work_type=center["back_type"])
    assert claims.count() == 7 and claims.get(start=at(MONDAY, 0)).required == 7.5


@pytest.mark.django_db(transaction=True)
def test_run_creates_the_plan_when_none_covers_the_week(front_team, planner, agent):
    run = generate(planner, [front_team.pk])
    assert run.status == "done", run.error
    assert run.plan.start == MONDAY and run.plan.end == WEEK_END
    # No demand; the default contract minimum (24 h) still gives the agent shifts.
    hours = sum(
        ((s.end - s.start) - (s.meal_end - s.meal_start)).total_seconds() / 3600
        for s in ScheduledShift.objects.filter(run=run, agent=agent)
    )
    assert 24 <= hours <= 40


@pytest.mark.django_db
def test_create_refusals(planner, agent, supervisor, front_team):
    with pytest.raises(NotAllowed):
        services.schedule_run_create(week_start=MONDAY, by=agent)
    with pytest.raises(NotAllowed):
        services.schedule_run_create(week_start=MONDAY, by=supervisor)
    with pytest.raises(InvalidInput) as err:
        services.schedule_run_create(week_start=MONDAY + timedelta(days=1), by=planner)
    assert "week_start" in err.value.errors
    with pytest.raises(InvalidInput) as err:
        services.schedule_run_create(week_start=MONDAY, teams=[front_team.pk, 99999], by=planner)
    assert "teams" in err.value.errors
    assert not ScheduleRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unavailable_blocks_are_respected(center, planner):
    fo1 = center["front"][0]
    Shift.objects.create(
        agent=fo1, start=at(MONDAY, 0), end=at(MONDAY + timedelta(days=1), 0), activity="training"
    )
    run = generate(planner)
    assert not ScheduledShift.objects.filter(
        run=run, agent=fo1, start__lt=at(MONDAY, 23, 59)
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_edit_lock_and_rerun_keeps_locked_shifts(center, planner):
    run = generate(planner)
    shift = ScheduledShift.objects.filter(run=run, agent=center["front"][0]).first()
    day = shift.start.date()
    services.scheduled_shift_update(
        shift=shift,
        by=planner,
        start=at(day, 12),
        end=at(day, 18),
        activity=Activity.FRONT_OFFICE,
        locked=True,
    )
    shift.refresh_from_db()
    assert (shift.start, shift.end, shift.locked, shift.edited) == (
        at(day, 12),
        at(day, 18),
        True,
        True,
    )
    assert shift.meal_start is None  # 6 hours: no meal break
    # Coverage is recounted after the edit.
    row = ScheduleCoverage.objects.get(
        run=run, office=Office.FRONT, work_type__isnull=True, start=at(day, 17)
    )
    assert row.scheduled >= 1
    again = generate(planner)
    kept = ScheduledShift.objects.get(run=again, agent=shift.agent, start__date=day)
    assert (kept.start, kept.end, kept.locked) == (at(day, 12), at(day, 18), True)


@pytest.mark.django_db(transaction=True)
def test_edit_refusals(center, planner, supervisor):
    run = generate(planner)
    first, second = ScheduledShift.objects.filter(run=run, agent=center["front"][0])[:2]
    with pytest.raises(NotAllowed):
        services.scheduled_shift_update(
            shift=first, by=supervisor, start=first.start, end=first.end, activity=first.activity
        )
    with pytest.raises(InvalidInput) as err:
        services.scheduled_shift_update(
            shift=first, by=planner, start=first.end, end=first.start, activity=first.activity
        )
    assert "end" in err.value.errors
    with pytest.raises(Overlap):
        services.scheduled_shift_update(
            shift=first, by=planner, start=second.start, end=second.end, activity=first.activity
        )
    # A published week is edited in place, but not its shifts that have already ended
    # (this run's week is in the past).
    services.schedule_run_publish(run=run, by=planner)
    with pytest.raises(RunConflict):
        services.scheduled_shift_update(
            shift=first, by=planner, start=first.start, end=first.end, activity=first.activity
        )


@pytest.mark.django_db(transaction=True)
def test_publish_writes_blocks_idempotently_and_supersedes(center, planner):
    fo1 = center["front"][0]
    training = Shift.objects.create(
        agent=fo1, start=at(WEEK_END, 8), end=at(WEEK_END, 12), activity="training"
    )
    stale = Shift.objects.create(
        agent=fo1, start=at(MONDAY, 5), end=at(MONDAY, 6), activity=Activity.FRONT_OFFICE
    )
    run = generate(planner)
    services.schedule_run_publish(run=run, by=planner)
    services.schedule_run_publish(run=run, by=planner)  # idempotent
    run.refresh_from_db()
    assert run.published and run.published_by == planner
    assert not Shift.objects.filter(pk=stale.pk).exists()
    assert Shift.objects.filter(pk=training.pk).exists()
    drafts = ScheduledShift.objects.filter(run=run)
    # Each draft shift with a meal break becomes work, break, work.
    assert Shift.objects.filter(activity=Activity.BREAK).count() == drafts.count()
    assert Shift.objects.exclude(activity__in=["training", "break"]).count() == 2 * drafts.count()
    # Each agent of the week is told once, though the run was published twice.
    told = Notification.objects.filter(kind="schedule_published")
    assert told.count() == len(set(drafts.values_list("agent_id", flat=True))) > 0
    assert told.filter(user=fo1).get().url == f"/staffing/my-schedule/?week={MONDAY.isoformat()}"
    second = generate(planner)
    services.schedule_run_publish(run=second, by=planner)
    run.refresh_from_db()
    assert not run.published
    assert ScheduleRun.objects.filter(published=True).get() == second
    assert Shift.objects.filter(activity=Activity.BREAK).count() == second.shifts.count()


@pytest.mark.django_db(transaction=True)
def test_rerun_stays_close_to_the_published_week(center, planner):
    run = generate(planner)
    services.schedule_run_publish(run=run, by=planner)
    again = generate(planner)
    before = set(
        ScheduledShift.objects.filter(run=run).values_list("agent", "start", "end", "activity")
    )
    after = set(
        ScheduledShift.objects.filter(run=again).values_list("agent", "start", "end", "activity")
    )
    assert before == after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publish_of_one_week_leaves_one_published(center, planner):
    require_postgres()
    runs = [generate(planner), generate(planner)]
    barrier = threading.Barrier(2)
    errors = []

    def worker(run):
        try:
            barrier.wait()
            services.schedule_run_publish(run=run, by=planner)
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    published = list(ScheduleRun.objects.filter(published=True))
    assert len(published) == 1
    winner = published[0]
    # The agents' week holds exactly the published run's blocks, never both runs'.
    assert Shift.objects.filter(activity=Activity.BREAK).count() == winner.shifts.count()


# --- API ----------------------------------------------------------------------------------


URL = "/api/v1/staffing/schedule-runs/"


@pytest.mark.django_db(transaction=True)
def test_api_create_read_publish_and_list_shifts(api_as, center, planner, agent):
    api = api_as(planner)
    response = api.post(URL, {"week_start": MONDAY.isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "status"}
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "done"
    assert detail["shift_count"] == ScheduledShift.objects.filter(run_id=body["id"]).count()
    # Office totals (no work type) and one row per type: Calls per slot, Claims per day.
    assert len(detail["coverage"]) == 2 * (7 * 48 + 7)
    assert set(detail["coverage"][0]) == {
        "start",
        "end",
        "office",
        "work_type",
        "work_type_name",
        "required",
        "scheduled",
    }
    assert detail["coverage"][0]["work_type"] is None  # the office total first
    names = {(c["office"], c["work_type_name"]) for c in detail["coverage"]}
    assert names == {("back", None), ("back", "Claims"), ("front", None), ("front", "Calls")}
    assert detail["under_coverage_hours"] <= detail["baseline_under_coverage_hours"]
    assert detail["published"] is False
    shifts = api.get("/api/v1/staffing/shifts/", {"run": body["id"], "page_size": 500}).json()
    # Shifts page by cursor (no count): one page of up to 500 holds the run's shifts.
    assert shifts["next"] is None and len(shifts["results"]) == detail["shift_count"]
    assert {"agent", "start", "end", "activity", "office"} <= set(shifts["results"][0])
    # Agents see nothing of a draft, then their own shifts once published.
    api.force_authenticate(center["front"][0])
    assert api.get("/api/v1/staffing/shifts/", {"run": body["id"]}).json()["results"] == []
    api.force_authenticate(planner)
    published = api.post(f"{URL}{body['id']}/publish/")
    assert published.status_code == 200 and published.json()["published"] is True
    api.force_authenticate(center["front"][0])
    mine = api.get("/api/v1/staffing/shifts/", {"run": body["id"]}).json()["results"]
    assert mine and {r["agent"] for r in mine} == {center["front"][0].pk}


@pytest.mark.django_db
def test_api_refusals(api_as, planner, agent, supervisor):
    for user in (agent, supervisor):
        response = api_as(user).post(URL, {"week_start": MONDAY.isoformat()}, format="json")
        assert response.status_code == 403
    api = api_as(planner)
    response = api.post(
        URL, {"week_start": (MONDAY + timedelta(days=2)).isoformat()}, format="json"
    )
    assert response.status_code == 400 and "week_start" in response.json()["errors"]
    response = api.post(URL, {"week_start": "2026-02-30"}, format="json")
    assert response.status_code == 400 and "week_start" in str(response.json())
    response = api.post(URL, {"week_start": MONDAY.isoformat(), "teams": [2**70]}, format="json")
    assert response.status_code == 400 and "teams" in str(response.json())
    assert api.get("/api/v1/staffing/shifts/", {"run": "x"}).status_code == 400
    assert api.get("/api/v1/staffing/shifts/", {"run": "999"}).status_code == 404
    assert api_as(agent).get(URL).status_code == 403
    assert not ScheduleRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_api_publish_refused_for_agents_and_supervisors(api_as, center, planner, supervisor):
    run = generate(planner)
    for user in (center["front"][0], supervisor):
        assert api_as(user).post(f"{URL}{run.pk}/publish/").status_code == 403
    run.refresh_from_db()
    assert not run.published


@pytest.mark.django_db
def test_api_queries(api_as, planner, front_team, django_assert_num_queries):
    run = ScheduleRun.objects.create(week_start=MONDAY, created_by=planner, status="done")
    run.teams.set([front_team])
    ScheduleCoverage.objects.bulk_create(
        ScheduleCoverage(
            run=run,
            start=at(MONDAY, h),
            end=at(MONDAY, h, 30),
            office="front",
            required=1,
            scheduled=1,
        )
        for h in range(5)
    )
    api = api_as(planner)
    # groups; count; page of runs with shift counts; their teams
    with django_assert_num_queries(4):
        assert api.get(URL).json()["count"] == 1
    # the run with its shift count; teams; coverage (the user's groups are cached by now)
    with django_assert_num_queries(3):
        assert len(api.get(f"{URL}{run.pk}/").json()["coverage"]) == 5


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_pages_generate_show_edit_publish(client, center, planner):
    client.force_login(planner)
    response = client.post(reverse("staffing:schedule_runs"), {"week_start": MONDAY.isoformat()})
    run = ScheduleRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "staffing:schedule_run", args=[run.pk]
    )
    page = client.get(response.url).content.decode()
    assert "Under-coverage (greedy baseline)" in page and f"{run.under_coverage_hours} h" in page
    assert page.count('data-testid="run-shift"') == run.shifts.count()
    # A front-office agent's shift (moving a back-office-only agent to the front office
    # is refused: not skilled).
    shift = run.shifts.filter(agent=center["front"][0]).first()
    day = shift.start.date()
    response = client.post(
        reverse("staffing:scheduled_shift_edit", args=[shift.pk]),
        {
            "day": day.isoformat(),
            "start_time": "10:00",
            "end_time": "09:00",
            "activity": "front_office",
        },
    )
    assert response.status_code == 400 and "Must be after the start." in response.content.decode()
    response = client.post(
        reverse("staffing:scheduled_shift_edit", args=[shift.pk]),
        {
            "day": day.isoformat(),
            "start_time": "10:00",
            "end_time": "16:00",
            "activity": "front_office",
        },
    )
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.start, shift.end) == (at(day, 10), at(day, 16))
    client.post(reverse("staffing:scheduled_shift_lock", args=[shift.pk]), {"locked": "1"})
    shift.refresh_from_db()
    assert shift.locked
    client.post(reverse("staffing:schedule_run_publish", args=[run.pk]))
    run.refresh_from_db()
    assert run.published
    assert Shift.objects.filter(agent=shift.agent, start=at(day, 10), end=at(day, 16)).exists()


@pytest.mark.django_db
def test_pages_refuse_other_roles(client, agent, supervisor, planner, front_team):
    run = ScheduleRun.objects.create(week_start=MONDAY, created_by=planner, status="done")
    client.force_login(agent)
    assert client.get(reverse("staffing:schedule_runs")).status_code == 403
    client.force_login(supervisor)
    assert client.get(reverse("staffing:schedule_runs")).status_code == 200
    response = client.post(reverse("staffing:schedule_runs"), {"week_start": MONDAY.isoformat()})
    assert response.status_code == 403
    assert client.post(reverse("staffing:schedule_run_publish", args=[run.pk])).status_code == 403
    assert ScheduleRun.objects.count() == 1
    client.force_login(planner)
    response = client.post(reverse("staffing:schedule_runs"), {"week_start": "2026-03-03"})
    assert response.status_code == 400 and "Must be a Monday." in response.content.decode()


@pytest.mark.django_db
def test_run_list_page_queries(client, planner, front_team, django_assert_num_queries):
    for _ in range(3):
        ScheduleRun.objects.create(week_start=MONDAY, created_by=planner, status="done")
    client.force_login(planner)
    response = client.get(reverse("staffing:schedule_runs"))
    assert response.content.decode().count("Mon 02 Mar 2026") == 3
    # user, groups; count, the page of runs with shift counts; the team choices
    with django_assert_num_queries(5):
        client.get(reverse("staffing:schedule_runs"))


@pytest.mark.django_db(transaction=True)
def test_larger_centers_solve_one_part_per_team(center, planner, settings, front_team, back_team):
    settings.STAFFING_SCHEDULE_SPLIT_AGENTS = 1  # any run of more than one agent is split
    run = generate(planner)
    assert run.status == "done", run.error
    assert (run.parts_total, run.parts_done, run.progress) == (2, 2, 100)
    agents = set(run.shifts.values_list("agent__team", flat=True))
    assert agents == {front_team.pk, back_team.pk}
    # The back team owns the back-office type: its agent covers it; front agents the front.
    assert set(run.shifts.filter(agent=center["back"]).values_list("activity", flat=True)) == {
        Activity.BACK_OFFICE
    }
    # The run's figures are recounted over the whole week from every part's shifts.
    front = ScheduleCoverage.objects.get(
        run=run, office=Office.FRONT, work_type__isnull=True, start=at(MONDAY, 10)
    )
    assert (
        front.scheduled
        == run.shifts.filter(
            activity=Activity.FRONT_OFFICE, start__lte=at(MONDAY, 10), end__gt=at(MONDAY, 10)
        )
        .exclude(meal_start__lte=at(MONDAY, 10), meal_end__gt=at(MONDAY, 10))
        .count()
    )
    assert run.under_coverage_hours is not None and run.baseline_under_coverage_hours is not None


@pytest.mark.django_db
def test_supervisors_read_only_their_teams_runs(client, api_as, planner, supervisor, other_team):
    mine = ScheduleRun.objects.create(week_start=MONDAY, created_by=planner, status="done")
    mine.teams.set([supervisor.supervised_teams.get()])
    theirs = ScheduleRun.objects.create(week_start=MONDAY, created_by=planner, status="done")
    theirs.teams.set([other_team])
    api = api_as(supervisor)
    assert [r["id"] for r in api.get(URL).json()["results"]] == [mine.pk]
    assert api.get(f"{URL}{mine.pk}/").status_code == 200
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    client.force_login(supervisor)
    assert client.get(reverse("staffing:schedule_run", args=[mine.pk])).status_code == 200
    assert client.get(reverse("staffing:schedule_run", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("staffing:schedule_runs")).content.decode()
    assert f"#{mine.pk}<" in page and f"#{theirs.pk}<" not in page


# --- Demand and coverage per work type ----------------------------------------------------


@pytest.fixture
def vip(center, front_team, call_skill):
    """A front type for tier II and above (routing's min_tier_rank): only fo1 has the tier.
    One agent needed 10:00-14:00 on weekdays."""
    from training.models import AgentTier, Tier
    from workitems.choices import Channel
    from workitems.models import WorkType

    vip = WorkType.objects.create(
        name="VIP calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        sla_answer_seconds=20,
        standard_minutes=5,
        required_skill=call_skill,
        min_tier_rank=2,
        owning_team=front_team,
    )
    AgentTier.objects.create(
        agent=center["front"][0], tier=Tier.objects.create(name="Tier II", rank=2)
    )
    AgentTier.objects.create(
        agent=center["front"][1], tier=Tier.objects.create(name="Tier I", rank=1)
    )
    PlanLine.objects.bulk_create(
        PlanLine(
            plan=center["plan"],
            work_type=vip,
            interval_start=at(MONDAY + timedelta(days=d), h, m),
            forecast_volume=0,
            forecast_aht=300,
            required_agents=1,
        )
        for d in range(5)
        for h in range(10, 14)
        for m in (0, 30)
    )
    return vip


@pytest.mark.django_db
def test_eligible_types_follow_the_routing_rule(center, vip, front_type, back_type):
    from staffing import schedule_selectors as ssel
    from workitems.services import eligible_work_type_ids

    users = [*center["front"], center["back"], center["cross"]]
    allowed = ssel.agent_work_types(users, [front_type, back_type, vip], MONDAY)
    fo1, fo2 = center["front"]
    assert allowed[fo1.pk] == {front_type.pk, vip.pk}  # skilled and tier II
    assert allowed[fo2.pk] == {front_type.pk}  # tier I: not VIP
    assert allowed[center["back"].pk] == {back_type.pk}  # no call skill
    assert allowed[center["cross"].pk] == {front_type.pk, back_type.pk}  # no tier
    # The very rule claim-next uses.
    for user in users:
        assert allowed[user.pk] == set(eligible_work_type_ids(user))


@pytest.mark.django_db(transaction=True)
def test_a_tier_restricted_type_is_covered_by_the_tier_only_and_recounted(
    center, vip, planner, api_as
):
    run = generate(planner)
    assert run.status == "done", run.error
    fo1 = center["front"][0]
    vip_rows = list(ScheduleCoverage.objects.filter(run=run, work_type=vip).order_by("start"))
    assert len(vip_rows) == 7 * 48
    assert sum(r.required for r in vip_rows) == 5 * 8
    mine = list(ScheduledShift.objects.filter(run=run, agent=fo1, activity=Activity.FRONT_OFFICE))

    def on(moment):
        return any(
            s.start <= moment < s.end and not (s.meal_start and s.meal_start <= moment < s.meal_end)
            for s in mine
        )

    for row in vip_rows:
        assert row.scheduled <= row.required
        if row.scheduled:
            assert on(row.start)  # only fo1 may take VIP calls
    # The office total holds everyone; per type under-coverage adds up to the run's.
    totals = ScheduleCoverage.objects.filter(run=run, work_type__isnull=True, office=Office.FRONT)
    by_start = {r.start: r for r in totals}
    calls = ScheduleCoverage.objects.filter(run=run, work_type=center["front_type"])
    for row in calls:
        twin = next(r for r in vip_rows if r.start == row.start)
        assert row.scheduled + twin.scheduled <= by_start[row.start].scheduled
    # An edit recounts per type: fo1 moved off the VIP hours leaves that day's VIP short.
    covered = [r for r in vip_rows if r.scheduled]
    assert covered  # fo1 takes VIP calls on some day
    day = timezone.localtime(covered[0].start).date()
    shift = next(s for s in mine if timezone.localtime(s.start).date() == day)
    # 14:00-20:00: off the VIP hours, and 11 h of rest before a 07:00 start the next day.
    services.scheduled_shift_update(
        shift=shift, by=planner, start=at(day, 14), end=at(day, 20), activity=Activity.FRONT_OFFICE
    )
    vip_day = ScheduleCoverage.objects.filter(
        run=run, work_type=vip, start__gte=at(day, 10), start__lt=at(day, 14)
    )
    assert len(vip_day) == 8 and all(r.scheduled == 0 for r in vip_day)
    # The API lists the rows with the type's id and name (office totals with none).
    body = api_as(planner).get(f"{URL}{run.pk}/").json()
    named = {(c["work_type"], c["work_type_name"]) for c in body["coverage"]}
    assert (vip.pk, "VIP calls") in named and (None, None) in named
    assert len(body["coverage"]) == ScheduleCoverage.objects.filter(run=run).count()


def test_shortfall_costs_follow_the_service_level_and_the_deadlines(center):
    """One agent short costs the contacts Erlang C says then miss the answer target (per
    agent-minute, x ``COST_SCALE``), more in a busy slot than a quiet one; back office, the
    cases a minute short leaves past their deadline (1 / AHT)."""
    from staffing import erlang
    from staffing.schedule_selectors import shortfall_costs
    from staffing.shortfall import COST_SCALE

    plan, front_type, back_type = center["plan"], center["front_type"], center["back_type"]
    busy, quiet = at(MONDAY, 10), at(MONDAY, 11)
    PlanLine.objects.filter(plan=plan, work_type=front_type, interval_start=busy).update(
        forecast_volume=120, forecast_aht=240, required_agents=30
    )
    PlanLine.objects.filter(plan=plan, work_type=front_type, interval_start=quiet).update(
        forecast_volume=30, forecast_aht=240, required_agents=12
    )
    costs = shortfall_costs(plan=plan, week_start=MONDAY, types=[front_type, back_type])
    slot = (10 * 60) // 30
    n = int(30 * (1 - plan.shrinkage))
    a = erlang.traffic(120, 240, 1800)
    answer = front_type.sla_answer_seconds
    lost = erlang.service_level(n, a, 240, answer) - erlang.service_level(n - 1, a, 240, answer)
    assert costs[front_type.pk][slot] == max(1, round(COST_SCALE * lost * 120 / 30))
    assert costs[front_type.pk][slot] > costs[front_type.pk][slot + 2] >= 1
    assert costs[front_type.pk][0] == 1  # no contacts: the least cost, never free
    assert costs[back_type.pk][:5] == (round(COST_SCALE * 60 / 1800),) * 5
