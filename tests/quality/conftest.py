from datetime import timedelta

import pytest
from django.utils import timezone

from quality import services as quality_services
from tests.workitems.conftest import *  # noqa: F403
from workitems import services as work
from workitems.choices import Status
from workitems.models import WorkItem

FRONT_CRITERIA = [
    {"section": "Opening", "key": "greeting", "text": "Greets the customer", "weight": 10},
    {
        "section": "Opening",
        "key": "verify",
        "text": "Verifies identity",
        "weight": 20,
        "critical": True,
    },
    {
        "section": "Soft skills",
        "key": "empathy",
        "text": "Shows empathy",
        "weight": 30,
        "kind": "scale",
        "scale_max": 5,
        "na_allowed": True,
    },
    {
        "section": "Outcome",
        "key": "resolution",
        "text": "Resolves the request",
        "weight": 40,
        "na_allowed": True,
    },
    {
        "section": "Outcome",
        "key": "upsell",
        "text": "Offers a relevant product",
        "weight": 5,
        "na_allowed": True,
        "required": False,
    },
]
PERFECT = {"greeting": "yes", "verify": "yes", "empathy": 5, "resolution": "yes", "upsell": "yes"}

BACK_CRITERIA = [
    {
        "section": "Accuracy",
        "key": "accuracy",
        "text": "Decision is correct",
        "weight": 50,
        "critical": True,
    },
    {"section": "Accuracy", "key": "documentation", "text": "Notes complete", "weight": 30},
    {"section": "Customer", "key": "letter", "text": "Clear reply letter", "weight": 20},
]


@pytest.fixture
def front_card(qa):
    return quality_services.scorecard_save(
        by=qa, name="Front call", pass_mark=80, office="front", criteria=FRONT_CRITERIA
    )


@pytest.fixture
def back_card(qa):
    return quality_services.scorecard_save(
        by=qa, name="Back case", pass_mark=75, office="back", criteria=BACK_CRITERIA
    )


@pytest.fixture
def done_item(front_type):
    """``done_item(agent, work_type=None, completed_at=None)``: completed work of ``agent``."""

    def make(agent, work_type=None, completed_at=None, title="Customer question"):
        item = work.workitem_create(work_type=work_type or front_type, title=title)
        completed_at = completed_at or timezone.now()
        WorkItem.objects.filter(pk=item.pk).update(
            status=Status.DONE,
            assignee=agent,
            team=agent.team,
            started_at=completed_at - timedelta(minutes=5),
            completed_at=completed_at,
        )
        item.refresh_from_db()
        return item

    return make


@pytest.fixture
def draft(front_card, done_item, agent, qa):
    return quality_services.evaluation_create(item=done_item(agent), evaluator=qa)


@pytest.fixture
def submitted(draft, qa):
    return quality_services.evaluation_submit(
        evaluation=draft, by=qa, answers=dict(PERFECT, greeting="no")
    )
