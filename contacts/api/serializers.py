"""Shapes of the contact events endpoint and the queue statistics."""

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ccops.api.fields import IdField
from workitems.choices import PresenceState

from ..choices import CONTACT_TYPES, EventType

MAX_SECONDS = 7 * 24 * 3600


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """ISO 8601 with an offset (``2026-12-07T09:00:05+01:00`` or ``...Z``): a time without
    one is ambiguous across platforms' time zones, so it is refused."""

    default_error_messages = {
        "invalid": "Give an ISO 8601 date-time with an offset, e.g. 2026-12-07T09:00:05+01:00.",
    }

    def to_internal_value(self, data):
        try:
            value = parse_datetime(data) if isinstance(data, str) else None
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return value.isoformat()


class ContactEventSerializer(serializers.Serializer):
    """One event. ``contact_id`` is required for contact events, ``queue`` for ``offered``,
    ``agent`` for ``answered`` and ``agent_state``, ``state`` for ``agent_state``."""

    id = serializers.CharField(max_length=100, help_text="Unique per source.")
    type = serializers.ChoiceField(choices=EventType.choices)
    at = OffsetDateTimeField(help_text="When it happened, ISO 8601 with an offset.")
    contact_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    queue = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A work type's id or name.",
    )
    agent = serializers.CharField(
        max_length=150, required=False, allow_blank=True, allow_null=True, help_text="Username."
    )
    talk_seconds = serializers.IntegerField(
        min_value=0, max_value=MAX_SECONDS, required=False, allow_null=True
    )
    hold_seconds = serializers.IntegerField(
        min_value=0, max_value=MAX_SECONDS, required=False, allow_null=True
    )
    wrap_seconds = serializers.IntegerField(
        min_value=0, max_value=MAX_SECONDS, required=False, allow_null=True
    )
    state = serializers.ChoiceField(
        choices=PresenceState.choices, required=False, allow_blank=True, allow_null=True
    )

    def validate(self, attrs):
        kind = attrs["type"]
        needed = []
        if kind in CONTACT_TYPES:
            needed.append("contact_id")
        if kind == EventType.OFFERED:
            needed.append("queue")
        if kind in (EventType.ANSWERED, EventType.AGENT_STATE):
            needed.append("agent")
        if kind == EventType.AGENT_STATE:
            needed.append("state")
        missing = {f: [f"Required for a {kind} event."] for f in needed if not attrs.get(f)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class EventResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["applied", "dead_letter", "duplicate", "invalid"])
    error = serializers.CharField(allow_blank=True, required=False)
    errors = serializers.DictField(required=False)


class EventBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events stored (applied or dead-lettered).")
    duplicates = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = EventResultSerializer(many=True)


class QueueStatsQuerySerializer(serializers.Serializer):
    date = serializers.DateField()
    queue = IdField()


class QueueStatsSerializer(serializers.Serializer):
    offered = serializers.IntegerField()
    answered = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    short_abandoned = serializers.IntegerField()
    answered_within_target = serializers.IntegerField()
    service_level = serializers.FloatField(allow_null=True, help_text="A fraction, 0 to 1.")
    asa_seconds = serializers.FloatField(allow_null=True)
    aht_seconds = serializers.FloatField(allow_null=True)
    time_zone = serializers.CharField(
        help_text="The IANA time zone the day was counted in: the zone of the calendar "
        "that governs the queue (its work type's, else its owning team's or that team's "
        "site's), else the project's TIME_ZONE. e.g. America/New_York."
    )
