"""Every training page: who may open it (403 for the wrong role, login for anonymous)."""

import pytest

from training.models import Idea, TrainingModule

pytestmark = pytest.mark.django_db

ALL = ["agent", "supervisor", "hr", "qa", "planner", "admin_user"]


def pages(agent, module, idea, ladder):
    return [
        ("/training/", ["agent", "admin_user"]),
        ("/training/buddy/", ["agent", "admin_user"]),
        ("/training/welcome/", ["agent", "admin_user"]),
        ("/training/skills/", ["supervisor", "hr", "planner", "admin_user"]),
        ("/training/tiers/", ["supervisor", "hr", "admin_user"]),
        ("/training/tiers/setup/", ["supervisor", "hr", "admin_user"]),
        (f"/training/people/{agent.pk}/", ["supervisor", "hr", "admin_user"]),
        (f"/training/people/{agent.pk}/assess/?tier={ladder[2].pk}", ["hr", "admin_user"]),
        ("/training/modules/", ["supervisor", "hr", "admin_user"]),
        (f"/training/modules/{module.pk}/", ["supervisor", "hr", "admin_user"]),
        ("/training/shadowing/", ALL),  # hosts from QA and HR reflect too
        ("/training/buddies/", ["supervisor", "hr", "admin_user"]),
        ("/training/recognition/", ALL),
        ("/training/recognition/give/", ALL),
        ("/training/points/", ALL),
        ("/training/incentives/", ["hr", "admin_user"]),
        ("/training/ideas/", ALL),
        (f"/training/ideas/{idea.pk}/", ALL),
    ]


@pytest.fixture
def everyone(agent, supervisor, hr, qa, planner, admin_user, norole):
    return {
        "agent": agent,
        "supervisor": supervisor,
        "hr": hr,
        "qa": qa,
        "planner": planner,
        "admin_user": admin_user,
        "norole": norole,
    }


def test_role_access_on_every_page(client, everyone, agent, ladder, expert_module):
    idea = Idea.objects.create(title="T", description="D", submitted_by=agent)
    for url, allowed in pages(agent, expert_module, idea, ladder):
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        for name, user in everyone.items():
            client.force_login(user)
            status = client.get(url).status_code
            expected = 200 if name in allowed else 403
            assert status == expected, (url, name, status)


def test_supervisor_cannot_open_another_teams_agent(as_user, supervisor, other_agent, hr):
    assert as_user(supervisor).get(f"/training/people/{other_agent.pk}/").status_code == 403
    assert as_user(hr).get(f"/training/people/{other_agent.pk}/").status_code == 200


def test_points_of_someone_else(as_user, agent, other_agent, supervisor):
    assert as_user(other_agent).get(f"/training/points/{agent.pk}/").status_code == 403
    assert as_user(supervisor).get(f"/training/points/{agent.pk}/").status_code == 200


def test_posts_refused_for_wrong_roles(as_user, agent, back_agent, supervisor, ladder, skills):
    client = as_user(agent)
    assert client.post("/training/buddies/apply/").status_code == 403
    assert client.post("/training/tiers/recompute/").status_code == 403
    assert (
        client.post(f"/training/people/{agent.pk}/promote/", {"tier": ladder[2].pk}).status_code
        == 403
    )
    assert (
        client.post(f"/training/skills/{agent.pk}/{skills['calls'].pk}/", {"level": 5}).status_code
        == 403
    )
    assert client.post("/training/incentives/", {"name": "x"}).status_code == 403
    assert client.post("/training/shadowing/", {}).status_code == 403
    sup = as_user(supervisor)
    assert sup.post("/training/modules/new/", {"title": "x"}).status_code == 403
    assert sup.post("/training/tiers/setup/competency/", {"action": "set"}).status_code == 403
    assert not TrainingModule.objects.filter(title="x").exists()


def test_bad_ids_are_404_not_500(as_user, hr, agent, ladder):
    client = as_user(hr)
    assert client.post(f"/training/people/{agent.pk}/promote/", {"tier": "two"}).status_code == 404
    assert client.get(f"/training/people/{agent.pk}/assess/?tier=x").status_code == 404
    response = client.post(
        "/training/tiers/setup/competency/", {"action": "remove_skill", "tier": "1; drop"}
    )
    assert response.status_code == 404
    assert client.get("/training/recognition/?window=forever&office=moon").status_code == 200
    assert client.get("/training/tiers/?team=abc&next_tier=x&ready=maybe").status_code == 200


def test_promote_never_redirects_off_site(as_user, hr, agent, ladder):
    response = as_user(hr).post(
        f"/training/people/{agent.pk}/promote/",
        {"tier": ladder[2].pk, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/training/tiers/"
