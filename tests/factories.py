from datetime import timedelta

import factory
from django.contrib.auth.models import Group

from ccops.choices import Office, Role
from ccops.models import Team, User
from workitems.choices import Channel
from workitems.models import WorkType


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    office = Office.FRONT
    site = "Leeds"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


def make_user(role: str | None = Role.AGENT, **kwargs) -> User:
    return UserFactory(role=role, **kwargs)


def make_front_type(team, skill, **extra) -> WorkType:
    """The tests' standard front-office queue: calls, 1 h SLA, 6 standard minutes."""
    values = {
        "name": "Calls",
        "office": Office.FRONT,
        "channel": Channel.CALL,
        "sla": timedelta(hours=1),
        "standard_minutes": 6,
        "required_skill": skill,
        "owning_team": team,
    }
    return WorkType.objects.create(**(values | extra))


def make_back_type(team, skill, **extra) -> WorkType:
    """The tests' standard back-office casework: claims, 2-day SLA, 25 standard minutes."""
    values = {
        "name": "Claims",
        "office": Office.BACK,
        "channel": Channel.CASE,
        "sla": timedelta(days=2),
        "standard_minutes": 25,
        "required_skill": skill,
        "owning_team": team,
    }
    return WorkType.objects.create(**(values | extra))
