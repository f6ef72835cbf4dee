"""Training pages: what they show, their main actions, and constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import User
from tests.factories import make_user
from training import services
from training.choices import EnrollmentStatus, IdeaStatus
from training.models import (
    AgentSkill,
    AgentTier,
    BuddyPairing,
    CompetencyAssessment,
    Enrollment,
    Idea,
    IncentiveScheme,
    Recognition,
    ShadowingSession,
    TrainingModule,
)

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.fixture
def crew(front_team, supervisor, hr, skills, ladder):
    """Five agents in the supervisor's team with skills, tiers and progress."""
    people = [make_user(Role.AGENT, username=f"crew{i}", team=front_team) for i in range(5)]
    for n, person in enumerate(people):
        services.agent_skill_set(agent=person, skill=skills["calls"], level=2 + n % 3, by=hr)
        services.agent_skill_set(agent=person, skill=skills["chat"], level=1 + n % 2, by=hr)
    return people


# --- Skills matrix -------------------------------------------------------------------------


def test_matrix_shows_gaps_and_is_constant(
    as_user, supervisor, crew, skills, front_team, hr, django_assert_num_queries
):
    AgentSkill.objects.filter(agent=crew[0], skill=skills["chat"]).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    AgentSkill.objects.filter(agent=crew[1], skill=skills["chat"]).update(
        expires_on=timezone.localdate() + timedelta(days=5)
    )
    client = as_user(fresh(supervisor))
    # session, user, roles, teams, count, page of agents with tiers, skills, cells, coverage
    with django_assert_num_queries(8):
        response = client.get("/training/skills/")
    assert response.context["team"] == front_team and response.context["can_edit"]
    html = response.content.decode()
    rows = {r["agent"].username: r for r in response.context["matrix"]["rows"]}
    states = {c["skill"].name: c["state"] for c in rows["crew0"]["cells"]}
    assert states == {
        "Inbound calls": "held",
        "Chat": "expired",
        "Billing casework": "none",
        "Claims casework": "none",
    }
    assert {c["skill"].name: c["state"] for c in rows["crew1"]["cells"]}["Chat"] == "expiring"
    assert rows["crew0"]["gaps"] == 1
    assert 'data-state="expired"' in html and 'data-state="expiring"' in html
    # The supervisor's own row (no Agent role) is not in the matrix.
    assert len(rows) == 5
    summary = {c["skill"].name: c["holders"] for c in response.context["matrix"]["summary"]}
    assert summary["Inbound calls"] == 5 and summary["Chat"] == 4
    # More agents, same queries.
    for i in range(5):
        make_user(Role.AGENT, username=f"more{i}", team=front_team)
    with django_assert_num_queries(8):
        client.get("/training/skills/")
    # A planner reads it without edit links.
    response = as_user(make_user(Role.PLANNER, username="p2")).get(
        f"/training/skills/?team={front_team.pk}"
    )
    assert not response.context["can_edit"]
    assert "/training/skills/" + str(crew[0].pk) not in response.content.decode()


def test_edit_cell_updates_level_and_tier(as_user, supervisor, agent, skills, ladder):
    client = as_user(supervisor)
    url = f"/training/skills/{agent.pk}/{skills['claims'].pk}/"
    assert "Not held yet" in client.get(url).content.decode()
    response = client.post(url, {"level": "9"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(
        url, {"level": "2", "certified_on": "2026-01-01", "expires_on": "2025-01-01"}
    )
    assert response.status_code == 400
    assert "Expiry must be after the certification date" in response.content.decode()
    assert not AgentSkill.objects.filter(agent=agent).exists()
    response = client.post(url, {"level": "3"})
    assert response.status_code == 302
    row = AgentSkill.objects.get(agent=agent, skill=skills["claims"])
    assert row.level == 3 and row.certified_by == supervisor
    assert AgentTier.objects.get(agent=agent).tier == ladder[1]
    client.post(url, {"remove": "1"})
    assert not AgentSkill.objects.filter(agent=agent).exists()


# --- Tiers ---------------------------------------------------------------------------------


def test_tier_report_lists_ready_and_lacks(
    as_user, hr, crew, skills, ladder, django_assert_num_queries
):
    services.agent_skill_set(agent=crew[0], skill=skills["claims"], level=2, by=hr)
    client = as_user(fresh(hr))
    # session, user, roles, count, page (agent, team, tiers joined), summary, teams, tiers
    with django_assert_num_queries(7):
        response = client.get("/training/tiers/")
    rows = response.context["rows"]
    assert [p.agent.username for p in rows][:1] == ["crew0"] and rows[0].ready
    html = response.content.decode()
    assert 'data-testid="promote-crew0"' in html
    assert "Claims casework L2 (has 0)" in html
    summary = {
        s["next_tier__name"]: (s["ready_count"], s["total"]) for s in response.context["summary"]
    }
    assert summary["Tier II"] == (1, 5)
    ready_only = client.get("/training/tiers/?ready=1").context["rows"]
    assert [p.agent.username for p in ready_only] == ["crew0"]
    for i in range(4):
        services.agent_tier_recompute(agent=make_user(Role.AGENT, username=f"x{i}"))
    with django_assert_num_queries(7):
        client.get("/training/tiers/")
    # HR promotes from the report.
    response = client.post(f"/training/people/{crew[0].pk}/promote/", {"tier": ladder[2].pk})
    assert response.status_code == 302
    assert AgentTier.objects.get(agent=crew[0]).tier == ladder[2]
    response = client.post(
        f"/training/people/{crew[1].pk}/promote/", {"tier": ladder[2].pk}, follow=True
    )
    assert "does not meet Tier II yet" in response.content.decode()


def test_tier_setup_and_requirement_edit(
    as_user, hr, ladder, skills, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = as_user(fresh(hr))
    # session, user, roles, tiers with counts, requirements with skills, modules,
    # active modules, then the form's tier and skill choices
    with django_assert_num_queries(8):
        response = client.get("/training/tiers/setup/")
    assert "Pay differential: <strong>5%</strong>" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/training/tiers/setup/competency/",
            {"action": "set", "tier": ladder[2].pk, "skill": skills["billing"].pk, "min_level": 3},
        )
    assert response.status_code == 302
    assert ladder[2].skill_requirements.get(skill=skills["billing"]).min_level == 3
    response = client.post(
        "/training/tiers/setup/competency/",
        {"action": "set", "tier": ladder[2].pk, "skill": skills["billing"].pk, "min_level": 7},
    )
    assert response.status_code == 400 and "min_level" in response.context["form"].errors


def test_agent_profile_and_assessment(
    as_user, hr, agent, skills, ladder, django_assert_num_queries
):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=hr)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=2, by=hr)
    client = as_user(fresh(hr))
    url = f"/training/people/{agent.pk}/assess/?tier={ladder[2].pk}"
    response = client.get(url)
    form = response.context["form"]
    assert [label for _, label in form.competencies] == [
        "Claims casework at level 2+",
        "Inbound calls at level 2+",
    ]
    assert form.fields[f"evidence_skill_{skills['calls'].pk}"].initial.startswith("Level 2")
    data = {"tier": ladder[2].pk, "decision": "promote", "qa_score": "150", "summary": "Ready"}
    for key, _ in form.competencies:
        data[f"rating_{key.replace(':', '_')}"] = "met"
    response = client.post(url, data)
    assert response.status_code == 400 and "qa_score" in response.context["form"].errors
    data["qa_score"] = "92"
    data.pop(f"rating_skill_{skills['calls'].pk}")
    response = client.post(url, data)
    assert response.status_code == 400
    assert f"rating_skill_{skills['calls'].pk}" in response.context["form"].errors
    assert not CompetencyAssessment.objects.exists()
    data[f"rating_skill_{skills['calls'].pk}"] = "met"
    response = client.post(url, data)
    assert response.status_code == 302
    assert AgentTier.objects.get(agent=agent).tier == ladder[2]
    # The profile shows the history; its queries do not grow with assessments.
    client = as_user(fresh(hr))
    # session, user, roles, agent, skills, tier, progress, enrollments, history, points,
    # buddy, assessments, their ratings, tiers
    with django_assert_num_queries(13):
        response = client.get(f"/training/people/{agent.pk}/")
    html = response.content.decode()
    assert "Promotion: Tier I" in html and "5%" in html
    assert "Claims casework at level 2+: Meets" in html


def test_assessment_promote_refused_shows_decision_error(as_user, hr, agent, skills, ladder):
    client = as_user(hr)
    url = f"/training/people/{agent.pk}/assess/?tier={ladder[2].pk}"
    form = client.get(url).context["form"]
    data = {"tier": ladder[2].pk, "decision": "promote"}
    for key, _ in form.competencies:
        data[f"rating_{key.replace(':', '_')}"] = "partly"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "does not meet Tier II yet" in response.content.decode()
    assert not CompetencyAssessment.objects.exists()


# --- Agent pages ---------------------------------------------------------------------------


def test_my_development_page(
    as_user, agent, back_agent, hr, skills, ladder, django_assert_num_queries
):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=3, by=hr)
    services.buddy_pair(agent=agent, buddy=back_agent, by=hr)
    services.recognition_give(agent=agent, by=back_agent, kind="peer_kudos", reason="Thanks")
    client = as_user(fresh(agent))
    # session, user, roles, skills, tier, progress, enrollments, history, points, buddy
    with django_assert_num_queries(9):
        response = client.get("/training/")
    html = response.content.decode()
    assert "Tier I" in html and "Claims casework at level 2 (you have level 0)" in html
    assert "Backagent" in html and 'data-testid="my-points">5<' in html


def test_my_buddy_page(as_user, agent, back_agent, other_agent, hr, django_assert_num_queries):
    services.buddy_pair(agent=agent, buddy=back_agent, by=hr)
    services.buddy_pair(agent=back_agent, buddy=agent, by=hr)
    client = as_user(fresh(agent))
    # session, user, roles, my pairing, who has me, escalations to me, escalations by me
    with django_assert_num_queries(6):
        response = client.get("/training/buddy/")
    assert response.context["pairing"].buddy == back_agent
    assert [p.agent for p in response.context["buddy_of"]] == [back_agent]


def test_my_buddy_lists_open_escalations(as_user, agent, back_agent, hr, supervisor):
    # Training never imports workitems; this test checks the buddy page's reader against
    # the real escalate service.
    from workitems import services as work
    from workitems.models import AgentPresence, WorkItem, WorkType

    services.buddy_pair(agent=agent, buddy=back_agent, by=hr)
    wt = WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel="call",
        sla=timedelta(hours=1),
        standard_minutes=5,
    )
    item = WorkItem.objects.create(work_type=wt, title="Angry caller")
    item = work.workitem_assign(item=item, to=agent, by=supervisor)

    AgentPresence.objects.update_or_create(agent=back_agent, defaults={"state": "available"})
    work.workitem_escalate(item=item, by=agent, note="Needs a refund now")
    mine = as_user(agent).get("/training/buddy/").context["escalations"]
    assert [e["title"] for e in mine["by_me"]] == ["Angry caller"]
    theirs = as_user(back_agent).get("/training/buddy/").context["escalations"]
    assert [(e["title"], e["person"]) for e in theirs["to_me"]] == [("Angry caller", "agent")]


def test_my_buddy_page_without_an_escalation_reader(monkeypatch, as_user, agent):
    # The reader comes from workitems (registered when it is ready); without it, none.
    from training import escalations

    monkeypatch.setattr(escalations, "_reader", None)
    response = as_user(agent).get("/training/buddy/")
    assert response.context["escalations"] == {"to_me": [], "by_me": []}
    assert "None." in response.content.decode()


def test_newhire_module_quiz(as_user, agent):
    from training import newhire

    client = as_user(agent)
    response = client.get("/training/welcome/")
    assert "Front office to back office" in response.content.decode()
    response = client.post("/training/welcome/", {"q1": "a"})
    assert response.status_code == 400 and "q2" in response.context["form"].errors
    wrong = {
        q.key: q.options[0][0] if q.answer != q.options[0][0] else q.options[1][0]
        for q in newhire.QUESTIONS
    }
    client.post("/training/welcome/", wrong)
    enrollment = Enrollment.objects.get(agent=agent)
    assert enrollment.status == EnrollmentStatus.FAILED and enrollment.score == 0
    right = {q.key: q.answer for q in newhire.QUESTIONS}
    response = client.post("/training/welcome/", right, follow=True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.attempts == 2
    assert "Passed with 100%" in response.content.decode()


# --- Modules -------------------------------------------------------------------------------


def test_module_pages(
    as_user, hr, supervisor, agent, other_agent, expert_module, django_assert_num_queries
):
    client = as_user(fresh(hr))
    # session, user, roles, count, page with enrolment counts
    with django_assert_num_queries(4):
        response = client.get("/training/modules/")
    assert [m.title for m in response.context["modules"]] == ["Complex claims"]
    response = client.post(
        "/training/modules/new/",
        {"title": "Complex claims", "kind": "classroom", "duration_minutes": 60, "pass_mark": 70},
    )
    assert response.status_code == 400 and "title" in response.context["form"].errors
    response = client.post(
        "/training/modules/new/",
        {"title": "Chat etiquette", "kind": "elearning", "duration_minutes": 30, "pass_mark": 80},
    )
    module = TrainingModule.objects.get(title="Chat etiquette")
    assert response.status_code == 302 and module.slug == "chat-etiquette"
    # A supervisor enrols their own agent only.
    sup = as_user(fresh(supervisor))
    response = sup.post(f"/training/modules/{module.pk}/", {"agent": other_agent.pk})
    assert response.status_code == 400 and "agent" in response.context["enroll_form"].errors
    assert sup.post(f"/training/modules/{module.pk}/", {"agent": agent.pk}).status_code == 302
    enrollment = Enrollment.objects.get(agent=agent, module=module)
    for i in range(4):
        Enrollment.objects.create(
            agent=make_user(Role.AGENT, username=f"e{i}", team=agent.team), module=module
        )
    sup = as_user(fresh(supervisor))
    # session, user, roles, module, count, page (agent, team), enrol form's agent choices
    with django_assert_num_queries(6):
        response = sup.get(f"/training/modules/{module.pk}/")
    assert len(response.context["enrollments"]) == 5
    response = sup.post(f"/training/enrollments/{enrollment.pk}/result/", {"score": "85"})
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.score == 85


# --- Shadowing -----------------------------------------------------------------------------


def test_shadowing_page_books_and_refuses_clash(
    as_user, hr, agent, back_agent, django_assert_num_queries
):
    client = as_user(hr)
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=0)
    data = {
        "participant": agent.pk,
        "host": back_agent.pk,
        "host_area": "back_office",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 120,
    }
    assert client.post("/training/shadowing/", data).status_code == 302
    data["starts_at"] = (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/training/shadowing/", data)
    assert response.status_code == 400 and "Clashes with" in response.content.decode()
    assert ShadowingSession.objects.count() == 1
    for i in range(3):
        ShadowingSession.objects.create(
            participant=agent,
            host=back_agent,
            host_area="back_office",
            starts_at=start + timedelta(days=i + 1),
            ends_at=start + timedelta(days=i + 1, hours=1),
            duration_minutes=60,
        )
    client = as_user(fresh(hr))
    # session, user, roles, count, page (both people and teams), form's participant and
    # host choices, and the same two lists in the "Find a time" (availability) form
    with django_assert_num_queries(8):
        response = client.get("/training/shadowing/")
    assert len(response.context["sessions"]) == 4
    # The participant reflects once the session has started.
    past = ShadowingSession.objects.first()
    ShadowingSession.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    agent_client = as_user(fresh(agent))
    # session, user, roles, count, page
    with django_assert_num_queries(4):
        page = agent_client.get("/training/shadowing/")
    assert page.context["form"] is None
    agent_client.post(f"/training/shadowing/{past.pk}/", {"reflection": "Learnt the triage"})
    past.refresh_from_db()
    assert past.participant_reflection == "Learnt the triage" and past.status == "completed"


# --- Buddies -------------------------------------------------------------------------------


def test_pairings_page_apply_and_pair(
    as_user, hr, agent, back_agent, other_agent, django_assert_num_queries
):
    client = as_user(hr)
    response = client.get("/training/buddies/?preview=1")
    assert len(response.context["preview"]["pairs"]) == 3
    assert client.post("/training/buddies/apply/").status_code == 302
    assert BuddyPairing.objects.filter(ends_on__isnull=True).count() == 3
    response = client.post("/training/buddies/pair/", {"agent": agent.pk, "buddy": other_agent.pk})
    assert response.status_code == 400 and "other office" in response.content.decode()
    client = as_user(fresh(hr))
    # session, user, roles, count, page with buddy loads, unpaired, agent and buddy choices
    with django_assert_num_queries(7):
        response = client.get("/training/buddies/")
    # Both front-office agents have the one back-office agent as their buddy (load 2).
    loads = {
        p.agent.username: (p.buddy.username, p.buddy_load) for p in response.context["pairings"]
    }
    assert loads["agent"] == ("backagent", 2) and loads["otheragent"] == ("backagent", 2)
    assert loads["backagent"][1] == 1


# --- Recognition ---------------------------------------------------------------------------


def test_leaderboard_normalises_offices(
    as_user, agent, other_agent, back_agent, qa, django_assert_num_queries
):
    Recognition.objects.create(agent=agent, points=30, kind="goal_met", reason="x")
    Recognition.objects.create(agent=other_agent, points=10, kind="goal_met", reason="x")
    Recognition.objects.create(agent=back_agent, points=15, kind="goal_met", reason="x")
    client = as_user(fresh(qa))
    # session, user, roles, office headcounts, office points, count, agent page, team board
    with django_assert_num_queries(7):
        response = client.get("/training/recognition/")
    board = [(a.username, a.points, round(a.index)) for a in response.context["agents"]]
    # Front: 40 points over 2 agents = 20 each; back: 15 over 1.
    assert board == [("agent", 30, 150), ("backagent", 15, 100), ("otheragent", 10, 50)]
    teams = {t.name: (t.headcount, t.points, round(t.index)) for t in response.context["teams"]}
    assert teams["Back A"] == (1, 15, 100) and teams["Front A"] == (1, 30, 150)
    front = client.get("/training/recognition/?office=front").context["agents"]
    assert [a.username for a in front] == ["agent", "otheragent"]
    for i in range(4):
        make_user(Role.AGENT, username=f"b{i}", team=back_agent.team)
    client = as_user(fresh(qa))
    with django_assert_num_queries(7):
        client.get("/training/recognition/")


def test_give_kudos_and_statement(as_user, agent, back_agent, django_assert_num_queries):
    client = as_user(agent)
    kinds = [
        k
        for k, _ in client.get("/training/recognition/give/").context["form"].fields["kind"].choices
    ]
    assert kinds == ["peer_kudos"]
    response = client.post(
        "/training/recognition/give/", {"agent": back_agent.pk, "kind": "peer_kudos", "reason": ""}
    )
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    response = client.post(
        "/training/recognition/give/",
        {"agent": back_agent.pk, "kind": "peer_kudos", "reason": "Sorted my refund case"},
    )
    assert response.status_code == 302
    for i in range(3):
        Recognition.objects.create(agent=back_agent, points=i + 1, kind="goal_met", reason="x")
    client = as_user(fresh(back_agent))
    # session, user, roles, totals by kind, count, page
    with django_assert_num_queries(5):
        response = client.get("/training/points/")
    assert response.context["totals"]["total"] == 11
    assert "Sorted my refund case" in response.content.decode()


def test_schemes_page(as_user, hr, django_assert_num_queries):
    client = as_user(hr)
    data = {
        "name": "SLA week",
        "kpi": "sla_attainment",
        "scope_kind": "team",
        "comparison": "gte",
        "threshold": "90",
        "period": "week",
        "points": "20",
    }
    assert client.post("/training/incentives/", data).status_code == 302
    response = client.post("/training/incentives/", data)
    assert response.status_code == 400 and "name" in response.context["form"].errors
    assert IncentiveScheme.objects.count() == 1
    client = as_user(fresh(hr))
    # session, user, roles, count, page with award counts
    with django_assert_num_queries(4):
        response = client.get("/training/incentives/")
    assert response.context["schemes"][0].award_count == 0


# --- Ideas ---------------------------------------------------------------------------------


def test_idea_board_submit_review_award(
    as_user, agent, back_agent, supervisor, django_assert_num_queries
):
    client = as_user(agent)
    response = client.post("/training/ideas/", {"title": "", "description": "x"})
    assert response.status_code == 400 and "title" in response.context["form"].errors
    response = client.post(
        "/training/ideas/",
        {
            "title": "Shared glossary",
            "description": "One list of terms",
            "co_authors": [back_agent.pk],
        },
    )
    idea = Idea.objects.get()
    assert response.status_code == 302 and list(idea.co_authors.all()) == [back_agent]
    assert as_user(agent).get(f"/training/ideas/{idea.pk}/").context["form"] is None
    assert client.post(f"/training/ideas/{idea.pk}/", {"status": "under_review"}).status_code == 403
    sup = as_user(supervisor)
    for status in ("under_review", "accepted", "implemented"):
        assert sup.post(f"/training/ideas/{idea.pk}/", {"status": status}).status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.IMPLEMENTED
    assert Recognition.objects.filter(idea=idea).count() == 2
    response = sup.post(f"/training/ideas/{idea.pk}/", {"status": "declined"})
    assert response.status_code == 400
    for i in range(4):
        Idea.objects.create(title=f"I{i}", description="d", submitted_by=back_agent)
    client = as_user(fresh(agent))
    # session, user, roles, count, page with submitters, co-authors, form's people choices
    with django_assert_num_queries(6):
        response = client.get("/training/ideas/")
    assert len(response.context["ideas"]) == 5
    client = as_user(fresh(agent))
    # session, user, roles, idea (submitter, reviewer), co-authors, awards
    with django_assert_num_queries(5):
        response = client.get(f"/training/ideas/{idea.pk}/")
    assert "Agent: +25" in response.content.decode()
