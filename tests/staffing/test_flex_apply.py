"""Flex moves applied: blocks rewritten for the window, claim-next follows, agents told,
logged; a stale suggestion is refused; two applies at once: one wins (PostgreSQL)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ccops.choices import Role
from ccops.models import Notification
from staffing.errors import NotAllowed
from staffing.models import FlexMove, Shift
from staffing.services.flex_moves import StaleSuggestion, blocks_fingerprint, flex_move_apply
from tests.factories import make_user
from tests.services import require_postgres
from workitems.models import WorkItem
from workitems.services import _in_scheduled_office, workitem_claim_next

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def blocks(agent):
    return list(
        Shift.objects.filter(agent=agent).order_by("start").values_list("start", "end", "activity")
    )


@pytest.fixture
def back_day(back_agent, planner):
    Shift.objects.create(
        agent=back_agent, start=at(MONDAY, 9), end=at(MONDAY, 12), activity="back_office"
    )
    Shift.objects.create(
        agent=back_agent, start=at(MONDAY, 12), end=at(MONDAY, 12, 30), activity="break"
    )
    return back_agent


def apply(by, agent, start, end, fingerprint=None, direction="to_front"):
    fp = fingerprint or blocks_fingerprint([agent.pk], start, end)
    return flex_move_apply(
        by=by,
        direction=direction,
        agent_ids=[agent.pk],
        window_start=start,
        window_end=end,
        fingerprint=fp,
        suggestion={"summary": "SL 60% to 82%"},
    )


def test_apply_splits_blocks_logs_and_tells(back_day, planner):
    move = apply(planner, back_day, at(MONDAY, 10), at(MONDAY, 10, 30))
    assert blocks(back_day) == [
        (at(MONDAY, 9), at(MONDAY, 10), "back_office"),
        (at(MONDAY, 10), at(MONDAY, 10, 30), "front_office"),
        (at(MONDAY, 10, 30), at(MONDAY, 12), "back_office"),
        (at(MONDAY, 12), at(MONDAY, 12, 30), "break"),
    ]
    assert list(move.agents.all()) == [back_day] and move.applied_by == planner
    assert [b["activity"] for b in move.before] == ["back_office"]
    assert [b["activity"] for b in move.after] == ["front_office"]
    assert move.suggestion == {"summary": "SL 60% to 82%"}
    [note] = Notification.objects.filter(user=back_day, kind="schedule_published")
    assert note.title.startswith("Flex move: front office")


def test_stale_suggestion_is_refused(back_day, planner):
    start, end = at(MONDAY, 10), at(MONDAY, 10, 30)
    seen = blocks_fingerprint([back_day.pk], start, end)
    apply(planner, back_day, start, end, fingerprint=seen)
    before = blocks(back_day)
    with pytest.raises(StaleSuggestion):
        apply(planner, back_day, start, end, fingerprint=seen)
    assert blocks(back_day) == before and FlexMove.objects.count() == 1


def test_supervisor_only_for_own_team(back_day, supervisor):
    with pytest.raises(NotAllowed):
        apply(supervisor, back_day, at(MONDAY, 10), at(MONDAY, 10, 30))
    assert FlexMove.objects.count() == 0 and len(blocks(back_day)) == 2


def test_claim_next_follows_the_window(
    back_agent, planner, skilled, call_skill, claims_skill, front_type, back_type
):
    skilled(back_agent, claims_skill)
    skilled(back_agent, call_skill)
    now = timezone.now()
    Shift.objects.create(
        agent=back_agent,
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=1),
        activity="back_office",
    )
    both = [front_type.pk, back_type.pk]
    assert _in_scheduled_office(back_agent, both) == [back_type.pk]
    call = WorkItem.objects.create(
        work_type=front_type, title="call", due_at=now + timedelta(hours=2)
    )
    WorkItem.objects.create(work_type=back_type, title="case", due_at=now + timedelta(minutes=5))
    apply(planner, back_agent, now - timedelta(minutes=5), now + timedelta(minutes=25))
    assert _in_scheduled_office(back_agent, both) == [front_type.pk]
    assert workitem_claim_next(agent=back_agent) == call  # the later-due call, not the case


def test_page_apply_button(client, back_day, planner, monkeypatch):
    client.force_login(planner)
    start, end = at(MONDAY, 10), at(MONDAY, 10, 30)
    data = {
        "direction": "to_front",
        "agents": str(back_day.pk),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "fingerprint": blocks_fingerprint([back_day.pk], start, end),
        "summary": "SL 60% to 82%",
    }
    resp = client.post(reverse("staffing:flex_apply"), {**data, "agents": "x"})
    assert resp.status_code == 302 and FlexMove.objects.count() == 0
    resp = client.post(reverse("staffing:flex_apply"), data)
    assert resp.status_code == 302 and FlexMove.objects.count() == 1
    again = client.post(reverse("staffing:flex_apply"), data, follow=True)
    assert "changed since this suggestion" in again.content.decode()
    assert FlexMove.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_applies_at_once_one_wins(monkeypatch):
    require_postgres()
    planner = make_user(Role.PLANNER, username="p1")
    other = make_user(Role.PLANNER, username="p2")
    agent = make_user(Role.AGENT, username="a1")
    Shift.objects.create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 12), activity="back_office"
    )
    start, end = at(MONDAY, 10), at(MONDAY, 10, 30)
    seen = blocks_fingerprint([agent.pk], start, end)
    from staffing.services import flex_moves

    real = flex_moves.blocks_fingerprint

    def slow(*args, **kwargs):
        out = real(*args, **kwargs)
        time.sleep(0.3)
        return out

    monkeypatch.setattr(flex_moves, "blocks_fingerprint", slow)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(by):
        try:
            barrier.wait()
            apply(by, agent, start, end, fingerprint=seen)
            outcomes.append("applied")
        except StaleSuggestion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in (planner, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["applied", "stale"]
    assert FlexMove.objects.count() == 1 and Shift.objects.filter(agent=agent).count() == 3
