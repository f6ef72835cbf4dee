from rest_framework import serializers

from ccops.api.fields import IdField

from ..models import (
    CalibrationSession,
    CoachingSession,
    Criterion,
    Evaluation,
    EvaluationEvent,
    Scorecard,
)


class CriterionSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="section.title", read_only=True)

    class Meta:
        model = Criterion
        fields = [
            "key",
            "section",
            "text",
            "guidance",
            "weight",
            "kind",
            "scale_max",
            "critical",
            "na_allowed",
            "required",
        ]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    work_types = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "family",
            "version",
            "is_current",
            "name",
            "description",
            "office",
            "work_types",
            "pass_mark",
            "created_at",
            "criteria",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor", allow_null=True)

    class Meta:
        model = EvaluationEvent
        fields = ["at", "action", "actor", "actor_name", "from_status", "to_status"]
        fields += ["changes", "note"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    item_title = serializers.CharField(source="item.title", read_only=True)
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    evaluator_name = serializers.CharField(source="evaluator.__str__", read_only=True)
    scorecard_name = serializers.CharField(source="scorecard.name", read_only=True)
    scorecard_version = serializers.IntegerField(source="scorecard.version", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "item",
            "item_title",
            "agent",
            "agent_name",
            "team",
            "office",
            "work_type",
            "scorecard",
            "scorecard_name",
            "scorecard_version",
            "evaluator",
            "evaluator_name",
            "source",
            "status",
            "answers",
            "comments",
            "overall_comment",
            "score",
            "points_earned",
            "points_possible",
            "points",
            "passed",
            "critical_failed",
            "failed_criteria",
            "created_at",
            "submitted_at",
            "acknowledged_at",
            "agent_comment",
            "disputed_at",
            "dispute_reason",
            "resolved_at",
            "resolution",
            "resolution_reason",
            "original_score",
            "version",
        ]
        read_only_fields = fields


class EvaluationDetailSerializer(EvaluationSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "events"]
        read_only_fields = fields


# --- Inputs (shapes only; the services validate the content) -------------------------------


class EvaluationCreateInput(serializers.Serializer):
    item = IdField()
    scorecard = IdField(required=False, allow_null=True)
    answers = serializers.JSONField(required=False)
    comments = serializers.JSONField(required=False)
    overall_comment = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(required=False, default=False)


class EvaluationContentInput(serializers.Serializer):
    answers = serializers.JSONField(required=False)
    comments = serializers.JSONField(required=False)
    overall_comment = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class AcknowledgeInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class DisputeInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(required=False)


class ResolveInput(serializers.Serializer):
    outcome = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    answers = serializers.JSONField(required=False)
    comments = serializers.JSONField(required=False)
    version = serializers.IntegerField(required=False)


class CalibrationSessionSerializer(serializers.ModelSerializer):
    scorecard_name = serializers.CharField(source="scorecard.__str__", read_only=True)
    n_items = serializers.IntegerField(read_only=True)
    n_participants = serializers.IntegerField(read_only=True)

    class Meta:
        model = CalibrationSession
        fields = [
            "id",
            "title",
            "scorecard",
            "scorecard_name",
            "status",
            "reference_evaluator",
            "created_at",
            "revealed_at",
            "revealed_by",
            "reveal_overridden",
            "reveal_reason",
            "n_items",
            "n_participants",
        ]
        read_only_fields = fields


class CalibrationSessionInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    scorecard = IdField()
    items = serializers.ListField(child=IdField(), allow_empty=True)
    participants = serializers.ListField(child=IdField(), allow_empty=True)
    reference_evaluator = IdField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RevealInput(serializers.Serializer):
    override = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EligibleItemSerializer(serializers.Serializer):
    """A completed item the calibration picker offers."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    work_type = serializers.CharField(source="work_type.name")
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField()

    def get_assignee_name(self, item) -> str:
        return str(item.assignee) if item.assignee else ""


class CoachingSessionSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    coach_name = serializers.CharField(source="coach.__str__", read_only=True)
    evaluations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tips = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "agent",
            "agent_name",
            "coach",
            "coach_name",
            "held_on",
            "notes",
            "agreed_actions",
            "follow_up_on",
            "done",
            "done_at",
            "evaluations",
            "tips",
        ]
        read_only_fields = fields


class CoachingSessionInput(serializers.Serializer):
    agent = IdField()
    agreed_actions = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    held_on = serializers.DateField(required=False, allow_null=True)
    follow_up_on = serializers.DateField(required=False, allow_null=True)
    evaluations = serializers.ListField(child=IdField(), required=False)
    tips = serializers.ListField(child=IdField(), required=False)
