"""Shadowing availability: both people's busy time on a day and the free start times, by the
booking rule (the participant's non-training shifts and either person's sessions block; the
host's shifts do not); a clicked slot fills the booking form, and booking it succeeds."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from staffing.models import Shift
from training import services
from training.availability import free_slots, shadowing_availability
from training.models import ShadowingSession

pytestmark = pytest.mark.django_db


def tomorrow(hour, minute=0):
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def busy_day(agent, back_agent, other_agent, hr):
    # The participant works the phones 8-12; the host works casework all day (can host);
    # the host already hosts someone else 14-15.
    Shift.objects.create(agent=agent, start=tomorrow(8), end=tomorrow(12), activity="front_office")
    Shift.objects.create(
        agent=back_agent, start=tomorrow(8), end=tomorrow(17), activity="back_office"
    )
    services.shadowing_schedule(
        participant=other_agent, host=back_agent, host_area="back_office",
        starts_at=tomorrow(14), duration_minutes=60, by=hr,
    )  # fmt: skip


def test_free_slots_pure():
    day = tomorrow(0)
    busy = [(day.replace(hour=9), day.replace(hour=10))]
    slots = free_slots(
        busy, window_start=day.replace(hour=8), window_end=day.replace(hour=11),
        duration=timedelta(minutes=60),
    )  # fmt: skip
    assert [s.strftime("%H:%M") for s in slots] == ["08:00", "10:00"]


def test_availability_follows_the_booking_rule(agent, back_agent, busy_day):
    day = timezone.localdate() + timedelta(days=1)
    panel = shadowing_availability(participant=agent, host=back_agent, day=day, duration_minutes=60)
    whats = [(b.who, b.what, b.blocks) for b in panel["blocks"]]
    assert (str(agent), "Front office shift", True) in whats
    assert (str(back_agent), "Back office shift (can host)", False) in whats
    assert (str(back_agent), "Session (hosting)", True) in whats
    starts = [timezone.localtime(s).strftime("%H:%M") for s in panel["slots"]]
    assert starts == ["12:00", "12:30", "13:00", "15:00", "15:30", "16:00", "16:30", "17:00"]


def test_page_shows_slots_and_a_click_books(client, hr, agent, back_agent, busy_day):
    client.force_login(hr)
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    params = {"participant": agent.pk, "host": back_agent.pk, "day": day, "duration_minutes": 60}
    page = client.get("/training/shadowing/", params).content.decode()
    assert page.count('data-testid="free-slot"') == 8
    assert "Front office shift" in page
    clicked = client.get("/training/shadowing/", {**params, "slot": f"{day}T12:30"})
    form = clicked.context["form"]
    assert form.initial["starts_at"] == f"{day}T12:30"
    assert form.initial["participant"] == agent.pk and form.initial["host"] == back_agent.pk
    response = client.post(
        "/training/shadowing/",
        {"participant": agent.pk, "host": back_agent.pk, "host_area": "back_office",
         "starts_at": f"{day}T12:30", "duration_minutes": 60},
    )  # fmt: skip
    assert response.status_code == 302
    assert ShadowingSession.objects.filter(participant=agent, host=back_agent).count() == 1


def test_bad_availability_input_names_the_field(client, hr, supervisor, agent, other_agent):
    client.force_login(hr)
    bad = client.get("/training/shadowing/", {"participant": agent.pk, "host": "x", "day": "z"})
    assert bad.status_code == 200
    errors = bad.context["availability"]["errors"]
    assert "host" in errors and "day" in errors
    # A supervisor cannot look at another team's agent's time.
    client.force_login(supervisor)
    day = timezone.localdate().isoformat()
    other = client.get(
        "/training/shadowing/",
        {"participant": other_agent.pk, "host": agent.pk, "day": day, "duration_minutes": 60},
    )
    assert "participant" in other.context["availability"]["errors"]
    client.force_login(agent)  # agents book nothing and see no availability
    assert (
        client.get("/training/shadowing/", {"participant": agent.pk}).context["availability"]
        is None
    )
