"""The audit trail (django-simple-history) of shared goals and pilots, and the shared helper:
who changed what and when, shown to admins and supervisors only, in constant queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ccops.audit import history_rows, history_rows_for
from ccops.kpi_models import SharedGoal

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(admin_user):
    return SharedGoal.objects.create(
        name="Service level",
        kpi="fcr",
        office="front",
        target=80,
        effective_from=date(2026, 1, 1),
        created_by=admin_user,
    )


def edit_goal(client, user, goal, **changes):
    client.force_login(user)
    data = {
        "name": goal.name,
        "kpi": goal.kpi,
        "office": goal.office,
        "target": goal.target,
        "effective_from": goal.effective_from.isoformat(),
        "effective_to": "",
        "description": goal.description,
    } | changes
    return client.post(reverse("dashboard:goal_edit", args=[goal.pk]), data)


def test_goal_edit_by_supervisor_is_recorded_with_who_when_and_what(client, supervisor, goal):
    before = timezone.now()
    response = edit_goal(client, supervisor, goal, target="92.5", office="")
    assert response.status_code == 302, response.content
    goal.refresh_from_db()
    assert goal.target == 92.5

    record = goal.history.latest()
    assert record.history_user == supervisor and record.history_type == "~"
    assert before <= record.history_date <= timezone.now()
    rows = history_rows(goal)
    assert [r.action for r in rows] == ["Changed", "Created"]
    assert rows[0].who == str(supervisor)
    changes = {c.field: (c.old, c.new) for c in rows[0].changes}
    assert changes == {"office": ("Front office", "—"), "target": ("80.0", "92.5")}
    assert rows[1].who == "system"  # created outside a request, by no one


def test_goal_edit_through_the_api_names_the_api_user(api_as, supervisor, goal):
    response = api_as(supervisor).patch(f"/api/v1/goals/{goal.pk}/", {"target": 85}, format="json")
    assert response.status_code == 200, response.content
    record = goal.history.latest()
    assert record.history_user == supervisor and record.target == 85


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_the_goal_history(client, request, persona, goal, supervisor):
    edit_goal(client, supervisor, goal, target="91")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:goal_detail", args=[goal.pk]))
    html = response.content.decode()
    assert 'data-testid="audit-history"' in html
    assert "Target: 80.0 &rarr; 91.0" in html and str(supervisor) in html


@pytest.mark.parametrize("persona", ["planner", "qa", "hr"])
def test_other_roles_read_the_goal_but_not_its_history(client, request, persona, goal):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:goal_detail", args=[goal.pk]))
    assert response.status_code == 200 and "Service level" in response.content.decode()
    assert response.context["show_history"] is False
    assert 'data-testid="audit-history"' not in response.content.decode()


def test_agents_get_no_goal_page_and_only_supervisors_edit(client, agent, planner, goal):
    client.force_login(agent)
    assert client.get(reverse("dashboard:goal_detail", args=[goal.pk])).status_code == 403
    assert edit_goal(client, planner, goal, target="1").status_code == 403
    goal.refresh_from_db()
    assert goal.target == 80 and goal.history.count() == 1


def test_goal_edit_is_validated(client, supervisor, goal):
    response = edit_goal(client, supervisor, goal, effective_to="2025-01-01")
    assert response.status_code == 200 and "effective_to" in response.context["form"].errors
    assert goal.history.count() == 1


def _pile_up_history(goal, users, n):
    for i in range(n):
        goal.target = 80 + i
        goal.created_by = users[i % len(users)]  # a foreign key that changes: names resolved
        goal._history_user = users[(i + 1) % len(users)]
        goal.save()


def test_goal_page_queries_do_not_grow_with_the_history(
    client, supervisor, planner, qa, hr, admin_user, goal
):
    users = [supervisor, planner, qa, hr, admin_user]
    client.force_login(supervisor)
    url = reverse("dashboard:goal_detail", args=[goal.pk])
    _pile_up_history(goal, users, 3)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    _pile_up_history(goal, users, 70)
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert len(response.context["history"]) == 50  # the latest 50
    assert len(long) == len(short), "\n".join(q["sql"] for q in long.captured_queries)


def test_history_helper_queries(django_assert_num_queries, supervisor, planner, goal):
    _pile_up_history(goal, [supervisor, planner], 20)
    # 1 the records with their users and each one's predecessor id, 2 the predecessors,
    # 3 the users named by the changed created_by values
    with django_assert_num_queries(3):
        rows = history_rows(goal, limit=10)
    assert len(rows) == 10
    assert {c.field for c in rows[0].changes} == {"created by", "target"}


def test_history_of_several_objects_with_a_label_and_deletions(supervisor, goal):
    other = SharedGoal.objects.create(
        name="AHT", kpi="aht", target=300, effective_from=date(2026, 1, 1)
    )
    other._history_user = supervisor
    other.delete()
    goal.target = 81
    goal.save()
    rows = history_rows_for(SharedGoal.history.all(), label_field="name")
    assert [(r.action, r.label) for r in rows] == [
        ("Changed", "Service level"),
        ("Deleted", "AHT"),
        ("Created", "AHT"),
        ("Created", "Service level"),
    ]
    assert rows[1].who == str(supervisor) and rows[1].changes == []


def test_pilot_history_on_the_pilot_page(client, supervisor, planner, agent, other_agent):
    from ccops.kpi_models import Pilot

    client.force_login(supervisor)
    today = timezone.localdate()
    response = client.post(
        reverse("dashboard:pilot_create"),
        {
            "name": "Callback",
            "hypothesis": "Callbacks cut repeats",
            "kpis": ["fcr"],
            "pilot_agents": [agent.pk],
            "control_agents": [other_agent.pk],
            "starts_on": (today - timedelta(days=10)).isoformat(),
            "ends_on": today.isoformat(),
            "method": "welch",
            "alpha": "0.05",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    pilot = Pilot.objects.get()
    assert pilot.history.get().history_user == supervisor
    page = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk])).content.decode()
    assert 'data-testid="audit-history"' in page and "Created" in page
    client.force_login(planner)
    page = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk])).content.decode()
    assert 'data-testid="audit-history"' not in page
