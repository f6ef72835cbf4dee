"""The work item API: permissions per role, filters, query counts, idempotent create, edits
with versions and every action endpoint's success and refusal (400/403/404/409 JSON)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from ccops.choices import Role
from ccops.models import User
from tests.factories import make_user
from workitems import services
from workitems.choices import EventKind, PresenceState, Source, Status
from workitems.models import AgentPresence, Customer, PresenceChange, WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/workitems/"


def fresh(user):
    """A new instance, so the counted request also pays for its role lookup."""
    return User.objects.get(pk=user.pk)


def detail(item, action=""):
    return f"{URL}{item.pk}/{action + '/' if action else ''}"


@pytest.fixture
def teammate(front_team):
    return make_user(Role.AGENT, username="teammate", team=front_team)


@pytest.fixture
def started(held_item, agent):
    return services.workitem_start(item=held_item, by=agent)


def assert_error(response, status, *, contains="", field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert contains in body["detail"], body
    if field:
        assert field in body["errors"], body
    return body


# --- Schema -----------------------------------------------------------------------------


def test_schema_of_these_endpoints_has_no_warnings():
    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include("workitems.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache)
    assert "/api/v1/workitems/{id}/handoff/" in schema["paths"]
    assert "/api/v1/presence/me/" in schema["paths"]


# --- Work types and customers -----------------------------------------------------------


def test_worktypes_read_by_anyone_written_by_admins(
    api_as, agent, admin_user, front_type, back_type, django_assert_num_queries
):
    client = api_as(fresh(agent))
    # count; page of types with their skill and owning team joined (reads need no role query)
    with django_assert_num_queries(2):
        body = client.get("/api/v1/worktypes/?office=back&active=true").json()
    assert [row["name"] for row in body["results"]] == ["Claims"]
    assert body["results"][0]["owning_team_name"] == "Back A"
    assert_error(client.post("/api/v1/worktypes/", {"name": "X"}), 403, contains="role")

    admin = api_as(admin_user)
    data = {"name": "Letters", "office": "back", "channel": "email", "sla": "3 00:00:00"}
    bad = admin.post("/api/v1/worktypes/", {**data, "sla": "00:00:00", "standard_minutes": 5})
    assert_error(bad, 400, field="sla")
    created = admin.post("/api/v1/worktypes/", {**data, "standard_minutes": "12.5"})
    assert created.status_code == 201
    assert created.json()["sla"] == "3 00:00:00" and created.json()["priority"] == 3


def test_worktype_patch_clearing_its_skill_answers_a_null_name(api_as, admin_user, front_type):
    """Issue 26: a partial update that clears a link still answers the link's name (null),
    as the schema, which marks it required and nullable, says."""
    url = f"/api/v1/worktypes/{front_type.pk}/"
    response = api_as(admin_user).patch(url, {"required_skill": None}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["required_skill"], body["required_skill_name"]) == (None, None)
    assert body["owning_team_name"] == "Front A"
    front_type.refresh_from_db()
    assert front_type.required_skill_id is None
    response = api_as(admin_user).patch(url, {"owning_team": None}, format="json")
    assert (response.json()["owning_team"], response.json()["owning_team_name"]) == (None, None)
    assert api_as(admin_user).get(url).json() == response.json()


def test_schema_marks_the_names_of_optional_links_nullable():
    """Every name read through a link that may be empty is always written (null when the
    link is) and the schema says so; the serializers and the schema cannot disagree."""
    patterns = [path("api/v1/", include("workitems.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for component, names in {
        "WorkType": ["required_skill_name", "owning_team_name"],
        "WorkItem": ["customer_name", "customer_ref", "assignee_name", "team_name"],
        "WorkItemEvent": ["actor_name", "assignee_name"],
        "Presence": ["team", "team_name", "office"],
        "AgentBrief": ["team_name"],
    }.items():
        for name in names:
            assert name in components[component]["required"], (component, name)
            assert components[component]["properties"][name].get("nullable"), (component, name)


def test_worktype_with_items_cannot_be_deleted(api_as, admin_user, make_item, front_type):
    make_item()
    response = api_as(admin_user).delete(f"/api/v1/worktypes/{front_type.pk}/")
    assert_error(response, 409, contains="set it inactive")
    assert front_type.items.count() == 1


def test_customer_search_for_staff_and_only_visible_ones_for_agents(
    api_as, planner, agent, other_agent, customer, make_item, back_type
):
    hidden = Customer.objects.create(external_ref="C-2", name="Bob Hidden")
    item = make_item(work_type=back_type, customer=hidden)  # Back A's work
    services.workitem_assign(item=item, to=other_agent, by=make_user(Role.SUPERVISOR))
    make_item()  # Alice: an open Front A item

    staff = api_as(planner).get("/api/v1/customers/?search=bob").json()
    assert [c["external_ref"] for c in staff["results"]] == ["C-2"]
    assert api_as(planner).get("/api/v1/customers/?search=C-1").json()["count"] == 1
    mine = api_as(agent).get("/api/v1/customers/").json()
    assert [c["name"] for c in mine["results"]] == ["Alice Example"]
    assert_error(api_as(agent).get(f"/api/v1/customers/{hidden.pk}/journey/"), 404)


def test_customers_refused_without_a_role(api_as, norole, api):
    assert api.get("/api/v1/customers/").status_code in (401, 403)
    assert_error(api_as(norole).get("/api/v1/customers/"), 403)


def test_journey_across_offices_in_constant_queries(
    api_as, supervisor, agent, customer, held_item, back_type, django_assert_num_queries
):
    case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type)

    def journey():
        client = api_as(fresh(supervisor))
        # role; customer; its items with type, people and links joined; their events + people
        with django_assert_num_queries(4):
            return client.get(f"/api/v1/customers/{customer.pk}/journey/").json()

    body = journey()
    assert [(e["office"], e["item"]["id"]) for e in body] == [
        ("front", held_item.pk),
        ("back", case.pk),
    ]
    assert body[1]["item"]["origin"] == held_item.pk
    kinds = [e["kind"] for e in body[0]["events"]]
    assert kinds == ["created", "assigned", "handed_off"]
    for i in range(5):
        services.workitem_create(work_type=back_type, title=f"More {i}", customer=customer)
    assert len(journey()) == 7


# --- Listing and reading ----------------------------------------------------------------


def test_item_list_queries_do_not_grow_with_rows(
    api_as, supervisor, make_item, django_assert_num_queries
):
    def page():
        client = api_as(fresh(supervisor))
        # role; the page with type, customer, assignee and team joined (by cursor: no count)
        with django_assert_num_queries(2) as captured:
            body = client.get(f"{URL}?status=new&status=assigned").json()
        # No DISTINCT (it would sort every match) and no COUNT of the collection.
        assert not any("DISTINCT" in q["sql"] for q in captured.captured_queries)
        assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)
        return body

    for i in range(3):
        make_item(title=f"Item {i}")
    assert len(page()["results"]) == 3
    for i in range(27):
        make_item(title=f"More {i}")
    body = page()
    assert "count" not in body and body["next"] is None and len(body["results"]) == 30
    assert body["results"][0]["work_type_name"] == "Calls"
    assert body["results"][0]["customer_name"] == "Alice Example"


def test_item_list_filters(api_as, supervisor, agent, make_item, back_type, held_item):
    late = make_item(title="Late", created_at=timezone.now() - timedelta(days=5))
    back = make_item(work_type=back_type, title="Case", customer=None)
    client = api_as(supervisor)

    def ids(query):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("office=back") == {back.pk}
    assert ids("past_due=true") == {late.pk}
    assert late.pk not in ids("past_due=false")
    assert ids(f"assignee={agent.pk}") == {held_item.pk}
    assert ids("status=assigned&status=new") == {held_item.pk, late.pk, back.pk}
    five_days_ago = (timezone.now() - timedelta(days=5)).date().isoformat()
    assert ids(f"created_before={five_days_ago}") == {late.pk}
    assert ids(f"work_type={back_type.pk}&source=ui") == {back.pk}
    ordered = client.get(f"{URL}?ordering=created_at").json()["results"]
    assert ordered[0]["id"] == late.pk and ordered[0]["past_due"] is True
    assert_error(client.get(f"{URL}?status=lost"), 400, field="status")
    assert_error(client.get(f"{URL}?team=abc"), 400, field="team")


def test_agents_get_404_for_other_teams_items(api_as, agent, other_agent, held_item):
    client = api_as(other_agent)  # Front B: sees the open queue, not Front A's held work
    assert_error(client.get(detail(held_item)), 404)
    assert_error(client.post(detail(held_item, "complete"), {}), 404)
    assert held_item.pk not in {row["id"] for row in client.get(URL).json()["results"]}
    assert api_as(agent).get(detail(held_item)).json()["status"] == "assigned"


def test_item_detail_is_two_queries(api_as, agent, held_item, django_assert_num_queries):
    client = api_as(fresh(agent))
    with django_assert_num_queries(2):  # role; the item with its names joined
        body = client.get(detail(held_item)).json()
    assert body["assignee_name"] == "Agent" and body["version"] == held_item.version


def test_anonymous_and_roleless_are_refused(api, api_as, norole, make_item):
    item = make_item()
    assert api.get(URL).status_code in (401, 403)
    assert api.post(f"{URL}next/").status_code in (401, 403)
    assert_error(api_as(norole).get(detail(item)), 403)


# --- Create and edit --------------------------------------------------------------------


def test_create_is_idempotent_on_external_ref(api_as, agent, front_type, customer):
    client = api_as(agent)
    data = {"work_type": front_type.pk, "title": "Lost card", "customer_ref": "C-1"}
    first = client.post(URL, {**data, "external_ref": "CRM-77"})
    assert first.status_code == 201
    body = first.json()
    assert body["source"] == "api" and body["customer"] == customer.pk
    assert body["status"] == "new" and body["team_name"] == "Front A"
    item = WorkItem.objects.get(pk=body["id"])
    assert item.due_at == item.created_at + timedelta(hours=1)
    again = client.post(URL, {**data, "external_ref": "CRM-77", "title": "Lost card (resent)"})
    assert again.status_code == 200 and again.json()["id"] == item.pk
    assert WorkItem.objects.filter(external_ref="CRM-77").count() == 1
    assert WorkItemEvent.objects.filter(item=item, kind=EventKind.CREATED).count() == 1


def test_resent_item_the_sender_cannot_see_is_409(
    api_as, agent, supervisor, back_agent, back_type, skilled, claims_skill
):
    skilled(agent, claims_skill)  # an agent may create work of a type they may take
    data = {"work_type": back_type.pk, "title": "Claim", "external_ref": "CRM-9"}
    created = api_as(agent).post(URL, data).json()
    item = WorkItem.objects.get(pk=created["id"])
    services.workitem_assign(item=item, to=back_agent, by=supervisor)  # now Back A's, held
    again = api_as(agent).post(URL, data)
    assert_error(again, 409, contains="already exists", field="external_ref")
    assert WorkItem.objects.filter(external_ref="CRM-9").count() == 1


def test_create_refuses_bad_input_naming_the_field(api_as, agent, qa, front_type):
    client = api_as(agent)
    assert_error(client.post(URL, {"work_type": front_type.pk}), 400, field="title")
    assert_error(client.post(URL, {"work_type": 999, "title": "x"}), 400, field="work_type")
    bad_ref = {"work_type": front_type.pk, "title": "x", "customer_ref": "nobody"}
    assert_error(client.post(URL, bad_ref), 400, field="customer_ref")
    too_high = {"work_type": front_type.pk, "title": "x", "priority": 9}
    assert_error(client.post(URL, too_high), 400, field="priority")
    front_type.active = False
    front_type.save()
    inactive = client.post(URL, {"work_type": front_type.pk, "title": "x"})
    assert_error(inactive, 400, contains="not active", field="work_type")
    assert_error(api_as(qa).post(URL, {"work_type": front_type.pk, "title": "x"}), 403)
    assert WorkItem.objects.count() == 0


def test_create_answers_what_a_read_shows(api_as, agent, front_type, customer):
    client = api_as(agent)
    body = {"work_type": front_type.pk, "title": "  Call back  ", "customer_ref": "C-1"}
    created = client.post(URL, {**body, "external_ref": "EXT-1"}, format="json")
    assert created.status_code == 201
    assert created.json() == client.get(detail(WorkItem(pk=created.json()["id"]))).json()
    assert created.json()["title"] == "Call back"  # trimmed
    assert created.json()["customer_name"] == "Alice Example"
    assert WorkItemEvent.objects.filter(item_id=created.json()["id"]).count() == 1
    for bad, field in (
        ({"work_type": 2**70}, "work_type"),
        ({"work_type": 999_999}, "work_type"),
        ({"customer_ref": "nobody"}, "customer_ref"),
        ({"customer": 999_999}, "customer"),
        ({"team": 999_999}, "team"),
        ({"title": " "}, "title"),
    ):
        assert_error(client.post(URL, {**body, **bad}, format="json"), 400, field=field)
    assert WorkItem.objects.count() == 1


def test_create_flags_a_likely_duplicate(api_as, agent, front_type, customer):
    client = api_as(agent)
    body = {"work_type": front_type.pk, "title": "Card", "customer_ref": "C-1"}
    first = client.post(URL, body, format="json").json()
    second = client.post(URL, body, format="json").json()
    assert (first["is_duplicate_suspect"], first["duplicate_of"]) == (False, None)
    assert (second["is_duplicate_suspect"], second["duplicate_of"]) == (True, first["id"])
    kinds = WorkItemEvent.objects.filter(item_id=second["id"]).values_list("kind", flat=True)
    assert list(kinds.order_by("id")) == [EventKind.CREATED, EventKind.DUPLICATE_FLAGGED]


def test_item_output_names_empty_links_null_and_reads_its_own_now(
    api_as, supervisor, agent, front_type, customer
):
    bare = services.workitem_create(work_type=front_type, title="No customer")
    held = services.workitem_create(
        work_type=front_type, title="Held", priority=4, customer=customer
    )
    services.workitem_assign(item=held, to=agent, by=supervisor, note="take it")
    rows = api_as(supervisor).get(f"{URL}?ordering=id").json()["results"]
    assert [row["id"] for row in rows] == [bare.pk, held.pk]
    assert [row["assignee_name"] for row in rows] == [None, "Agent"]
    assert [(row["customer_name"], row["customer_ref"]) for row in rows] == [
        (None, None),
        ("Alice Example", "C-1"),
    ]
    from workitems.api.serializers import WorkItemSerializer

    late = WorkItemSerializer(bare, context={"now": bare.due_at + timedelta(seconds=1)})
    early = WorkItemSerializer(bare, context={"now": bare.created_at})
    assert (late.data["past_due"], early.data["past_due"]) == (True, False)


def test_supervisor_edits_with_version_and_stale_is_409(api_as, supervisor, agent, make_item):
    item = make_item()
    client = api_as(supervisor)
    ok = client.patch(detail(item), {"title": "Card blocked", "priority": 5, "version": 1})
    assert ok.status_code == 200, ok.content
    assert ok.json()["title"] == "Card blocked" and ok.json()["version"] == 2
    event = item.events.latest("id")
    assert event.note == "Edited priority, title" and event.data["edited"]["priority"] == [3, 5]
    assert event.kind == EventKind.EDITED

    same = client.patch(detail(item), {"title": "Card blocked", "priority": 5, "version": 2})
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed
    assert item.events.latest("id") == event

    stale = client.patch(detail(item), {"title": "Other", "version": 1})
    assert_error(stale, 409, contains="changed by someone else")
    assert_error(client.patch(detail(item), {"title": "x"}), 400, field="version")
    assert_error(client.patch(detail(item), {"status": "done", "version": 2}), 400, field="status")
    assert_error(client.patch(detail(item), {"title": " ", "version": 2}), 400, field="title")
    assert_error(api_as(agent).patch(detail(item), {"title": "x", "version": 2}), 403)
    assert client.put(detail(item), {"title": "x"}).status_code == 405
    assert client.delete(detail(item)).status_code == 405
    item.refresh_from_db()
    assert (item.title, item.priority, item.version) == ("Card blocked", 5, 2)


def test_closed_item_cannot_be_edited(api_as, supervisor, make_item):
    item = make_item()
    services.workitem_cancel(item=item, by=supervisor, note="duplicate call")
    response = api_as(supervisor).patch(detail(item), {"priority": 1, "version": 2})
    assert_error(response, 409, contains=f"Cannot edit item #{item.pk}: it is cancelled")
    assert WorkItem.objects.get(pk=item.pk).priority == 3


# --- Routing ----------------------------------------------------------------------------


def test_next_claims_then_returns_the_same_item(api_as, agent, skilled, make_item):
    client = api_as(agent)
    empty = client.post(f"{URL}next/")
    assert empty.status_code == 200
    assert empty.json() == {"item": None, "detail": "No work for your skills right now."}
    item = make_item()
    skilled(agent)
    first = client.post(f"{URL}next/").json()
    assert first["item"]["id"] == item.pk and first["item"]["status"] == "assigned"
    assert first["item"]["assignee"] == agent.pk
    assert client.post(f"{URL}next/").json()["item"]["id"] == item.pk
    assert AgentPresence.objects.get(agent=agent).state == PresenceState.ON_CONTACT


def test_next_is_for_agents_only(api_as, supervisor):
    assert_error(api_as(supervisor).post(f"{URL}next/"), 403)


def test_assign_by_supervisor_with_refusals(
    api_as, supervisor, agent, planner, make_item, teammate
):
    item = make_item()
    client = api_as(supervisor)
    assert_error(client.post(detail(item, "assign"), {}), 400, field="agent")
    not_agent = client.post(detail(item, "assign"), {"agent": planner.pk})
    assert_error(not_agent, 400, contains="not an active agent", field="agent")
    ok = client.post(detail(item, "assign"), {"agent": agent.pk, "version": 1})
    assert ok.json()["assignee"] == agent.pk and ok.json()["status"] == "assigned"
    stale = client.post(detail(item, "assign"), {"agent": teammate.pk, "version": 1})
    assert_error(stale, 409, contains="changed by someone else")
    assert_error(api_as(teammate).post(detail(item, "assign"), {"agent": teammate.pk}), 403)
    assert WorkItem.objects.get(pk=item.pk).assignee == agent


def test_unassign_returns_item_to_queue(api_as, agent, held_item):
    response = api_as(agent).post(detail(held_item, "unassign"), {"note": "wrong skill"})
    assert response.json()["status"] == "new" and response.json()["assignee"] is None


def test_suggested_agents_for_supervisors(api_as, supervisor, agent, teammate, skilled, make_item):
    item = make_item()
    skilled(agent, level=2)
    skilled(teammate, level=4)
    services.presence_set(agent=agent, state=PresenceState.AVAILABLE)
    rows = api_as(supervisor).get(detail(item, "suggested-agents")).json()
    assert [r["agent"]["username"] for r in rows] == ["agent", "teammate"]
    assert rows[0]["available"] is True and rows[1]["skill_level"] == 4
    assert_error(api_as(agent).get(detail(item, "suggested-agents")), 403)


# --- The holder's actions ---------------------------------------------------------------


def test_start_pend_complete_with_versions(api_as, agent, held_item):
    client = api_as(agent)
    started = client.post(detail(held_item, "start"), {"version": held_item.version}).json()
    assert started["status"] == "in_progress"
    assert_error(client.post(detail(held_item, "pend"), {}), 400, field="note")
    paused = client.post(detail(held_item, "pend"), {"note": "waiting for the bank"}).json()
    assert paused["status"] == "pending"
    stale = client.post(detail(held_item, "complete"), {"version": started["version"]})
    assert_error(stale, 409, contains="changed by someone else")
    done = client.post(detail(held_item, "complete"), {"note": "sorted", "version": 4})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(detail(held_item, "complete"), {})
    body = assert_error(again, 409, contains="Cannot complete")
    assert body["errors"] == {}
    kinds = list(held_item.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.COMPLETED) == 1


def test_holder_steps_refuse_clearly_and_write_nothing(api_as, agent, other_agent, held_item):
    """Whose item it is is judged before the body: another team's item is a 404 even with
    a bad body; then the body (400), then the version (409)."""
    url = detail(held_item)
    version = held_item.version
    stale = api_as(agent).post(url + "start/", {"version": version - 1})
    assert_error(stale, 409, contains="changed by someone else")
    assert_error(api_as(other_agent).post(url + "start/", {"version": version}), 404)
    assert_error(api_as(agent).post(url + "start/", {"version": "x"}), 400, field="version")
    assert_error(api_as(other_agent).post(url + "start/", {"version": "x"}), 404)
    assert_error(api_as(agent).post(url + "pend/", {"version": version, "note": " "}), 400)
    assert WorkItem.objects.get(pk=held_item.pk).version == version
    assert list(held_item.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
    ]
    AgentPresence.objects.filter(agent=agent).delete()  # the step makes it again
    body = api_as(agent).post(url + "start/", {"version": version}).json()
    assert (body["status"], body["version"]) == (Status.IN_PROGRESS, version + 1)
    presence = AgentPresence.objects.get(agent=agent)
    assert (presence.item_id, presence.state) == (held_item.pk, PresenceState.ON_CONTACT)


def test_illegal_transition_is_409_with_reason(api_as, agent, make_item):
    item = make_item()
    response = api_as(agent).post(detail(item, "start"), {})
    assert_error(response, 409, contains=f"Cannot start item #{item.pk}: it is new")


def test_teammates_item_is_403_not_yours(api_as, agent, teammate, held_item):
    response = api_as(teammate).post(detail(held_item, "complete"), {})
    assert_error(response, 403, contains="is not yours")
    assert WorkItem.objects.get(pk=held_item.pk).status == Status.ASSIGNED


def test_handoff_returns_the_new_case(api_as, agent, held_item, back_type, front_type):
    client = api_as(agent)
    wrong = client.post(detail(held_item, "handoff"), {"work_type": front_type.pk})
    assert_error(wrong, 400, contains="back-office", field="work_type")
    response = client.post(
        detail(held_item, "handoff"), {"work_type": back_type.pk, "note": "refund form"}
    )
    assert response.status_code == 201
    case = response.json()
    assert case["origin"] == held_item.pk and case["office"] == "back"
    assert case["source"] == Source.HANDOFF and case["details"] == "refund form"
    assert WorkItem.objects.get(pk=held_item.pk).status == Status.DONE


def test_escalate_to_buddy_or_400(api_as, agent, held_item, buddy):
    client = api_as(agent)
    response = client.post(detail(held_item, "escalate"), {"note": "needs claims"})
    assert response.json()["assignee"] == buddy.pk and response.json()["status"] == "escalated"


def test_escalate_without_buddy_names_the_field(api_as, agent, held_item):
    response = api_as(agent).post(detail(held_item, "escalate"), {})
    assert_error(response, 400, contains="no buddy", field="buddy")


# --- After the work ---------------------------------------------------------------------


def test_reopen_same_item_within_window_and_new_item_after(api_as, agent, held_item):
    client = api_as(agent)
    services.workitem_complete(item=held_item, by=agent)
    same = client.post(detail(held_item, "reopen"), {"note": "customer called back"})
    assert same.status_code == 200
    assert same.json()["id"] == held_item.pk and same.json()["reopen_count"] == 1
    assert_error(client.post(detail(held_item, "reopen"), {}), 409, contains="Cannot reopen")

    WorkItem.objects.filter(pk=held_item.pk).update(
        status=Status.DONE, assignee=agent, completed_at=timezone.now() - timedelta(days=30)
    )
    later = client.post(detail(held_item, "reopen"), {})
    assert later.status_code == 201
    assert later.json()["related_to"] == held_item.pk and later.json()["id"] != held_item.pk


def test_cancel_needs_a_reason_and_a_supervisor(api_as, supervisor, agent, make_item):
    item = make_item()
    assert_error(api_as(agent).post(detail(item, "cancel"), {"note": "x"}), 403)
    assert_error(api_as(supervisor).post(detail(item, "cancel"), {}), 400, field="note")
    done = api_as(supervisor).post(detail(item, "cancel"), {"note": "customer withdrew"})
    assert done.json()["status"] == "cancelled"


def test_merge_duplicate(api_as, supervisor, make_item):
    first = make_item()
    dup = make_item(title="Same again")
    assert dup.duplicate_of_id == first.pk
    client = api_as(supervisor)
    assert_error(client.post(detail(dup, "merge"), {"into": dup.pk}), 400, field="into")
    assert_error(client.post(detail(dup, "merge"), {"into": 99999}), 400, field="into")
    merged = client.post(detail(dup, "merge"), {"into": first.pk}).json()
    assert merged["status"] == "merged" and merged["duplicate_of"] == first.pk
    assert first.events.filter(kind=EventKind.COMMENTED, data__merged_id=dup.pk).exists()


def test_comment_and_events_paginated_in_constant_queries(
    api_as, qa, agent, held_item, django_assert_num_queries
):
    assert_error(api_as(agent).post(detail(held_item, "comment"), {"note": ""}), 400, field="note")

    def events():
        client = api_as(fresh(qa))
        # role; the item (visibility); the page with actor and assignee joined (no count)
        with django_assert_num_queries(3):
            return client.get(detail(held_item, "events")).json()

    assert [e["kind"] for e in events()["results"]] == ["created", "assigned"]
    for i in range(20):
        api_as(agent).post(detail(held_item, "comment"), {"note": f"note {i}"})
    body = events()
    assert "count" not in body and len(body["results"]) == 22
    assert body["results"][-1]["note"] == "note 19"
    assert body["results"][-1]["actor_name"] == "Agent"


# --- Presence ---------------------------------------------------------------------------


def test_presence_me_read_and_set(api_as, agent, supervisor):
    client = api_as(agent)
    assert client.get("/api/v1/presence/me/").json()["state"] == "offline"
    assert not AgentPresence.objects.filter(agent=agent).exists()  # reading wrote nothing
    body = client.post("/api/v1/presence/me/", {"state": "break"}).json()
    assert body["state"] == "break" and body["team_name"] == "Front A"
    assert PresenceChange.objects.get(agent=agent, ended_at__isnull=True).state == "break"
    refused = client.post("/api/v1/presence/me/", {"state": "on_contact"})
    assert_error(refused, 400, field="state")
    assert AgentPresence.objects.get(agent=agent).state == PresenceState.BREAK
    assert_error(api_as(supervisor).get("/api/v1/presence/me/"), 403)


def test_presence_board_for_supervisors(
    api_as, supervisor, agent, other_agent, back_agent, other_team, django_assert_num_queries
):
    for user in (agent, other_agent):
        services.presence_set(
            agent=user, state=PresenceState.AVAILABLE, at=timezone.now() - timedelta(minutes=5)
        )
    services.presence_set(agent=back_agent, state=PresenceState.CASEWORK)

    def board(query="", queries=3):
        client = api_as(fresh(supervisor))
        # role; (the team filter's lookup); count; the page with agent and team joined
        with django_assert_num_queries(queries):
            return client.get(f"/api/v1/presence/{query}").json()

    assert board()["count"] == 3
    rows = board(f"?team={other_team.pk}", queries=4)["results"]
    assert [r["agent_name"] for r in rows] == ["Otheragent"]
    assert rows[0]["seconds_in_state"] >= 300 and rows[0]["state"] == "available"
    assert [r["state"] for r in board("?office=back")["results"]] == ["casework"]
    assert_error(api_as(agent).get("/api/v1/presence/"), 403)


def test_agent_cycle_by_token_counts_its_queries(
    api, agent, skilled, make_item, django_assert_num_queries
):
    """The load test's hot path, authenticated as API clients are (a token, not a session):
    each step is the service's general path, and no answer re-reads the item."""
    from rest_framework.authtoken.models import Token

    skilled(agent)
    services.presence_set(agent=agent, state=PresenceState.AVAILABLE)  # signed in, free
    item = make_item()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    postgres = connection.vendor == "postgresql"
    # 1 token with its user, 2 roles, 3 eligible types with the agent's levels and tier,
    # 4 the agent's scheduled block now (its office narrows the types: staffing's registered
    # source), 5 savepoint, 6 lock the presence row, 7 an item given and not started? then
    # PostgreSQL: 8 one UPDATE picks (SKIP LOCKED) and assigns; SQLite: 8 pick,
    # 9 conditional UPDATE; then the item with its names, its event, the presence interval
    # closed and opened, the presence row, release
    with django_assert_num_queries(14 if postgres else 15):
        body = api.post(f"{URL}next/").json()["item"]
    assert (body["id"], body["status"], body["assignee_name"]) == (item.pk, "assigned", "Agent")
    assert body["team_name"] == item.team.name and body["customer_ref"] == "C-1"

    # 1 token with its user, 2 roles, 3 the item (visibility) with its names, 4 savepoint,
    # 5 lock the item, 6 conditional UPDATE, 7 event, 8 lock the presence row (already on
    # this contact since the claim: nothing to write), 9 release
    with django_assert_num_queries(9):
        body = api.post(detail(item, "start"), {"version": body["version"]}).json()
    assert (body["status"], body["assignee_name"], body["team_name"]) == (
        "in_progress",
        "Agent",
        item.team.name,
    )
    # 1 token with its user, 2 roles, 3 the item, 4 savepoint, 5 lock, 6 UPDATE, 7 event,
    # 8 lock presence, 9 interval closed, 10 opened, 11 presence row, 12 release
    with django_assert_num_queries(12):
        body = api.post(detail(item, "complete"), {"version": body["version"]}).json()
    assert (body["status"], body["version"], body["customer_ref"]) == ("done", 4, "C-1")
    item.refresh_from_db()
    assert (item.status, item.assignee_id, item.version) == (Status.DONE, agent.pk, 4)
    presence = AgentPresence.objects.get(agent=agent)
    assert (presence.state, presence.item_id) == (PresenceState.AVAILABLE, None)
    assert list(
        WorkItemEvent.objects.filter(item=item).order_by("id").values_list("kind", flat=True)
    ) == [EventKind.CREATED, EventKind.ASSIGNED, EventKind.STARTED, EventKind.COMPLETED]


def test_token_of_an_inactive_user_or_unknown_token_is_refused(api, agent):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=agent)
    # 401 with the scheme to use: token authentication is the first class.
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = api.post(f"{URL}next/")
    assert (response.status_code, response.json()["detail"]) == (401, "Invalid token.")
    assert response["WWW-Authenticate"] == "Token"
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(f"{URL}next/")
    assert response.status_code == 401 and "inactive" in response.json()["detail"]
    assert not WorkItem.objects.filter(assignee=agent).exists()


def test_api_create_by_token_counts_its_queries(
    api, supervisor, front_type, customer, django_assert_num_queries
):
    from rest_framework.authtoken.models import Token

    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=supervisor).key}")
    body = {"work_type": front_type.pk, "title": "Call back", "customer_ref": "C-1"}
    # 1 token with its user, 2 roles, 3 the type with its owning team, 4 the customer by
    # reference, 5 the team's (or its site's) business calendar: none, 6 savepoint, 7 an
    # open duplicate?, 8 the item (a re-sent external reference would be refused here by
    # the unique index), 9 its event, 10 release. The answer needs no read: the item comes
    # with its names.
    with django_assert_num_queries(10):
        response = api.post(URL, {**body, "external_ref": "EXT-9"})
    assert response.status_code == 201
    created = response.json()
    assert (created["customer_name"], created["team_name"], created["work_type_name"]) == (
        "Alice Example",
        front_type.owning_team.name,
        front_type.name,
    )
    # Sent again: the same item, nothing written.
    again = api.post(URL, {**body, "external_ref": "EXT-9"})
    assert (again.status_code, again.json()["id"]) == (200, created["id"])
    assert WorkItem.objects.filter(external_ref="EXT-9").count() == 1
