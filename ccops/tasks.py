from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import JobRun


@shared_task(
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def heartbeat(key: str = "") -> int:
    """Record that a worker ran; used by health checks and the integration tests."""
    now = timezone.now()
    run = JobRun.objects.create(
        name="heartbeat", key=key, status=JobRun.Status.OK, started_at=now, finished_at=now
    )
    return run.pk
