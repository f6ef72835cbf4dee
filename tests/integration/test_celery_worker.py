"""A real Celery worker executes a task sent through Redis; its effect reaches the database."""

import uuid

import pytest

from ccops.celery import app
from ccops.models import JobRun

from .conftest import wait_for

pytestmark = pytest.mark.integration


def test_worker_runs_task_through_redis(celery_worker_proc, settings):
    key = uuid.uuid4().hex
    producer_conf = {"task_always_eager": False, "broker_url": settings.CELERY_BROKER_URL}
    old = {k: app.conf[k] for k in producer_conf}
    app.conf.update(producer_conf)
    try:
        app.send_task("ccops.tasks.heartbeat", kwargs={"key": key}, queue=celery_worker_proc)
        assert wait_for(lambda: JobRun.objects.filter(key=key).exists()), "worker never ran it"
    finally:
        app.conf.update(old)
    run = JobRun.objects.get(key=key)
    assert run.status == JobRun.Status.OK and run.name == "heartbeat"
