"""Contacts from telephony / ACD / chat platforms: the sources that send signed events, the
events as received (idempotent by source and id; the dead letters among them) and one row
per contact derived from its events, which the queue statistics aggregate.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from workitems.models import WorkItem, WorkType

from .choices import ApplyStatus, EventType


class ContactSource(models.Model):
    """A platform allowed to post contact events, with its HMAC secret. The secret is kept
    encrypted (``contacts.signing.seal``): HMAC needs it back, so it cannot be hashed. It is
    shown once, when created or rotated."""

    name = models.SlugField(max_length=60, unique=True, help_text="The X-Ccops-Source header.")
    secret_sealed = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactEvent(models.Model):
    """One event as a source sent it (unique per source and id: a re-sent event is a
    duplicate and writes nothing). ``queue_ref`` and ``agent_ref`` keep what was sent, so an
    event dead-lettered for an unknown queue or agent can be replayed once it exists."""

    source = models.ForeignKey(ContactSource, on_delete=models.PROTECT, related_name="events")
    external_id = models.CharField(max_length=100)
    type = models.CharField(max_length=12, choices=EventType.choices)
    at = models.DateTimeField()
    contact_id = models.CharField(max_length=100, blank=True)
    queue_ref = models.CharField(max_length=100, blank=True)
    queue = models.ForeignKey(
        WorkType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent_ref = models.CharField(max_length=150, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    talk_seconds = models.PositiveIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveIntegerField(null=True, blank=True)
    wrap_seconds = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=ApplyStatus.choices)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="uniq_contact_event_per_source"
            )
        ]
        indexes = [
            # The dead-letter list: few rows, so a partial index.
            models.Index(
                fields=["received_at"],
                condition=Q(status=ApplyStatus.DEAD),
                name="contact_event_dead",
            ),
            models.Index(fields=["source", "contact_id"], name="contact_event_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id} {self.type}"


class Contact(models.Model):
    """One contact (call, chat) as its events describe it so far, in any order of arrival:
    the earliest offer, the answer, the abandon, the end and its handle seconds. Queue
    statistics count contacts by ``offered_at``'s day. ``wait_seconds`` is the time from
    offer to answer (or to abandon), set once both are known."""

    source = models.ForeignKey(ContactSource, on_delete=models.PROTECT, related_name="contacts")
    contact_id = models.CharField(max_length=100)
    queue = models.ForeignKey(
        WorkType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(default=0)
    hold_seconds = models.PositiveIntegerField(default=0)
    wrap_seconds = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "contact_id"], name="uniq_contact_per_source")
        ]
        indexes = [
            # Queue statistics: one queue's contacts offered in a day.
            models.Index(fields=["queue", "offered_at"], name="contact_queue_offered"),
            models.Index(fields=["offered_at"], name="contact_offered"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.contact_id}"

    @property
    def handle_seconds(self) -> int:
        return self.talk_seconds + self.hold_seconds + self.wrap_seconds


class DeadLetter(ContactEvent):
    """The events that could not be applied (the admin's dead-letter list)."""

    class Meta:
        proxy = True
        verbose_name = "dead letter"
