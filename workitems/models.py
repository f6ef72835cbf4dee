"""Work of both offices: customers, work types, items, their event log and agent presence.

Sized for 10M items and 5,000 agents: the routing and queue reads are served by partial
indexes on open items; the event log is append-only and indexed by item and by time.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ccops.choices import Office
from ccops.models import Team
from training.models import Skill

from .choices import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Channel,
    EventKind,
    PresenceState,
    Source,
    Status,
)
from .querysets import RUNNING_STATUSES, WorkItemQuerySet, is_past_due


class Customer(models.Model):
    """A customer whose contacts and cases are tracked across both offices."""

    external_ref = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Set by ``erasure.customer_erase``: the personal fields above hold placeholders since.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_ref})"


class CustomerErasure(models.Model):
    """The audit record of one erasure (GDPR right to erasure): who removed which customer's
    personal data, when, why and how much. It names the customer by id only: the point is
    that nothing personal is left."""

    class Reason(models.TextChoices):
        REQUEST = "request", "Request (right to erasure)"
        RETENTION = "retention", "Retention period"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="erasures")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the nightly retention task.",
    )
    erased_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=9, choices=Reason.choices)
    items = models.PositiveIntegerField(default=0, help_text="Work items whose text was erased.")
    events = models.PositiveIntegerField(default=0, help_text="Events whose text was erased.")

    class Meta:
        ordering = ["-erased_at", "-id"]
        indexes = [models.Index(fields=["erased_at"], name="erasure_at")]

    def __str__(self) -> str:
        return f"Customer #{self.customer_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"


class WorkType(models.Model):
    """A kind of work: a queue (calls, chats) or a casework type, with its SLA and skill."""

    name = models.CharField(max_length=100, unique=True)
    office = models.CharField(max_length=5, choices=Office.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    sla = models.DurationField(
        help_text="Resolution target from arrival to completion, in open time of the "
        "calendar (around the clock without one)."
    )
    first_response_sla = models.DurationField(
        null=True,
        blank=True,
        help_text="First-response target (open time), if this type has one besides resolution.",
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        default=25,
        validators=[MaxValueValidator(100)],
        help_text="An open item is at risk in the last this-many percent of its SLA.",
    )
    calendar = models.ForeignKey(
        "workitems.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_types",
        help_text="Business hours the SLA counts in (wins over the team's or site's).",
    )
    sla_answer_seconds = models.PositiveIntegerField(
        default=20, help_text="Queues: answer-within target for the service level."
    )
    standard_minutes = models.DecimalField(
        max_digits=7, decimal_places=2, help_text="Standard minutes per item (productivity)."
    )
    required_skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.PROTECT, related_name="work_types"
    )
    min_skill_level = models.PositiveSmallIntegerField(default=1)
    min_tier_rank = models.PositiveSmallIntegerField(
        default=0, help_text="Lowest tier rank that may take it (0 = any tier)."
    )
    priority = models.SmallIntegerField(default=3, help_text="Default priority, 1 low .. 5 high.")
    owning_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_types",
        help_text="Team that owns new items of this type (shown in its queue).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["office", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_queue(self) -> bool:
        return self.channel in (Channel.CALL, Channel.CHAT)


class WorkItem(models.Model):
    """One unit of work (a call, chat, email, case or task) of either office."""

    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="items")
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        db_index=False,  # wi_customer starts with it
    )
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.SmallIntegerField(default=3)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_items",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # The SLA clock (workitems.calendars): at risk from, first response due and made, and
    # while pending (waiting on the customer) since when the clock is stopped.
    at_risk_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # Handle time: seconds spent in progress, accumulated at each pause/complete.
    handle_seconds = models.PositiveIntegerField(default=0)
    active_since = models.DateTimeField(null=True, blank=True)
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handoffs",
        help_text="The front-office contact this case was handed off from.",
        db_index=False,  # wi_origin, partial
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # wi_duplicate_of, partial
    )
    related_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continuations",
        help_text="For a reopen after the window: the earlier item this one continues.",
        db_index=False,  # wi_related_to, partial
    )
    is_duplicate_suspect = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UI)
    external_ref = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="uniq_item_external_ref_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED_STATUSES) | Q(completed_at__isnull=True),
                name="open_item_not_completed",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.NEW) | Q(assignee__isnull=True),
                name="new_item_unassigned",
            ),
        ]
        indexes = [
            # Routing: unassigned items of a type by urgency (partial: only the queue).
            models.Index(
                fields=["work_type", "due_at", "-priority", "created_at", "id"],
                condition=Q(status=Status.NEW),
                name="wi_route_type_new",
            ),
            # The supervisor queue: open work, most urgent first.
            models.Index(
                fields=["due_at", "-priority", "created_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wi_open_urgency",
            ),
            # The live backlog counts the open items per type, of all teams or of one, from
            # one of these two alone (an index-only scan): hence their trailing columns, all
            # that it reads. The team's also serves the team's queue in the queue's order.
            models.Index(
                fields=["work_type", "due_at", "status", "created_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wi_open_type_due",
            ),
            models.Index(
                fields=["team", "due_at", "-priority", "created_at", "id", "work_type", "status"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wi_open_team_due",
            ),
            models.Index(
                fields=["assignee", "status"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wi_open_assignee",
            ),
            # SLA alerts: the open items that turned at risk in the last hour.
            models.Index(
                fields=["at_risk_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wi_open_at_risk",
            ),
            models.Index(fields=["customer", "work_type", "created_at"], name="wi_customer"),
            models.Index(fields=["completed_at"], name="wi_completed"),
            # The API list, newest first, by cursor (created_at, id): no sort, any page.
            models.Index(fields=["created_at", "id"], name="wi_created_id"),
            # The links between items are set on few of them: index only those. Every index
            # is written again on each change of status (a claim, start or complete).
            models.Index(fields=["origin"], condition=Q(origin__isnull=False), name="wi_origin"),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="wi_duplicate_of",
            ),
            models.Index(
                fields=["related_to"], condition=Q(related_to__isnull=False), name="wi_related_to"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_past_due(self, now=None) -> bool:
        """``querysets.past_due_q`` on this item: a paused (pending) item is not past due."""
        return is_past_due(self.status, self.due_at, now or timezone.now())

    def sla_state(self, now=None) -> str:
        """``past_due``, ``at_risk``, ``paused`` (waiting on the customer), ``on_track``, or
        ``""`` for closed items or ones without a due time. Own columns only."""
        if not self.is_open or self.due_at is None:
            return ""
        now = now or timezone.now()
        if self.status not in RUNNING_STATUSES or self.sla_paused_at is not None:
            return "paused"
        if is_past_due(self.status, self.due_at, now):
            return "past_due"
        if self.at_risk_at is not None and self.at_risk_at <= now:
            return "at_risk"
        return "on_track"

    @staticmethod
    def due_for(work_type: WorkType, created_at, team=None) -> "timezone.datetime":
        """Due time of an item arriving now: ``calendars.sla_clock_for`` (the one rule)."""
        from .calendars import sla_clock_for

        return sla_clock_for(work_type=work_type, start=created_at, team=team).due_at


class WorkItemEvent(models.Model):
    """Append-only log of every change to a work item: journeys and process maps read it.

    Rows are inserted, never updated or deleted: on PostgreSQL a trigger refuses both
    (migration 0007), except the anonymising UPDATE of ``erasure.customer_erase``. Hence
    PROTECT on every foreign key: deleting an item or a user that the log names would
    rewrite or remove its rows, so it is refused (items are cancelled, users deactivated).
    """

    item = models.ForeignKey(
        WorkItem,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # wie_item_at starts with it
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who holds the item after this event.",
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The work segment this event ends (pause, complete, hand-off, escalate, reassign):
    # seconds in progress since the last start, credited to who held the item then. AHT
    # sums these by the event's day, so a day's figure never changes afterwards.
    handle_seconds = models.PositiveIntegerField(
        default=0,
        db_default=0,  # bulk loaders that name their columns (bench/) need no change
        help_text="Seconds of the work segment this event ends (0: none).",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # wie_handled_by, partial
        help_text="Who did the work segment this event ends.",
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["item", "at"], name="wie_item_at"),
            models.Index(fields=["at", "kind"], name="wie_at_kind"),
            models.Index(
                fields=["handled_by"],
                condition=Q(handled_by__isnull=False),
                name="wie_handled_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class AgentPresence(models.Model):
    """An agent's current state across both offices (one row per agent)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence"
    )
    state = models.CharField(
        max_length=14, choices=PresenceState.choices, default=PresenceState.OFFLINE
    )
    since = models.DateTimeField(default=timezone.now)
    item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["state"], name="presence_state")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.state}"


class PresenceChange(models.Model):
    """History of presence states (adherence and intraday read it)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_changes"
    )
    state = models.CharField(max_length=14, choices=PresenceState.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agent", "started_at"]
        indexes = [models.Index(fields=["agent", "started_at"], name="presence_agent_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="one_open_presence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.started_at:%H:%M}"


# Models kept in their own modules (registered with the app from here).
from .calendar_models import Calendar, CalendarClosure, CalendarHours  # noqa: E402,F401
from .mail_models import EmailAttachment, InboundEmail, Mailbox  # noqa: E402,F401
