"""The wallboard (a TV page per office) and the polled partials of the pages that update
themselves: what they show, who may open them, and what a poll costs once warm."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccops.dashboards.live import wallboard, wallboard_snapshot
from contacts.models import Contact
from contacts.services import source_create
from tests.factories import make_back_type, make_front_type
from workitems.choices import PresenceState, Status
from workitems.models import AgentPresence, WorkItem

pytestmark = pytest.mark.django_db


def _item(work_type, team, *, status=Status.NEW, age=timedelta(0), due_in=None):
    now = timezone.now()
    due = now + due_in if due_in is not None else now + work_type.sla
    return WorkItem.objects.create(
        work_type=work_type,
        team=team,
        title="t",
        status=status,
        created_at=now - age,
        due_at=due,
        at_risk_at=due - timedelta(hours=1),
    )


@pytest.fixture
def floor(front_team, back_team, agent, back_agent):
    calls = make_front_type(front_team, None, sla_answer_seconds=20)
    claims = make_back_type(back_team, None)
    minutes_today = timezone.localtime().hour * 60 + timezone.localtime().minute
    _item(calls, front_team, age=timedelta(seconds=90))
    _item(calls, front_team)
    _item(calls, front_team, status=Status.DONE)
    _item(claims, back_team, status=Status.ASSIGNED, due_in=-timedelta(hours=1))
    _item(claims, back_team, due_in=timedelta(minutes=30))
    _item(claims, back_team, due_in=timedelta(days=3))
    AgentPresence.objects.create(agent=agent, state=PresenceState.AVAILABLE)
    AgentPresence.objects.create(agent=back_agent, state=PresenceState.CASEWORK)
    source, _ = source_create(name="acd")
    now = timezone.now()
    offered = now - timedelta(minutes=min(10, max(minutes_today - 1, 0)), seconds=30)
    # Answered after 10 s (in target) and 40 s (not): service level 50 %, ASA 25 s.
    for n, wait in enumerate((10, 40)):
        Contact.objects.create(
            source=source,
            contact_id=f"c{n}",
            queue=calls,
            offered_at=offered,
            answered_at=offered + timedelta(seconds=wait),
            wait_seconds=wait,
        )
    return calls, claims


def test_front_office_wallboard_per_queue(floor):
    calls, _ = floor
    board = wallboard(office="front")
    [queue] = board.queues
    assert (queue["name"], queue["waiting"], queue["open_count"]) == (calls.name, 2, 2)
    assert 85 <= queue["longest_wait_seconds"] <= 120
    assert queue["service_level"] == 0.5 and queue["asa_seconds"] == 25
    assert board.states == [{"state": "available", "label": "Available", "count": 1}]
    assert board.casework == []


def test_back_office_wallboard_per_casework_type(floor):
    _, claims = floor
    board = wallboard(office="back")
    [row] = board.casework
    assert row["name"] == claims.name
    assert (row["due_today"] >= 1, row["at_risk"], row["past_due"], row["open_count"]) == (
        True,
        1,
        1,
        3,
    )
    assert board.states[0]["label"] == "Casework" and board.queues == []


def test_queue_without_contacts_says_no_data(front_team):
    make_front_type(front_team, None)
    [queue] = wallboard(office="front").queues
    assert queue["service_level"] is None and queue["asa_seconds"] is None


def test_wallboard_page_shows_labels_not_codes(client, supervisor, floor):
    calls, claims = floor
    client.force_login(supervisor)
    page = client.get(reverse("dashboard:wallboard", args=["front"])).content.decode()
    assert calls.name in page and "50 %" in page and ">25 s<" in page
    assert "Available" in page and 'data-live-poll="3"' in page and 'hx-trigger="livepoll"' in page
    assert 'data-bs-theme="dark"' in page and "<script>" not in page
    back = client.get(reverse("dashboard:wallboard", args=["back"])).content.decode()
    assert claims.name in back and "Casework" in back
    default = client.get(reverse("dashboard:wallboard_front"))
    assert calls.name in default.content.decode()


def test_unknown_office_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("dashboard:wallboard", args=["middle"])).status_code == 404
    assert client.get(reverse("dashboard:wallboard_partial", args=["x"])).status_code == 404


@pytest.mark.parametrize(
    "name,args", [("wallboard", ["front"]), ("wallboard_partial", ["back"]), ("today_tiles", [])]
)
def test_agents_and_no_role_are_refused(client, agent, norole, name, args):
    url = reverse(f"dashboard:{name}", args=args)
    for user in (agent, norole):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_qa_hr_planner_admin_may_read(client, qa, hr, planner, admin_user, floor):
    for user in (qa, hr, planner, admin_user):
        client.force_login(user)
        assert client.get(reverse("dashboard:wallboard_partial", args=["front"])).status_code == 200


def test_partial_is_one_cache_read_when_warm(
    client, supervisor, floor, django_assert_num_queries, longer_live_readings
):
    client.force_login(supervisor)
    url = reverse("dashboard:wallboard_partial", args=["front"])
    # Cold: user, roles + work types (and their time zones, for due today), the queues'
    # time zones, contacts, agents by state.
    with django_assert_num_queries(7):
        cold = client.get(url)
    # Warm: user and roles only; the aggregate comes from the cache.
    with django_assert_num_queries(2):
        warm = client.get(url)
    assert "<html" not in warm.content.decode()
    assert cold.content == warm.content


def test_shared_snapshot_shows_a_change_after_its_age(floor, front_team):
    calls, _ = floor
    first = wallboard_snapshot(office="front")
    _item(calls, front_team)
    assert wallboard_snapshot(office="front") is not None
    assert wallboard_snapshot(office="front").queues[0]["waiting"] == first.queues[0]["waiting"]
    assert wallboard(office="front").queues[0]["waiting"] == first.queues[0]["waiting"] + 1


def test_today_tiles_partial_warm_is_cheap(
    client, supervisor, floor, django_assert_num_queries, longer_live_readings
):
    client.force_login(supervisor)
    url = reverse("dashboard:today_tiles")
    # user, roles, teams + tiles (the queues' time zones, open items per office, service
    # level: the measured queues' time zones and the aggregate, agents by state); warm:
    # user, roles, teams (the team selection), no aggregate.
    with django_assert_num_queries(8):
        client.get(url, {"team": "all"})
    with django_assert_num_queries(3):
        page = client.get(url, {"team": "all"}).content.decode()
    assert 'id="today-tiles"' in page and "<html" not in page
    assert 'hx-get="/dashboard/today/?team=all"' in page
