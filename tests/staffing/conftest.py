from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office
from training.models import AgentSkill, Skill
from workitems.choices import Channel
from workitems.models import WorkType


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
        sla_answer_seconds=20,
        standard_minutes=5,
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
        standard_minutes=30,
        required_skill=claims_skill,
        owning_team=back_team,
    )


@pytest.fixture
def skilled():
    def give(user, skill, level=3, expires_on=None):
        AgentSkill.objects.update_or_create(
            agent=user, skill=skill, defaults={"level": level, "expires_on": expires_on}
        )
        return user

    return give


# A fixed Monday keeps weekday rules (back office works Monday-Friday) deterministic.
MONDAY = date(2026, 3, 2)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


@pytest.fixture
def monday():
    return MONDAY
