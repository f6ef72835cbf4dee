"""Alerts out: what a person is told, how they want to be told, and the outbox that delivers
e-mail and webhooks (``ccops.notifications`` writes and sends; this module holds the tables).

An in-app notification is a row the bell reads. E-mail and webhook messages are written to
the outbox in the same transaction as the change that caused them and sent afterwards by a
Celery task with retries, so nothing is lost while Redis or the mail server is down: a
message stays ``pending`` until it is sent or has failed ``OUTBOX_MAX_ATTEMPTS`` times.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    ESCALATED = "escalated", "Escalated to me (buddy)"
    EVALUATION_SUBMITTED = "evaluation_submitted", "Evaluation submitted"
    DISPUTE_RESOLVED = "dispute_resolved", "Dispute resolved"
    TIME_OFF_DECIDED = "time_off_decided", "Time off decided"
    SCHEDULE_PUBLISHED = "schedule_published", "Schedule published"
    ADHERENCE_ALERT = "adherence_alert", "Out of adherence"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class Notification(models.Model):
    """One thing one person was told, shown under the bell until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    # "Once per person" for alerts a scan may raise again (an item's SLA): see ``notify``.
    key = models.CharField(max_length=100, blank=True)
    # False where the person chose no in-app alert of this kind: the row only remembers that
    # they were told (by e-mail or webhook) and is not listed.
    in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list (newest first) and the bell's unread count, both per person.
            models.Index(
                fields=["user", "-created_at", "-id"],
                name="notif_user_recent",
                condition=models.Q(in_app=True),
            ),
            models.Index(
                fields=["user"],
                name="notif_user_unread",
                condition=models.Q(read_at__isnull=True, in_app=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"],
                condition=~models.Q(key=""),
                name="notif_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class NotificationPreference(models.Model):
    """One person's choice of channels for one kind. No row: the kind's defaults
    (``ccops.notifications.DEFAULT_CHANNELS``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)
    webhook = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_user_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.kind}"


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """Where a person's webhook messages go (e.g. a Slack incoming webhook), with the secret
    the receiver can check the ``X-Ccops-Signature`` with."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, default=_new_secret)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} -> {self.url}"


class OutboxMessage(models.Model):
    """An e-mail or webhook call to make, kept until it is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    channel = models.CharField(
        max_length=10, choices=[(Channel.EMAIL, "E-mail"), (Channel.WEBHOOK, "Webhook")]
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    recipient = models.CharField(max_length=500, help_text="An e-mail address or a URL.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender's read: what is due, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"
