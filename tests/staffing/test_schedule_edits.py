"""Editing a run's grid fully: add and delete shifts (draft and published weeks), the shared
shift rules, the published week rewritten in place with the agents told, the API (with its
refusals), the pages, two planners racing (PostgreSQL), and trades recounting coverage.

Runs here are built by hand (no solve): a finished run of a future week, its front-office
coverage rows (2 agents required 09:00-17:00 on weekdays) and its shifts."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from ccops.choices import Office, Role
from ccops.notification_models import Notification
from staffing import services
from staffing.choices import Activity
from staffing.errors import InvalidInput, NotAllowed, Overlap, StaffingError
from staffing.models import (
    ScheduleCoverage,
    ScheduledShift,
    ScheduleRun,
    Shift,
    ShiftTrade,
    TimeOffRequest,
)
from staffing.services.schedules import RunConflict, refresh_coverage
from tests.factories import make_back_type, make_front_type, make_user
from tests.services import require_postgres

from .test_time_off import MON, at

FO = Activity.FRONT_OFFICE
URL = "/api/v1/staffing/shifts/"


@pytest.fixture
def week(front_team, back_team, call_skill, claims_skill, skilled, agent, planner):
    """A finished draft run of the week starting ``MON`` (two weeks ahead) for the front
    team: ``agent`` works Monday 09:00-17:00; ``mate`` (also front) has no shift yet."""
    make_front_type(front_team, call_skill)
    make_back_type(back_team, claims_skill)
    skilled(agent, call_skill)
    mate = skilled(make_user(Role.AGENT, username="mate", team=front_team), call_skill)
    run = ScheduleRun.objects.create(
        week_start=MON, status=ScheduleRun.Status.DONE, created_by=planner
    )
    run.teams.set([front_team])
    rows = []
    for d in range(7):
        day = MON + timedelta(days=d)
        for half in range(48):
            start = at(day, half // 2, 30 * (half % 2))
            need = 2 if d < 5 and 9 <= half // 2 < 17 else 0
            rows.append(
                ScheduleCoverage(
                    run=run,
                    start=start,
                    end=start + timedelta(minutes=30),
                    office=Office.FRONT,
                    required=need,
                    scheduled=0,
                )
            )
    ScheduleCoverage.objects.bulk_create(rows)
    first = ScheduledShift.objects.create(
        run=run,
        agent=agent,
        start=at(MON, 9),
        end=at(MON, 17),
        activity=FO,
        meal_start=at(MON, 12, 30),
        meal_end=at(MON, 13),
    )
    refresh_coverage(run)
    return {"run": run, "agent": agent, "mate": mate, "first": first}


def scheduled(run, day, hour):
    return ScheduleCoverage.objects.get(run=run, office=Office.FRONT, start=at(day, hour)).scheduled


# --- Service: add and delete --------------------------------------------------------------


def test_add_places_the_meal_break_and_recounts_coverage(week, planner):
    run, mate = week["run"], week["mate"]
    shift = services.scheduled_shift_create(
        run=run, by=planner, agent=mate, start=at(MON, 9), end=at(MON, 17), activity=FO
    )
    assert (shift.agent, shift.edited, shift.locked) == (mate, True, False)
    assert shift.meal_end - shift.meal_start == timedelta(minutes=30)  # 8 h: a meal break
    assert scheduled(run, MON, 10) == 2  # agent + mate
    run.refresh_from_db()
    assert run.under_coverage_hours is not None
    services.scheduled_shift_delete(shift=shift, by=planner)
    assert not ScheduledShift.objects.filter(pk=shift.pk).exists()
    assert scheduled(run, MON, 10) == 1


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (at(MON, 12), at(MON, 20), "start", "Overlaps"),
        (at(MON + timedelta(days=1), 2), at(MON + timedelta(days=1), 8), "start", "11 h rest"),
        (at(MON - timedelta(days=1), 9), at(MON - timedelta(days=1), 17), "start", "week"),
        (at(MON, 18), at(MON + timedelta(days=1), 12), "end", "16 hours"),
        (at(MON, 18, 15), at(MON, 22), "start", "half hour"),
    ],
)
def test_add_keeps_the_rules(week, planner, start, end, field, words):
    with pytest.raises(StaffingError) as err:  # overlaps: Overlap; the rest: InvalidInput
        services.scheduled_shift_create(
            run=week["run"], by=planner, agent=week["agent"], start=start, end=end, activity=FO
        )
    assert field in err.value.errors and words in " ".join(err.value.errors[field])
    assert ScheduledShift.objects.filter(run=week["run"]).count() == 1


def test_add_keeps_the_contract_maximum_of_hours(week, planner):
    """Default rules: at most 40 h a week. Monday to Friday 09:00-17:00 is 37.5 h worked
    (meal breaks off); a Saturday on top would be 45 h and is refused on ``end``."""
    run, agent = week["run"], week["agent"]
    for d in range(1, 5):
        day = MON + timedelta(days=d)
        services.scheduled_shift_create(
            run=run, by=planner, agent=agent, start=at(day, 9), end=at(day, 17), activity=FO
        )
    sat = MON + timedelta(days=5)
    with pytest.raises(InvalidInput) as err:
        services.scheduled_shift_create(
            run=run, by=planner, agent=agent, start=at(sat, 9), end=at(sat, 17), activity=FO
        )
    assert "40 h" in " ".join(err.value.errors["end"])
    assert ScheduledShift.objects.filter(run=run, agent=agent).count() == 5
    # A shorter Saturday that stays within 40 h is fine (2 h: no meal break).
    services.scheduled_shift_create(
        run=run, by=planner, agent=agent, start=at(sat, 9), end=at(sat, 11), activity=FO
    )


def test_add_refuses_time_off_skills_strangers_and_other_roles(
    week, planner, supervisor, other_agent
):
    run, agent = week["run"], week["agent"]
    tue = MON + timedelta(days=1)
    TimeOffRequest.objects.create(
        agent=agent, start=at(tue), end=at(tue + timedelta(days=1)), status="approved"
    )
    with pytest.raises(InvalidInput) as err:
        services.scheduled_shift_create(
            run=run, by=planner, agent=agent, start=at(tue, 9), end=at(tue, 17), activity=FO
        )
    assert "time off" in err.value.errors["start"][0]
    with pytest.raises(InvalidInput) as err:  # front-only agent in the back office
        services.scheduled_shift_create(
            run=run,
            by=planner,
            agent=week["mate"],
            start=at(tue, 9),
            end=at(tue, 17),
            activity=Activity.BACK_OFFICE,
        )
    assert "skilled" in err.value.errors["activity"][0]
    with pytest.raises(InvalidInput) as err:
        services.scheduled_shift_create(
            run=run, by=planner, agent=other_agent, start=at(tue, 9), end=at(tue, 17), activity=FO
        )
    assert "agent" in err.value.errors
    with pytest.raises(NotAllowed):
        services.scheduled_shift_create(
            run=run, by=supervisor, agent=agent, start=at(tue, 9), end=at(tue, 17), activity=FO
        )
    assert ScheduledShift.objects.filter(run=run).count() == 1


def test_update_uses_the_same_rules(week, planner):
    first = week["first"]
    second = services.scheduled_shift_create(
        run=week["run"],
        by=planner,
        agent=week["agent"],
        start=at(MON + timedelta(days=2), 9),
        end=at(MON + timedelta(days=2), 17),
        activity=FO,
    )
    with pytest.raises(Overlap):
        services.scheduled_shift_update(
            shift=first, by=planner, start=second.start, end=second.end, activity=FO
        )
    with pytest.raises(InvalidInput) as err:  # Tuesday night: 6 h before Wednesday's 09:00
        services.scheduled_shift_update(
            shift=first,
            by=planner,
            start=at(MON + timedelta(days=1), 20),
            end=at(MON + timedelta(days=2), 3),
            activity=FO,
        )
    assert "rest" in err.value.errors["start"][0]


def test_delete_refuses_locked_and_unfinished_runs(week, planner):
    first = week["first"]
    services.scheduled_shift_lock(shift=first, by=planner, locked=True)
    first.refresh_from_db()
    with pytest.raises(RunConflict):
        services.scheduled_shift_delete(shift=first, by=planner)
    ScheduleRun.objects.filter(pk=week["run"].pk).update(status=ScheduleRun.Status.RUNNING)
    with pytest.raises(RunConflict):
        services.scheduled_shift_create(
            run=week["run"],
            by=planner,
            agent=week["mate"],
            start=at(MON, 9),
            end=at(MON, 17),
            activity=FO,
        )
    assert ScheduledShift.objects.filter(pk=first.pk).exists()


# --- Published weeks ------------------------------------------------------------------------


def test_published_week_is_edited_in_place_and_agents_told(week, planner):
    run, agent, mate, first = week["run"], week["agent"], week["mate"], week["first"]
    services.schedule_run_publish(run=run, by=planner)
    assert Shift.objects.filter(agent=agent).count() == 3  # work, meal break, work
    Notification.objects.all().delete()
    # The agent calls in sick: their Monday goes, the mate gets one instead.
    services.scheduled_shift_delete(shift=first, by=planner)
    added = services.scheduled_shift_create(
        run=run, by=planner, agent=mate, start=at(MON, 10), end=at(MON, 18), activity=FO
    )
    assert not Shift.objects.filter(agent=agent).exists()
    mine = list(Shift.objects.filter(agent=mate).order_by("start"))
    assert [(b.start, b.end, b.activity) for b in mine] == [
        (at(MON, 10), added.meal_start, FO),
        (added.meal_start, added.meal_end, Activity.BREAK),
        (added.meal_end, at(MON, 18), FO),
    ]
    assert scheduled(run, MON, 9) == 0 and scheduled(run, MON, 10) == 1
    told = {n.user.username: n for n in Notification.objects.filter(kind="schedule_published")}
    assert set(told) == {agent.username, mate.username}
    assert "changed" in told["mate"].title and "added" in told["mate"].body
    assert "removed" in told[agent.username].body
    # A move rewrites the blocks.
    services.scheduled_shift_update(
        shift=added, by=planner, start=at(MON, 12), end=at(MON, 16), activity=FO
    )
    assert list(Shift.objects.filter(agent=mate).values_list("start", "end")) == [
        (at(MON, 12), at(MON, 16))
    ]
    run.refresh_from_db()
    assert run.published


def test_my_schedule_shows_the_change(client, week, planner):
    run, mate = week["run"], week["mate"]
    services.schedule_run_publish(run=run, by=planner)
    services.scheduled_shift_create(
        run=run,
        by=planner,
        agent=mate,
        start=at(MON + timedelta(days=3), 13),
        end=at(MON + timedelta(days=3), 17),
        activity=FO,
    )
    client.force_login(mate)
    page = client.get(reverse("staffing:my_schedule") + f"?week={MON.isoformat()}")
    assert page.status_code == 200
    assert "13:00" in page.content.decode() and "17:00" in page.content.decode()


def test_published_shift_on_offer_is_not_changed(week, planner):
    run, agent, first = week["run"], week["agent"], week["first"]
    services.schedule_run_publish(run=run, by=planner)
    block = Shift.objects.filter(agent=agent).order_by("start").first()
    services.trade_offer(shift=block, by=agent)
    with pytest.raises(RunConflict) as err:
        services.scheduled_shift_delete(shift=first, by=planner)
    assert "trade" in err.value.message
    assert Shift.objects.filter(agent=agent).count() == 3


# --- Trades recount coverage ----------------------------------------------------------------


def test_approved_trade_moves_the_run_shift_and_keeps_coverage(week, planner, supervisor):
    run, agent, mate, first = week["run"], week["agent"], week["mate"], week["first"]
    services.schedule_run_publish(run=run, by=planner)
    before = [scheduled(run, MON, h) for h in range(9, 17)]
    trade = services.trade_offer(
        shift=Shift.objects.filter(agent=agent).order_by("start").first(), by=agent
    )
    services.trade_take(trade=trade, by=mate)
    services.trade_approve(trade=trade, by=supervisor)
    first.refresh_from_db()
    assert first.agent == mate and first.edited
    assert [scheduled(run, MON, h) for h in range(9, 17)] == before == [1] * 8
    assert Shift.objects.filter(agent=mate).count() == 3


def test_an_approved_trade_stays_on_record_when_the_planner_removes_its_shift(
    week, planner, supervisor
):
    run, agent, mate, first = week["run"], week["agent"], week["mate"], week["first"]
    services.schedule_run_publish(run=run, by=planner)
    trade = services.trade_offer(
        shift=Shift.objects.filter(agent=agent).order_by("start").first(), by=agent
    )
    services.trade_take(trade=trade, by=mate)
    services.trade_approve(trade=trade, by=supervisor)
    first.refresh_from_db()
    services.scheduled_shift_delete(shift=first, by=planner)  # the taker called in sick
    trade.refresh_from_db()
    assert trade.status == ShiftTrade.Status.APPROVED and trade.shift_id is None
    assert (trade.offered_by, trade.taken_by) == (agent, mate)
    assert not Shift.objects.filter(agent=mate, start__gte=trade.start, end__lte=trade.end)


def test_trade_breaking_the_rest_is_refused(week, planner):
    run, agent, mate = week["run"], week["agent"], week["mate"]
    services.scheduled_shift_create(
        run=run,
        by=planner,
        agent=mate,
        start=at(MON, 0),
        end=at(MON, 6),
        activity=FO,
    )
    services.schedule_run_publish(run=run, by=planner)
    trade = services.trade_offer(
        shift=Shift.objects.filter(agent=agent).order_by("start").first(), by=agent
    )
    with pytest.raises(InvalidInput) as err:
        services.trade_take(trade=trade, by=mate)
    assert "rest" in err.value.errors
    assert "Leaves less than 11 h rest" in err.value.message
    assert ShiftTrade.objects.get(pk=trade.pk).status == "offered"


# --- API ----------------------------------------------------------------------------------


def test_api_add_and_delete(api_as, week, planner, django_assert_max_num_queries):
    api = api_as(planner)
    body = {
        "run": week["run"].pk,
        "agent": week["mate"].pk,
        "start": at(MON, 9).isoformat(),
        "end": at(MON, 17).isoformat(),
        "activity": FO,
    }
    with django_assert_max_num_queries(40):
        r = api.post(URL, body, format="json")
    assert r.status_code == 201, r.json()
    made = r.json()
    assert made["agent"] == week["mate"].pk and made["meal_start"] is not None
    assert scheduled(week["run"], MON, 10) == 2
    again = api.post(URL, body, format="json")
    assert again.status_code == 400 and "start" in again.json()["errors"]
    r = api.delete(f"{URL}{made['id']}/?run={week['run'].pk}")
    assert r.status_code == 204
    assert not ScheduledShift.objects.filter(pk=made["id"]).exists()
    assert scheduled(week["run"], MON, 10) == 1


def test_api_refusals(api_as, week, planner, supervisor, agent):
    body = {
        "run": week["run"].pk,
        "agent": week["mate"].pk,
        "start": at(MON, 9).isoformat(),
        "end": at(MON, 8).isoformat(),
        "activity": FO,
    }
    r = api_as(planner).post(URL, body, format="json")
    assert r.status_code == 400 and "end" in r.json()["errors"]
    r = api_as(planner).post(URL, {**body, "activity": "break"}, format="json")
    assert r.status_code == 400 and "activity" in r.json()["errors"]
    r = api_as(planner).post(URL, {**body, "run": 999999}, format="json")
    assert r.status_code == 400 and "run" in r.json()["errors"]
    ok = {**body, "end": at(MON, 17).isoformat()}
    assert api_as(supervisor).post(URL, ok, format="json").status_code == 403
    assert api_as(agent).post(URL, ok, format="json").status_code == 403
    first = week["first"]
    assert api_as(supervisor).delete(f"{URL}{first.pk}/?run={first.run_id}").status_code == 403
    assert api_as(planner).delete(f"{URL}{first.pk}/?run=abc").status_code == 400
    assert api_as(planner).delete(f"{URL}{first.pk}/?run=999999").status_code == 404
    services.scheduled_shift_lock(shift=first, by=planner, locked=True)
    assert api_as(planner).delete(f"{URL}{first.pk}/?run={first.run_id}").status_code == 409
    ScheduleRun.objects.filter(pk=first.run_id).update(status=ScheduleRun.Status.FAILED)
    assert api_as(planner).post(URL, ok, format="json").status_code == 409
    assert ScheduledShift.objects.filter(run=first.run).count() == 1


# --- Pages --------------------------------------------------------------------------------


def test_pages_add_and_delete(client, week, planner, django_assert_max_num_queries):
    run, mate = week["run"], week["mate"]
    client.force_login(planner)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("staffing:schedule_run", args=[run.pk]))
    assert 'data-testid="shift-add"' in page.content.decode()
    form = {
        "agent": mate.pk,
        "day": MON.isoformat(),
        "start_time": "09:00",
        "end_time": "17:00",
        "activity": FO,
    }
    r = client.post(reverse("staffing:scheduled_shift_add", args=[run.pk]), form)
    assert r.status_code == 302
    shift = ScheduledShift.objects.get(run=run, agent=mate)
    bad = client.post(
        reverse("staffing:scheduled_shift_add", args=[run.pk]), {**form, "start_time": "12:00"}
    )
    assert bad.status_code == 400 and "Overlaps" in bad.content.decode()
    r = client.post(reverse("staffing:scheduled_shift_delete", args=[shift.pk]))
    assert r.status_code == 302 and not ScheduledShift.objects.filter(pk=shift.pk).exists()


def test_pages_refuse_supervisors_and_agents(client, week, supervisor, agent):
    form = {"agent": week["mate"].pk, "day": MON.isoformat(), "start_time": "09:00"}
    for user in (supervisor, agent):
        client.force_login(user)
        add = reverse("staffing:scheduled_shift_add", args=[week["run"].pk])
        assert client.post(add, form).status_code == 403
        delete = reverse("staffing:scheduled_shift_delete", args=[week["first"].pk])
        assert client.post(delete).status_code == 403
    assert ScheduledShift.objects.filter(run=week["run"]).count() == 1


# --- Two planners at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_planners_adding_overlapping_shifts_one_wins(week, planner):
    require_postgres()
    other = make_user(Role.PLANNER, username="planner2")
    run, mate = week["run"], week["mate"]
    spans = [(at(MON, 9), at(MON, 17)), (at(MON, 12), at(MON, 20))]
    barrier = threading.Barrier(2)
    made, errors = [], []

    def worker(by, span):
        try:
            barrier.wait()
            made.append(
                services.scheduled_shift_create(
                    run=run, by=by, agent=mate, start=span[0], end=span[1], activity=FO
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(by, span))
        for by, span in zip((planner, other), spans, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and len(errors) == 1
    assert isinstance(errors[0], Overlap)
    assert ScheduledShift.objects.filter(run=run, agent=mate).count() == 1
