"""Shift trades: offer, take (with the taker's checks), approve (the day's blocks move),
decline, withdraw, auto-approval, the API and the pages, and two takers racing (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from ccops.choices import Role
from ccops.notification_models import Notification
from staffing import services
from staffing.errors import Conflict, InvalidInput, NotAllowed
from staffing.models import ScheduleRules, Shift, ShiftTrade, TimeOffRequest
from tests.factories import make_back_type, make_front_type, make_user
from tests.services import require_postgres

from .test_time_off import MON, at

TUE = MON + timedelta(days=1)


@pytest.fixture
def day(agent, call_skill, claims_skill, skilled, front_team, back_team):
    """The agent's Tuesday: 09:00-13:00 front office, a 30-minute break, 13:30-17:30."""
    make_front_type(front_team, call_skill)
    make_back_type(back_team, claims_skill)
    skilled(agent, call_skill)
    blocks = [
        Shift.objects.create(agent=agent, start=at(TUE, 9), end=at(TUE, 13), activity=act)
        if act != "break"
        else Shift.objects.create(agent=agent, start=at(TUE, 13), end=at(TUE, 13, 30), activity=act)
        for act in ("front_office", "break")
    ]
    blocks.append(
        Shift.objects.create(
            agent=agent, start=at(TUE, 13, 30), end=at(TUE, 17, 30), activity="front_office"
        )
    )
    return blocks


@pytest.fixture
def taker(front_team, call_skill, skilled):
    return skilled(make_user(Role.AGENT, username="taker", team=front_team), call_skill)


@pytest.fixture
def offer(day, agent):
    return services.trade_offer(shift=day[0], by=agent)


def test_offer_spans_the_working_day(offer, day):
    assert (offer.start, offer.end, offer.status) == (at(TUE, 9), at(TUE, 17, 30), "offered")
    assert offer.office_activity == "front_office"


def test_offer_refusals(day, agent, taker, offer):
    with pytest.raises(NotAllowed):
        services.trade_offer(shift=day[2], by=taker)
    with pytest.raises(Conflict):
        services.trade_offer(shift=day[2], by=agent)  # the same day again
    past = Shift.objects.create(
        agent=agent, start=at(MON - timedelta(days=30), 9), end=at(MON - timedelta(30), 17),
        activity="front_office",
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        services.trade_offer(shift=past, by=agent)
    with pytest.raises(InvalidInput):
        services.trade_offer(shift=day[1], by=agent)  # a break
    assert ShiftTrade.objects.count() == 1


def test_take_then_supervisor_approves_and_blocks_move(offer, taker, supervisor, agent, day):
    services.trade_take(trade=offer, by=taker)
    offer.refresh_from_db()
    assert (offer.status, offer.taken_by) == ("taken", taker)
    services.trade_approve(trade=offer, by=supervisor)
    offer.refresh_from_db()
    assert (offer.status, offer.decided_by) == ("approved", supervisor)
    assert set(
        Shift.objects.filter(pk__in=[b.pk for b in day]).values_list("agent", flat=True)
    ) == {taker.pk}
    assert not Shift.objects.filter(agent=agent).exists()
    assert Notification.objects.filter(user__in=[agent, taker]).count() == 2


@pytest.mark.parametrize("problem", ["skills", "overlap", "rest", "hours", "time_off"])
def test_taker_checks(offer, taker, back_agent, claims_skill, skilled, problem):
    who = taker
    if problem == "skills":
        who = skilled(back_agent, claims_skill)
    elif problem == "overlap":
        Shift.objects.create(agent=taker, start=at(TUE, 16), end=at(TUE, 20), activity="training")
    elif problem == "rest":
        Shift.objects.create(agent=taker, start=at(MON, 16), end=at(TUE), activity="front_office")
    elif problem == "hours":
        ScheduleRules.objects.create(agent=taker, min_hours_week=0, max_hours_week=10)
        Shift.objects.create(
            agent=taker, start=at(MON + timedelta(3), 9), end=at(MON + timedelta(3), 13),
            activity="front_office",
        )  # fmt: skip
    else:
        TimeOffRequest.objects.create(
            agent=taker, start=at(TUE), end=at(TUE, 12), kind="sick", status="approved"
        )
    with pytest.raises(InvalidInput) as err:
        services.trade_take(trade=offer, by=who)
    assert problem in err.value.errors
    offer.refresh_from_db()
    assert (offer.status, offer.taken_by) == ("offered", None)


def test_take_own_and_second_take_refused(offer, agent, taker, front_team, call_skill, skilled):
    with pytest.raises(InvalidInput):
        services.trade_take(trade=offer, by=agent)
    services.trade_take(trade=offer, by=taker)
    second = skilled(make_user(Role.AGENT, username="late", team=front_team), call_skill)
    with pytest.raises(Conflict):
        services.trade_take(trade=offer, by=second)


def test_decide_refusals_and_decline(offer, taker, agent, other_team, supervisor, day):
    services.trade_take(trade=offer, by=taker)
    other = make_user(Role.SUPERVISOR, username="os", team=other_team)
    other_team.supervisor = other
    other_team.save()
    for by in (other, taker, agent):
        with pytest.raises(NotAllowed):
            services.trade_approve(trade=offer, by=by)
    with pytest.raises(InvalidInput):
        services.trade_decline(trade=offer, by=supervisor, reason="")
    services.trade_decline(trade=offer, by=supervisor, reason="Keep the pair")
    offer.refresh_from_db()
    assert (offer.status, offer.reason) == ("declined", "Keep the pair")
    assert Shift.objects.filter(agent=agent).count() == 3
    with pytest.raises(Conflict):
        services.trade_approve(trade=offer, by=supervisor)


def test_withdraw_by_the_offerer_only(offer, agent, taker):
    with pytest.raises(NotAllowed):
        services.trade_cancel(trade=offer, by=taker)
    services.trade_cancel(trade=offer, by=agent)
    offer.refresh_from_db()
    assert offer.status == "cancelled"
    with pytest.raises(Conflict):
        services.trade_take(trade=offer, by=taker)


def test_auto_approval_moves_the_day_on_take(settings, offer, taker, day):
    settings.STAFFING_AUTO_APPROVE = True
    services.trade_take(trade=offer, by=taker)
    offer.refresh_from_db()
    assert (offer.status, offer.auto_approved) == ("approved", True)
    assert Shift.objects.filter(agent=taker).count() == 3


# --- API ------------------------------------------------------------------------------------

URL = "/api/v1/staffing/shift-trades/"


def test_api_offer_take_approve(api_as, day, agent, taker, supervisor):
    r = api_as(agent).post(URL, {"shift": day[0].pk}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = api_as(taker).post(f"{URL}{pk}/take/")
    assert r.status_code == 200 and r.json()["status"] == "taken", r.content
    assert api_as(taker).post(f"{URL}{pk}/approve/").status_code == 403
    r = api_as(supervisor).post(f"{URL}{pk}/approve/", {"reason": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert Shift.objects.filter(agent=taker).count() == 3


def test_api_offer_of_someone_elses_shift_is_a_400(api_as, day, taker):
    r = api_as(taker).post(URL, {"shift": day[0].pk}, format="json")
    assert r.status_code == 400 and "shift" in str(r.json())
    assert not ShiftTrade.objects.exists()


# --- Pages ----------------------------------------------------------------------------------


def test_pages_offer_take_approve(client, day, agent, taker, supervisor):
    client.force_login(agent)
    client.post(reverse("staffing:trade_offer"), {"shift": day[0].pk})
    trade = ShiftTrade.objects.get()
    client.force_login(taker)
    page = client.get(reverse("staffing:my_schedule")).content.decode()
    assert page.count('data-testid="open-offer"') == 1
    client.post(reverse("staffing:trade_take", args=[trade.pk]))
    client.force_login(supervisor)
    page = client.get(reverse("staffing:time_off")).content.decode()
    assert page.count('data-testid="pending-trade"') == 1
    client.post(reverse("staffing:trade_approve", args=[trade.pk]), {"reason": ""})
    trade.refresh_from_db()
    assert trade.status == "approved"
    assert Shift.objects.filter(agent=taker).count() == 3


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_takers_racing_one_wins(
    agent, supervisor, front_team, call_skill, claims_skill, skilled, back_team
):
    require_postgres()
    make_front_type(front_team, call_skill)
    skilled(agent, call_skill)
    shift = Shift.objects.create(
        agent=agent, start=at(TUE, 9), end=at(TUE, 17), activity="front_office"
    )
    trade = services.trade_offer(shift=shift, by=agent)
    takers = [
        skilled(make_user(Role.AGENT, username=f"t{i}", team=front_team), call_skill)
        for i in (1, 2)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(user):
        try:
            barrier.wait()
            services.trade_take(trade=ShiftTrade.objects.get(pk=trade.pk), by=user)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    trade.refresh_from_db()
    assert trade.status == "taken" and trade.taken_by in takers
    services.trade_approve(trade=trade, by=supervisor)
    assert Shift.objects.get(pk=shift.pk).agent_id == trade.taken_by_id
