from datetime import timedelta

import pytest

from ccops.choices import Office
from training.models import AgentSkill, BuddyPairing, Skill
from workitems import services
from workitems.choices import Channel, PresenceState
from workitems.models import Customer, WorkType


@pytest.fixture
def call_skill(db):
    return Skill.objects.create(name="Inbound calls", office=Office.FRONT)


@pytest.fixture
def claims_skill(db):
    return Skill.objects.create(name="Claims casework", office=Office.BACK)


@pytest.fixture
def front_type(call_skill, front_team):
    return WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=6,
        required_skill=call_skill,
        owning_team=front_team,
    )


@pytest.fixture
def back_type(claims_skill, back_team):
    return WorkType.objects.create(
        name="Claims",
        office=Office.BACK,
        channel=Channel.CASE,
        sla=timedelta(days=2),
        standard_minutes=25,
        required_skill=claims_skill,
        owning_team=back_team,
    )


@pytest.fixture
def customer(db):
    return Customer.objects.create(external_ref="C-1", name="Alice Example")


@pytest.fixture
def skilled(call_skill, claims_skill):
    """Give a user a skill: ``skilled(user, skill, level=3)``."""

    def give(user, skill=None, level=3):
        AgentSkill.objects.update_or_create(
            agent=user, skill=skill or call_skill, defaults={"level": level}
        )
        return user

    return give


@pytest.fixture
def make_item(front_type, customer):
    def make(work_type=None, **kwargs):
        kwargs.setdefault("title", "Customer question")
        kwargs.setdefault("customer", customer)
        return services.workitem_create(work_type=work_type or front_type, **kwargs)

    return make


@pytest.fixture
def held_item(agent, skilled, make_item):
    """An item assigned to ``agent`` (taken from the queue)."""
    skilled(agent)
    make_item()
    return services.workitem_claim_next(agent=agent)


@pytest.fixture
def buddy(back_agent, agent):
    BuddyPairing.objects.create(agent=agent, buddy=back_agent)
    services.presence_set(agent=back_agent, state=PresenceState.AVAILABLE)
    return back_agent
