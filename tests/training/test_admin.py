"""Django admin: every training model has a working changelist (with search and filters)."""

import pytest

from ccops.demo import new_context, seed_people
from training import demo as training_demo

pytestmark = pytest.mark.django_db

MODELS = [
    "skill",
    "agentskill",
    "tier",
    "tierskillrequirement",
    "agenttier",
    "tierprogress",
    "tierchange",
    "competencyassessment",
    "competencyrating",
    "trainingmodule",
    "enrollment",
    "shadowingsession",
    "buddypairing",
    "incentivescheme",
    "recognition",
    "idea",
]


def test_admin_changelists(client, admin_user):
    ctx = new_context(1)
    seed_people(ctx, agents=8)
    training_demo.seed(ctx)
    client.force_login(admin_user)
    for model in MODELS:
        url = f"/admin/training/{model}/"
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "a"}).status_code == 200, url
