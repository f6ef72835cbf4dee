"""The agent's average score weighted by work type (issue 23), on My quality and in the
weekly sample's proportional draw."""

from datetime import timedelta

import pytest
from django.db.models import Count

from quality import selectors, services
from quality.models import Evaluation
from tests.factories import make_front_type

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_type(front_type):
    return make_front_type(front_type.owning_team, front_type.required_skill, name="Chats")


def test_weighted_average_counts_work_types_by_their_share_of_the_work(
    client, agent, qa, front_card, done_item, chat_type
):
    """Four calls and one chat completed; one of each evaluated: call 100, chat 90.48.
    Unweighted (100 + 90.48) / 2 = 95.24; weighted .8 * 100 + .2 * 90.48 = 98.10."""
    calls = [done_item(agent) for _ in range(4)]
    chat = done_item(agent, work_type=chat_type)
    services.evaluation_start(item=calls[0], evaluator=qa, answers=PERFECT, submit=True)
    services.evaluation_start(
        item=chat, evaluator=qa, answers=dict(PERFECT, greeting="no"), submit=True
    )
    estimate = selectors.agent_weighted_score(agent)
    assert estimate.unweighted_mean == pytest.approx(95.24)
    assert estimate.mean == pytest.approx(0.8 * 100 + 0.2 * 90.48)
    assert estimate.weights[chat_type.pk] == pytest.approx(0.2 / 0.5)
    client.force_login(agent)
    html = client.get("/quality/mine/").content.decode()
    assert 'data-testid="weighted-score">98.10%' in html and ">weighted</span>" in html
    assert 'data-testid="mean-score">95.24%' in html


def test_weekly_sample_is_proportional_by_work_type(qa, agent, front_card, done_item, chat_type):
    week = services.previous_week_start()
    start, _ = services.week_bounds(week)
    for i in range(8):
        done_item(agent, completed_at=start + timedelta(hours=9 + i))
    for i in range(2):
        done_item(agent, work_type=chat_type, completed_at=start + timedelta(days=1, hours=i))
    services.sample_draw(week_start=week, per_agent=5, seed="s")
    drawn = dict(
        Evaluation.objects.values_list("work_type__name").annotate(n=Count("id")).order_by()
    )
    # 80% calls, 20% chats: 4 and 1 (an equal draw would give 3 and 2).
    assert drawn == {"Calls": 4, "Chats": 1}
