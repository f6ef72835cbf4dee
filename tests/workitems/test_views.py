"""Agent and item pages: My work, the actions they post, the item page, the customer journey.

Supervisor pages (queue, bulk assign, export, presence board) are in test_views_supervisor.py.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Role
from tests.factories import make_user
from workitems import services, status_links
from workitems.choices import EventKind, PresenceState, Status
from workitems.models import AgentPresence, WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db

MY_WORK = reverse("workitems:my_work")


def action_url(item, action):
    return reverse("workitems:item_action", kwargs={"pk": item.pk, "action": action})


def item_url(item):
    return reverse("workitems:item_detail", kwargs={"pk": item.pk})


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("workitems:my_work", {}),
        ("workitems:queue", {}),
        ("workitems:presence_board", {}),
        ("workitems:import", {}),
        ("workitems:queue_export", {}),
        ("workitems:item_detail", {"pk": 1}),
        ("workitems:customer_detail", {"pk": 1}),
    ],
)
def test_anonymous_is_sent_to_login(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


@pytest.mark.parametrize("name", ["workitems:claim_next", "workitems:presence_set"])
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, name, agent):
    response = client.post(reverse(name), {"state": "break"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AgentPresence.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "qa", "norole"])
def test_my_work_is_for_agents_only(as_user, request, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(MY_WORK).status_code == 403
    assert as_user(user).post(reverse("workitems:claim_next")).status_code == 403


def test_agent_lands_on_my_work_and_sees_it_in_the_menu(as_user, agent):
    client = as_user(agent)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == MY_WORK
    nav = response.content.decode()
    assert "My work" in nav and ">Queue<" not in nav and ">Import<" not in nav


def test_item_page_hides_what_the_user_may_not_see(as_user, held_item, other_agent, norole):
    # other_agent is in another team: an item held by someone else is not theirs to see.
    assert as_user(other_agent).get(item_url(held_item)).status_code == 404
    assert as_user(norole).get(item_url(held_item)).status_code == 404
    response = as_user(other_agent).post(
        action_url(held_item, "complete"), {"version": held_item.version}
    )
    assert response.status_code == 404
    held_item.refresh_from_db()
    assert held_item.status == Status.ASSIGNED


def test_unknown_action_is_404(as_user, held_item, agent):
    response = as_user(agent).post(action_url(held_item, "explode"), {"version": 1})
    assert response.status_code == 404


def test_actions_only_accept_post(as_user, held_item, agent):
    assert as_user(agent).get(action_url(held_item, "complete")).status_code == 405


# --- My work ----------------------------------------------------------------------------


def test_next_item_then_done_leaves_the_queue(as_user, agent, skilled, make_item):
    skilled(agent)
    item = make_item(title="Where is my parcel")
    client = as_user(agent)
    page = client.get(MY_WORK).content.decode()
    assert 'data-testid="next-item"' in page and "Where is my parcel" not in page

    response = client.post(reverse("workitems:claim_next"))
    assert response.status_code == 302 and response["Location"] == MY_WORK
    assert f"Your next item: #{item.pk} Where is my parcel." in texts(response)
    item.refresh_from_db()
    assert (item.status, item.assignee) == (Status.ASSIGNED, agent)
    page = client.get(MY_WORK).content.decode()
    assert "Where is my parcel" in page and "Mark done" in page
    assert 'data-testid="next-item"' not in page

    response = client.post(
        action_url(item, "complete"),
        {"version": item.version, "note": "Told them it ships today", "next": MY_WORK},
    )
    assert response["Location"] == MY_WORK
    assert f"#{item.pk} is done." in texts(response)
    item.refresh_from_db()
    assert item.status == Status.DONE
    assert item.events.get(kind=EventKind.COMPLETED).note == "Told them it ships today"
    page = client.get(MY_WORK).content.decode()
    assert "Where is my parcel" not in page and 'data-testid="next-item"' in page


def test_next_item_with_nothing_waiting_says_so(as_user, agent):
    response = as_user(agent).post(reverse("workitems:claim_next"))
    assert "Nothing is waiting for your skills right now." in texts(response)


def test_my_work_shows_buddy_and_allowed_actions(as_user, agent, held_item, buddy):
    page = as_user(agent).get(MY_WORK).content.decode()
    assert f'data-testid="buddy">{buddy}<' in page
    # Assigned, front-office call: start, done, hand off, escalate; no pause before starting.
    for testid in ("form-start", "form-complete", "form-handoff", "form-escalate"):
        assert f'data-testid="{testid}"' in page
    assert 'data-testid="form-pend"' not in page
    assert f'name="version" value="{held_item.version}"' in page


def test_my_work_queue_lists_my_other_open_items(as_user, agent, supervisor, make_item):
    items = [make_item(title=f"Case {n}", customer=None) for n in range(3)]
    for item in items:
        services.workitem_assign(item=item, to=agent, by=supervisor)
    services.workitem_start(item=items[0], by=agent)
    page = as_user(agent).get(MY_WORK).content.decode()
    # The in-progress one is current; the other two wait in my queue with a Start button.
    current, queue = page.split('data-testid="my-queue"')
    assert "Case 0" in current and "Case 0" not in queue
    assert queue.count('data-testid="queue-item"') == 2
    assert "Case 1" in queue and "Case 2" in queue


def test_stale_page_says_changed_by_someone_else(as_user, agent, held_item, supervisor):
    services.workitem_comment(item=held_item, by=supervisor, note="customer called again")
    response = as_user(agent).post(
        action_url(held_item, "start"), {"version": held_item.version, "next": MY_WORK}
    )
    assert response["Location"] == MY_WORK
    assert any("changed by someone else" in t for t in texts(response))
    held_item.refresh_from_db()
    assert held_item.status == Status.ASSIGNED


def test_missing_version_is_refused_with_a_reload_message(as_user, agent, held_item):
    response = as_user(agent).post(action_url(held_item, "complete"), {"note": "x"})
    assert texts(response) == ["This page is out of date: reload it and try again."]
    held_item.refresh_from_db()
    assert held_item.status == Status.ASSIGNED


def test_pause_needs_a_note_and_then_pauses(as_user, agent, held_item):
    client = as_user(agent)
    item = services.workitem_start(item=held_item, by=agent)
    response = client.post(action_url(item, "pend"), {"version": item.version, "note": " "})
    assert texts(response) == ["Waiting for: This field is required."]
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    response = client.post(action_url(item, "pend"), {"version": item.version, "note": "docs"})
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert item.events.get(kind=EventKind.PENDING).note == "docs"
    # A paused item waits in my queue with a Resume button.
    assert "Resume" in client.get(MY_WORK).content.decode()


def test_handoff_creates_the_back_office_case(as_user, agent, held_item, back_type):
    response = as_user(agent).post(
        action_url(held_item, "handoff"),
        {"version": held_item.version, "work_type": back_type.pk, "note": "Needs a refund"},
    )
    case = WorkItem.objects.get(origin=held_item)
    assert (case.work_type, case.status, case.details) == (back_type, Status.NEW, "Needs a refund")
    assert f"handed off: back-office case #{case.pk} (Claims)" in texts(response)[0]
    held_item.refresh_from_db()
    assert held_item.status == Status.DONE


def test_handoff_to_a_front_office_type_is_refused(as_user, agent, held_item, front_type):
    response = as_user(agent).post(
        action_url(held_item, "handoff"), {"version": held_item.version, "work_type": front_type.pk}
    )
    assert "Back-office work type" in texts(response)[0]
    assert not WorkItem.objects.filter(origin=held_item).exists()


def test_no_handoff_for_back_office_work(
    as_user, back_agent, skilled, claims_skill, back_type, make_item
):
    skilled(back_agent, claims_skill)
    case = make_item(work_type=back_type, customer=None)
    services.workitem_claim_next(agent=back_agent)
    page = as_user(back_agent).get(MY_WORK).content.decode()
    assert f"#{case.pk}" in page and 'data-testid="form-handoff"' not in page


def test_escalate_to_buddy(as_user, agent, held_item, buddy):
    response = as_user(agent).post(
        action_url(held_item, "escalate"),
        {"version": held_item.version, "note": "angry", "next": MY_WORK},
    )
    assert response["Location"] == MY_WORK
    assert texts(response) == [f"#{held_item.pk} escalated to your buddy {buddy}."]
    held_item.refresh_from_db()
    assert (held_item.status, held_item.assignee) == (Status.ESCALATED, buddy)


def test_escalate_without_buddy_is_a_clear_message(as_user, agent, held_item):
    response = as_user(agent).post(action_url(held_item, "escalate"), {"version": 2})
    assert texts(response) == ["You have no buddy to escalate to; ask your supervisor."]


def test_only_the_holder_acts(as_user, held_item, front_team):
    teammate = make_user(Role.AGENT, username="mate", team=front_team)
    response = as_user(teammate).post(
        action_url(held_item, "complete"), {"version": held_item.version}
    )
    assert texts(response) == [f"Item #{held_item.pk} is not yours: only its assignee can do this."]
    held_item.refresh_from_db()
    assert held_item.status == Status.ASSIGNED


def test_presence_self_set_states_only(as_user, agent):
    client = as_user(agent)
    response = client.post(reverse("workitems:presence_set"), {"state": "break"})
    assert texts(response) == ["Your state is now: Break."]
    assert AgentPresence.objects.get(agent=agent).state == PresenceState.BREAK
    response = client.post(reverse("workitems:presence_set"), {"state": "on_contact"})
    assert texts(response)[-1].startswith("My state: Select a valid choice.")
    assert AgentPresence.objects.get(agent=agent).state == PresenceState.BREAK
    assert "Break" in client.get(MY_WORK).content.decode()


# --- Item page --------------------------------------------------------------------------


def test_item_page_details_timeline_links_and_status_link(
    as_user, supervisor, agent, held_item, back_type
):
    case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type, note="refund")
    client = as_user(supervisor)
    page = client.get(item_url(held_item)).content.decode()
    assert f'Handed off to case <a href="{item_url(case)}">#{case.pk}' in page
    assert page.count('data-testid="event"') == held_item.events.count() == 3
    assert "Assigned &rarr; Done" in page  # from -> to on the hand-off event
    assert "Alice Example" in page
    case_page = client.get(item_url(case)).content.decode()
    assert f'Handed off from contact <a href="{item_url(held_item)}">#{held_item.pk}' in case_page
    assert "/work/status/" in case_page
    # The link on the page is a working signed link to this item.
    token = case_page.split("/work/status/")[1].split("/")[0]
    assert status_links.read_token(token) == case.pk


def test_item_page_past_due(as_user, supervisor, make_item):
    item = make_item(created_at=timezone.now() - timedelta(hours=3))
    page = as_user(supervisor).get(item_url(item)).content.decode()
    assert 'data-testid="past-due"' in page and "past due" in page


def test_supervisor_assigns_from_suggestions(as_user, supervisor, make_item, skilled, front_team):
    a1 = skilled(make_user(Role.AGENT, username="a1", team=front_team), level=2)
    a2 = skilled(make_user(Role.AGENT, username="a2", team=front_team), level=4)
    unskilled = make_user(Role.AGENT, username="a3", team=front_team)
    item = make_item()
    client = as_user(supervisor)
    page = client.get(item_url(item)).content.decode()
    suggestions = page.split('data-testid="suggestions"')[1].split("</ul>")[0]
    assert suggestions.index("A2") < suggestions.index("A1")  # more skilled first
    assert str(unskilled) not in suggestions
    response = client.post(action_url(item, "assign"), {"version": item.version, "agent": a1.pk})
    assert texts(response) == [f"#{item.pk} assigned to {a1}."]
    item.refresh_from_db()
    assert (item.status, item.assignee) == (Status.ASSIGNED, a1)
    assert a2  # ranked but not chosen


def test_agents_cannot_assign(as_user, agent, make_item, other_agent):
    item = make_item()
    page = as_user(agent).get(item_url(item)).content.decode()
    assert 'data-testid="assign"' not in page
    response = as_user(agent).post(
        action_url(item, "assign"), {"version": item.version, "agent": other_agent.pk}
    )
    assert texts(response) == ["Only a supervisor can assign work to someone."]
    item.refresh_from_db()
    assert item.assignee is None


def test_supervisor_merges_a_flagged_duplicate(as_user, supervisor, make_item):
    original = make_item(title="Refund")
    dup = make_item(title="Refund again")
    assert dup.is_duplicate_suspect and dup.duplicate_of == original
    client = as_user(supervisor)
    assert 'data-testid="merge"' in client.get(item_url(dup)).content.decode()
    response = client.post(action_url(dup, "merge"), {"version": dup.version})
    assert response["Location"] == item_url(original)
    dup.refresh_from_db()
    assert dup.status == Status.MERGED
    assert WorkItemEvent.objects.filter(item=original, kind=EventKind.COMMENTED).exists()


def test_merge_with_a_stale_page_is_refused(as_user, supervisor, make_item):
    make_item(title="Refund")
    dup = make_item(title="Refund again")
    response = as_user(supervisor).post(action_url(dup, "merge"), {"version": dup.version + 1})
    assert "changed by someone else" in texts(response)[0]
    dup.refresh_from_db()
    assert dup.status == Status.NEW


def test_reopen_a_done_item(as_user, agent, held_item):
    services.workitem_complete(item=held_item, by=agent)
    held_item.refresh_from_db()
    client = as_user(agent)
    assert 'data-testid="reopen"' in client.get(item_url(held_item)).content.decode()
    response = client.post(
        action_url(held_item, "reopen"), {"version": held_item.version, "note": "not fixed"}
    )
    assert texts(response) == [f"#{held_item.pk} is reopened and back in the queue."]
    held_item.refresh_from_db()
    assert (held_item.status, held_item.reopen_count) == (Status.NEW, 1)


def test_reopen_an_open_item_is_a_clear_error(as_user, agent, held_item):
    response = as_user(agent).post(action_url(held_item, "reopen"), {"version": held_item.version})
    assert texts(response) == [f"Cannot reopen item #{held_item.pk}: it is assigned."]


def test_comment_and_empty_comment(as_user, qa, held_item):
    client = as_user(qa)
    response = client.post(action_url(held_item, "comment"), {"version": 1, "note": "Nice call"})
    assert texts(response) == ["Comment added."]
    assert held_item.events.filter(kind=EventKind.COMMENTED, note="Nice call").exists()
    response = client.post(action_url(held_item, "comment"), {"version": 1, "note": ""})
    assert texts(response)[-1] == "Comment: This field is required."


# --- Customer journey -------------------------------------------------------------------


def test_customer_journey_across_offices(as_user, supervisor, agent, held_item, back_type):
    case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type)
    url = reverse("workitems:customer_detail", kwargs={"pk": held_item.customer_id})
    page = as_user(supervisor).get(url).content.decode()
    assert "1 front-office contact(s) · 1 back-office case(s) · 1 hand-off(s) · 1 open" in page
    assert page.index(f'id="item-{held_item.pk}"') < page.index(f'id="item-{case.pk}"')
    assert f'handed off to case <a href="#item-{case.pk}">' in page
    assert f'from contact <a href="#item-{held_item.pk}">' in page
    assert 'data-office="front"' in page and 'data-office="back"' in page


def test_customer_page_for_agents_needs_a_visible_item(
    as_user, agent, other_agent, held_item, norole
):
    url = reverse("workitems:customer_detail", kwargs={"pk": held_item.customer_id})
    assert as_user(agent).get(url).status_code == 200
    assert as_user(other_agent).get(url).status_code == 404
    assert as_user(norole).get(url).status_code == 404


# --- Query counts -----------------------------------------------------------------------


def _hold_items(agent, supervisor, make_item, n):
    for i in range(n):
        item = make_item(title=f"Item {i}", customer=None)
        services.workitem_assign(item=item, to=agent, by=supervisor)


@pytest.mark.parametrize("n", [3, 12])
def test_my_work_queries_are_constant(
    as_user, agent, supervisor, make_item, buddy, n, django_assert_num_queries
):
    _hold_items(agent, supervisor, make_item, n)
    client = as_user(agent)
    # 1 user + team, 2 roles, 3 current item, 4 its notes (no customer: no history), 5 my
    # queue count, 6 my queue page, 7 buddy pairing, 8 my presence, 9 back-office types
    # (hand-off select)
    with django_assert_num_queries(9):
        response = client.get(MY_WORK)
    assert response.content.decode().count('data-testid="queue-item"') == n - 1


@pytest.mark.parametrize("n", [2, 10])
def test_item_page_queries_are_constant(
    as_user, supervisor, agent, skilled, make_item, n, django_assert_num_queries
):
    skilled(agent)
    item = make_item()
    earlier = make_item(title="Earlier contact")
    WorkItem.objects.filter(pk=item.pk).update(duplicate_of=earlier, related_to=earlier)
    for i in range(n):
        services.workitem_comment(item=item, by=agent, note=f"note {i}")
    client = as_user(supervisor)
    # 1 user + team, 2 roles, 3 the item with type, customer and people,
    # 4 events with people, 5 items it points at and that point at it, 6 its e-mail
    # attachments, 7 suggested agents' load and state, 8 the suggested agents, 9 agents for
    # the assign select
    with django_assert_num_queries(9):
        response = client.get(item_url(item))
    page = response.content.decode()
    assert page.count('data-testid="event"') == n + 1
    assert f'Possible duplicate of <a href="{item_url(earlier)}">#{earlier.pk} Earlier' in page
    assert f'Continues <a href="{item_url(earlier)}">#{earlier.pk} Earlier contact' in page
    suggestions = response.context["suggestions"]
    assert [s["agent"] for s in suggestions] == [agent]
    assert suggestions[0]["skill_level"] >= 1


@pytest.mark.parametrize("n", [1, 8])
def test_customer_page_queries_are_constant(
    as_user, supervisor, agent, skilled, make_item, back_type, n, django_assert_num_queries
):
    skilled(agent)
    for i in range(n):
        make_item(title=f"Call {i}")
        contact = services.workitem_claim_next(agent=agent)
        services.workitem_handoff(item=contact, by=agent, work_type=back_type)
    client = as_user(supervisor)
    url = reverse("workitems:customer_detail", kwargs={"pk": contact.customer_id})
    # 1 user + team, 2 roles, 3 customer, 4 items with type/people/links,
    # 5 their events
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.decode().count('data-testid="journey-item"') == 2 * n


def test_templates_have_no_inline_scripts_or_handlers():
    """A later issue adds a CSP without 'unsafe-inline': behaviour lives in static files."""
    folder = Path(settings.BASE_DIR) / "templates" / "workitems"
    for path in folder.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"\son[a-z]+\s*=", text), path.name
        assert "style=" not in text, path.name
