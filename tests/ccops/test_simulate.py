"""The demo's simulated day: contacts through the contact-events service, cases through the
work-item services; the figures a supervisor reads move as it runs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.management.simulation import Simulation
from contacts.models import Contact, ContactEvent
from contacts.selectors import queue_stats_today
from tests.factories import TeamFactory, make_back_type, make_front_type, make_user
from training.models import AgentSkill, Skill
from workitems.choices import Status
from workitems.models import AgentPresence, WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(db):
    front, back = (
        TeamFactory(name="Front", office=Office.FRONT),
        TeamFactory(name="Back", office=Office.BACK),
    )
    calls, claims = (
        Skill.objects.create(name="Calls", office=Office.FRONT),
        Skill.objects.create(name="Claims", office=Office.BACK),
    )
    call_type = make_front_type(front, calls, sla_answer_seconds=20)
    case_type = make_back_type(back, claims)
    for n in range(3):
        AgentSkill.objects.create(
            agent=make_user(Role.AGENT, username=f"fo{n}", team=front), skill=calls, level=3
        )
        AgentSkill.objects.create(
            agent=make_user(Role.AGENT, username=f"bo{n}", team=back), skill=claims, level=3
        )
    return call_type, case_type


def test_a_simulated_hour_moves_contacts_cases_and_presence(center):
    call_type, case_type = center
    sim = Simulation(agents=6, speed=1.0, seed=3)
    start = timezone.now()
    sim.start(start)
    assert set(AgentPresence.objects.values_list("state", flat=True)) == {"available"}
    at = start
    for _ in range(120):  # an hour in 30-second steps
        at += timedelta(seconds=30)
        sim.tick(at)
    tally = sim.tally
    assert not tally.errors, tally.errors[:3]
    # About 30 contacts an hour per queue and 12 cases an hour (the fallback rates).
    assert 10 <= tally.offered <= 60 and tally.answered > 0 and tally.ended > 0
    assert Contact.objects.count() == tally.offered
    assert ContactEvent.objects.filter(status="dead_letter").count() == 0
    stats = queue_stats_today(queue_ids=[call_type.pk], now=at)[call_type.pk]
    assert stats["offered"] == tally.offered and stats["answered"] == tally.answered
    # Cases arrived, were claimed and closed by the simulated back office.
    assert tally.cases > 0 and tally.closed > 0
    assert WorkItem.objects.filter(work_type=case_type, status=Status.DONE).count() == tally.closed


def test_the_command_refuses_in_production(settings):
    settings.DEMO_SIMULATION = False
    with pytest.raises(CommandError, match="off here"):
        call_command("simulate", seconds=0.1)


def test_the_command_needs_the_demo(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("simulate", seconds=0.1)
