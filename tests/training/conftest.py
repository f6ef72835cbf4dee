"""Training fixtures: skills of both offices and a three-tier ladder.

Tier I has no requirements (everyone starts there), Tier II is "cross-trained" (a skill of
each office at level 2 or more), Tier III is expert in both, with a module.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ccops.choices import Office, Role
from tests.factories import make_user
from training.choices import ModuleKind
from training.models import Skill, Tier, TierSkillRequirement, TrainingModule


@pytest.fixture
def skills(db):
    return {
        "calls": Skill.objects.create(name="Inbound calls", office=Office.FRONT),
        "chat": Skill.objects.create(name="Chat", office=Office.FRONT),
        "claims": Skill.objects.create(name="Claims casework", office=Office.BACK),
        "billing": Skill.objects.create(name="Billing casework", office=Office.BACK),
    }


@pytest.fixture
def expert_module(db):
    return TrainingModule.objects.create(
        title="Complex claims",
        slug="complex-claims",
        kind=ModuleKind.CLASSROOM,
        duration_minutes=240,
        pass_mark=75,
    )


@pytest.fixture
def ladder(skills, expert_module):
    t1 = Tier.objects.create(name="Tier I", rank=1)
    t2 = Tier.objects.create(name="Tier II", rank=2, pay_differential_percent=Decimal("5.00"))
    t3 = Tier.objects.create(
        name="Tier III",
        rank=3,
        pay_differential_percent=Decimal("10.00"),
        pay_differential_hourly=Decimal("1.50"),
    )
    for tier, skill, level in [
        (t2, "calls", 2),
        (t2, "claims", 2),
        (t3, "calls", 3),
        (t3, "claims", 3),
    ]:
        TierSkillRequirement.objects.create(tier=tier, skill=skills[skill], min_level=level)
    t3.required_modules.add(expert_module)
    return {1: t1, 2: t2, 3: t3}


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


@pytest.fixture
def hire(db):
    """``hire(office_team, username, days)``: an agent hired ``days`` ago."""

    def make(team, username, days=400, **extra):
        return make_user(
            Role.AGENT, username=username, team=team, hire_date=days_ago(days), **extra
        )

    return make


@pytest.fixture
def as_user(client):
    def login(user):
        # A new session each time: messages left by an earlier POST are not rendered (and
        # written back) by the next page, so query counts are the page's own.
        client.logout()
        client.force_login(user)
        return client

    return login
