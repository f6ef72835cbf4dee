"""Shadowing: scheduling refuses clashes (other sessions, the participant's shifts)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from training import services
from training.choices import ShadowingStatus
from training.errors import Conflict, InvalidInput, NotAllowed
from training.models import ShadowingSession

pytestmark = pytest.mark.django_db


def at(days=1, hour=10):
    base = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def book(participant, host, by, starts_at, minutes=120, area="back_office"):
    return services.shadowing_schedule(
        participant=participant,
        host=host,
        host_area=area,
        starts_at=starts_at,
        duration_minutes=minutes,
        by=by,
    )


def test_schedule_and_refuse_overlapping_sessions(agent, back_agent, other_agent, hr):
    s = book(agent, back_agent, hr, at(hour=10))
    assert s.ends_at == s.starts_at + timedelta(minutes=120)
    with pytest.raises(InvalidInput) as err:
        book(agent, other_agent, hr, at(hour=11))
    assert err.value.field == "starts_at" and "Clashes with" in err.value.message
    # The host is busy too.
    with pytest.raises(InvalidInput):
        book(other_agent, back_agent, hr, at(hour=11, days=1), minutes=30)
    # Back to back is fine.
    book(agent, other_agent, hr, at(hour=12))
    assert ShadowingSession.objects.count() == 2


def test_validation_names_fields(agent, back_agent, hr):
    cases = [
        ({"host": agent}, "host"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": "two"}, "duration_minutes"),
        ({"host_area": "canteen"}, "host_area"),
        ({"starts_at": at(days=-3)}, "starts_at"),
    ]
    for change, field in cases:
        kwargs = {
            "participant": agent,
            "host": back_agent,
            "host_area": "back_office",
            "starts_at": at(),
            "duration_minutes": 60,
            "by": hr,
        }
        kwargs.update(change)
        with pytest.raises(InvalidInput) as err:
            services.shadowing_schedule(**kwargs)
        assert err.value.field == field
    assert not ShadowingSession.objects.exists()


def test_only_managers_schedule(agent, back_agent, other_agent, supervisor):
    with pytest.raises(NotAllowed):
        book(agent, back_agent, agent, at())
    with pytest.raises(NotAllowed):
        book(other_agent, back_agent, supervisor, at())  # not their team
    book(agent, back_agent, supervisor, at())


def test_shift_clash_refused_through_staffings_finder(agent, back_agent, hr):
    # Training never imports staffing; staffing registers its shift finder when it is ready.
    from staffing.models import Shift

    start = at(hour=9)
    Shift.objects.create(
        agent=agent, start=start, end=start + timedelta(hours=4), activity="front_office"
    )
    Shift.objects.create(
        agent=agent,
        start=start + timedelta(hours=5),
        end=start + timedelta(hours=7),
        activity="shadowing",
    )
    with pytest.raises(InvalidInput) as err:
        book(agent, back_agent, hr, at(hour=12), minutes=90)
    assert err.value.field == "starts_at"
    assert "front office shift" in err.value.message
    # A session inside a block the planner scheduled for shadowing is fine.
    s = book(agent, back_agent, hr, at(hour=14), minutes=120)
    assert s.pk
    # The host's own shifts do not block: hosting is part of their work.
    Shift.objects.create(
        agent=back_agent,
        start=at(days=2, hour=9),
        end=at(days=2, hour=17),
        activity="back_office",
    )
    Shift.objects.create(
        agent=agent, start=at(days=2, hour=9), end=at(days=2, hour=17), activity="training"
    )
    assert book(agent, back_agent, hr, at(days=2, hour=10)).pk


def test_reflections_and_cancel(agent, back_agent, other_agent, hr):
    s = book(agent, back_agent, hr, at())
    with pytest.raises(InvalidInput):
        services.shadowing_reflect(session=s, by=agent, reflection="Too early")
    ShadowingSession.objects.filter(pk=s.pk).update(
        starts_at=at(days=-1), ends_at=at(days=-1) + timedelta(hours=2)
    )
    s.refresh_from_db()
    services.shadowing_reflect(session=s, by=agent, reflection="Saw how claims are triaged")
    services.shadowing_reflect(session=s, by=back_agent, reflection="Good questions")
    s.refresh_from_db()
    assert s.participant_reflection == "Saw how claims are triaged"
    assert s.host_reflection == "Good questions"
    assert s.status == ShadowingStatus.COMPLETED
    with pytest.raises(NotAllowed):
        services.shadowing_reflect(session=s, by=other_agent, reflection="?")
    with pytest.raises(Conflict):
        services.shadowing_cancel(session=s, by=hr)
    s2 = book(agent, back_agent, hr, at(days=3))
    services.shadowing_cancel(session=s2, by=agent)
    s2.refresh_from_db()
    assert s2.status == ShadowingStatus.CANCELLED
    # A cancelled session no longer blocks the slot.
    assert book(agent, back_agent, hr, at(days=3)).pk


def test_without_a_shift_finder_only_sessions_clash(monkeypatch, agent, back_agent, hr):
    from staffing.models import Shift
    from training.services import shadowing

    monkeypatch.setattr(shadowing, "_shift_finder", None)
    Shift.objects.create(agent=agent, start=at(hour=9), end=at(hour=17), activity="front_office")
    assert book(agent, back_agent, hr, at(hour=10)).pk
