from django.db import transaction
from rest_framework import serializers

from ..kpi_models import GoalAdjustment, KpiSnapshot, Pilot, SharedGoal
from ..kpis import registry


class KpiKeyField(serializers.CharField):
    """A registered KPI key; an unknown key is a 400 naming the field."""

    def to_internal_value(self, data):
        key = super().to_internal_value(data)
        if key not in registry.kpi_keys():
            raise serializers.ValidationError(
                f"Unknown KPI {key!r}. Known: {', '.join(registry.kpi_keys())}."
            )
        return key


class KpiDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.ChoiceField(choices=[registry.HIGHER, registry.LOWER])
    offices = serializers.ListField(child=serializers.CharField())
    level = serializers.CharField()
    scale = serializers.FloatField()
    decimals = serializers.IntegerField()
    settle_days = serializers.IntegerField()
    description = serializers.CharField()
    app = serializers.CharField()


class KpiSnapshotSerializer(serializers.ModelSerializer):
    display_value = serializers.SerializerMethodField(
        help_text="The value in the KPI's display unit (e.g. percent, minutes)."
    )

    class Meta:
        model = KpiSnapshot
        fields = [
            "day",
            "kpi",
            "scope_kind",
            "scope_id",
            "team",
            "office",
            "numerator",
            "denominator",
            "value",
            "display_value",
        ]
        read_only_fields = fields

    def get_display_value(self, obj) -> float | None:
        if obj.kpi not in registry.kpi_keys():
            return None
        return registry.get(obj.kpi).display(obj.value)


class KpiRollupSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    scope_kind = serializers.CharField()
    scope_id = serializers.IntegerField()
    period = serializers.DateField(help_text="First day of the bucket (Monday for weeks).")
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()
    value = serializers.SerializerMethodField()

    def get_value(self, row) -> float | None:
        return row["numerator"] / row["denominator"] if row["denominator"] else None


class GoalAdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalAdjustment
        fields = ["role", "tenure_band", "factor"]

    def validate_factor(self, value):
        if value <= 0:
            raise serializers.ValidationError("The factor must be greater than 0.")
        return value


class SharedGoalSerializer(serializers.ModelSerializer):
    kpi = KpiKeyField(max_length=40)
    adjustments = GoalAdjustmentSerializer(many=True, required=False)

    class Meta:
        model = SharedGoal
        fields = [
            "id",
            "name",
            "kpi",
            "office",
            "target",
            "effective_from",
            "effective_to",
            "description",
            "adjustments",
        ]

    def validate(self, data):
        start = data.get("effective_from", getattr(self.instance, "effective_from", None))
        end = data.get("effective_to", getattr(self.instance, "effective_to", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"effective_to": "The end must not be before the start."}
            )
        seen = set()
        for adj in data.get("adjustments", []):
            key = (adj.get("role", ""), adj.get("tenure_band", ""))
            if key in seen:
                raise serializers.ValidationError(
                    {"adjustments": f"Two adjustments for role {key[0] or 'any'} and "
                     f"tenure band {key[1] or 'any'}."}
                )  # fmt: skip
            seen.add(key)
        return data

    @transaction.atomic
    def create(self, validated_data):
        adjustments = validated_data.pop("adjustments", [])
        goal = SharedGoal.objects.create(**validated_data)
        GoalAdjustment.objects.bulk_create([GoalAdjustment(goal=goal, **a) for a in adjustments])
        return goal

    @transaction.atomic
    def update(self, instance, validated_data):
        adjustments = validated_data.pop("adjustments", None)
        goal = super().update(instance, validated_data)
        if adjustments is not None:  # a full list replaces the adjustments
            goal.adjustments.all().delete()
            GoalAdjustment.objects.bulk_create(
                [GoalAdjustment(goal=goal, **a) for a in adjustments]
            )
        return goal


class PilotSerializer(serializers.ModelSerializer):
    kpis = serializers.ListField(child=KpiKeyField(max_length=40), allow_empty=False)

    class Meta:
        model = Pilot
        fields = [
            "id",
            "name",
            "hypothesis",
            "kpis",
            "pilot_agents",
            "pilot_teams",
            "control_agents",
            "control_teams",
            "starts_on",
            "ends_on",
            "baseline_days",
            "method",
            "alpha",
        ]

    def validate_alpha(self, value):
        if not 0 < value < 0.5:
            raise serializers.ValidationError("alpha must be between 0 and 0.5.")
        return value

    def validate(self, data):
        def current(name):
            if name in data:
                return data[name]
            if self.instance is None:
                return [] if name.endswith(("agents", "teams")) else None
            value = getattr(self.instance, name)
            return list(value.all()) if hasattr(value, "all") else value

        errors = {}
        start, end = current("starts_on"), current("ends_on")
        if start and end and end < start:
            errors["ends_on"] = "The end must not be before the start."
        for side in ("pilot", "control"):
            if not current(f"{side}_agents") and not current(f"{side}_teams"):
                errors[f"{side}_teams"] = f"Choose agents or teams for the {side} group."
        for kind in ("agents", "teams"):
            both = set(current(f"pilot_{kind}")) & set(current(f"control_{kind}"))
            if both:
                errors[f"control_{kind}"] = "In both groups: " + ", ".join(
                    sorted(str(x) for x in both)
                )
        if errors:
            raise serializers.ValidationError(errors)
        return data


class PilotResultSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    effect = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    p_adjusted = serializers.FloatField(
        allow_null=True, help_text="Holm-adjusted over the pilot's KPIs."
    )
    se = serializers.FloatField(allow_null=True, help_text="Newey-West (paired method).")
    effect_size = serializers.FloatField(
        allow_null=True, help_text="Effect / SD of the daily paired differences."
    )
    rho = serializers.FloatField(allow_null=True)
    paired_days = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True, required=False
    )
    mde = serializers.FloatField(
        allow_null=True, help_text="Minimum detectable effect as planned (power 80%)."
    )
    significant = serializers.BooleanField(help_text="Adjusted p < alpha: the KPI moved.")
    enough_data = serializers.BooleanField()
    method = serializers.CharField()
    alpha = serializers.FloatField()
    n = serializers.DictField(child=serializers.IntegerField())
    means = serializers.DictField(child=serializers.FloatField(allow_null=True))
    verdict = serializers.CharField()
