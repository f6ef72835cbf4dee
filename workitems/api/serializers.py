"""Serializers of the work item API. Reads name their related rows from ``select_related``
columns only (no per-row queries); writes validate input shape and leave the rules to the
services.

A name read through a link that may be empty (``required_skill.name``) is declared
``allow_null=True``, not ``default=None``: DRF skips a field's default on a partial update
(PATCH), so the answer would lack a field the schema marks required. With ``allow_null`` it
is always written, null when the link is empty, and the schema says ``nullable``."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from ccops.api.fields import BIGINT
from ccops.api.schema import ErrorSerializer  # noqa: F401  (the views' error responses)
from ccops.models import Team, User

from .. import selectors
from ..choices import SELF_SET_STATES
from ..models import AgentPresence, Customer, WorkItem, WorkItemEvent, WorkType
from ..querysets import is_past_due

# --- Work types and customers -----------------------------------------------------------


class WorkTypeSerializer(serializers.ModelSerializer):
    required_skill_name = serializers.CharField(
        source="required_skill.name", read_only=True, allow_null=True
    )
    owning_team_name = serializers.CharField(
        source="owning_team.name", read_only=True, allow_null=True
    )

    class Meta:
        model = WorkType
        fields = [
            "id",
            "name",
            "office",
            "channel",
            "sla",
            "first_response_sla",
            "at_risk_percent",
            "calendar",
            "sla_answer_seconds",
            "standard_minutes",
            "required_skill",
            "required_skill_name",
            "min_skill_level",
            "min_tier_rank",
            "priority",
            "owning_team",
            "owning_team_name",
            "active",
        ]

    def validate_sla(self, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise serializers.ValidationError("The SLA must be longer than zero.")
        return value

    def validate_first_response_sla(self, value):
        if value is not None and value <= timedelta(0):
            raise serializers.ValidationError("The first-response target must be longer than zero.")
        return value

    def validate_at_risk_percent(self, value: int) -> int:
        if not 0 <= value <= 100:
            raise serializers.ValidationError("A share of the SLA: 0 to 100 percent.")
        return value

    def validate_standard_minutes(self, value):
        if value <= 0:
            raise serializers.ValidationError("Standard minutes must be more than zero.")
        return value

    def validate_min_skill_level(self, value: int) -> int:
        if not 1 <= value <= 5:
            raise serializers.ValidationError("Skill levels go from 1 to 5.")
        return value

    def validate_priority(self, value: int) -> int:
        if not 1 <= value <= 5:
            raise serializers.ValidationError("Priority must be between 1 and 5.")
        return value


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "external_ref", "name", "email", "phone"]
        read_only_fields = fields


# --- Items and events -------------------------------------------------------------------


class WorkItemSerializer(serializers.ModelSerializer):
    """An item as read. Needs ``select_related("work_type", "customer", "assignee", "team")``."""

    work_type_name = serializers.CharField(source="work_type.name", read_only=True)
    office = serializers.CharField(source="work_type.office", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True)
    customer_ref = serializers.CharField(
        source="customer.external_ref", read_only=True, allow_null=True
    )
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, allow_null=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    past_due = serializers.SerializerMethodField()
    sla_state = serializers.SerializerMethodField(
        help_text="past_due, at_risk, paused (waiting on the customer), on_track, or empty "
        "for closed items."
    )

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "title",
            "details",
            "status",
            "priority",
            "work_type",
            "work_type_name",
            "office",
            "customer",
            "customer_name",
            "customer_ref",
            "assignee",
            "assignee_name",
            "team",
            "team_name",
            "created_at",
            "due_at",
            "past_due",
            "at_risk_at",
            "sla_state",
            "first_response_due_at",
            "first_response_at",
            "sla_paused_at",
            "started_at",
            "completed_at",
            "handle_seconds",
            "origin",
            "related_to",
            "duplicate_of",
            "is_duplicate_suspect",
            "reopen_count",
            "source",
            "external_ref",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_past_due(self, obj: WorkItem) -> bool:
        now = self.context.get("now") or timezone.now()
        return is_past_due(obj.status, obj.due_at, now)

    def get_sla_state(self, obj: WorkItem) -> str:
        return obj.sla_state(self.context.get("now") or timezone.now())


class NameableCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer the requester may put on new work (``selectors.nameable_customers``).
    Naming a customer must not unlock their work: one whose work the requester may not see
    "does not exist", by id as by reference (no hint that it does)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Customer.objects.none()
        return selectors.nameable_customers(request.user)


class WorkItemCreateSerializer(serializers.Serializer):
    """A new item. ``external_ref`` makes the call idempotent: sending the same reference
    again returns the existing item (200) instead of creating a second one (201)."""

    work_type = serializers.PrimaryKeyRelatedField(
        queryset=WorkType.objects.select_related("owning_team")  # the item's default team
    )
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.IntegerField(required=False, min_value=1, max_value=5)
    customer = NameableCustomerField(
        queryset=Customer.objects.none(),  # the schema's model; requests use get_queryset()
        required=False,
        allow_null=True,
        help_text="A customer whose work you can see, or one with no work yet.",
    )
    customer_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Customer's external_ref."
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Defaults to the work type's owning team.",
    )
    external_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )

    def validate(self, attrs):
        ref = (attrs.pop("customer_ref", "") or "").strip()
        if ref:
            customer = self.fields["customer"].get_queryset().filter(external_ref=ref).first()
            if customer is None:
                raise serializers.ValidationError({"customer_ref": f"No customer {ref!r}."})
            if attrs.get("customer") and attrs["customer"].pk != customer.pk:
                raise serializers.ValidationError(
                    {"customer_ref": 'Names another customer than the one in "customer".'}
                )
            attrs["customer"] = customer
        return attrs


EDITABLE_FIELDS = ("title", "details", "priority")


class WorkItemUpdateSerializer(serializers.Serializer):
    """PATCH: supervisors correct the title, details or priority. ``version`` is the one
    the client read; if the item changed since, the answer is 409."""

    title = serializers.CharField(max_length=200, required=False)
    details = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=5)
    version = serializers.IntegerField(min_value=1)

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            others = sorted(set(data.keys()) - set(EDITABLE_FIELDS) - {"version"})
            if others:
                raise serializers.ValidationError(
                    {
                        name: [
                            "This field cannot be changed here (only title, details, "
                            "priority); use the action endpoints."
                        ]
                        for name in others
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        if not any(name in attrs for name in EDITABLE_FIELDS):
            raise serializers.ValidationError("Send at least one of title, details, priority.")
        return attrs


class WorkItemEventSerializer(serializers.ModelSerializer):
    """An event as read. Needs ``select_related("actor", "assignee")``."""

    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True)
    # Plain strings in the schema: the same choice set as ``status`` under other names would
    # make drf-spectacular name it twice.
    from_status = serializers.CharField(
        read_only=True, help_text="Item status before the event (blank on creation)."
    )
    to_status = serializers.CharField(read_only=True, help_text="Item status after the event.")
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, allow_null=True)

    class Meta:
        model = WorkItemEvent
        fields = [
            "id",
            "item",
            "kind",
            "at",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "assignee",
            "assignee_name",
            "note",
            "data",
        ]
        read_only_fields = fields


class JourneyEntrySerializer(serializers.Serializer):
    item = WorkItemSerializer()
    office = serializers.CharField()
    events = WorkItemEventSerializer(many=True)


# --- Action bodies ----------------------------------------------------------------------


class VersionField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT)
        kwargs.setdefault(
            "help_text", "The version you read; if the item changed since, the answer is 409."
        )
        super().__init__(**kwargs)


class VersionSerializer(serializers.Serializer):
    version = VersionField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = VersionField()


class OptionalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField()
    version = VersionField()


class CommentSerializer(serializers.Serializer):
    note = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = VersionField()


class HandoffSerializer(serializers.Serializer):
    work_type = serializers.PrimaryKeyRelatedField(
        queryset=WorkType.objects.filter(active=True), help_text="A back-office work type."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    version = VersionField()


class MergeSerializer(serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=WorkItem.objects.all(), help_text="The item that continues."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NextItemSerializer(serializers.Serializer):
    """``item`` is null when nothing matches the agent's skills right now."""

    item = WorkItemSerializer(allow_null=True)
    detail = serializers.CharField()


# --- Routing suggestions and presence ---------------------------------------------------


class AgentBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "team", "team_name"]
        read_only_fields = fields


class SuggestedAgentSerializer(serializers.Serializer):
    agent = AgentBriefSerializer()
    skill_level = serializers.IntegerField()
    open_items = serializers.IntegerField()
    # A plain string in the schema: one named enum per choice set (see ``PresenceSerializer``).
    state = serializers.CharField(help_text="Presence state, as in /presence/.")
    available = serializers.BooleanField()


class PresenceSerializer(serializers.ModelSerializer):
    """A presence row. Needs ``select_related("agent__team")``."""

    agent_name = serializers.CharField(source="agent.name", read_only=True)
    team = serializers.IntegerField(source="agent.team_id", read_only=True, allow_null=True)
    team_name = serializers.CharField(source="agent.team.name", read_only=True, allow_null=True)
    office = serializers.CharField(source="agent.team.office", read_only=True, allow_null=True)
    since = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null: never set.")
    seconds_in_state = serializers.SerializerMethodField()

    class Meta:
        model = AgentPresence
        fields = [
            "agent",
            "agent_name",
            "team",
            "team_name",
            "office",
            "state",
            "since",
            "seconds_in_state",
            "item",
        ]
        read_only_fields = fields

    def get_seconds_in_state(self, obj: AgentPresence) -> int | None:
        if obj.since is None:
            return None
        now = self.context.get("now") or timezone.now()
        return max(int((now - obj.since).total_seconds()), 0)


class PresenceSetSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in SELF_SET_STATES],
        help_text="The states an agent sets; the others follow from their work.",
    )
