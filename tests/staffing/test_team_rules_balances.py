"""Issue 21 follow-ups: auto-approval per team (time off and trades), the Scheduling rules
page (team defaults, agent overrides, validated by the solver's Rules.check), the Holiday
balances page (one grouped query, allowance edits audited, export), and claim-next keeping
only cross-trained agents to their scheduled office."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Role
from staffing import services
from staffing import time_off_selectors as sel
from staffing.errors import InvalidInput, NotAllowed
from staffing.models import (
    ScheduleRules,
    Shift,
    TeamStaffingSettings,
    TimeOffAllowance,
    TimeOffRequest,
)
from staffing.schedule_selectors import rules_for
from staffing.services.rules import auto_approval_enabled
from tests.factories import make_back_type, make_front_type, make_user
from workitems.models import WorkItem, WorkType
from workitems.services import _in_scheduled_office, workitem_claim_next

from .test_shift_trades import TUE
from .test_time_off import MON, _work, ask, at, published  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def switch(team, on: bool):
    TeamStaffingSettings.objects.update_or_create(team=team, defaults={"auto_approve": on})


# --- Auto-approval per team ---------------------------------------------------------------


@pytest.fixture
def two_teams(agent, other_agent):
    for a in (agent, other_agent):
        TimeOffAllowance.objects.create(agent=a, year=MON.year, days=Decimal(10))
    return agent, other_agent


def test_team_a_on_team_b_off(two_teams, published, front_team, other_team):  # noqa: F811
    a, b = two_teams
    published(3, 8)  # three front agents scheduled for one needed: either may go
    _work(a)
    _work(b)
    switch(front_team, True)
    switch(other_team, False)
    req_a, req_b = ask(a, MON), ask(b, MON)
    assert (req_a.status, req_a.auto_approved) == ("approved", True)
    assert (req_b.status, req_b.auto_approved) == ("requested", False)


def test_the_global_setting_is_only_the_default(
    settings,
    two_teams,
    published,  # noqa: F811
    front_team,
    other_team,
):
    settings.STAFFING_AUTO_APPROVE = True
    published(3, 8)
    a, b = two_teams
    _work(a)
    _work(b)
    switch(front_team, False)  # a row wins over the default
    assert ask(a, MON).status == "requested"
    assert ask(b, MON).status == "approved"  # no row: the default (on)


def test_lookup_is_one_query(front_team, other_team, django_assert_num_queries):
    switch(front_team, True)
    with django_assert_num_queries(1):
        assert auto_approval_enabled(front_team.pk) is True
    with django_assert_num_queries(1):
        assert auto_approval_enabled(front_team.pk, other_team.pk) is False
    assert auto_approval_enabled(None) is False


@pytest.fixture
def trade_day(agent, call_skill, claims_skill, skilled, front_team, back_team):
    make_front_type(front_team, call_skill)
    make_back_type(back_team, claims_skill)
    skilled(agent, call_skill)
    shift = Shift.objects.create(
        agent=agent, start=at(TUE, 9), end=at(TUE, 17), activity="front_office"
    )
    return services.trade_offer(shift=shift, by=agent)


def test_trades_follow_both_teams_switch(trade_day, front_team, other_team, call_skill, skilled):
    same = skilled(make_user(Role.AGENT, username="same", team=front_team), call_skill)
    other = skilled(make_user(Role.AGENT, username="oth", team=other_team), call_skill)
    switch(front_team, True)
    switch(other_team, False)
    services.trade_take(trade=trade_day, by=other)
    trade_day.refresh_from_db()
    assert (trade_day.status, trade_day.auto_approved) == ("taken", False)
    services.trade_cancel(trade=trade_day, by=trade_day.offered_by)
    again = services.trade_offer(
        shift=Shift.objects.get(agent=trade_day.offered_by), by=trade_day.offered_by
    )
    services.trade_take(trade=again, by=same)
    again.refresh_from_db()
    assert (again.status, again.auto_approved) == ("approved", True)
    assert Shift.objects.filter(agent=same).count() == 1


def test_trade_pending_when_team_off(trade_day, front_team, call_skill, skilled):
    taker = skilled(make_user(Role.AGENT, username="tk", team=front_team), call_skill)
    switch(front_team, False)
    services.trade_take(trade=trade_day, by=taker)
    trade_day.refresh_from_db()
    assert trade_day.status == "taken"


def test_who_switches(front_team, other_team, supervisor, planner, agent):
    services.team_auto_approve_set(team=front_team, enabled=True, by=supervisor)
    assert TeamStaffingSettings.objects.get(team=front_team).auto_approve is True
    with pytest.raises(NotAllowed):
        services.team_auto_approve_set(team=other_team, enabled=True, by=supervisor)
    with pytest.raises(NotAllowed):
        services.team_auto_approve_set(team=front_team, enabled=False, by=agent)
    services.team_auto_approve_set(team=other_team, enabled=True, by=planner)
    row = TeamStaffingSettings.objects.get(team=front_team)
    assert row.history.first().history_user == supervisor
    assert not TeamStaffingSettings.objects.filter(team=other_team, auto_approve=False).exists()


def test_rules_page_switch(client, supervisor, front_team, other_team):
    client.force_login(supervisor)
    page = client.get(reverse("staffing:rules")).content.decode()
    assert 'data-team="Front A"' in page and 'data-team="Front B"' not in page
    r = client.post(
        reverse("staffing:team_auto_approve", args=[front_team.pk]), {"auto_approve": "on"}
    )
    assert r.status_code == 302
    assert TeamStaffingSettings.objects.get(team=front_team).auto_approve is True
    r = client.post(
        reverse("staffing:team_auto_approve", args=[other_team.pk]), {"auto_approve": "on"}
    )
    assert r.status_code == 404
    assert not TeamStaffingSettings.objects.filter(team=other_team).exists()
    client.post(reverse("staffing:team_auto_approve", args=[front_team.pk]), {})
    assert TeamStaffingSettings.objects.get(team=front_team).auto_approve is False


# --- Scheduling rules ---------------------------------------------------------------------

GOOD = {
    "min_hours_week": "20",
    "max_hours_week": "32",
    "shift_lengths": "8,6",
    "earliest_start": "08:00",
    "latest_end": "20:00",
    "days_off_per_week": "2",
    "min_rest_hours": "12",
    "meal_break_after_hours": "6",
    "meal_break_minutes": "30",
    "start_step_minutes": "30",
}


def test_planner_sets_team_defaults_and_agent_override(client, planner, front_team, agent):
    client.force_login(planner)
    r = client.post(reverse("staffing:team_rules", args=[front_team.pk]), GOOD)
    assert r.status_code == 302, r.content.decode()[:2000]
    team_rules = ScheduleRules.objects.get(team=front_team)
    assert (team_rules.max_hours_week, team_rules.shift_lengths) == (32, "8,6")
    assert rules_for([agent])[agent.pk].max_week_minutes == 32 * 60
    # The agent's page starts from the team's rules; saving makes an override.
    page = client.get(reverse("staffing:agent_rules", args=[agent.pk])).content.decode()
    assert 'value="32' in page and "follows their team" in page
    r = client.post(
        reverse("staffing:agent_rules", args=[agent.pk]), GOOD | {"max_hours_week": "24"}
    )
    assert r.status_code == 302
    assert rules_for([agent])[agent.pk].max_week_minutes == 24 * 60
    assert ScheduleRules.objects.get(agent=agent).history.first().history_user == planner
    page = client.get(reverse("staffing:rules")).content.decode()
    assert page.count('data-testid="agent-row"') == 1
    client.post(reverse("staffing:agent_rules_clear", args=[agent.pk]))
    assert rules_for([agent])[agent.pk].max_week_minutes == 32 * 60


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"earliest_start": "08:15"}, "earliest_start"),  # Rules.check: on the half hour
        ({"meal_break_minutes": "45"}, "meal_break_minutes"),  # Rules.check: whole half hours
        ({"min_hours_week": "40", "max_hours_week": "30"}, "min_hours_week"),
        ({"latest_end": "07:00"}, "latest_end"),
        ({"shift_lengths": "8,x"}, "shift_lengths"),
        ({"min_rest_hours": "5"}, "min_rest_hours"),
    ],
)
def test_bad_rules_are_refused_on_their_field(client, planner, front_team, bad, field):
    client.force_login(planner)
    r = client.post(reverse("staffing:team_rules", args=[front_team.pk]), GOOD | bad)
    assert r.status_code == 200
    assert field in r.context["form"].errors, r.context["form"].errors
    assert not ScheduleRules.objects.filter(team=front_team).exists()


def test_service_checks_with_the_solver_rules(planner, front_team):
    with pytest.raises(InvalidInput) as exc:
        services.schedule_rules_set(
            by=planner, team=front_team, values={"earliest_start": time(8, 10)}
        )
    assert "earliest_start" in exc.value.errors
    assert not ScheduleRules.objects.exists()


def test_supervisor_reads_rules_but_does_not_edit(client, supervisor, front_team, agent):
    client.force_login(supervisor)
    assert client.get(reverse("staffing:rules")).status_code == 200
    assert (
        client.post(reverse("staffing:team_rules", args=[front_team.pk]), GOOD).status_code == 403
    )
    assert client.post(reverse("staffing:agent_rules", args=[agent.pk]), GOOD).status_code == 403
    with pytest.raises(NotAllowed):
        services.schedule_rules_set(by=supervisor, team=front_team, values={})
    assert not ScheduleRules.objects.exists()


def test_rules_page_queries_are_constant(
    client, planner, front_team, other_team, back_team, django_assert_max_num_queries
):
    for i in range(3):
        a = make_user(Role.AGENT, username=f"o{i}", team=front_team)
        ScheduleRules.objects.create(agent=a)
    client.force_login(planner)
    client.get(reverse("staffing:rules"))
    with django_assert_max_num_queries(8):
        r = client.get(reverse("staffing:rules"))
    assert r.content.decode().count('data-testid="team-row"') == 3


# --- Holiday balances -----------------------------------------------------------------------


@pytest.fixture
def booked(agent, other_agent, back_agent):
    year = MON.year
    TimeOffAllowance.objects.create(agent=agent, year=year, days=Decimal(20))
    TimeOffAllowance.objects.create(agent=other_agent, year=year, days=Decimal(25))
    TimeOffAllowance.objects.create(agent=agent, year=year - 1, days=Decimal(99))
    for days, status in (
        (Decimal(2), "approved"),
        (Decimal("1.5"), "approved"),
        (Decimal(3), "requested"),
        (Decimal(4), "declined"),
    ):
        TimeOffRequest.objects.create(
            agent=agent, start=at(MON), end=at(MON, 9), kind="holiday", status=status, days=days
        )
    TimeOffRequest.objects.create(
        agent=agent, start=at(MON), end=at(MON, 9), kind="sick", status="approved", days=Decimal(1)
    )
    return year


def test_balances_aggregate(
    planner, agent, other_agent, back_agent, booked, django_assert_num_queries
):
    planner.has_role(Role.PLANNER)  # the user's roles, loaded once per request
    with django_assert_num_queries(1):
        rows = {u.username: u for u in sel.balances(planner, booked)}
    a = rows["agent"]
    assert (a.allowed, a.taken, a.pending, a.balance) == (
        Decimal(20),
        Decimal("3.5"),
        Decimal(3),
        Decimal("16.5"),
    )
    o = rows["otheragent"]
    assert (o.allowed, o.taken, o.pending, o.balance) == (Decimal(25), 0, 0, Decimal(25))
    assert rows["backagent"].allowed == 0
    assert sel.balance(agent, booked)["balance"] == a.balance  # the agent's own figure agrees


def test_balances_page(client, planner, supervisor, front_team, booked, django_assert_num_queries):
    client.force_login(planner)
    url = reverse("staffing:balances") + f"?year={booked}&team={front_team.pk}"
    client.get(url)
    with django_assert_num_queries(5):  # session, user, teams, count, page
        r = client.get(url)
    page = r.content.decode()
    assert page.count('data-testid="balance-row"') == 1 and "16.50 days" in page
    client.force_login(supervisor)  # their team only, read-only
    page = client.get(reverse("staffing:balances") + f"?year={booked}").content.decode()
    assert 'data-agent="agent"' in page and 'data-agent="otheragent"' not in page
    assert "Change allowance" not in page


def test_balances_export(client, hr, booked):
    client.force_login(hr)
    r = client.get(reverse("staffing:balances_export") + f"?year={booked}")
    body = b"".join(r.streaming_content).decode()
    assert "Balance (days)" in body and "16.5" in body
    r = client.get(reverse("staffing:balances_export") + f"?year={booked}&format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_allowance_edit(client, hr, planner, supervisor, agent, booked):
    client.force_login(hr)
    url = reverse("staffing:allowance_set")
    r = client.post(url, {"agent": agent.pk, "year": booked, "days": "22.5"})
    assert r.status_code == 302
    row = TimeOffAllowance.objects.get(agent=agent, year=booked)
    assert row.days == Decimal("22.5") and row.history.first().history_user == hr
    for bad in ("-1", "367", "abc", ""):
        client.post(url, {"agent": agent.pk, "year": booked, "days": bad})
        assert TimeOffAllowance.objects.get(agent=agent, year=booked).days == Decimal("22.5")
    client.force_login(supervisor)
    assert client.post(url, {"agent": agent.pk, "year": booked, "days": "1"}).status_code == 403
    with pytest.raises(InvalidInput):
        services.allowance_set(agent=agent, year=booked, days=Decimal("400"), by=planner)
    with pytest.raises(NotAllowed):
        services.allowance_set(agent=agent, year=booked, days=1, by=supervisor)
    assert TimeOffAllowance.objects.get(agent=agent, year=booked).days == Decimal("22.5")


# --- Claim-next: only cross-trained agents follow the scheduled office ----------------------


@pytest.fixture
def front_block(back_agent, claims_skill, call_skill, skilled, back_type, front_type):
    """A back-office agent scheduled on the front office now, with a front type anybody may
    take (no required skill) and a back-office case due first."""
    skilled(back_agent, claims_skill)
    now = timezone.now()
    Shift.objects.create(
        agent=back_agent, start=now - timedelta(hours=1), end=now + timedelta(hours=1),
        activity="front_office",
    )  # fmt: skip
    anyone = WorkType.objects.create(
        name="Web forms",
        office="front",
        channel="email",
        sla=timedelta(hours=8),
        standard_minutes=10,
    )
    case = WorkItem.objects.create(
        work_type=back_type, title="case", due_at=now + timedelta(minutes=5)
    )
    WorkItem.objects.create(work_type=anyone, title="form", due_at=now + timedelta(hours=3))
    return back_agent, case, anyone


def test_single_office_agent_gets_their_work_wherever_scheduled(front_block, back_type):
    agent, case, anyone = front_block
    both = [back_type.pk, anyone.pk]
    assert _in_scheduled_office(agent, both) == both
    assert workitem_claim_next(agent=agent) == case


def test_cross_trained_agent_follows_the_scheduled_office(
    front_block, back_type, call_skill, skilled
):
    agent, case, anyone = front_block
    skilled(agent, call_skill)
    types = [back_type.pk, anyone.pk]
    assert _in_scheduled_office(agent, types) == [anyone.pk]
    assert workitem_claim_next(agent=agent).title == "form"


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_saves_racing_make_one_row_each(front_team, supervisor, planner, agent, hr):
    """Two first saves of a team's switch, of its rules and of an allowance, at once: each
    ends as one row (the team or user row is locked first), nobody gets an error."""
    import threading

    from django.db import connection

    from tests.services import require_postgres

    require_postgres()
    year = timezone.localdate().year
    barrier = threading.Barrier(2)
    errors = []

    def worker(by, enabled, hours, days):
        try:
            barrier.wait()
            services.team_auto_approve_set(team=front_team, enabled=enabled, by=by)
            if by.has_role(Role.PLANNER):
                services.schedule_rules_set(
                    by=by, team=front_team, values={"max_hours_week": hours}
                )
            if by.has_role(Role.PLANNER, Role.HR):
                services.allowance_set(agent=agent, year=year, days=days, by=by)
        except Exception as exc:  # noqa: BLE001 (any error fails the test)
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(planner, True, 30, 20)),
        threading.Thread(
            target=worker, args=(make_user(Role.ADMIN, username="adm"), False, 36, 25)
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert TeamStaffingSettings.objects.filter(team=front_team).count() == 1
    assert ScheduleRules.objects.filter(team=front_team).count() == 1
    assert ScheduleRules.objects.get(team=front_team).max_hours_week in (30, 36)
    assert TimeOffAllowance.objects.filter(agent=agent, year=year).count() == 1
