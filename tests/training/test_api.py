"""Training API: outcomes, role refusals, field-named errors, constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import User
from tests.factories import TeamFactory, make_user
from training import services
from training.models import AgentSkill, AgentTier, BuddyPairing, Enrollment, Idea, Recognition

pytestmark = pytest.mark.django_db

BASE = "/api/v1/training"


def test_anonymous_is_refused(api):
    for path in ("skills/", "agent-skills/", "tiers/", "ideas/", "recognitions/"):
        assert api.get(f"{BASE}/{path}").status_code in (401, 403)


def test_skills_read_by_all_written_by_hr(api_as, agent, hr, skills):
    assert api_as(agent).get(f"{BASE}/skills/").json()["count"] == 4
    r = api_as(agent).post(f"{BASE}/skills/", {"name": "Fraud"}, format="json")
    assert r.status_code == 403
    r = api_as(hr).post(f"{BASE}/skills/", {"name": "Fraud", "office": "back"}, format="json")
    assert r.status_code == 201 and r.json()["name"] == "Fraud"
    r = api_as(hr).post(f"{BASE}/skills/", {"name": "Fraud"}, format="json")
    assert r.status_code == 400 and "name" in r.json()["errors"]


def test_agent_skill_set_recomputes_tier(api_as, agent, supervisor, hr, ladder, skills):
    api = api_as(supervisor)
    for skill in ("calls", "claims"):
        r = api.post(
            f"{BASE}/agent-skills/",
            {"agent": agent.pk, "skill": skills[skill].pk, "level": 2},
            format="json",
        )
        assert r.status_code == 201, r.json()
        assert r.json()["level"] == 2 and r.json()["certified_by"] == supervisor.pk
    report = api.get(f"{BASE}/tiers/report/?ready=1").json()
    assert [(row["agent_name"], row["next_tier_name"]) for row in report["results"]] == [
        ("Agent", "Tier II")
    ]
    # HR confirms; a supervisor may not.
    tier2 = ladder[2].pk
    assert api.post(f"{BASE}/tiers/{tier2}/promote/", {"agent": agent.pk}).status_code == 403
    r = api_as(hr).post(f"{BASE}/tiers/{tier2}/promote/", {"agent": agent.pk}, format="json")
    assert r.status_code == 201 and r.json()["pay_differential_percent"] == "5.00"
    assert AgentTier.objects.get(agent=agent).tier_id == tier2
    r = api_as(hr).post(f"{BASE}/tiers/{tier2}/promote/", {"agent": agent.pk}, format="json")
    assert r.status_code == 409 and r.json()["errors"] == {"tier": ["Agent is already on Tier II."]}


def test_agent_skill_errors_name_the_field(api_as, agent, other_agent, supervisor, skills):
    api = api_as(supervisor)
    r = api.post(
        f"{BASE}/agent-skills/",
        {"agent": agent.pk, "skill": skills["calls"].pk, "level": 9},
        format="json",
    )
    assert r.status_code == 400 and "level" in r.json()["errors"]
    r = api.post(
        f"{BASE}/agent-skills/",
        {
            "agent": agent.pk,
            "skill": skills["calls"].pk,
            "level": 2,
            "certified_on": str(timezone.localdate()),
            "expires_on": str(timezone.localdate() - timedelta(days=1)),
        },
        format="json",
    )
    assert r.status_code == 400 and list(r.json()["errors"]) == ["expires_on"]
    r = api.post(f"{BASE}/agent-skills/", {"agent": 99999, "skill": 1, "level": 2}, format="json")
    assert r.status_code == 400 and "agent" in r.json()["errors"]
    # Another team's agent: refused by the service.
    r = api.post(
        f"{BASE}/agent-skills/",
        {"agent": other_agent.pk, "skill": skills["calls"].pk, "level": 2},
        format="json",
    )
    assert r.status_code == 403
    r = api_as(agent).post(
        f"{BASE}/agent-skills/",
        {"agent": agent.pk, "skill": skills["calls"].pk, "level": 5},
        format="json",
    )
    assert r.status_code == 403
    assert not AgentSkill.objects.exists()


def test_agents_see_only_their_own_skills(api_as, agent, other_agent, skills):
    AgentSkill.objects.create(agent=agent, skill=skills["calls"], level=3)
    AgentSkill.objects.create(agent=other_agent, skill=skills["calls"], level=4)
    rows = api_as(agent).get(f"{BASE}/agent-skills/").json()["results"]
    assert [(r["agent"], r["level"], r["current"]) for r in rows] == [(agent.pk, 3, True)]


def test_agent_skill_list_queries_are_constant(api_as, planner, skills, django_assert_num_queries):
    team = TeamFactory(name="T", office=Office.FRONT)
    for i in range(6):
        user = make_user(Role.AGENT, username=f"a{i}", team=team)
        for skill in skills.values():
            AgentSkill.objects.create(agent=user, skill=skill, level=2, certified_by=planner)
    api = api_as(planner)
    # 1 groups of the user (role check), 2 count, 3 page of rows joined to agent, skill and
    # certifier.
    with django_assert_num_queries(3):
        r = api.get(f"{BASE}/agent-skills/")
    assert r.json()["count"] == 24


def test_enrollments_flow(api_as, agent, supervisor, hr, expert_module):
    r = api_as(supervisor).post(
        f"{BASE}/enrollments/", {"agent": agent.pk, "module": expert_module.pk}, format="json"
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = api_as(supervisor).post(
        f"{BASE}/enrollments/", {"agent": agent.pk, "module": expert_module.pk}, format="json"
    )
    assert r.status_code == 409 and "module" in r.json()["errors"]
    r = api_as(agent).post(f"{BASE}/enrollments/{pk}/result/", {"score": 100}, format="json")
    assert r.status_code == 403
    r = api_as(hr).post(f"{BASE}/enrollments/{pk}/result/", {"score": 101}, format="json")
    assert r.status_code == 400 and "score" in r.json()["errors"]
    r = api_as(hr).post(f"{BASE}/enrollments/{pk}/result/", {"score": "76.5"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert r.json()["score"] == "76.50"
    assert api_as(agent).get(f"{BASE}/enrollments/").json()["count"] == 1


def test_pairings_api(api_as, agent, back_agent, supervisor, hr, planner):
    r = api_as(planner).post(
        f"{BASE}/pairings/", {"agent": agent.pk, "buddy": back_agent.pk}, format="json"
    )
    assert r.status_code == 403
    r = api_as(supervisor).get(f"{BASE}/pairings/suggest/").json()
    assert {(p["agent"], p["buddy"]) for p in r["pairs"]} == {
        (agent.pk, back_agent.pk),
        (back_agent.pk, agent.pk),
    }
    r = api_as(hr).post(f"{BASE}/pairings/apply/", {}, format="json")
    assert r.status_code == 200 and r.json()["created"] == 2
    assert BuddyPairing.objects.filter(ends_on__isnull=True).count() == 2
    rows = api_as(agent).get(f"{BASE}/pairings/").json()["results"]
    assert len(rows) == 2  # as agent and as buddy
    r = api_as(hr).post(f"{BASE}/pairings/apply/", {"cap": 0}, format="json")
    assert r.status_code == 400 and "cap" in r.json()["errors"]
    pk = rows[0]["id"]
    assert api_as(hr).post(f"{BASE}/pairings/{pk}/end/").status_code == 200
    assert api_as(hr).post(f"{BASE}/pairings/{pk}/end/").status_code == 409


def test_recognitions_and_leaderboard(api_as, agent, back_agent, other_agent, qa):
    r = api_as(agent).post(
        f"{BASE}/recognitions/",
        {"agent": back_agent.pk, "kind": "peer_kudos", "reason": "Quick turnaround"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["points"] == 5
    r = api_as(agent).post(
        f"{BASE}/recognitions/",
        {"agent": back_agent.pk, "kind": "goal_met", "reason": "x", "points": 10},
        format="json",
    )
    assert r.status_code == 403
    r = api_as(qa).post(
        f"{BASE}/recognitions/",
        {"agent": other_agent.pk, "kind": "qa_excellence", "reason": ""},
        format="json",
    )
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api_as(qa).post(
        f"{BASE}/recognitions/",
        {"agent": other_agent.pk, "kind": "qa_excellence", "reason": "Perfect", "points": 20},
        format="json",
    )
    assert r.status_code == 201
    board = api_as(agent).get(f"{BASE}/recognitions/leaderboard/").json()
    top = [(row["name"], row["points"]) for row in board["results"][:2]]
    # Across offices the index decides: back office's 5 points against a back-office average
    # of 5 per agent (index 100) and front office's 20 against 10 per agent (index 200).
    assert top == [("Otheragent", 20), ("Backagent", 5)]
    assert board["results"][0]["index"] == 200.0
    assert board["results"][1]["index"] == 100.0
    # The agent's own list: what they gave.
    mine = api_as(agent).get(f"{BASE}/recognitions/").json()
    assert mine["count"] == 1


def test_leaderboard_queries_are_constant(api_as, agent, django_assert_num_queries):
    team = TeamFactory(name="B", office=Office.BACK)
    for i in range(8):
        user = make_user(Role.AGENT, username=f"b{i}", team=team)
        Recognition.objects.create(agent=user, points=i + 1, kind="goal_met", reason="x")
    api = api_as(agent)
    # 1 role check, 2 headcount per office, 3 points per office, 4 count, 5 page.
    with django_assert_num_queries(5):
        r = api.get(f"{BASE}/recognitions/leaderboard/?office=back")
    assert [row["points"] for row in r.json()["results"][:3]] == [8, 7, 6]


def test_ideas_api(api_as, agent, supervisor, back_agent, django_assert_num_queries):
    r = api_as(agent).post(
        f"{BASE}/ideas/",
        {"title": "One form", "description": "Merge the two forms", "co_authors": [back_agent.pk]},
        format="json",
    )
    assert r.status_code == 201 and r.json()["co_authors"] == [back_agent.pk]
    pk = r.json()["id"]
    r = api_as(agent).post(f"{BASE}/ideas/", {"title": "", "description": "x"}, format="json")
    assert r.status_code == 400 and "title" in r.json()["errors"]
    assert (
        api_as(agent).post(f"{BASE}/ideas/{pk}/transition/", {"status": "under_review"}).status_code
        == 403
    )
    api = api_as(supervisor)
    for step in ("under_review", "accepted", "implemented"):
        r = api.post(f"{BASE}/ideas/{pk}/transition/", {"status": step}, format="json")
        assert r.status_code == 200 and r.json()["status"] == step
    r = api.post(f"{BASE}/ideas/{pk}/transition/", {"status": "declined"}, format="json")
    assert r.status_code == 400 and "status" in r.json()["errors"]
    assert Recognition.objects.filter(idea_id=pk).count() == 2
    for i in range(5):
        Idea.objects.create(title=f"I{i}", description="d", submitted_by=agent)
    api = api_as(User.objects.get(pk=agent.pk))  # a fresh user: roles not cached
    # 1 role check, 2 count, 3 page with submitter, 4 co-authors prefetch.
    with django_assert_num_queries(4):
        r = api.get(f"{BASE}/ideas/")
    assert r.json()["count"] == 6


def test_tier_list_and_report_queries(api_as, hr, ladder, skills, django_assert_num_queries):
    team = TeamFactory(name="T", office=Office.FRONT)
    for i in range(5):
        user = make_user(Role.AGENT, username=f"a{i}", team=team)
        services.agent_tier_recompute(agent=user)
    api = api_as(hr)
    # 1 role check, 2 count, 3 tiers with agent counts, 4 requirements with skills,
    # 5 modules.
    with django_assert_num_queries(5):
        r = api.get(f"{BASE}/tiers/")
    assert [(t["name"], t["agent_count"]) for t in r.json()["results"]] == [
        ("Tier I", 5),
        ("Tier II", 0),
        ("Tier III", 0),
    ]
    api = api_as(User.objects.get(pk=hr.pk))  # a fresh user: roles not cached
    # 1 role check, 2 count, 3 page joined to agent, team, tiers.
    with django_assert_num_queries(3):
        r = api.get(f"{BASE}/tiers/report/")
    assert r.json()["count"] == 5
    assert r.json()["results"][0]["current_tier"] == "Tier I"
    assert Enrollment.objects.count() == 0


@pytest.fixture
def filled(front_team, back_team, supervisor, hr, skills, expert_module):
    """Six agents with enrollments, pairings and recognitions."""
    fronts = [make_user(Role.AGENT, username=f"f{i}", team=front_team) for i in range(3)]
    backs = [make_user(Role.AGENT, username=f"b{i}", team=back_team) for i in range(3)]
    for person in fronts + backs:
        Enrollment.objects.create(agent=person, module=expert_module, enrolled_by=hr)
        Recognition.objects.create(agent=person, points=3, kind="goal_met", reason="x", given_by=hr)
    services.buddy_pairings_apply(by=hr)
    return fronts + backs


@pytest.mark.parametrize(
    "path, count, queries",
    [
        # count, page (any signed-in user reads: no role check)
        ("skills/", 4, 2),
        ("modules/", 1, 2),
        # role check, count, page joined to agent and module
        ("enrollments/", 6, 3),
        # role check, count, page joined to both people and their teams
        ("pairings/", 6, 3),
        # role check, count, page joined to agent and giver
        ("recognitions/", 6, 3),
    ],
)
def test_list_endpoints_constant_queries(
    api_as, hr, filled, path, count, queries, django_assert_num_queries
):
    api = api_as(User.objects.get(pk=hr.pk))
    with django_assert_num_queries(queries):
        response = api.get(f"{BASE}/{path}")
    assert response.json()["count"] == count


def test_agents_see_their_own_rows_only(api_as, filled):
    me = filled[0]
    api = api_as(me)
    assert [r["agent"] for r in api.get(f"{BASE}/enrollments/").json()["results"]] == [me.pk]
    assert {r["agent"] for r in api.get(f"{BASE}/recognitions/").json()["results"]} == {me.pk}
    pairings = api.get(f"{BASE}/pairings/").json()["results"]
    assert all(me.pk in (p["agent"], p["buddy"]) for p in pairings) and pairings
