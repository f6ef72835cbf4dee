"""Quality tells the agent: an evaluation of theirs submitted, their dispute resolved."""

import pytest

from ccops.notification_models import Notification
from quality import services
from quality.errors import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(submitted, agent):
    return services.evaluation_dispute(evaluation=submitted, by=agent, reason="I did greet")


def test_the_agent_is_told_of_a_submitted_evaluation(submitted, agent, qa):
    (note,) = Notification.objects.all()
    assert (note.user, note.kind) == (agent, "evaluation_submitted")
    assert note.title == f"Evaluation #{submitted.pk} submitted: {submitted.score}%"
    assert note.url == f"/quality/evaluations/{submitted.pk}/"
    assert not Notification.objects.filter(user=qa).exists()


def test_the_agent_is_told_how_their_dispute_ended(disputed, agent, qa):
    services.evaluation_resolve(
        evaluation=disputed, by=qa, outcome="upheld", reason="Recording shows no greeting"
    )
    note = Notification.objects.get(kind="dispute_resolved")
    assert note.user == agent and "was upheld" in note.title
    assert note.body == "Recording shows no greeting"


def test_a_refused_resolution_tells_nobody(disputed, other_agent):
    with pytest.raises(NotAllowed):
        services.evaluation_resolve(
            evaluation=disputed, by=other_agent, outcome="upheld", reason="x"
        )
    assert not Notification.objects.filter(kind="dispute_resolved").exists()
