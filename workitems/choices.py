"""Vocabulary of work: channels, statuses, sources, event kinds, presence states."""

from django.db import models


class Channel(models.TextChoices):
    CALL = "call", "Call"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    CASE = "case", "Case"
    TASK = "task", "Task"


class Status(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING = "pending", "Pending"
    ESCALATED = "escalated", "Escalated"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    MERGED = "merged", "Merged"


OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING,
    Status.ESCALATED,
)
CLOSED_STATUSES = (Status.DONE, Status.CANCELLED, Status.MERGED)


class Source(models.TextChoices):
    UI = "ui", "Web page"
    API = "api", "API"
    IMPORT = "import", "CSV import"
    HANDOFF = "handoff", "Hand-off"
    REOPEN = "reopen", "Reopen"
    EMAIL = "email", "E-mail in"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Returned to queue"
    STARTED = "started", "Started"
    PENDING = "pending", "Paused / pending"
    HANDED_OFF = "handed_off", "Handed off"
    ESCALATED = "escalated", "Escalated"
    COMPLETED = "completed", "Completed"
    REOPENED = "reopened", "Reopened"
    MERGED = "merged", "Merged"
    CANCELLED = "cancelled", "Cancelled"
    COMMENTED = "commented", "Comment"
    EDITED = "edited", "Edited"
    DUPLICATE_FLAGGED = "duplicate_flagged", "Flagged as possible duplicate"
    EMAIL_RECEIVED = "email_received", "E-mail received"


class PresenceState(models.TextChoices):
    AVAILABLE = "available", "Available"
    ON_CONTACT = "on_contact", "On a contact"
    CASEWORK = "casework", "Casework"
    AFTER_CONTACT = "after_contact", "After-contact work"
    BREAK = "break", "Break"
    TRAINING = "training", "Training / shadowing"
    OFFLINE = "offline", "Offline"


# States an agent sets on My work; the others are set by actions (taking an item, ...).
SELF_SET_STATES = (
    PresenceState.AVAILABLE,
    PresenceState.AFTER_CONTACT,
    PresenceState.BREAK,
    PresenceState.TRAINING,
    PresenceState.OFFLINE,
)
