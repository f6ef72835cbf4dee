"""Celery tasks of training: thin, idempotent wrappers over the services."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "retry_kwargs": {"max_retries": 5},
    "acks_late": True,
    "soft_time_limit": 540,
    "time_limit": 600,
}


@shared_task(**RETRY)
def recompute_tiers(day: str = "") -> dict:
    """Nightly (and after tier rules change): everyone's tier standing; demotes agents whose
    certifications expired. Re-running gives the same rows."""
    from .services import enroll_new_hires, tiers_recompute_all

    on = date.fromisoformat(day) if day else timezone.localdate()
    counts = tiers_recompute_all(on=on)
    counts["new_hire_enrollments"] = enroll_new_hires(on=on)
    return counts


@shared_task(**RETRY)
def award_incentives(day: str = "") -> dict:
    """After the nightly KPIs: award every scheme for its last closed period (idempotent)."""
    from .services import incentives_award

    on = date.fromisoformat(day) if day else timezone.localdate()
    return incentives_award(day=on)
