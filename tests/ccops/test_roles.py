import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ccops.choices import Role


@pytest.mark.django_db
def test_role_groups_exist_with_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(Role.values) <= names
    hr = Group.objects.get(name=Role.HR)
    assert hr.permissions.filter(codename="change_user").exists()
    admin = Group.objects.get(name=Role.ADMIN)
    assert admin.permissions.filter(codename="add_team").exists()
    assert not Group.objects.get(name=Role.AGENT).permissions.filter(codename="add_team").exists()


@pytest.mark.django_db
def test_has_role(agent, supervisor, admin_user, norole):
    assert agent.has_role(Role.AGENT)
    assert not agent.has_role(Role.SUPERVISOR, Role.QA)
    assert supervisor.has_role(Role.QA, Role.SUPERVISOR)
    assert admin_user.has_role(Role.HR)  # Admin holds every role
    assert not norole.has_role(Role.AGENT)
    assert agent.primary_role == Role.AGENT and supervisor.primary_role == Role.SUPERVISOR


@pytest.mark.django_db
def test_tenure_band(agent):
    from datetime import date

    agent.hire_date = date(2026, 1, 1)
    assert agent.tenure_band(date(2026, 2, 1)) == "new_hire"
    assert agent.tenure_band(date(2026, 6, 1)) == "developing"
    assert agent.tenure_band(date(2027, 6, 1)) == "experienced"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,expects_teams",
    [("agent", False), ("supervisor", True), ("planner", True), ("qa", True), ("hr", True)],
)
def test_navigation_per_persona(client, request, persona, expects_teams):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert ('href="/core/teams/"' in page) is expects_teams
    assert ('href="/api/v1/docs/"' in page) is expects_teams


STAFF_PAGES = ["ccops:team_list"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", STAFF_PAGES)
def test_staff_pages_refuse_anonymous_norole_and_agents(client, url_name, agent, norole):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for user in (norole, agent):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_team_list_shows_teams(client, supervisor, front_team, agent, django_assert_num_queries):
    client.force_login(supervisor)
    client.get(reverse("ccops:team_list"))  # warm the session
    # user + team, roles, count for the paginator, the teams page
    with django_assert_num_queries(4):
        page = client.get(reverse("ccops:team_list")).content.decode()
    assert "Front A" in page and ">2<" in page  # two active members: supervisor and agent


@pytest.mark.django_db
def test_home_without_role_explains(client, norole):
    client.force_login(norole)
    page = client.get(reverse("home")).content.decode()
    assert "none yet" in page
