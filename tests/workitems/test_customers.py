"""Customers are seen through their work (issue 20, findings 1 and 2).

1. The customer page, the journey and customer search show a customer's items only as far
   as ``WorkItem.objects.visible_to`` lets the reader open them one by one; a customer
   with no visible item is a 404 (page and API) and no search hit.
2. Naming a customer on new work does not unlock them: a customer whose work the requester
   cannot see is refused (400 naming the field, by id or by reference), and who may put
   work in another team's queue is one rule in ``workitem_create`` (API and CSV import).
"""

import pytest
from django.urls import reverse

from ccops.choices import Role
from tests.factories import make_user
from workitems import csv_io, services
from workitems.errors import NotAllowed
from workitems.models import Customer, WorkItem

pytestmark = pytest.mark.django_db
ITEMS = "/api/v1/workitems/"
SECRET = "Card 4242 blocked after fraud call"


def customers_url(customer=None, suffix=""):
    return f"/api/v1/customers/{f'{customer.pk}/' if customer else ''}{suffix}"


def page_url(customer):
    return reverse("workitems:customer_detail", kwargs={"pk": customer.pk})


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def shared(customer, make_item, back_type, back_agent, supervisor):
    """Alice has a new Front A call (every agent sees the open queue) and a Back A claim
    held by Back A's agent, with a note: the claim answers 404 to Front A's agent."""
    call = make_item(title="Where is my card")
    claim = make_item(work_type=back_type, title="Fraud claim")
    services.workitem_assign(item=claim, to=back_agent, by=supervisor)
    services.workitem_comment(item=claim, by=back_agent, note=SECRET)
    return call, claim


@pytest.fixture
def hidden(back_type, back_agent, supervisor):
    """Bob has only a Back A claim held by Back A's agent."""
    bob = Customer.objects.create(external_ref="C-2", name="Bob Hidden", email="bob@example.com")
    claim = services.workitem_create(work_type=back_type, title="Bob's claim", customer=bob)
    services.workitem_assign(item=claim, to=back_agent, by=supervisor)
    return bob


# --- 1. Reading customers ---------------------------------------------------------------


def test_journey_shows_an_agent_only_the_items_they_may_open(
    as_user, api_as, agent, supervisor, customer, shared
):
    call, claim = shared
    assert as_user(agent).get(f"/work/items/{claim.pk}/").status_code == 404  # the rule

    page = as_user(agent).get(page_url(customer))
    assert page.status_code == 200
    assert [e["item"].pk for e in page.context["journey"]] == [call.pk]
    text = page.content.decode()
    assert "Where is my card" in text
    assert "Fraud claim" not in text and SECRET not in text
    assert "1 front-office contact(s) · 0 back-office case(s)" in text

    body = api_as(agent).get(customers_url(customer, "journey/")).json()
    assert [e["item"]["id"] for e in body] == [call.pk]
    assert SECRET not in str(body)

    # The supervisor sees all work, so the whole journey.
    page = as_user(supervisor).get(page_url(customer))
    assert [e["item"].pk for e in page.context["journey"]] == [call.pk, claim.pk]
    body = api_as(supervisor).get(customers_url(customer, "journey/")).json()
    assert [e["item"]["id"] for e in body] == [call.pk, claim.pk]
    assert SECRET in [ev["note"] for ev in body[1]["events"]]


def test_customer_without_a_visible_item_is_404_and_no_search_hit(
    as_user, api_as, agent, other_agent, back_agent, supervisor, hidden, norole
):
    for user in (agent, other_agent, norole):
        assert as_user(user).get(page_url(hidden)).status_code == 404
    for user in (agent, other_agent):
        client = api_as(user)
        assert client.get(customers_url(hidden)).status_code == 404
        assert client.get(customers_url(hidden, "journey/")).status_code == 404
        for term in ("bob", "C-2", "bob@example.com"):
            assert client.get(customers_url(), {"search": term}).json()["count"] == 0
    # Who holds the claim, and the supervisor, find Bob.
    for user in (back_agent, supervisor):
        assert as_user(user).get(page_url(hidden)).status_code == 200
        found = api_as(user).get(customers_url(), {"search": "bob"}).json()
        assert [c["id"] for c in found["results"]] == [hidden.pk]
        assert api_as(user).get(customers_url(hidden)).json()["email"] == "bob@example.com"


def test_customer_with_no_work_is_404_for_everyone(as_user, api_as, supervisor, agent):
    lone = Customer.objects.create(external_ref="C-9", name="No Work Yet")
    for user in (supervisor, agent):
        assert as_user(user).get(page_url(lone)).status_code == 404
        assert api_as(user).get(customers_url(lone)).status_code == 404


def test_customer_list_queries_are_constant(api_as, agent, make_item, django_assert_num_queries):
    for i in range(4):
        make_item(customer=Customer.objects.create(external_ref=f"K-{i}", name=f"K {i}"))
    client = api_as(agent)
    # roles; count of customers with a visible item; the page of them
    with django_assert_num_queries(3):
        body = client.get(customers_url()).json()
    assert body["count"] == 4


# --- 2. Naming a customer on new work ---------------------------------------------------


def test_create_refuses_a_customer_the_requester_cannot_see(
    api_as, as_user, agent, front_type, hidden
):
    client = api_as(agent)
    by_id = client.post(ITEMS, {"work_type": front_type.pk, "title": "x", "customer": hidden.pk})
    assert by_id.status_code == 400 and "customer" in by_id.json()["errors"]
    by_ref = client.post(ITEMS, {"work_type": front_type.pk, "title": "x", "customer_ref": "C-2"})
    assert by_ref.status_code == 400 and "customer_ref" in by_ref.json()["errors"]
    # The same answer as for a customer that does not exist: no hint that Bob does.
    nobody = client.post(ITEMS, {"work_type": front_type.pk, "title": "x", "customer": 10**9})
    assert nobody.json()["errors"]["customer"] == [
        by_id.json()["errors"]["customer"][0].replace(str(hidden.pk), str(10**9))
    ]
    assert not WorkItem.objects.filter(title="x").exists()
    # Still locked.
    assert as_user(agent).get(page_url(hidden)).status_code == 404
    assert client.get(customers_url(hidden, "journey/")).status_code == 404


def test_create_names_a_visible_customer_or_a_new_one(
    api_as, agent, supervisor, front_type, customer, shared, hidden
):
    client = api_as(agent)
    seen = client.post(ITEMS, {"work_type": front_type.pk, "title": "Again", "customer_ref": "C-1"})
    assert seen.status_code == 201 and seen.json()["customer"] == customer.pk
    # A customer with no work at all: their first contact (nothing to unlock).
    new = Customer.objects.create(external_ref="C-3", name="Carol New")
    first = client.post(ITEMS, {"work_type": front_type.pk, "title": "Hi", "customer": new.pk})
    assert first.status_code == 201 and first.json()["customer_name"] == "Carol New"
    # The supervisor sees all work, so may name Bob.
    boss = api_as(supervisor).post(
        ITEMS, {"work_type": front_type.pk, "title": "For Bob", "customer": hidden.pk}
    )
    assert boss.status_code == 201
    assert WorkItem.objects.filter(customer=hidden).count() == 2


def test_agents_create_work_for_their_team_or_types_they_take(
    api_as,
    agent,
    supervisor,
    planner,
    qa,
    front_type,
    back_type,
    other_team,
    skilled,
    claims_skill,
):
    client = api_as(agent)
    other_queue = client.post(ITEMS, {"work_type": back_type.pk, "title": "Claim"})
    assert other_queue.status_code == 403 and "work_type" in other_queue.json()["errors"]
    named_team = client.post(
        ITEMS, {"work_type": front_type.pk, "title": "Call", "team": other_team.pk}
    )
    assert named_team.status_code == 403 and "team" in named_team.json()["errors"]
    assert WorkItem.objects.count() == 0
    own = client.post(ITEMS, {"work_type": front_type.pk, "title": "Call"})
    assert own.status_code == 201 and own.json()["team_name"] == "Front A"
    skilled(agent, claims_skill)  # now takes claims themselves
    taken = client.post(ITEMS, {"work_type": back_type.pk, "title": "Claim"})
    assert taken.status_code == 201 and taken.json()["team_name"] == "Back A"
    # Supervisors feed any team's queue (the API clients and CSV imports do).
    fed = api_as(supervisor).post(
        ITEMS, {"work_type": front_type.pk, "title": "Fed", "team": other_team.pk}
    )
    assert fed.status_code == 201 and fed.json()["team_name"] == "Front B"
    # The service holds the rule for every caller.
    with pytest.raises(NotAllowed):
        services.workitem_create(work_type=back_type, title="x", by=qa)
    item = services.workitem_create(work_type=back_type, title="Planned", by=planner)
    assert item.team == back_type.owning_team
    assert WorkItem.objects.count() == 4


def test_handoff_still_creates_the_other_teams_case(held_item, agent, back_type):
    case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type)
    assert case.team == back_type.owning_team and case.origin_id == held_item.pk


def test_csv_import_applies_the_same_rule(supervisor, agent, back_type, front_type):
    data = (
        b"external_ref,work_type,title,details,customer_ref,customer_name,priority,created_at\n"
        b"R-1,Claims,Water damage,,C-7,Dana Field,,\n"
    )
    refused = csv_io.import_csv(data=data, by=agent)
    assert not refused.ok and refused.created == 0
    assert "own team" in refused.errors[0].reasons[0]
    assert not WorkItem.objects.exists() and not Customer.objects.exists()
    report = csv_io.import_csv(data=data, by=supervisor)
    assert report.ok and report.created == 1
    assert WorkItem.objects.get().team == back_type.owning_team


def test_a_hostile_agent_cannot_reach_another_teams_customer(api_as, agent, front_type, hidden):
    """The finding as reported: name the customer on a new item, then read the journey."""
    make_user(Role.AGENT, username="x")  # an unrelated agent
    client = api_as(agent)
    client.post(ITEMS, {"work_type": front_type.pk, "title": "probe", "customer": hidden.pk})
    assert client.get(customers_url(hidden, "journey/")).status_code == 404
    assert "Bob's claim" not in str(client.get(customers_url(), {"search": "C-2"}).json())
