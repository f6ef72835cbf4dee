"""Time off: the counting and coverage rules, request/approve/decline/cancel with their
refusals, balances, auto-approval, scheduling blocked by approved time off, the API and the
pages (with query counts), and two approvals racing for the last day (PostgreSQL)."""

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.notification_models import Notification
from staffing import schedule_selectors, services
from staffing import time_off as rules
from staffing import time_off_selectors as sel
from staffing.errors import Conflict, InvalidInput, NotAllowed, Overlap
from staffing.models import (
    ScheduleCoverage,
    ScheduleRules,
    ScheduleRun,
    Shift,
    TimeOffAllowance,
    TimeOffRequest,
)
from tests.factories import make_user
from tests.services import require_postgres
from training.models import BuddyPairing

# A Monday two weeks ahead: requests must not be in the past.
TODAY = timezone.localdate()
MON = TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=14)


def at(day: date, hh: int = 0, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def whole(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    return at(first), at((last or first) + timedelta(days=1))


def ask(agent, first, last=None, kind="holiday", **kw):
    start, end = whole(first, last)
    kw.setdefault("start", start)
    kw.setdefault("end", end)
    return services.time_off_request(agent=agent, by=agent, kind=kind, **kw)


@pytest.fixture
def allowance(agent):
    return TimeOffAllowance.objects.create(agent=agent, year=MON.year, days=Decimal("10"))


# --- Pure rules -----------------------------------------------------------------------------


def test_count_days_whole_and_part_days():
    d = date(2026, 3, 2)
    spans = [(at(d), at(d + timedelta(1)), at(d), at(d + timedelta(1)))]
    assert rules.count_days(spans, 8) == Decimal("1.00")
    half = [(at(d), at(d + timedelta(1)), at(d, 13), at(d, 17))]
    assert rules.count_days(half, 8) == Decimal("0.50")
    long = [(at(d), at(d + timedelta(1)), at(d, 6), at(d, 23))]
    assert rules.count_days(long, 8) == Decimal("1.00")  # capped at one day
    assert rules.contract_day_hours(40, 2) == 8
    assert rules.contract_day_hours(30, 1) == 5


def _day(**kw):
    base = {
        "day": date(2026, 3, 2),
        "front_short": 0,
        "front_surplus": 0,
        "back_short": 0,
        "back_surplus": 0,
        "front_cross": 0,
        "back_cross": 0,
    }
    return rules.DayCoverage(**(base | kw))


@pytest.mark.parametrize(
    ("kw", "holds"),
    [
        ({}, True),
        ({"front_short": 2, "back_surplus": 3, "back_cross": 3}, True),  # cross-trained cover
        ({"front_short": 2, "back_surplus": 3, "back_cross": 1}, False),  # too few crossed
        ({"front_short": 2, "back_surplus": 1, "back_cross": 8}, False),  # no surplus
        ({"back_short": 1, "front_surplus": 4, "front_cross": 4}, True),
        ({"front_short": 1, "back_short": 1, "front_surplus": 9, "back_cross": 9}, False),
    ],
)
def test_day_holds_known_cases(kw, holds):
    assert rules.day_holds(_day(**kw)) is holds


def test_no_published_target_never_holds():
    assert rules.coverage_holds([]) is False


# --- Requests -------------------------------------------------------------------------------


def test_request_whole_days_counts_and_stays_pending(agent, allowance):
    req = ask(agent, MON, MON + timedelta(days=1), note="Trip")
    assert (req.status, req.days, req.note) == ("requested", Decimal("2.00"), "Trip")


def test_part_day_counts_fraction_of_contract_day(agent, allowance, front_team):
    ScheduleRules.objects.create(team=front_team, max_hours_week=30, days_off_per_week=2)
    req = ask(agent, MON, start=at(MON, 9), end=at(MON, 12))
    assert req.days == Decimal("0.50")  # 3 h of a 6 h contract day


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"start": at(MON, 12), "end": at(MON, 9)}, "end"),
        ({"start": at(TODAY - timedelta(days=1)), "end": at(TODAY)}, "start"),
        ({"kind": "party"}, "kind"),
        ({"start": datetime(2030, 1, 1, 9)}, "start"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_request_validation(agent, allowance, kw, field):
    with pytest.raises(InvalidInput) as err:
        ask(agent, MON, **kw)
    assert field in err.value.errors
    assert not TimeOffRequest.objects.exists()


def test_request_overlapping_own_pending_or_approved_is_refused(agent, allowance):
    ask(agent, MON, MON + timedelta(days=2))
    with pytest.raises(Overlap):
        ask(agent, MON + timedelta(days=1))
    assert TimeOffRequest.objects.count() == 1


def test_cancelled_request_does_not_block_a_new_one(agent, allowance):
    services.time_off_cancel(request=ask(agent, MON), by=agent)
    assert ask(agent, MON).status == "requested"


def test_holiday_needs_balance_but_sick_leave_does_not(agent):
    with pytest.raises(InvalidInput, match="Not enough holiday"):
        ask(agent, MON)
    assert ask(agent, MON, kind="sick").status == "requested"


def test_only_the_agent_requests_for_themself(agent, supervisor, allowance):
    start, end = whole(MON)
    with pytest.raises(NotAllowed):
        services.time_off_request(agent=agent, by=supervisor, start=start, end=end, kind="sick")


# --- Decisions ------------------------------------------------------------------------------


def test_supervisor_approves_and_agent_is_told(agent, supervisor, allowance):
    req = services.time_off_approve(request=ask(agent, MON), by=supervisor, reason="Enjoy")
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.reason, req.auto_approved) == (
        "approved",
        supervisor,
        "Enjoy",
        False,
    )
    note = Notification.objects.get(user=agent, kind="time_off_decided")
    assert "approved" in note.title


@pytest.mark.parametrize("who", ["agent", "other_supervisor", "back_agent"])
def test_others_cannot_decide(agent, allowance, other_team, back_agent, who):
    other_supervisor = make_user(Role.SUPERVISOR, username="os", team=other_team)
    other_team.supervisor = other_supervisor
    other_team.save()
    by = {"agent": agent, "other_supervisor": other_supervisor, "back_agent": back_agent}[who]
    req = ask(agent, MON)
    with pytest.raises(NotAllowed):
        services.time_off_approve(request=req, by=by)
    with pytest.raises(NotAllowed):
        services.time_off_decline(request=req, by=by, reason="No")
    req.refresh_from_db()
    assert req.status == "requested"


def test_planner_declines_with_a_reason_only(agent, planner, allowance):
    req = ask(agent, MON)
    with pytest.raises(InvalidInput) as err:
        services.time_off_decline(request=req, by=planner, reason=" ")
    assert "reason" in err.value.errors
    services.time_off_decline(request=req, by=planner, reason="Peak week")
    req.refresh_from_db()
    assert (req.status, req.reason) == ("declined", "Peak week")
    with pytest.raises(Conflict):
        services.time_off_approve(request=req, by=planner)


def test_cancel_only_while_pending_and_only_by_the_agent(agent, supervisor, allowance):
    req = ask(agent, MON)
    with pytest.raises(NotAllowed):
        services.time_off_cancel(request=req, by=supervisor)
    services.time_off_approve(request=req, by=supervisor)
    with pytest.raises(Conflict):
        services.time_off_cancel(request=req, by=agent)


def test_balance_counts_approved_holiday_in_sql(agent, supervisor, allowance):
    services.time_off_approve(request=ask(agent, MON), by=supervisor)
    part = ask(agent, MON + timedelta(days=2), start=at(MON + timedelta(2), 9))
    services.time_off_approve(request=part, by=supervisor)
    ask(agent, MON + timedelta(days=3))  # pending: not counted
    ask(agent, MON + timedelta(days=4), kind="sick")  # not holiday
    b = sel.balance(agent, MON.year)
    assert (b["allowed"], b["taken"], b["balance"]) == (
        Decimal("10"),
        Decimal("2.00"),
        Decimal("8.00"),
    )


def test_approval_refused_when_the_allowance_is_used_up(agent, supervisor):
    TimeOffAllowance.objects.create(agent=agent, year=MON.year, days=1)
    first, second = ask(agent, MON), ask(agent, MON + timedelta(days=1))
    services.time_off_approve(request=first, by=supervisor)
    with pytest.raises(Conflict, match="Not enough holiday"):
        services.time_off_approve(request=second, by=supervisor)
    second.refresh_from_db()
    assert second.status == "requested"


# --- Scheduling and grids -------------------------------------------------------------------


def test_approved_time_off_blocks_scheduling(agent, supervisor, allowance):
    req = ask(agent, MON + timedelta(days=1))
    assert agent.pk not in schedule_selectors.blocking_periods([agent.pk], MON)
    services.time_off_approve(request=req, by=supervisor)
    blocked = schedule_selectors.blocking_periods([agent.pk], MON)[agent.pk]
    assert blocked == [(24 * 60, 48 * 60)]


# --- Auto-approval --------------------------------------------------------------------------


@pytest.fixture
def published(planner, front_team):
    """A published week: on Monday the front office needs 1 agent 09:00-17:00 (16 slots)
    and the back office 8 agent-hours; ``scheduled`` is set per test."""
    run = ScheduleRun.objects.create(
        week_start=MON, status="done", published=True, created_by=planner
    )
    run.teams.add(front_team)

    def cover(front_scheduled: float, back_scheduled: float):
        rows = [
            ScheduleCoverage(
                run=run,
                start=at(MON, 9) + timedelta(minutes=30 * i),
                end=at(MON, 9) + timedelta(minutes=30 * (i + 1)),
                office=Office.FRONT,
                required=1,
                scheduled=front_scheduled,
            )
            for i in range(16)
        ]
        rows.append(
            ScheduleCoverage(
                run=run,
                start=at(MON),
                end=at(MON + timedelta(1)),
                office=Office.BACK,
                required=8,
                scheduled=back_scheduled,
            )
        )
        ScheduleCoverage.objects.bulk_create(rows)
        return run

    return cover


def _work(agent, activity="front_office"):
    return Shift.objects.create(agent=agent, start=at(MON, 9), end=at(MON, 17), activity=activity)


def test_auto_approval_is_off_by_default(agent, allowance, published):
    published(2, 8)
    assert ask(agent, MON).status == "requested"


def test_auto_approves_when_coverage_holds_without_the_agent(settings, agent, allowance, published):
    settings.STAFFING_AUTO_APPROVE = True
    published(2, 8)  # two front agents for one needed
    _work(agent)
    req = ask(agent, MON)
    assert (req.status, req.auto_approved) == ("approved", True)
    assert Notification.objects.filter(user=agent, kind="time_off_decided").exists()


def test_no_auto_approval_when_the_front_office_would_be_short(
    settings, agent, allowance, published
):
    settings.STAFFING_AUTO_APPROVE = True
    published(1, 8)
    _work(agent)
    assert ask(agent, MON).status == "requested"


def test_cross_trained_back_office_surplus_covers_the_front(
    settings, agent, back_agent, allowance, published, skilled, call_skill, claims_skill
):
    settings.STAFFING_AUTO_APPROVE = True
    from tests.factories import make_back_type, make_front_type

    make_front_type(agent.team, call_skill)
    make_back_type(back_agent.team, claims_skill)
    skilled(back_agent, call_skill)
    skilled(back_agent, claims_skill)
    published(1, 16)  # front exactly covered (by the agent); back has 8 h spare
    _work(agent)
    _work(back_agent, "back_office")  # cross-trained, 8 h in the back office
    assert ask(agent, MON).status == "approved"


def test_no_auto_approval_when_the_buddy_is_off(
    settings, agent, back_agent, supervisor, allowance, published
):
    settings.STAFFING_AUTO_APPROVE = True
    published(2, 8)
    BuddyPairing.objects.create(agent=agent, buddy=back_agent)
    TimeOffRequest.objects.create(
        agent=back_agent, start=at(MON, 8), end=at(MON, 12), kind="sick", status="approved"
    )
    assert ask(agent, MON).status == "requested"


def test_no_auto_approval_without_a_published_target(settings, agent, allowance):
    settings.STAFFING_AUTO_APPROVE = True
    assert ask(agent, MON).status == "requested"


# --- API ------------------------------------------------------------------------------------

URL = "/api/v1/staffing/time-off/"


def test_api_request_and_approve(api_as, agent, supervisor, allowance):
    start, end = whole(MON)
    body = {"start": start.isoformat(), "end": end.isoformat(), "kind": "holiday", "note": "x"}
    r = api_as(agent).post(URL, body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "requested"
    pk = r.json()["id"]
    r = api_as(supervisor).post(f"{URL}{pk}/approve/", {"reason": "ok"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    assert TimeOffRequest.objects.get(pk=pk).decided_by == supervisor


def test_api_refusals_and_errors(api_as, agent, supervisor, allowance, other_agent):
    start, end = whole(MON)
    r = api_as(agent).post(URL, {"start": end.isoformat(), "end": start.isoformat(),
                                 "kind": "holiday"}, format="json")  # fmt: skip
    assert r.status_code == 400 and "end" in str(r.json())
    r = api_as(agent).post(URL, {"start": "soon", "kind": "holiday"}, format="json")
    assert r.status_code == 400 and "start" in str(r.json())
    req = ask(agent, MON)
    assert api_as(agent).post(f"{URL}{req.pk}/approve/", {}, format="json").status_code == 403
    # another team's agent does not even see it
    assert api_as(other_agent).post(f"{URL}{req.pk}/approve/", {}).status_code == 404
    r = api_as(supervisor).post(f"{URL}{req.pk}/decline/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    req.refresh_from_db()
    assert req.status == "requested"


def test_api_list_is_scoped_and_paginated(api_as, agent, other_agent, supervisor, planner):
    for a in (agent, other_agent):
        TimeOffRequest.objects.create(agent=a, start=at(MON), end=at(MON, 12), kind="sick")
    ids = lambda u: [row["agent"] for row in api_as(u).get(URL).json()["results"]]  # noqa: E731
    assert ids(agent) == [agent.pk]
    assert ids(supervisor) == [agent.pk]
    assert sorted(ids(planner)) == sorted([agent.pk, other_agent.pk])


# --- Pages ----------------------------------------------------------------------------------


def test_my_schedule_request_form_and_balance(client, agent, allowance):
    client.force_login(agent)
    r = client.post(
        reverse("staffing:time_off_request"),
        {"first_day": MON, "last_day": MON + timedelta(days=1), "kind": "holiday", "note": "x"},
    )
    assert r.status_code == 302
    req = TimeOffRequest.objects.get(agent=agent)
    assert (req.start, req.end, req.days) == (at(MON), at(MON + timedelta(2)), Decimal("2"))
    page = client.get(reverse("staffing:my_schedule")).content.decode()
    assert "<strong>10</strong> of 10 day(s) left" in page
    assert "Requested" in page


def test_my_schedule_form_errors_are_shown(client, agent):
    client.force_login(agent)
    r = client.post(
        reverse("staffing:time_off_request"),
        {"first_day": MON, "last_day": MON - timedelta(days=1), "kind": "holiday"},
        follow=True,
    )
    assert "Must be on or after the first day" in r.content.decode()
    assert not TimeOffRequest.objects.exists()


def test_my_schedule_queries_are_constant(client, agent, allowance, django_assert_num_queries):
    client.force_login(agent)
    for i in range(3):
        ask(agent, MON + timedelta(days=i))
    client.get(reverse("staffing:my_schedule"))
    with django_assert_num_queries(9):  # session, user, shifts, time off, panel (5)
        r = client.get(reverse("staffing:my_schedule"))
    assert r.content.decode().count('data-testid="time-off-request"') == 3


def test_time_off_page_lists_and_decides(client, agent, supervisor, allowance, other_agent):
    mine = ask(agent, MON)
    TimeOffRequest.objects.create(agent=other_agent, start=at(MON), end=at(MON, 9), kind="sick")
    client.force_login(supervisor)
    page = client.get(reverse("staffing:time_off")).content.decode()
    assert page.count('data-testid="pending-request"') == 1  # the other team's is not shown
    client.post(reverse("staffing:time_off_decline", args=[mine.pk]), {"reason": "Busy"})
    mine.refresh_from_db()
    assert (mine.status, mine.reason) == ("declined", "Busy")


def test_time_off_page_queries_are_constant(
    client, planner, agent, other_agent, django_assert_num_queries
):
    for i in range(4):
        for a in (agent, other_agent):
            TimeOffRequest.objects.create(
                agent=a, start=at(MON + timedelta(i)), end=at(MON + timedelta(i), 9), kind="sick"
            )
    client.force_login(planner)
    client.get(reverse("staffing:time_off"))
    with django_assert_num_queries(5):  # session, user, count, page, trades
        r = client.get(reverse("staffing:time_off"))
    assert r.content.decode().count('data-testid="pending-request"') == 8


def test_agents_cannot_open_the_time_off_page(client, agent):
    client.force_login(agent)
    assert client.get(reverse("staffing:time_off")).status_code == 403


def test_grid_shows_approved_time_off(client, agent, supervisor, allowance):
    services.time_off_approve(request=ask(agent, MON + timedelta(days=2)), by=supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("staffing:schedule") + f"?week={MON}").content.decode()
    assert page.count('data-testid="time-off"') == 1
    client.force_login(agent)
    page = client.get(reverse("staffing:my_schedule") + f"?week={MON}").content.decode()
    assert page.count('data-testid="time-off"') == 1


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_for_the_last_day_one_wins(agent, supervisor, planner):
    require_postgres()
    TimeOffAllowance.objects.create(agent=agent, year=MON.year, days=1)
    reqs = [ask(agent, MON), ask(agent, MON + timedelta(days=1))]
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(req, by):
        try:
            barrier.wait()
            services.time_off_approve(request=req, by=by)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(r, u))
        for r, u in zip(reqs, (supervisor, planner), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert TimeOffRequest.objects.filter(status="approved").count() == 1
    assert sel.balance(agent, MON.year)["balance"] == 0


def test_run_grid_shows_approved_time_off(client, agent, supervisor, planner, allowance):
    from staffing.models import ScheduledShift

    run = ScheduleRun.objects.create(week_start=MON, status="done", created_by=planner)
    run.teams.add(agent.team)
    ScheduledShift.objects.create(
        run=run, agent=agent, start=at(MON, 9), end=at(MON, 17), activity="front_office"
    )
    services.time_off_approve(request=ask(agent, MON + timedelta(days=3)), by=supervisor)
    client.force_login(planner)
    page = client.get(reverse("staffing:schedule_run", args=[run.pk])).content.decode()
    assert page.count('data-testid="time-off"') == 1
    assert page.count('data-testid="run-shift"') == 1
