"""Audit trail of skills and tiers: agents' skill levels, tier assignments, tiers and their
competencies record who changed what and when, shown to supervisors and admins."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ccops.audit import history_rows_for
from training import services
from training.models import AgentSkill, AgentTier, Tier, TierSkillRequirement

pytestmark = pytest.mark.django_db


def skill_url(agent, skill):
    return reverse("training:agent_skill_edit", args=[agent.pk, skill.pk])


def test_skill_changes_through_the_page_record_who_when_and_what(
    client, supervisor, agent, skills, ladder
):
    client.force_login(supervisor)
    url = skill_url(agent, skills["calls"])
    before = timezone.now()
    assert client.post(url, {"level": 2}).status_code == 302
    assert client.post(url, {"level": 4}).status_code == 302
    row = AgentSkill.objects.get(agent=agent, skill=skills["calls"])
    assert client.post(url, {"remove": "1"}).status_code == 302

    records = list(row.history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~", "-"]
    assert {r.history_user for r in records} == {supervisor}
    assert all(before <= r.history_date <= timezone.now() for r in records)
    rows = history_rows_for(AgentSkill.history.filter(agent_id=agent.pk), label_field="skill")
    assert [(r.action, r.label) for r in rows] == [
        ("Deleted", "Inbound calls"),
        ("Changed", "Inbound calls"),
        ("Created", "Inbound calls"),
    ]
    assert [(c.field, c.old, c.new) for c in rows[1].changes] == [("level", "2", "4")]

    page = client.get(url).content.decode()  # the removed skill's trail stays on its page
    assert 'data-testid="audit-history"' in page and "Level: 2 &rarr; 4" in page


def test_hr_edits_skills_but_the_history_is_for_supervisors_and_admins(
    client, hr, admin_user, agent, skills
):
    client.force_login(hr)
    url = skill_url(agent, skills["chat"])
    client.post(url, {"level": 3})
    assert AgentSkill.history.get().history_user == hr
    response = client.get(url)
    assert response.status_code == 200 and response.context["show_history"] is False
    assert 'data-testid="audit-history"' not in response.content.decode()
    client.force_login(admin_user)
    assert "Created" in client.get(url).content.decode()


def test_tier_assignment_history_names_hr_and_the_nightly_system(
    client, hr, supervisor, agent, skills, ladder
):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=supervisor)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=2, by=supervisor)
    services.tier_promote(agent=agent, tier=ladder[2], by=hr)
    # The claims certification lapses; the nightly recompute (no user) demotes the agent.
    AgentSkill.objects.filter(agent=agent, skill=skills["claims"]).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    services.tiers_recompute_all()

    rows = history_rows_for(AgentTier.history.filter(agent_id=agent.pk))
    assert [(r.action, r.who) for r in rows] == [
        ("Changed", "system"),
        ("Changed", str(hr)),
        ("Created", str(supervisor)),  # placed on the entry tier by the first skill change
    ]
    assert [(c.field, c.old, c.new) for c in rows[0].changes if c.field == "tier"] == [
        ("tier", "Tier II", "Tier I")
    ]

    client.force_login(supervisor)
    page = client.get(reverse("training:agent_profile", args=[agent.pk])).content.decode()
    assert 'data-testid="audit-tier"' in page and 'data-testid="audit-skills"' in page
    assert "Tier: Tier II &rarr; Tier I" in page
    client.force_login(hr)
    page = client.get(reverse("training:agent_profile", args=[agent.pk])).content.decode()
    assert 'data-testid="audit-tier"' not in page


def test_tier_competency_changes_on_the_tier_setup_page(
    client, hr, supervisor, skills, ladder, expert_module
):
    client.force_login(hr)
    setup = reverse("training:tier_requirement")
    client.post(setup, {"action": "set", "tier": ladder[2].pk, "skill": skills["calls"].pk,
                        "min_level": 3})  # fmt: skip
    client.post(setup, {"action": "remove_skill", "tier": ladder[2].pk,
                        "skill": skills["claims"].pk})  # fmt: skip
    client.post(setup, {"action": "remove_module", "tier": ladder[3].pk,
                        "module": expert_module.pk})  # fmt: skip
    reqs = TierSkillRequirement.history.filter(history_user=hr).order_by("history_id")
    assert [(r.history_type, r.skill_id, r.min_level) for r in reqs] == [
        ("~", skills["calls"].pk, 3),
        ("-", skills["claims"].pk, 2),
    ]
    module_change = Tier.history.filter(id=ladder[3].pk).latest()
    assert module_change.history_user == hr
    assert module_change.history_change_reason == "No longer requires module Complex claims"

    client.force_login(supervisor)
    page = client.get(reverse("training:tier_setup")).content.decode()
    assert 'data-testid="audit-requirements"' in page and "Min level: 2 &rarr; 3" in page
    assert "No longer requires module Complex claims" in page
    client.force_login(hr)
    page = client.get(reverse("training:tier_setup")).content.decode()
    assert 'data-testid="audit-requirements"' not in page


def test_agent_profile_queries_do_not_grow_with_the_history(
    client, supervisor, hr, agent, skills, ladder
):
    url = reverse("training:agent_profile", args=[agent.pk])
    client.force_login(supervisor)
    # Two records already: every kind of query the History makes (records, predecessors,
    # users and skills named) is in the first measure too.
    services.agent_skill_set(agent=agent, skill=skills["chat"], level=1, by=supervisor)
    services.agent_skill_set(agent=agent, skill=skills["chat"], level=2, by=hr)
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for i in range(60):
        services.agent_skill_set(
            agent=agent, skill=skills["chat"], level=i % 5 + 1, by=hr if i % 2 else supervisor
        )
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert len(response.context["audit_skills"]) == 50
    assert len(long) == len(short), "\n".join(q["sql"] for q in long.captured_queries)
