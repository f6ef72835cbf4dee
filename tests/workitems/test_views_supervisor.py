"""Supervisor pages: the queue (filters, pages, bulk assign, live backlog, CSV export) and the
presence board."""

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Office, Role
from tests.factories import make_user
from tests.services import require_postgres
from workitems import selectors, services
from workitems.choices import EventKind, PresenceState, Status
from workitems.models import Customer, WorkItem
from workitems.views.supervisor import QUEUE_ROW_FIELDS

pytestmark = pytest.mark.django_db

QUEUE = reverse("workitems:queue")
EXPORT = reverse("workitems:queue_export")
BULK = reverse("workitems:bulk_assign")
BACKLOG = reverse("workitems:queue_backlog")
PRESENCE = reverse("workitems:presence_board")


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def rows(page: str) -> int:
    return page.count('data-testid="queue-row"')


@pytest.mark.parametrize("url", [QUEUE, EXPORT, BACKLOG, PRESENCE, reverse("workitems:import")])
@pytest.mark.parametrize("persona", ["agent", "qa", "planner", "norole"])
def test_supervisor_pages_refuse_other_roles(as_user, request, persona, url):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(url).status_code == 403


def test_bulk_assign_refuses_agents(as_user, agent, make_item):
    item = make_item()
    response = as_user(agent).post(BULK, {"items": [f"{item.pk}:1"], "agent": agent.pk})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.assignee is None


def test_supervisor_lands_on_the_queue_with_menu(as_user, supervisor):
    response = as_user(supervisor).get("/", follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    page = response.content.decode()
    for label in ("Queue", "Presence", "Import"):
        assert f">{label}</a>" in page


def test_queue_filters(as_user, supervisor, make_item, back_type, front_type, agent):
    now = timezone.now()
    make_item(title="Call late", created_at=now - timedelta(hours=2), customer=None)
    make_item(title="Call fresh", customer=None)
    make_item(work_type=back_type, title="Claim fresh", customer=None)
    done = make_item(title="Call done", customer=None)
    services.workitem_assign(item=done, to=agent, by=supervisor)
    services.workitem_complete(item=done, by=agent)
    client = as_user(supervisor)

    def titles(**params):
        page = client.get(QUEUE, params).content.decode()
        return {t for t in ("Call late", "Call fresh", "Claim fresh", "Call done") if t in page}

    assert titles() == {"Call late", "Call fresh", "Claim fresh"}  # open work by default
    assert titles(past_due="on") == {"Call late"}
    assert titles(office=Office.BACK) == {"Claim fresh"}
    assert titles(work_type=front_type.pk) == {"Call late", "Call fresh"}
    assert titles(team=back_type.owning_team_id) == {"Claim fresh"}
    assert titles(status=Status.DONE) == {"Call done"}
    assert titles(q="fresh") == {"Call fresh", "Claim fresh"}
    assert titles(q=f"#{done.pk}", status=Status.DONE) == {"Call done"}
    # A bad filter value is ignored rather than failing the page.
    assert client.get(QUEUE, {"team": "nope", "status": "weird"}).status_code == 200


def test_queue_paginates_by_50(as_user, supervisor, front_type):
    WorkItem.objects.bulk_create(
        [WorkItem(work_type=front_type, title=f"Bulk {i}") for i in range(61)]
    )
    client = as_user(supervisor)
    first = client.get(QUEUE).content.decode()
    assert rows(first) == 50 and "Page 1 of 2" in first
    second = client.get(QUEUE, {"page": 2, "office": "front"}).content.decode()
    assert rows(second) == 11
    assert "?office=front&amp;page=1" in second  # filters kept across pages


def test_bulk_assign_reports_what_worked_and_what_failed(
    as_user, supervisor, agent, other_agent, make_item
):
    fresh = make_item(title="A", customer=None)
    stale = make_item(title="B", customer=None)
    taken = make_item(title="C", customer=None)
    services.workitem_comment(item=stale, by=supervisor, note="changed since the page loaded")
    services.workitem_assign(item=taken, to=other_agent, by=supervisor)
    taken.refresh_from_db()
    response = as_user(supervisor).post(
        BULK,
        {
            "items": [f"{fresh.pk}:1", f"{stale.pk}:1", f"{taken.pk}:{taken.version}", "99999:1"],
            "agent": agent.pk,
            "next": f"{QUEUE}?office=front",
        },
    )
    assert response["Location"] == f"{QUEUE}?office=front"
    ok, failed = texts(response)
    assert ok == f"Assigned 2 item(s) to {agent}."
    assert failed.startswith("2 item(s) not assigned: ")
    assert f"#{stale.pk}: Item #{stale.pk} was changed by someone else" in failed
    assert "#99999: not found" in failed
    assert set(WorkItem.objects.filter(assignee=agent).values_list("title", flat=True)) == {
        "A",
        "C",
    }
    stale.refresh_from_db()
    assert stale.assignee is None


def test_bulk_assign_bad_input(as_user, supervisor, make_item, qa):
    item = make_item()
    client = as_user(supervisor)
    response = client.post(BULK, {"agent": qa.pk})
    assert "Tick the items to assign." in texts(response)[-1]
    # Only agents can be chosen: a QA user is not in the list.
    response = client.post(BULK, {"items": [f"{item.pk}:1"], "agent": qa.pk})
    assert texts(response)[-1].startswith("Assign ticked items to: Select a valid choice.")
    response = client.post(BULK, {"items": ["1;drop"], "agent": qa.pk})
    assert "Bad item reference" in texts(response)[-1]
    item.refresh_from_db()
    assert item.assignee is None


def test_queue_page_has_the_bulk_assign_and_live_backlog(as_user, supervisor, make_item, agent):
    item = make_item(created_at=timezone.now() - timedelta(hours=2))
    page = as_user(supervisor).get(QUEUE, {"team": item.team_id}).content.decode()
    assert f'value="{item.pk}:{item.version}" form="bulk-assign"' in page
    assert 'id="bulk-assign"' in page and f'value="{agent.pk}"' in page
    assert f'hx-get="{BACKLOG}?team={item.team_id}"' in page
    assert 'hx-trigger="livepoll"' in page and 'data-live-poll="3"' in page


def test_backlog_partial_counts(as_user, supervisor, make_item, back_type):
    make_item(created_at=timezone.now() - timedelta(hours=2), customer=None)
    make_item(customer=None)
    make_item(work_type=back_type, customer=None)
    page = as_user(supervisor).get(BACKLOG).content.decode()
    assert "<html" not in page and 'hx-trigger="livepoll"' in page
    calls = page.split("<td>Calls</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].split(">")[-1] for c in calls.split("<td")[2:6]]
    assert cells[:3] == ["2", "2", "1"]  # open, unassigned, past due
    assert cells[3].startswith("2 h")  # the oldest, in duration units
    assert page.count('data-testid="backlog-row"') == 2


def test_export_streams_the_filtered_queue(as_user, supervisor, make_item, back_type):
    customer = Customer.objects.create(external_ref="C-9", name="=HYPERLINK(evil)")
    late = make_item(
        title="Late call", created_at=timezone.now() - timedelta(hours=2), customer=customer
    )
    make_item(work_type=back_type, title="A claim", customer=None)
    response = as_user(supervisor).get(EXPORT, {"office": "front"})
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment; filename=" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    lines = list(csv.DictReader(io.StringIO(body)))
    assert [r["title"] for r in lines] == ["Late call"]
    row = lines[0]
    assert row["id"] == str(late.pk) and row["work_type"] == "Calls" and row["office"] == "front"
    assert row["past_due"] == "yes" and row["status"] == "new"
    assert row["customer_name"] == "'=HYPERLINK(evil)"  # no formula in a spreadsheet


def test_backlog_is_shared_briefly_and_says_when(
    as_user, supervisor, agent, make_item, monkeypatch
):
    assert selectors.BACKLOG_MAX_AGE_SECONDS == 2
    # Longer here, so a slow test machine cannot outlive the shared reading.
    monkeypatch.setattr(selectors, "BACKLOG_MAX_AGE_SECONDS", 60)
    first = make_item(customer=None)
    client = as_user(supervisor)
    page = client.get(BACKLOG).content.decode()
    assert "live · as of " in page and "shared between pages for up to 60 seconds" in page
    calls = page.split("<td>Calls</td>")[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in calls  # open
    make_item(customer=None)  # arrives within the shared reading's lifetime
    queue = client.get(QUEUE).content.decode()
    assert rows(queue) == 2  # the list itself is live
    assert "1 item(s) as of " in queue  # the count is the backlog's reading
    assert client.get(QUEUE, {"page": 2}).status_code == 200  # past that count: no 404
    assert client.get(QUEUE, {"page": 0}).status_code == 404
    # Assigning from the queue drops the shared reading: the supervisor sees the change.
    client.post(BULK, {"items": [f"{first.pk}:{first.version}"], "agent": agent.pk})
    page = client.get(BACKLOG).content.decode()
    calls = page.split("<td>Calls</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].split(">")[-1] for c in calls.split("<td")[2:5]]
    assert cells == ["2", "1", "0"]  # open, unassigned, past due


def test_queue_rows_show_each_items_cells(make_item, agent, supervisor):
    """A row per item: its tick box with the version, the link with the escaped, truncated
    title, customer, type, status badge, priority, holder, team, age and due time."""
    now = timezone.now()
    item = make_item(title="<b>Bold</b> " + "x" * 80)
    services.workitem_assign(item=WorkItem.objects.get(pk=item.pk), to=agent, by=supervisor)
    WorkItem.objects.filter(pk=item.pk).update(due_at=now - timedelta(hours=5))

    def rendered():
        items = list(
            WorkItem.objects.select_related("work_type", "assignee", "team", "customer").only(
                *QUEUE_ROW_FIELDS
            )
        )
        return render_to_string("workitems/_queue_rows.html", {"items": items, "now": now})

    html = rendered()
    item.refresh_from_db()
    assert "&lt;b&gt;Bold&lt;/b&gt; xxxx" in html and "<b>" not in html
    assert "…</a>" in html  # truncated at 60 characters
    assert f'value="{item.pk}:{item.version}" form="bulk-assign"' in html
    assert f'href="{reverse("workitems:item_detail", args=[item.pk])}"' in html
    assert f'<td data-testid="assignee">{agent}</td>' in html
    assert '<span class="badge text-bg-info" data-testid="status">Assigned</span>' in html
    assert "Alice Example" in html  # the customer
    assert "5\xa0hours past due" in html
    assert f"<td>{item.team.name}</td>" in html
    WorkItem.objects.update(customer=None, assignee=None, team=None)
    html = rendered()
    assert '<td data-testid="assignee">-</td>' in html and "<td>-</td>" in html
    assert "Alice Example" not in html
    empty = render_to_string("workitems/_queue_rows.html", {"items": [], "now": now})
    assert empty.count("No items match.") == 1


@pytest.mark.parametrize("n", [2, 30])
def test_queue_queries_are_constant(as_user, supervisor, make_item, n, django_assert_num_queries):
    for i in range(n):
        make_item(title=f"Q{i}")
    client = as_user(supervisor)
    # 1 the user (the session is in the cache), 2 their roles, 3 backlog aggregate (shared
    # for a few seconds; its open total is the item count), 4 teams (filter), 5 work types
    # (filter), 6 agents (bulk assign select), 7 the page's ids (off an index alone), 8 those
    # items (with type, assignee, team, customer)
    with django_assert_num_queries(8):
        response = client.get(QUEUE)
    assert rows(response.content.decode()) == n
    assert f"{n} item(s) as of " in response.content.decode()
    # The next load within the backlog's max age reuses it: the same 8 less the aggregate.
    with django_assert_num_queries(7):
        client.get(QUEUE)
    # With a team and a search: 1 the user, 2 roles, 3 the team (validates the filter),
    # 4 backlog of the team, 5 count (live, bounded: a search is not the backlog's rows),
    # 6 teams (its select), 7 work types, 8 agents of the team, 9 the page's ids, 10 its rows
    team_id = WorkItem.objects.values_list("team_id", flat=True).first()
    with django_assert_num_queries(10):
        response = client.get(QUEUE, {"team": team_id, "q": "Q1"})
    matches = 1 + sum(1 for i in range(n) if str(i).startswith("1") and i > 1)
    assert rows(response.content.decode()) == matches
    assert f"{matches} item(s)." in response.content.decode()


# --- Presence board ---------------------------------------------------------------------


@pytest.fixture
def crowd(front_team, back_team):
    people = []
    for i in range(6):
        team = front_team if i % 2 else back_team
        user = make_user(Role.AGENT, username=f"p{i}", team=team)
        state = PresenceState.AVAILABLE if i < 4 else PresenceState.BREAK
        services.presence_set(agent=user, state=state, at=timezone.now() - timedelta(minutes=i))
        people.append(user)
    return people


def test_presence_board_shows_both_offices_and_filters(as_user, supervisor, crowd, back_team):
    client = as_user(supervisor)
    page = client.get(PRESENCE).content.decode()
    assert page.count('data-testid="presence-row"') == 6
    assert "Front office" in page and "Back office" in page
    assert "Available: <strong>4</strong>" in page and "Break: <strong>2</strong>" in page
    assert 'hx-trigger="livepoll"' in page and 'data-live-poll="3"' in page
    back = client.get(PRESENCE, {"office": "back"}).content.decode()
    assert back.count('data-testid="presence-row"') == 3
    on_break = client.get(PRESENCE, {"state": "break"}).content.decode()
    assert on_break.count('data-testid="presence-row"') == 2
    team = client.get(PRESENCE, {"team": back_team.pk}).content.decode()
    assert team.count('data-testid="presence-row"') == 3


def test_presence_board_htmx_refresh_returns_the_table_only(as_user, supervisor, crowd):
    response = as_user(supervisor).get(PRESENCE, {"office": "front"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and page.count('data-testid="presence-row"') == 3
    assert f'hx-get="{PRESENCE}?office=front"' in page


def test_presence_board_refresh_is_shared_briefly(
    as_user, supervisor, crowd, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "PRESENCE_MAX_AGE_SECONDS", 60)
    client = as_user(supervisor)
    first = client.get(PRESENCE, {"office": "front"}, HTTP_HX_REQUEST="true").content
    # A second board polling the same filter and page: user and roles only, same table.
    with django_assert_num_queries(2):
        again = client.get(PRESENCE, {"office": "front"}, HTTP_HX_REQUEST="true").content
    assert again == first
    # Another filter is its own reading.
    back = client.get(PRESENCE, {"office": "back"}, HTTP_HX_REQUEST="true").content.decode()
    assert back.count('data-testid="presence-row"') == 3 and 'office=back"' in back


@pytest.mark.parametrize("n", [2, 20])
def test_presence_board_queries_are_constant(
    as_user, supervisor, front_team, n, django_assert_num_queries
):
    for i in range(n):
        user = make_user(Role.AGENT, username=f"q{i}", team=front_team)
        services.presence_set(agent=user, state=PresenceState.AVAILABLE)
    client = as_user(supervisor)
    # 1 user + team, 2 roles, 3 count, 4 page of presences (agent, team,
    # item), 5 counts by state, 6-7 the adherence alerts (staffing's registered source: the
    # supervisor's teams, the blocks scheduled now), 8 teams (filter)
    with django_assert_num_queries(8):
        response = client.get(PRESENCE)
    assert response.content.decode().count('data-testid="presence-row"') == n


@pytest.mark.parametrize("n", [2, 30])
def test_export_and_backlog_queries_are_constant(
    as_user, supervisor, make_item, back_type, n, django_assert_num_queries
):
    for i in range(n):
        make_item(title=f"E{i}", work_type=back_type if i % 2 else None)
    client = as_user(supervisor)
    # 1 user + team, 2 roles, 3 the rows, read in chunks from one cursor
    with django_assert_num_queries(3):
        body = b"".join(client.get(EXPORT).streaming_content)
    assert body.count(b"\n") == n + 1
    # 1 user + team, 2 roles, 3 the backlog aggregate
    with django_assert_num_queries(3):
        page = client.get(BACKLOG).content.decode()
    assert page.count('data-testid="backlog-row"') == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_assigns_never_lose_an_update(supervisor, front_team, make_item):
    """Two supervisors assign the same item from the same page at the same moment: exactly
    one wins, the other is told it changed; one assignment event, no lost update."""
    require_postgres()
    item = make_item()
    second = make_user(Role.SUPERVISOR, username="super2", team=front_team)
    targets = [make_user(Role.AGENT, username=f"t{i}", team=front_team) for i in range(2)]
    barrier = threading.Barrier(2)
    results = {}

    def post(n, who):
        client = Client()
        client.force_login(who)
        barrier.wait()
        response = client.post(
            BULK, {"items": [f"{item.pk}:{item.version}"], "agent": targets[n].pk}
        )
        results[n] = [str(m) for m in get_messages(response.wsgi_request)]
        connection.close()

    threads = [
        threading.Thread(target=post, args=(n, who)) for n, who in enumerate([supervisor, second])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(results.values())
    winners = [r for r in outcomes if r[0].startswith("Assigned 1 item(s)")]
    losers = [r for r in outcomes if "changed by someone else" in r[0]]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    item.refresh_from_db()
    assert winners[0][0] == f"Assigned 1 item(s) to {item.assignee}."
    assert item.events.filter(kind=EventKind.ASSIGNED).count() == 1
