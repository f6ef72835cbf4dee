import pytest

from ccops.choices import Office
from tests.factories import make_back_type, make_front_type
from training.models import AgentSkill, BuddyPairing, Skill
from workitems import services
from workitems.choices import PresenceState
from workitems.models import Customer


@pytest.fixture
def call_skill(db):
    return Skill.objects.create(name="Inbound calls", office=Office.FRONT)


@pytest.fixture
def claims_skill(db):
    return Skill.objects.create(name="Claims casework", office=Office.BACK)


@pytest.fixture
def front_type(call_skill, front_team):
    return make_front_type(front_team, call_skill)


@pytest.fixture
def back_type(claims_skill, back_team):
    return make_back_type(back_team, claims_skill)


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
