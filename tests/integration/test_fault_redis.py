"""Redis dies under a running site: pages, logins and agent actions keep working, the work
that would have been queued runs inline (nothing lost), /healthz says 503 and why; when Redis
is back, /healthz is 200 again and tasks go through the worker again.

A private redis-server on port 6391 plays the dead Redis (the machine's shared one is never
touched); this process and a real Celery worker both use it as broker and cache."""

import logging
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from ccops.choices import Office, Role
from ccops.models import Team
from tests.factories import make_user
from training.models import AgentSkill, AgentTier, Skill, Tier, TierChange, TierSkillRequirement
from workitems import services as work
from workitems.choices import Channel, EventKind, Status
from workitems.models import WorkType

from .conftest import producer_on, wait_for

pytestmark = pytest.mark.integration

INLINE = "running training.tasks.recompute_tiers inline"
QUICK = 5.0  # seconds: a user action with Redis down must not wait on it for longer


@pytest.fixture
def site(own_redis, settings):
    """Broker and cache of this process on the private Redis."""
    settings.CELERY_BROKER_URL = own_redis.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "ccops.cache.ResilientRedisCache",
            "LOCATION": own_redis.url,
            "KEY_PREFIX": "ccops-fault",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 0.5},
        }
    }
    with producer_on(own_redis.url):
        yield own_redis


@pytest.fixture
def people(transactional_db):
    team = Team.objects.create(name="Front A", office=Office.FRONT)
    supervisor = make_user(Role.SUPERVISOR, username="sup", team=team)
    team.supervisor = supervisor
    team.save()
    calls = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    tier1 = Tier.objects.create(name="Tier I", rank=1)
    TierSkillRequirement.objects.create(tier=tier1, skill=calls, min_level=1)
    agent = make_user(Role.AGENT, username="ann", team=team)
    AgentSkill.objects.create(agent=agent, skill=calls, level=3)
    work_type = WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=6,
        required_skill=calls,
        owning_team=team,
    )
    return {
        "team": team,
        "supervisor": supervisor,
        "hr": make_user(Role.HR, username="hera"),
        "agent": agent,
        "calls": calls,
        "tier1": tier1,
        "work_type": work_type,
    }


def new_agent(people, username, level):
    agent = make_user(Role.AGENT, username=username, team=people["team"])
    AgentSkill.objects.create(agent=agent, skill=people["calls"], level=level)
    return agent


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def test_site_keeps_working_while_redis_is_down(site, people, celery_workers, client, caplog):
    caplog.set_level(logging.WARNING, logger="ccops")
    worker = celery_workers(queue="celery", broker_url=site.url)
    hr_client = client
    hr_client.force_login(people["hr"])
    ann = people["agent"]

    # 1. Redis up: the recompute HR asks for is queued and the worker does it.
    assert not AgentTier.objects.filter(agent=ann).exists()
    response = hr_client.post(reverse("training:tier_recompute"))
    assert response.status_code == 302
    assert wait_for(lambda: AgentTier.objects.filter(agent=ann).exists(), timeout=45), worker.log()[
        -3000:
    ]
    assert "recompute_tiers" in worker.log() and INLINE not in caplog.text
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    # 2. Redis crashes.
    site.kill()

    health = hr_client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ConnectionError") and "6391" in body["broker"]
    assert body["cache"].startswith("error: ConnectionError")

    # The cache is a miss, writes are dropped, nothing raises.
    (value, took) = timed(cache.get, "greeting", "miss")
    assert value == "miss" and took < QUICK
    cache.set("greeting", "again")
    assert cache.add("other", 1) is False and cache.get_many(["greeting"]) == {}

    # Logging in works (sessions live in the database).
    agent_client = type(client)()
    response, took = timed(
        agent_client.post, reverse("login"), {"username": "ann", "password": "pw"}
    )
    assert response.status_code == 302 and took < QUICK, response.content[:500]
    assert agent_client.session["_auth_user_id"] == str(ann.pk)

    # The agent takes the next item and completes it.
    first = work.workitem_create(work_type=people["work_type"], title="Where is my parcel")
    second = work.workitem_create(work_type=people["work_type"], title="Change my address")
    page = agent_client.get(reverse("workitems:my_work"))
    assert page.status_code == 200
    response, took = timed(agent_client.post, reverse("workitems:claim_next"))
    assert response.status_code == 302 and took < QUICK
    first.refresh_from_db()
    assert (first.status, first.assignee) == (Status.ASSIGNED, ann)
    response, took = timed(
        agent_client.post,
        reverse("workitems:item_action", kwargs={"pk": first.pk, "action": "complete"}),
        {"version": first.version, "note": "Ships today"},
    )
    assert response.status_code == 302 and took < QUICK
    first.refresh_from_db()
    assert first.status == Status.DONE
    assert first.events.get(kind=EventKind.COMPLETED).note == "Ships today"

    # A supervisor's queue still shows the open item.
    sup_client = type(client)()
    sup_client.force_login(people["supervisor"])
    queue = sup_client.get(reverse("workitems:queue"))
    assert queue.status_code == 200
    assert "Change my address" in queue.content.decode()
    assert "Where is my parcel" not in queue.content.decode()
    second.refresh_from_db()
    assert second.status == Status.NEW

    # HR raises Tier I to calls level 4: the recompute that change queues after commit runs
    # inline, so Ann (level 3) is off Tier I as soon as the page returns.
    caplog.clear()
    response, took = timed(
        hr_client.post,
        reverse("training:tier_requirement"),
        {
            "action": "set",
            "tier": people["tier1"].pk,
            "skill": people["calls"].pk,
            "min_level": 4,
        },
    )
    assert response.status_code == 302 and took < QUICK
    assert INLINE in caplog.text
    assert not AgentTier.objects.filter(agent=ann).exists()
    assert TierChange.objects.filter(agent=ann, kind="demotion").count() == 1

    # HR's "recompute now" runs inline too: Bea (level 5) is placed on Tier I at once.
    bea = new_agent(people, "bea", level=5)
    caplog.clear()
    response, took = timed(hr_client.post, reverse("training:tier_recompute"))
    assert response.status_code == 302 and took < QUICK
    assert INLINE in caplog.text
    assert AgentTier.objects.get(agent=bea).tier == people["tier1"]

    # 3. Redis is back on the same port: healthy again, and tasks go to the worker again.
    site.start()
    assert wait_for(lambda: hr_client.get("/healthz").status_code == 200, timeout=15)
    body = hr_client.get("/healthz").json()
    assert (body["broker"], body["cache"]) == ("ok", "ok")
    time.sleep(0.6)  # the cache's retry_after
    cache.set("greeting", "back")
    assert cache.get("greeting") == "back"

    cid = new_agent(people, "cid", level=5)
    runs_before = worker.log().count("recompute_tiers[")
    caplog.clear()
    response = hr_client.post(reverse("training:tier_recompute"))
    assert response.status_code == 302 and INLINE not in caplog.text  # queued, not run here
    assert wait_for(lambda: AgentTier.objects.filter(agent=cid).exists(), timeout=60), worker.log()[
        -3000:
    ]
    assert worker.log().count("recompute_tiers[") > runs_before  # the worker did it


def test_hung_redis_costs_a_request_seconds_not_a_hang(site, people, client, caplog):
    """Redis stops answering without closing connections (a frozen host): the socket
    timeouts bound every wait, and the work still runs inline."""
    caplog.set_level(logging.WARNING, logger="ccops")
    client.force_login(people["hr"])
    ann = people["agent"]
    site.freeze()
    try:
        response, took = timed(client.post, reverse("training:tier_recompute"))
        assert response.status_code == 302 and took < QUICK
        assert INLINE in caplog.text and "Timeout" in caplog.text
        assert AgentTier.objects.get(agent=ann).tier == people["tier1"]

        (value, took) = timed(cache.get, "anything", "miss")
        assert value == "miss" and took < QUICK
        (value, took) = timed(cache.get, "anything", "miss")
        assert value == "miss" and took < 0.2  # skipped for retry_after: no second wait

        health, took = timed(client.get, "/healthz")
        assert health.status_code == 503 and took < QUICK
        assert health.json()["broker"].startswith("error: TimeoutError")
    finally:
        site.thaw()
    assert wait_for(lambda: client.get("/healthz").status_code == 200, timeout=10)
