"""The idea board: workflow, reviewer rules, points awarded once to every author."""

import pytest

from training import services
from training.choices import IdeaStatus, RecognitionKind
from training.errors import Conflict, InvalidInput, NotAllowed
from training.models import Idea, Recognition

pytestmark = pytest.mark.django_db


def submit(by, **kw):
    return services.idea_submit(
        by=by,
        title=kw.pop("title", "Share the claim checklist"),
        description="Front office asks the right questions",
        **kw,
    )


def move(idea, status, by, **kw):
    return services.idea_transition(idea=idea, to_status=status, by=by, **kw)


def test_full_workflow_awards_authors_once(agent, back_agent, supervisor):
    idea = submit(agent, co_authors=[back_agent], office="")
    assert idea.status == IdeaStatus.SUBMITTED
    idea = move(idea, IdeaStatus.UNDER_REVIEW, supervisor)
    idea = move(idea, IdeaStatus.ACCEPTED, supervisor, notes="Pilot in Calls North")
    assert idea.decided_at is not None and "Pilot in Calls North" in idea.reviewer_notes
    idea = move(idea, IdeaStatus.IMPLEMENTED, supervisor, points=40)
    awards = Recognition.objects.filter(idea=idea).order_by("agent__username")
    assert [(r.agent.username, r.points, r.kind) for r in awards] == [
        ("agent", 40, RecognitionKind.IDEA_IMPLEMENTED),
        ("backagent", 40, RecognitionKind.IDEA_IMPLEMENTED),
    ]
    # Re-running the award pays nobody twice.
    assert services.idea_award_points(idea=idea) == 0
    assert services.idea_award_points(idea=idea) == 0
    assert Recognition.objects.filter(idea=idea).count() == 2


def test_illegal_moves_and_declines_need_a_reason(agent, hr):
    idea = submit(agent)
    with pytest.raises(InvalidInput) as err:
        move(idea, IdeaStatus.IMPLEMENTED, hr)
    assert err.value.field == "status"
    with pytest.raises(InvalidInput) as err:
        move(idea, IdeaStatus.DECLINED, hr)
    assert err.value.field == "reviewer_notes"
    with pytest.raises(InvalidInput) as err:
        move(idea, "shelved", hr)
    assert err.value.field == "status"
    idea = move(idea, IdeaStatus.DECLINED, hr, notes="Already done by the billing team")
    with pytest.raises(InvalidInput):
        move(idea, IdeaStatus.UNDER_REVIEW, hr)
    with pytest.raises(InvalidInput):
        services.idea_award_points(idea=idea)
    assert not Recognition.objects.exists()


def test_stale_review_is_a_conflict(agent, hr, supervisor):
    idea = submit(agent)
    stale = Idea.objects.get(pk=idea.pk)
    move(idea, IdeaStatus.UNDER_REVIEW, hr)
    with pytest.raises(Conflict):
        move(stale, IdeaStatus.UNDER_REVIEW, supervisor)


def test_only_managers_review_and_roles_submit(agent, other_agent, norole, qa):
    idea = submit(agent)
    for user in (agent, other_agent, qa):
        with pytest.raises(NotAllowed):
            move(idea, IdeaStatus.UNDER_REVIEW, user)
    with pytest.raises(NotAllowed):
        submit(norole)
    assert submit(qa).submitted_by == qa


def test_submit_validation(agent):
    with pytest.raises(InvalidInput) as err:
        services.idea_submit(by=agent, title="  ", description="x")
    assert err.value.field == "title"
    with pytest.raises(InvalidInput) as err:
        services.idea_submit(by=agent, title="x", description="", office="side")
    assert err.value.field == "description"
    with pytest.raises(InvalidInput) as err:
        services.idea_submit(by=agent, title="x", description="y", office="side")
    assert err.value.field == "office"
    assert not Idea.objects.exists()
