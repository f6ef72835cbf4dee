"""Adherence exceptions over the API and on the adherence page; alerts on the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staffing.models import AdherenceException, Shift
from workitems.services import presence_set

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db
API = "/api/v1/staffing/adherence-exceptions/"


def test_api_create_and_list(api_as, supervisor, agent, other_agent, planner):
    body = {"agent": agent.pk, "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:30:00Z"}
    bad = api_as(supervisor).post(API, {**body, "reason": ""}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    wrong = api_as(supervisor).post(
        API, {**body, "end": "2026-03-02T09:00:00Z", "reason": "x"}, format="json"
    )
    assert wrong.status_code == 400 and "end" in wrong.json()["errors"]
    other = api_as(supervisor).post(API, {**body, "agent": other_agent.pk, "reason": "x"})
    assert other.status_code == 403 and AdherenceException.objects.count() == 0
    made = api_as(supervisor).post(API, {**body, "reason": "Team meeting"}, format="json")
    assert made.status_code == 201, made.json()
    row = AdherenceException.objects.get()
    assert (row.agent, row.approved_by, row.reason) == (agent, supervisor, "Team meeting")
    assert made.json()["approved_by"] == supervisor.pk
    api_as(planner).post(API, {**body, "agent": other_agent.pk, "reason": "Coaching"})
    seen = {r["reason"] for r in api_as(supervisor).get(API).json()["results"]}
    assert seen == {"Team meeting"}  # not the other team's
    assert len(api_as(planner).get(API).json()["results"]) == 2
    assert api_as(agent).get(API).status_code == 403


def test_api_list_query_count(api_as, planner, agent, supervisor, django_assert_max_num_queries):
    for h in range(9, 14):
        AdherenceException.objects.create(
            agent=agent, start=at(MONDAY, h), end=at(MONDAY, h, 30), reason="r", approved_by=planner
        )
    client = api_as(planner)
    with django_assert_max_num_queries(6):
        assert len(client.get(API).json()["results"]) == 5


@pytest.fixture
def out_now(agent, supervisor):
    now = timezone.now()
    Shift.objects.create(
        agent=agent,
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=1),
        activity="front_office",
    )
    presence_set(agent=agent, state="casework", at=now - timedelta(minutes=20))
    return agent


def test_page_shows_alerts_and_records_exception(
    client, supervisor, out_now, django_assert_max_num_queries
):
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("staffing:adherence"))
    text = page.content.decode()
    assert 'data-testid="alert-count">1<' in text and "Casework" in text
    intraday = client.get(reverse("staffing:intraday")).content.decode()
    assert 'data-testid="alert-count">1<' in intraday
    board = client.get(reverse("workitems:presence_board")).content.decode()
    assert 'data-testid="alert-count">1<' in board and "Front office" in board
    now = timezone.localtime()
    start = (now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    end = (now + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        reverse("staffing:adherence"),
        {"agent": out_now.pk, "start": start, "end": start, "reason": "x"},
    )
    assert bad.status_code == 400 and "The end must be after the start." in bad.content.decode()
    ok = client.post(
        reverse("staffing:adherence"),
        {"agent": out_now.pk, "start": start, "end": end, "reason": "System outage"},
    )
    assert ok.status_code == 302 and AdherenceException.objects.get().reason == "System outage"
    text = client.get(reverse("staffing:adherence")).content.decode()
    assert 'data-testid="alert-count">0<' in text and "System outage" in text


def test_other_supervisor_sees_no_alert(client, other_agent, out_now):
    from ccops.choices import Role
    from tests.factories import make_user

    other_sup = make_user(Role.SUPERVISOR, username="sup2", team=other_agent.team)
    other_agent.team.supervisor = other_sup
    other_agent.team.save()
    client.force_login(other_sup)
    text = client.get(reverse("staffing:adherence")).content.decode()
    assert 'data-testid="alert-count">0<' in text
