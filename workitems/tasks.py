"""Celery tasks of work items: thin wrappers over the services, safe to re-run."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from .erasure import customers_erase_inactive


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    time_limit=3600,
)
def erase_inactive_customers() -> int:
    """Nightly retention: anonymise customers with no activity for ``CUSTOMER_RETENTION_DAYS``
    days (off while the setting is unset). Idempotent: erased customers are not picked
    again, and each erasure commits on its own, so a retry carries on where one stopped."""
    days = getattr(settings, "CUSTOMER_RETENTION_DAYS", None)
    if not days:
        return 0
    return customers_erase_inactive(days=int(days))


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    acks_late=True,
    time_limit=600,
)
def poll_mailboxes() -> dict:
    """E-mail in: take in every active mailbox's new messages (safe to re-run: by
    Message-ID nothing is taken in twice)."""
    from .mail_in import mailboxes_poll

    return {name: vars(result) for name, result in mailboxes_poll().items()}


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    acks_late=True,
    time_limit=600,
)
def send_sla_alerts() -> dict:
    """Tell holders and supervisors of items that just became at risk or past due (each
    once: safe to re-run)."""
    from .sla_alerts import sla_alerts_send

    return sla_alerts_send()


@shared_task(
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    acks_late=True,
    time_limit=3600,
)
def recompute_due_times(*, calendar_ids=(), work_type_ids=(), team_ids=(), sites=()) -> dict:
    """A calendar or its assignment changed: the open items' SLA times follow (safe to
    re-run: the same calendars give the same times)."""
    from .calendar_services import due_times_recompute

    result = due_times_recompute(
        calendar_ids=calendar_ids, work_type_ids=work_type_ids, team_ids=team_ids, sites=sites
    )
    return vars(result)
