"""Real-time adherence alerts (grace, once per episode, exceptions silence) and exceptions
counted as adherent time."""

from datetime import timedelta

import pytest

from ccops.models import Notification
from staffing.adherence import adherence_by_agent
from staffing.errors import InvalidInput, NotAllowed
from staffing.models import AdherenceException, Shift
from staffing.rta import adherence_alerts, adherence_exception_create, adherence_scan
from workitems.models import PresenceChange
from workitems.services import presence_set

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_shift(agent, supervisor):
    Shift.objects.create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 12), activity="front_office"
    )
    Shift.objects.create(agent=agent, start=at(MONDAY, 12), end=at(MONDAY, 13), activity="break")
    presence_set(agent=agent, state="available", at=at(MONDAY, 9))
    return agent


def alerts_of(user):
    return list(Notification.objects.filter(user=user, kind="adherence_alert"))


def test_alert_after_grace_once_per_episode(on_shift, supervisor):
    presence_set(agent=on_shift, state="casework", at=at(MONDAY, 10))  # wrong office
    assert adherence_alerts(now=at(MONDAY, 10, 4)) == []  # within the 5 minutes' grace
    assert adherence_scan(now=at(MONDAY, 10, 4)) == 0 and alerts_of(supervisor) == []
    [alert] = adherence_alerts(now=at(MONDAY, 10, 5))
    assert (alert["agent"], alert["since"], alert["minutes"]) == (on_shift, at(MONDAY, 10), 5)
    assert alert["state"] == "casework" and alert["activity"] == "front_office"
    assert adherence_scan(now=at(MONDAY, 10, 5)) == 1
    assert adherence_scan(now=at(MONDAY, 10, 6)) == 1  # same episode: told once
    [note] = alerts_of(supervisor)
    assert "10:00" in note.title and "Casework" in note.body
    # Back in adherence, then out again: a new episode, a second alert.
    presence_set(agent=on_shift, state="on_contact", at=at(MONDAY, 10, 10))
    assert adherence_scan(now=at(MONDAY, 10, 20)) == 0
    presence_set(agent=on_shift, state="break", at=at(MONDAY, 11))
    adherence_scan(now=at(MONDAY, 11, 10))
    assert len(alerts_of(supervisor)) == 2


def test_offline_while_scheduled_and_block_change(on_shift, supervisor, settings):
    settings.ADHERENCE_GRACE_MINUTES = 2
    # Still "available" when the break block starts at 12:00: out since 12:00, not 9:00.
    [alert] = adherence_alerts(now=at(MONDAY, 12, 2))
    assert alert["since"] == at(MONDAY, 12)
    presence_set(agent=on_shift, state="offline", at=at(MONDAY, 12, 5))
    [alert] = adherence_alerts(now=at(MONDAY, 12, 7))
    assert (alert["state"], alert["since"]) == ("offline", at(MONDAY, 12, 5))
    assert adherence_alerts(now=at(MONDAY, 13, 30)) == []  # not scheduled: no alert


def test_exception_silences_and_counts_as_adherent(on_shift, supervisor):
    presence_set(agent=on_shift, state="training", at=at(MONDAY, 10))
    adherence_exception_create(
        agent=on_shift,
        start=at(MONDAY, 10),
        end=at(MONDAY, 10, 45),
        reason="Team meeting",
        by=supervisor,
    )
    assert adherence_alerts(now=at(MONDAY, 10, 30)) == []  # silenced while it lasts
    assert adherence_scan(now=at(MONDAY, 10, 30)) == 0 and alerts_of(supervisor) == []
    assert len(adherence_alerts(now=at(MONDAY, 10, 50))) == 1
    presence_set(agent=on_shift, state="available", at=at(MONDAY, 11))
    # 9-10 and 11-12 available (120 min) + the excused 45 minutes of training.
    row = adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[on_shift.pk]
    assert (row["adherent_minutes"], row["scheduled_minutes"]) == (165.0, 180.0)
    assert row["adherence"] == pytest.approx(165 / 180)
    AdherenceException.objects.all().delete()
    row = adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[on_shift.pk]
    assert row["adherent_minutes"] == 120.0


def test_exception_only_time_is_measured(agent, supervisor):
    Shift.objects.create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 10), activity="front_office"
    )
    assert adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[agent.pk]["adherence"] is None
    adherence_exception_create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 9, 30), reason="System down", by=supervisor
    )
    row = adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[agent.pk]
    assert (row["adherent_minutes"], row["measured_minutes"], row["adherence"]) == (30.0, 30.0, 0.5)


def test_no_data_cases(agent, back_agent):
    # Nobody scheduled: no row at all. Scheduled but nothing measured: None, never 0 %.
    assert adherence_by_agent(day=MONDAY, now=at(MONDAY, 12)) == {}
    Shift.objects.create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 11), activity="front_office"
    )
    PresenceChange.objects.create(
        agent=back_agent, state="casework", started_at=at(MONDAY, 9), ended_at=at(MONDAY, 11)
    )
    row = adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[agent.pk]
    assert (
        row["adherence"] is None and row["conformance"] is None and row["scheduled_minutes"] == 120
    )
    assert back_agent.pk not in adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))
    # Measured and offline all along: a real 0 %.
    PresenceChange.objects.create(agent=agent, state="offline", started_at=at(MONDAY, 8))
    row = adherence_by_agent(day=MONDAY, now=at(MONDAY, 12))[agent.pk]
    assert (row["adherence"], row["conformance"]) == (0.0, 0.0)


def test_exception_rules(agent, other_agent, supervisor, planner):
    with pytest.raises(InvalidInput) as err:
        adherence_exception_create(
            agent=agent, start=at(MONDAY, 10), end=at(MONDAY, 9), reason="x", by=supervisor
        )
    assert err.value.field == "end"
    with pytest.raises(InvalidInput) as err:
        adherence_exception_create(
            agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 10), reason=" ", by=supervisor
        )
    assert err.value.field == "reason"
    with pytest.raises(NotAllowed):
        adherence_exception_create(
            agent=other_agent, start=at(MONDAY, 9), end=at(MONDAY, 10), reason="x", by=supervisor
        )
    with pytest.raises(NotAllowed):
        adherence_exception_create(
            agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 10), reason="x", by=agent
        )
    made = adherence_exception_create(
        agent=other_agent, start=at(MONDAY, 9), end=at(MONDAY, 10), reason="Coaching", by=planner
    )
    assert made.approved_by == planner and AdherenceException.objects.count() == 1
    assert made.end - made.start == timedelta(hours=1)


def test_scan_query_count(on_shift, django_assert_num_queries):
    presence_set(agent=on_shift, state="casework", at=at(MONDAY, 10))
    with django_assert_num_queries(3):
        assert len(adherence_alerts(now=at(MONDAY, 10, 30))) == 1


def test_scan_task_runs_every_minute(on_shift, supervisor):
    from ccops.schedules import SCHEDULES
    from staffing.tasks import adherence_scan as task

    [spec] = [s for s in SCHEDULES if s["task"] == "staffing.tasks.adherence_scan"]
    assert spec["crontab"]["minute"] == "*" and spec["crontab"]["hour"] == "*"
    assert task() == 0  # nobody is scheduled now (the fixture's shift is on a past Monday)
