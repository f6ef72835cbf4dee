from __future__ import annotations

from django.core.validators import MaxValueValidator
from rest_framework import serializers

from workitems.models import WorkType

from .. import limits
from ..choices import Activity
from ..models import (
    ForecastBuild,
    ForecastEvent,
    ForecastOverride,
    ForecastValue,
    PlanLine,
    Shift,
    StaffingPlan,
)


def _bounded(bounds: limits.Limits, field=serializers.FloatField, **kwargs) -> serializers.Field:
    """A number field within ``bounds`` (``staffing.limits``: the schema states them, and the
    error says the same as the page's)."""
    messages = {"min_value": bounds.message, "max_value": bounds.message}
    return field(min_value=bounds.lo, max_value=bounds.hi, error_messages=messages, **kwargs)


# --- Calculators --------------------------------------------------------------------------


class ErlangRequestSerializer(serializers.Serializer):
    """One interval of a queue. Erlang C, or Erlang A when ``patience_seconds`` is given."""

    volume = _bounded(limits.VOLUME, help_text="Contacts offered in the interval.")
    aht_seconds = _bounded(limits.AHT_SECONDS, help_text="Average handle time, seconds.")
    interval_minutes = _bounded(limits.INTERVAL_MINUTES, serializers.IntegerField, default=30)
    target_service_level = _bounded(limits.SERVICE_LEVEL, help_text="Share answered in time.")
    target_answer_seconds = _bounded(limits.ANSWER_SECONDS)
    shrinkage = _bounded(limits.SHRINKAGE, default=0.0)
    max_occupancy = _bounded(limits.MAX_OCCUPANCY, required=False, allow_null=True)
    patience_seconds = _bounded(
        limits.PATIENCE_SECONDS,
        required=False,
        allow_null=True,
        help_text="Mean patience (Erlang A), seconds.",
    )
    target_asa_seconds = _bounded(
        limits.ASA_SECONDS,
        required=False,
        allow_null=True,
        help_text="Most average speed of answer, seconds (optional).",
    )
    max_abandon_rate = _bounded(
        limits.MAX_ABANDON_RATE,
        required=False,
        allow_null=True,
        help_text="Most abandoned / offered (Erlang A: needs patience_seconds).",
    )


class ErlangResponseSerializer(serializers.Serializer):
    agents = serializers.IntegerField(help_text="Agents needed on the queue.")
    scheduled_agents = serializers.IntegerField(help_text="ceil(agents / (1 - shrinkage)).")
    service_level = serializers.FloatField()
    asa_seconds = serializers.FloatField()
    occupancy = serializers.FloatField()
    wait_probability = serializers.FloatField()
    abandon_rate = serializers.FloatField(allow_null=True, help_text="Erlang A only.")
    traffic_erlangs = serializers.FloatField()
    model = serializers.ChoiceField(choices=["erlang_c", "erlang_a"])


class BucketSerializer(serializers.Serializer):
    count = _bounded(limits.ITEMS, serializers.IntegerField)
    due_date = serializers.DateField()


class BacklogPlanRequestSerializer(serializers.Serializer):
    """A back-office horizon: arrivals per working day, SLA, handle time and people."""

    start = serializers.DateField(validators=[MaxValueValidator(limits.LATEST_START)])
    arrivals = serializers.ListField(
        child=_bounded(limits.ITEMS, serializers.IntegerField),
        min_length=1,
        max_length=limits.HORIZON_DAYS,
    )
    weekdays_only = serializers.BooleanField(default=True)
    holidays = serializers.ListField(
        child=serializers.DateField(), max_length=limits.HORIZON_DAYS, required=False, default=list
    )
    aht_minutes = _bounded(limits.AHT_MINUTES)
    sla_working_days = _bounded(limits.SLA_WORKING_DAYS, serializers.IntegerField)
    productive_hours = _bounded(limits.PRODUCTIVE_HOURS, default=7.5)
    shrinkage = _bounded(limits.SHRINKAGE, default=0.0)
    starting_backlog = BucketSerializer(
        many=True, max_length=limits.HORIZON_DAYS, required=False, default=list
    )
    agents = serializers.ListField(
        child=_bounded(limits.AGENTS),
        required=False,
        help_text="Agents per day for the projection (default: the required agents).",
    )

    def validate(self, attrs):
        agents = attrs.get("agents")
        if agents is not None and len(agents) != len(attrs["arrivals"]):
            raise serializers.ValidationError({"agents": ["Give one value per day of arrivals."]})
        return attrs


class BacklogDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    arrivals = serializers.IntegerField()
    required_agents = serializers.IntegerField()
    agents = serializers.FloatField(help_text="Agents used for the projection.")
    capacity = serializers.FloatField()
    completions = serializers.IntegerField()
    completed_on_time = serializers.IntegerField()
    completed_late = serializers.IntegerField()
    backlog_end = serializers.IntegerField()
    past_due_end = serializers.IntegerField()
    sla_attainment = serializers.FloatField(allow_null=True)
    cumulative_due = serializers.IntegerField()
    cumulative_capacity = serializers.FloatField()


class BeyondDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    agents = serializers.IntegerField()


class BeyondHorizonSerializer(serializers.Serializer):
    items_due_after = serializers.IntegerField(
        help_text="Items arriving in the horizon (or carried in) due after its last day."
    )
    days = BeyondDaySerializer(
        many=True, help_text="The SLA's working days after the horizon and the agents they need."
    )


class BacklogPlanResponseSerializer(serializers.Serializer):
    days = BacklogDaySerializer(many=True)
    required_agents = serializers.ListField(child=serializers.IntegerField())
    level_agents = serializers.IntegerField(help_text="Fewest constant agents for every day.")
    clear_date = serializers.DateField(allow_null=True)
    first_breach_date = serializers.DateField(allow_null=True)
    sla_attainment = serializers.FloatField(allow_null=True)
    backlog_end = serializers.IntegerField()
    past_due_end = serializers.IntegerField()
    beyond_horizon = BeyondHorizonSerializer()


# --- Shifts -------------------------------------------------------------------------------


class ShiftSerializer(serializers.ModelSerializer):
    agent_username = serializers.CharField(source="agent.username", read_only=True)
    team = serializers.IntegerField(source="agent.team_id", read_only=True, allow_null=True)
    minutes = serializers.FloatField(read_only=True)
    activity = serializers.ChoiceField(choices=Activity.choices)

    class Meta:
        model = Shift
        fields = [
            "id",
            "agent",
            "agent_username",
            "team",
            "start",
            "end",
            "activity",
            "note",
            "minutes",
            "created_by",
            "updated_at",
        ]
        read_only_fields = ["created_by", "updated_at"]
        # Overlaps and rights are the service's business (one rule for pages, API, CSV).
        validators: list = []


class ShiftUpdateSerializer(ShiftSerializer):
    class Meta(ShiftSerializer.Meta):
        read_only_fields = ["agent", "created_by", "updated_at"]


# --- Forecasts ----------------------------------------------------------------------------


METHOD_HELP = (
    "Chosen by a rolling-origin backtest: seasonal_naive | hw_add_damped | hw_mul_damped | "
    "mstl_ets; too short a history to backtest: holt_winters | seasonal_average | mean."
)


class ForecastValueSerializer(serializers.ModelSerializer):
    override_volume = serializers.FloatField(read_only=True, allow_null=True)
    method = serializers.CharField(read_only=True, help_text=METHOD_HELP)

    class Meta:
        model = ForecastValue
        fields = [
            "id",
            "work_type",
            "interval_start",
            "granularity",
            "volume",
            "aht_seconds",
            "method",
            "built_at",
            "lower",
            "upper",
            "adjusted",
            "override_volume",
        ]
        read_only_fields = fields


class ForecastOverrideSerializer(serializers.ModelSerializer):
    volume = _bounded(limits.VOLUME)

    class Meta:
        model = ForecastOverride
        fields = ["id", "work_type", "interval_start", "volume", "reason", "by", "updated_at"]
        read_only_fields = ["by", "updated_at"]
        validators: list = []


class ForecastBuildSerializer(serializers.ModelSerializer):
    work_type_name = serializers.CharField(source="work_type.name", read_only=True)
    method = serializers.CharField(read_only=True, help_text=METHOD_HELP)

    class Meta:
        model = ForecastBuild
        fields = [
            "id",
            "work_type",
            "work_type_name",
            "built_at",
            "as_of",
            "granularity",
            "method",
            "season_length",
            "history_periods",
            "horizon_periods",
            "holdout_periods",
            "backtest_origins",
            "mape",
            "wape",
            "naive_wape",
            "interval_level",
            "noisy",
            "noise_reason",
            "aht_seconds",
        ]
        read_only_fields = fields


class ForecastEventSerializer(serializers.ModelSerializer):
    """A holiday or event: a multiplier or a fixed volume per day, applied after the model."""

    multiplier = _bounded(limits.EVENT_MULTIPLIER, required=False, allow_null=True)
    volume = _bounded(limits.VOLUME, required=False, allow_null=True)

    class Meta:
        model = ForecastEvent
        fields = [
            "id",
            "name",
            "work_type",
            "start_date",
            "end_date",
            "multiplier",
            "volume",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]


class ForecastRebuildSerializer(serializers.Serializer):
    work_type = serializers.PrimaryKeyRelatedField(queryset=WorkType.objects.filter(active=True))
    as_of = serializers.DateField(required=False)
    history_days = serializers.IntegerField(min_value=7, max_value=366, default=56)
    horizon_days = serializers.IntegerField(min_value=1, max_value=62, default=14)
    holdout_weeks = serializers.IntegerField(
        min_value=1, max_value=4, default=3, help_text="Backtest origins (a week held out each)."
    )


# --- Plans --------------------------------------------------------------------------------


class StaffingPlanSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="draft | published (POST .../publish/; read-only then)."
    )
    line_count = serializers.IntegerField(read_only=True)
    short_count = serializers.IntegerField(read_only=True)
    target_service_level = _bounded(limits.SERVICE_LEVEL, default=0.8)
    shrinkage = _bounded(limits.SHRINKAGE, default=0.3)
    productive_hours = _bounded(limits.PRODUCTIVE_HOURS, default=7.5)
    patience_seconds = _bounded(
        limits.PATIENCE_SECONDS,
        required=False,
        allow_null=True,
        help_text="Callers' mean patience, seconds: queue lines use Erlang A.",
    )
    max_abandon_rate = _bounded(
        limits.MAX_ABANDON_RATE,
        required=False,
        allow_null=True,
        help_text="Most abandoned / offered (needs patience_seconds).",
    )
    target_asa_seconds = _bounded(limits.ASA_SECONDS, required=False, allow_null=True)
    max_occupancy = _bounded(limits.MAX_OCCUPANCY, required=False, allow_null=True)

    class Meta:
        model = StaffingPlan
        fields = [
            "id",
            "name",
            "start",
            "end",
            "status",
            "target_service_level",
            "shrinkage",
            "productive_hours",
            "patience_seconds",
            "max_abandon_rate",
            "target_asa_seconds",
            "max_occupancy",
            "created_by",
            "copied_from",
            "created_at",
            "built_at",
            "published_at",
            "line_count",
            "short_count",
        ]
        read_only_fields = [
            "status",
            "created_by",
            "copied_from",
            "created_at",
            "built_at",
            "published_at",
        ]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end:
            if end < start:
                raise serializers.ValidationError({"end": ["Must be on or after the start."]})
            if (end - start).days + 1 > StaffingPlan.MAX_DAYS:
                raise serializers.ValidationError(
                    {"end": [f"A plan covers at most {StaffingPlan.MAX_DAYS} days."]}
                )
        patience = attrs.get("patience_seconds", getattr(self.instance, "patience_seconds", None))
        if attrs.get("max_abandon_rate") is not None and patience is None:
            raise serializers.ValidationError(
                {"max_abandon_rate": ["Give patience_seconds: only Erlang A models abandonment."]}
            )
        return attrs


class PlanCopySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)


class PlanLineSerializer(serializers.ModelSerializer):
    work_type_name = serializers.CharField(source="work_type.name", read_only=True)
    override_volume = _bounded(limits.VOLUME, allow_null=True, required=True)

    class Meta:
        model = PlanLine
        fields = [
            "id",
            "plan",
            "work_type",
            "work_type_name",
            "interval_start",
            "forecast_volume",
            "forecast_aht",
            "override_volume",
            "required_agents",
            "scheduled_agents",
            "gap",
            "projected_backlog",
            "projected_past_due",
        ]
        read_only_fields = [f for f in fields if f != "override_volume"]
