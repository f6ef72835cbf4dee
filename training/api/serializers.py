from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ccops.choices import Office
from ccops.models import User

from ..choices import IdeaStatus, RecognitionKind
from ..models import (
    AgentSkill,
    BuddyPairing,
    Enrollment,
    Idea,
    Recognition,
    Skill,
    Tier,
    TierProgress,
    TierSkillRequirement,
    TrainingModule,
)

AGENTS = User.objects.filter(is_active=True)


@extend_schema_field(OpenApiTypes.STR)
class InputChoiceField(serializers.ChoiceField):
    """Documented as a string with its choices in the help text. The read serializer
    documents the enum: the same ``status``/``kind`` set in two components would collide by
    name with other apps' enums in the OpenAPI schema."""

    def __init__(self, *, choices, **kwargs):
        values = ", ".join(str(v) for v, _ in choices)
        kwargs.setdefault("help_text", f"One of: {values}.")
        super().__init__(choices=choices, **kwargs)


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "office", "description"]


class AgentSkillSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    skill_name = serializers.CharField(source="skill.name", read_only=True)
    certified_by_name = serializers.StringRelatedField(source="certified_by", allow_null=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = AgentSkill
        fields = [
            "id",
            "agent",
            "agent_name",
            "skill",
            "skill_name",
            "level",
            "certified_on",
            "certified_by",
            "certified_by_name",
            "expires_on",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return obj.is_current(self.context.get("today"))


class AgentSkillInput(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.all())
    level = serializers.IntegerField(min_value=1, max_value=5)
    certified_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class RequirementSerializer(serializers.ModelSerializer):
    skill_name = serializers.CharField(source="skill.name", read_only=True)

    class Meta:
        model = TierSkillRequirement
        fields = ["skill", "skill_name", "min_level"]


class ModuleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingModule
        fields = ["id", "title", "slug"]


class TierSerializer(serializers.ModelSerializer):
    skill_requirements = RequirementSerializer(many=True, read_only=True)
    required_modules = ModuleBriefSerializer(many=True, read_only=True)
    agent_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "pay_differential_percent",
            "pay_differential_hourly",
            "skill_requirements",
            "required_modules",
            "agent_count",
        ]


class TierProgressSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    team = serializers.CharField(source="agent.team.name", read_only=True, default=None)
    current_tier = serializers.SerializerMethodField()
    next_tier_name = serializers.CharField(source="next_tier.name", read_only=True, default=None)
    qualified_tier_name = serializers.CharField(
        source="qualified_tier.name", read_only=True, default=None
    )

    class Meta:
        model = TierProgress
        fields = [
            "agent",
            "agent_name",
            "team",
            "current_tier",
            "qualified_tier",
            "qualified_tier_name",
            "next_tier",
            "next_tier_name",
            "ready",
            "missing",
            "computed_at",
        ]
        read_only_fields = fields

    def get_current_tier(self, obj) -> str | None:
        row = getattr(obj.agent, "agent_tier", None)
        return row.tier.name if row else None


class PromoteInput(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ModuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingModule
        fields = [
            "id",
            "title",
            "slug",
            "office",
            "kind",
            "duration_minutes",
            "pass_mark",
            "required_for_new_hires",
            "description",
            "active",
        ]


class EnrollmentSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "agent",
            "agent_name",
            "module",
            "module_title",
            "status",
            "score",
            "attempts",
            "enrolled_on",
            "completed_on",
        ]
        read_only_fields = fields


class EnrollmentInput(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    module = serializers.PrimaryKeyRelatedField(queryset=TrainingModule.objects.all())


class ResultInput(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    completed_on = serializers.DateField(required=False, allow_null=True)


class PairingSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    agent_office = serializers.CharField(source="agent.team.office", read_only=True, default=None)
    buddy_name = serializers.CharField(source="buddy.__str__", read_only=True)
    buddy_office = serializers.CharField(source="buddy.team.office", read_only=True, default=None)

    class Meta:
        model = BuddyPairing
        fields = [
            "id",
            "agent",
            "agent_name",
            "agent_office",
            "buddy",
            "buddy_name",
            "buddy_office",
            "starts_on",
            "ends_on",
            "note",
        ]
        read_only_fields = fields


class PairingInput(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    buddy = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ApplyInput(serializers.Serializer):
    cap = serializers.IntegerField(required=False, min_value=1, max_value=50)


class RecognitionSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    given_by_name = serializers.StringRelatedField(source="given_by", allow_null=True)

    class Meta:
        model = Recognition
        fields = [
            "id",
            "agent",
            "agent_name",
            "points",
            "kind",
            "reason",
            "given_by",
            "given_by_name",
            "given_on",
            "scheme",
            "period_start",
            "idea",
        ]
        read_only_fields = fields


class RecognitionInput(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=AGENTS)
    kind = InputChoiceField(choices=RecognitionKind.choices)
    reason = serializers.CharField(max_length=300)
    points = serializers.IntegerField(required=False, min_value=1, max_value=100)


class IdeaSerializer(serializers.ModelSerializer):
    submitted_by_name = serializers.CharField(source="submitted_by.__str__", read_only=True)
    co_authors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Idea
        fields = [
            "id",
            "title",
            "description",
            "office",
            "status",
            "points",
            "submitted_by",
            "submitted_by_name",
            "co_authors",
            "reviewer",
            "reviewer_notes",
            "submitted_at",
            "decided_at",
            "implemented_at",
        ]
        read_only_fields = fields


class IdeaInput(serializers.Serializer):
    title = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=5000)
    office = serializers.ChoiceField(choices=Office.choices, required=False, allow_blank=True)
    co_authors = serializers.PrimaryKeyRelatedField(
        queryset=AGENTS, many=True, required=False, default=list
    )


class TransitionInput(serializers.Serializer):
    status = InputChoiceField(choices=IdeaStatus.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    points = serializers.IntegerField(required=False, min_value=1, max_value=500)
