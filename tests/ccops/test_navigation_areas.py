"""The menu is grouped by area (Work, Staffing, Quality, People, Insights, Admin), each role
seeing its own pages in dropdowns; registrations without an area keep working."""

import pytest

from ccops import navigation
from ccops.choices import Role

pytestmark = pytest.mark.django_db


def areas(user):
    return {g["area"]: [i["label"] for i in g["items"]] for g in navigation.groups_for(user)}


def test_default_area_follows_the_url_namespace():
    assert navigation.default_area("workitems:queue") == "Work"
    assert navigation.default_area("training:idea_list") == "People"
    assert navigation.default_area("dashboard:overview") == "Insights"
    assert navigation.default_area("api-docs") == "Admin"
    with pytest.raises(ValueError, match="not one of"):
        navigation.register("X", "x:y", (Role.AGENT,), area="Canteen")


def test_each_role_sees_its_own_areas(agent, supervisor, planner, qa, hr, admin_user):
    mine = areas(agent)
    assert list(mine) == ["Work", "Staffing", "Quality", "People", "Insights"]
    assert mine["Work"] == ["My work"] and "My scorecard" in mine["Insights"]
    sup = areas(supervisor)
    assert sup["Work"][:2] == ["Queue", "Presence"] and "Teams" in sup["People"]
    assert "Dashboard" in sup["Insights"] and "Admin" in sup  # the API docs
    assert "Calibration" in areas(qa)["Quality"]
    assert "Work" not in areas(planner) and "Plans" in areas(planner)["Staffing"]
    assert "Incentives" in areas(hr)["People"]
    assert "Audit export" in areas(admin_user)["Admin"]
    assert "Admin" not in mine


def test_base_renders_dropdowns_with_django_admin_for_staff(client, admin_user, agent):
    client.force_login(admin_user)
    page = client.get("/core/teams/").content.decode()
    assert page.count('data-testid="nav-area"') == 6
    assert 'data-testid="nav-area-admin"' in page and ">Django admin</a>" in page
    assert 'rel="icon"' in page
    client.force_login(agent)
    page = client.get("/work/").content.decode()
    assert 'data-testid="nav-area-admin"' not in page and "Django admin" not in page
    assert 'class="navbar-toggler"' in page  # collapses on phones
