"""Vocabulary of contact events sent by telephony / ACD / chat platforms."""

from django.db import models


class EventType(models.TextChoices):
    OFFERED = "offered", "Offered (entered the queue)"
    ANSWERED = "answered", "Answered by an agent"
    ABANDONED = "abandoned", "Abandoned (caller left the queue)"
    ENDED = "ended", "Ended (handled)"
    AGENT_STATE = "agent_state", "Agent state"


# Events about one contact (they need ``contact_id``); agent_state is about an agent.
CONTACT_TYPES = (EventType.OFFERED, EventType.ANSWERED, EventType.ABANDONED, EventType.ENDED)


class ApplyStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    DEAD = "dead", "Dead letter"
