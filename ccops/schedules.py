"""Every periodic (beat) schedule, defined here and only here.

``sync_schedules`` creates the django-celery-beat rows when missing and never overwrites a
schedule an admin edited: the admin is where times are changed after installation.
"""

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_week), kwargs
    {
        "name": "heartbeat (every 5 minutes)",
        "task": "ccops.tasks.heartbeat",
        "crontab": {"minute": "*/5", "hour": "*", "day_of_week": "*"},
    },
    {
        # What could not be sent at once (broker or mail server down, a webhook failing).
        "name": "notifications outbox (every minute)",
        "task": "ccops.notifications.deliver_outbox",
        "crontab": {"minute": "*", "hour": "*", "day_of_week": "*"},
    },
    {
        # Does nothing until CUSTOMER_RETENTION_DAYS is set.
        "name": "customer retention erasure (nightly 03:30)",
        "task": "workitems.tasks.erase_inactive_customers",
        "crontab": {"minute": "30", "hour": "3", "day_of_week": "*"},
    },
]


def register(name: str, task: str, *, minute="0", hour="*", day_of_week="*") -> None:
    """Apps add their nightly jobs from ``AppConfig.ready``."""
    if not any(s["name"] == name for s in SCHEDULES):
        SCHEDULES.append(
            {
                "name": name,
                "task": task,
                "crontab": {"minute": minute, "hour": hour, "day_of_week": day_of_week},
            }
        )


def sync_schedules(using: str = "default") -> int:
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = 0
    for spec in SCHEDULES:
        if PeriodicTask.objects.using(using).filter(name=spec["name"]).exists():
            continue
        cron, _ = CrontabSchedule.objects.using(using).get_or_create(
            **spec["crontab"], day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
        )
        PeriodicTask.objects.using(using).create(name=spec["name"], task=spec["task"], crontab=cron)
        created += 1
    return created
