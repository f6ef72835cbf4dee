"""A worker is SIGKILLed in the middle of the nightly KPI task: Redis gives the unacknowledged
task to the next worker (acks_late, visibility timeout), which runs it again; the night's rows
end up those of a clean recompute, once each, with one JobRun for the task.

The workers use a private redis-server (port 6391): their short visibility timeout would
otherwise hand other people's in-flight tasks on the shared Redis to these workers."""

import time

import pytest
import redis

from ccops.celery import app
from ccops.kpi_models import KpiSnapshot
from ccops.models import JobRun

from .conftest import producer_on, wait_for
from .test_fault_postgres import TODAY, assert_night_complete_and_once, clean_night, kpi_data

pytestmark = pytest.mark.integration

kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types

VISIBILITY = 2  # seconds


def test_task_of_a_killed_worker_runs_again_once(kpi_day, celery_workers, fault_pause, own_redis):
    expected = clean_night()
    fault_pause.hold()
    options = {"broker_url": own_redis.url, "CELERY_VISIBILITY_TIMEOUT": VISIBILITY}
    first = celery_workers(**options, **fault_pause.env)
    with producer_on(own_redis.url):
        result = app.send_task(
            "ccops.tasks.nightly_kpis", kwargs={"today": TODAY.isoformat()}, queue=first.queue
        )
    assert wait_for(lambda: fault_pause.reached("nightly_kpis"), timeout=60), first.log()[-3000:]
    assert JobRun.objects.get(name="nightly_kpis").status == JobRun.Status.RUNNING

    first.kill()
    broker = redis.Redis.from_url(own_redis.url)
    assert broker.hlen("unacked") == 1  # delivered, never acknowledged
    [(_, delivered_at)] = broker.zrange("unacked_index", 0, -1, withscores=True)
    assert not KpiSnapshot.objects.exists()  # its transaction died with it
    fault_pause.release()

    # A worker starting once the task has been unacknowledged for the visibility timeout
    # takes it back (kombu restores such messages when a consumer starts, then periodically).
    time.sleep(max(0.0, delivered_at + VISIBILITY + 0.2 - time.time()))
    second = celery_workers(queue=first.queue, **options, **fault_pause.env)
    assert wait_for(
        lambda: JobRun.objects.filter(name="nightly_kpis", status=JobRun.Status.OK).exists(),
        timeout=60,
    ), second.log()[-3000:]
    assert f"nightly_kpis[{result.id}] received" in first.log()
    assert f"nightly_kpis[{result.id}] succeeded" not in first.log()
    assert f"nightly_kpis[{result.id}] succeeded" in second.log()
    assert_night_complete_and_once(expected)
    assert wait_for(lambda: broker.hlen("unacked") == 0, timeout=10)  # acknowledged at last
    assert second.log().count(f"nightly_kpis[{result.id}] received") == 1
