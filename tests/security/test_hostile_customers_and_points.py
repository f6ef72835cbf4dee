"""Issue 20, findings 1 to 3, per role, as a hostile user tried them.

1. Team B's customer gets a new item in the open queue, so team A's agent may open the
   customer: the journey (page and API) then shows that item only, not team B's held and
   done items with their notes; the other roles see the whole journey.
2. Naming team B's customer on a new item does not unlock them for team A's agent.
3. Goal and QA points to team B's agent: HR and admins (and QA, QA excellence); not team
   A's supervisor, not the roles that give no awards.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from workitems import services as work

pytestmark = pytest.mark.django_db
READERS = ("agent", "supervisor", "planner", "qa", "hr", "admin")


def _page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_journey_of_a_shared_customer_per_role(world):
    b = world.b
    queued = work.workitem_create(work_type=world.front_type, title="Queued B", customer=b.customer)
    work.workitem_comment(item=b.item, by=b.agent, note="Private note B")
    url = reverse("workitems:customer_detail", kwargs={"pk": b.customer.pk})
    everything = {queued.pk, b.item.pk, b.done.pk}
    for role in READERS:
        user = world.people[role]
        page = _page(user, url)
        body = _api(user).get(f"/api/v1/customers/{b.customer.pk}/journey/").json()
        shown = {e["item"]["id"] for e in body}
        if role == "agent":
            assert shown == {queued.pk}, role
            assert "Private note B" not in page.content.decode() + str(body)
            assert "Open B" not in page.content.decode()
        else:
            assert shown == everything, role
            assert "Private note B" in page.content.decode()
        assert {e["item"].pk for e in page.context["journey"]} == shown


def test_naming_team_bs_customer_does_not_unlock_it(world):
    b, agent = world.b, world.people["agent"]
    client = _api(agent)
    body = {"work_type": world.front_type.pk, "title": "probe", "customer": b.customer.pk}
    response = client.post("/api/v1/workitems/", body, format="json")
    assert response.status_code == 400 and "customer" in response.json()["errors"]
    assert client.get(f"/api/v1/customers/{b.customer.pk}/journey/").status_code == 404
    url = reverse("workitems:customer_detail", kwargs={"pk": b.customer.pk})
    assert _page(agent, url).status_code == 404


@pytest.mark.parametrize(
    "kind,expected",
    [
        # giver role -> status (the receiver is team B's agent; supervisor leads team A)
        ("goal_met", {"agent": 403, "supervisor": 403, "planner": 403, "qa": 403, "hr": 201}),
        ("qa_excellence", {"agent": 403, "supervisor": 403, "planner": 403, "qa": 201}),
    ],
)
def test_awards_to_team_bs_agent_per_role(world, kind, expected):
    receiver = world.b.agent
    for role, status in expected.items():
        data = {"agent": receiver.pk, "kind": kind, "reason": "Well done", "points": 10}
        response = _api(world.people[role]).post(
            "/api/v1/training/recognitions/", data, format="json"
        )
        assert response.status_code == status, (role, response.content)
    # The cap: one award of each kind a day, even from the admin after HR or QA.
    data = {"agent": receiver.pk, "kind": kind, "reason": "Again", "points": 10}
    again = _api(world.people["admin"]).post("/api/v1/training/recognitions/", data, format="json")
    assert again.status_code == 400
    # Team B's own supervisor may award their agent: past the team check, stopped by the cap.
    response = _api(world.other_supervisor).post(
        "/api/v1/training/recognitions/", data, format="json"
    )
    assert response.status_code == 400 and "agent" in response.json()["errors"]
