"""Awards by hand are scoped and capped (issue 20, finding 3): a supervisor awards goal or
QA points to the agents of the teams they lead only (HR and admins: anyone; QA gives QA
excellence to anyone), and an agent receives at most ``awards_per_agent_per_day()`` awards
of each kind a day from everyone together, also when the awards are posted at once."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from ccops.choices import Role
from tests.factories import make_user
from tests.services import require_postgres
from tests.training.test_concurrency import race
from training import services
from training.choices import RecognitionKind
from training.errors import InvalidInput, NotAllowed
from training.models import IncentiveScheme, Recognition
from training.services.recognition import awards_per_agent_per_day

GIVE = "/training/recognition/give/"
API = "/api/v1/training/recognitions/"


def award(agent, by, kind="goal_met", points=10):
    return services.recognition_give(
        agent=agent, by=by, kind=kind, reason="Well done", points=points
    )


@pytest.mark.django_db
def test_supervisor_awards_only_their_teams_agents(agent, back_agent, other_agent, supervisor):
    for kind in ("goal_met", "qa_excellence"):
        for outsider in (back_agent, other_agent):
            with pytest.raises(NotAllowed):
                award(outsider, supervisor, kind)
    assert not Recognition.objects.exists()
    assert award(agent, supervisor).points == 10  # Front A's agent: theirs
    assert award(agent, supervisor, "qa_excellence").kind == RecognitionKind.QA_EXCELLENCE


@pytest.mark.django_db
def test_hr_admin_and_qa_award_anyone(back_agent, other_agent, hr, qa, admin_user):
    award(back_agent, hr)
    award(other_agent, admin_user)
    award(back_agent, qa, "qa_excellence")
    with pytest.raises(NotAllowed):
        award(other_agent, qa, "goal_met")  # QA gives QA excellence only
    assert Recognition.objects.count() == 3


@pytest.mark.django_db
def test_each_kind_capped_per_agent_per_day_across_givers(agent, supervisor, hr, qa):
    assert awards_per_agent_per_day() == 1
    award(agent, supervisor)
    for giver in (supervisor, hr):
        with pytest.raises(InvalidInput) as err:
            award(agent, giver)
        assert err.value.field == "agent" and "the most for one day" in err.value.message
    # Another kind has its own cap; kudos are not awards (their limit is per giver).
    award(agent, qa, "qa_excellence")
    with pytest.raises(InvalidInput):
        award(agent, supervisor, "qa_excellence")
    services.recognition_give(agent=agent, by=make_user(Role.AGENT), kind="peer_kudos", reason="x")
    assert Recognition.objects.filter(agent=agent).count() == 3


@pytest.mark.django_db
def test_cap_counts_today_by_hand_only_and_follows_the_setting(agent, supervisor, hr):
    yesterday = timezone.localdate() - timedelta(days=1)
    Recognition.objects.create(
        agent=agent, kind="goal_met", points=5, reason="x", given_by=hr, given_on=yesterday
    )
    scheme = IncentiveScheme.objects.create(
        name="SLA", kpi="sla", scope_kind="agent", comparison="gte", threshold=1, points=5
    )
    Recognition.objects.create(
        agent=agent,
        kind="goal_met",
        points=5,
        reason="x",
        scheme=scheme,
        period_start=timezone.localdate(),
    )  # a scheme's automatic award: not by hand
    award(agent, supervisor)
    with override_settings(RECOGNITION_AWARDS_PER_AGENT_PER_DAY=2):
        award(agent, hr)
        with pytest.raises(InvalidInput):
            award(agent, supervisor)
    assert Recognition.objects.filter(agent=agent, given_on=timezone.localdate()).count() == 3


@pytest.mark.django_db
def test_give_page_refuses_another_team_and_the_second_award(
    as_user, agent, back_agent, supervisor
):
    client = as_user(supervisor)
    data = {"kind": "goal_met", "reason": "Target met", "points": 10}
    assert client.post(GIVE, {**data, "agent": back_agent.pk}).status_code == 403
    assert not Recognition.objects.filter(agent=back_agent).exists()
    assert client.post(GIVE, {**data, "agent": agent.pk}).status_code == 302
    again = client.post(GIVE, {**data, "agent": agent.pk})
    assert again.status_code == 400
    assert "the most for one day" in str(again.context["form"].errors["agent"])
    assert Recognition.objects.filter(agent=agent).count() == 1


@pytest.mark.django_db
def test_api_refuses_another_team_and_the_second_award(api_as, agent, back_agent, supervisor):
    client = api_as(supervisor)
    data = {"kind": "qa_excellence", "reason": "Perfect score", "points": 20}
    refused = client.post(API, {**data, "agent": back_agent.pk}, format="json")
    assert refused.status_code == 403
    assert not Recognition.objects.filter(agent=back_agent).exists()
    given = client.post(API, {**data, "agent": agent.pk}, format="json")
    assert given.status_code == 201 and given.json()["points"] == 20
    again = client.post(API, {**data, "agent": agent.pk}, format="json")
    assert again.status_code == 400 and "agent" in again.json()["errors"]
    assert Recognition.objects.filter(agent=agent).count() == 1


@pytest.mark.django_db(transaction=True)
def test_cap_holds_under_concurrent_awards(agent, supervisor, hr):
    """Six awards posted at once by two givers, each on its own connection: one is paid
    (the lock on the agent's row queues the others behind the first insert)."""
    require_postgres()
    for user in (supervisor, hr):
        user.has_role(Role.HR)  # roles loaded before the threads start
    givers = [supervisor, hr] * 3
    results, errors = race([lambda by=by: award(agent, by) for by in givers])
    assert sum(r is not None for r in results) == awards_per_agent_per_day() == 1
    assert all(isinstance(e, InvalidInput) for e in errors if e is not None)
    assert Recognition.objects.filter(agent=agent, kind="goal_met").count() == 1
