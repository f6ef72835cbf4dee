"""The weekly sample against the database: reproducible, stratified, no repeats, idempotent."""

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ccops.choices import Office, Role
from quality import services
from quality.errors import InvalidInput
from quality.models import Evaluation, SampleRun
from quality.tasks import draw_weekly_sample
from tests.factories import make_user
from workitems.choices import Channel
from workitems.models import WorkItem, WorkType

pytestmark = pytest.mark.django_db

WEEK = services.week_start_of(timezone.localdate()) - timedelta(days=14)


def at(day_offset: int, hour: int = 10):
    return timezone.make_aware(datetime.combine(WEEK + timedelta(days=day_offset), time(hour)))


@pytest.fixture
def chat_type(front_team):
    return WorkType.objects.create(
        name="Chats",
        office=Office.FRONT,
        channel=Channel.CHAT,
        sla=timedelta(hours=1),
        standard_minutes=5,
        owning_team=front_team,
    )


@pytest.fixture
def week_items(front_card, done_item, agent, other_agent, front_type, chat_type):
    """agent: 8 calls + 2 chats in the week; other_agent: 5 calls; plus items outside it."""
    items = {"agent": [], "other": []}
    for i in range(8):
        items["agent"].append(done_item(agent, front_type, at(i % 7)).pk)
    for i in range(2):
        items["agent"].append(done_item(agent, chat_type, at(i + 2, 15)).pk)
    for i in range(5):
        items["other"].append(done_item(other_agent, front_type, at(i)).pk)
    done_item(agent, front_type, at(-1))  # Sunday before: not this week
    done_item(agent, front_type, at(7))  # next Monday: not this week
    return items


def sampled():
    return sorted(Evaluation.objects.values_list("item_id", flat=True))


def draw_undone(**kwargs) -> list[int]:
    """The items a draw samples, then the draw rolled back: evaluations own append-only
    events, so they are never deleted, and each draw here starts from no evaluations."""
    with transaction.atomic():
        services.sample_draw(week_start=WEEK, **kwargs)
        drawn = sampled()
        transaction.set_rollback(True)
    return drawn


def test_draws_quota_per_agent_within_the_week(week_items, qa):
    outcome = services.sample_draw(week_start=WEEK, per_agent=3, seed="s1", by=qa)
    assert outcome.count == 6
    evaluations = Evaluation.objects.all()
    assert Counter(e.agent.username for e in evaluations) == {"agent": 3, "otheragent": 3}
    assert set(sampled()) <= set(week_items["agent"] + week_items["other"])
    assert all(e.status == "draft" and e.source == "sample" for e in evaluations)
    assert {e.evaluator_id for e in evaluations} == {qa.pk}
    run = SampleRun.objects.get(week_start=WEEK)
    assert (run.drawn, run.runs, run.per_agent, run.last_run_by) == (6, 1, 3, qa)


def test_reproducible_with_a_seed(week_items, qa):
    first = draw_undone(per_agent=3, seed="s1")
    assert first and draw_undone(per_agent=3, seed="s1") == first
    draws = {tuple(draw_undone(per_agent=3, seed=seed)) for seed in ("a", "b", "c", "d")}
    assert len(draws) > 1  # the seed matters


def test_stratified_by_work_type(week_items, chat_type, agent):
    # agent has 8 calls and 2 chats: a quota of 2 takes one of each type, always.
    for seed in range(5):
        drawn = draw_undone(per_agent=2, seed=seed)
        mine = WorkItem.objects.filter(pk__in=drawn, assignee=agent)
        types = Counter(mine.values_list("work_type", flat=True))
        assert types[chat_type.pk] == 1 and sum(types.values()) == 2


def test_never_repeats_an_evaluated_item_and_counts_it(week_items, qa, agent):
    # Four of agent's items already evaluated by hand: quota 5 leaves 1 to draw.
    manual = week_items["agent"][:4]
    for item_id in manual:
        services.evaluation_create(item=WorkItem(pk=item_id), evaluator=qa)
    outcome = services.sample_draw(week_start=WEEK, per_agent=5, seed="x")
    new = Evaluation.objects.filter(pk__in=outcome.created)
    assert new.filter(agent=agent).count() == 1
    assert not new.filter(item_id__in=manual).exists()


def test_idempotent_when_re_run_for_the_same_week(week_items):
    first = services.sample_draw(week_start=WEEK, per_agent=3, seed="s1")
    again = services.sample_draw(week_start=WEEK, per_agent=3, seed="s1")
    assert first.count == 6 and again.count == 0
    assert Evaluation.objects.count() == 6
    run = SampleRun.objects.get()
    assert (run.drawn, run.runs) == (6, 2)
    # A larger quota tops up only the difference, never an item twice.
    more = services.sample_draw(week_start=WEEK, per_agent=4, seed="s1")
    assert more.count == 2 and len(set(sampled())) == 8


def test_load_is_balanced_and_nobody_gets_their_own_work(week_items, qa, agent):
    second = make_user(Role.QA, username="qa2")
    agent.groups.add(Group.objects.get(name=Role.QA))  # agent is also a QA analyst
    services.sample_draw(week_start=WEEK, per_agent=3, seed="s1")
    by_evaluator = Counter(Evaluation.objects.values_list("evaluator_id", flat=True))
    assert sum(by_evaluator.values()) == 6
    assert max(by_evaluator.values()) - min(by_evaluator.values()) <= 1
    assert set(by_evaluator) == {qa.pk, second.pk, agent.pk}
    assert not Evaluation.objects.filter(evaluator=agent, agent=agent).exists()


def test_work_types_without_scorecard_are_skipped(week_items, done_item, back_agent, back_type):
    done_item(back_agent, back_type, at(1))
    services.sample_draw(week_start=WEEK, per_agent=3, seed="s1")
    assert not Evaluation.objects.filter(agent=back_agent).exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"week_start": WEEK + timedelta(days=1)}, "week_start"),
        ({"week_start": WEEK + timedelta(days=70)}, "week_start"),
        ({"week_start": WEEK, "per_agent": -1}, "per_agent"),
        ({"week_start": WEEK, "per_agent": 51}, "per_agent"),
    ],
)
def test_bad_input(qa, kwargs, field):
    with pytest.raises(InvalidInput) as info:
        services.sample_draw(**kwargs)
    assert info.value.field == field
    assert not SampleRun.objects.exists()


def test_needs_a_qa_evaluator(week_items, qa):
    qa.is_active = False
    qa.save()
    with pytest.raises(InvalidInput, match="no active QA evaluator"):
        services.sample_draw(week_start=WEEK)


def test_celery_task_samples_last_week_by_default(week_items, settings):
    settings.QA_SAMPLE_PER_AGENT = 1
    assert draw_weekly_sample.delay(week_start=WEEK.isoformat()).get() == 2
    assert draw_weekly_sample.delay(week_start=(WEEK + timedelta(days=3)).isoformat()).get() == 0
    # Default: last week (WEEK + 7), which holds the one item completed on its Monday.
    assert draw_weekly_sample.delay().get() == 1


def test_weekly_schedule_is_registered():
    from ccops.schedules import SCHEDULES

    spec = next(s for s in SCHEDULES if s["task"] == "quality.tasks.draw_weekly_sample")
    assert spec["crontab"]["day_of_week"] == "1"
