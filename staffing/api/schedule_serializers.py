"""Serializers of generated schedules, and the run-shifts listing the shifts endpoint
uses for ``?run=<id>`` (kept apart from the views so ``views.py`` can import it)."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ccops.api.fields import BIGINT

from ..models import ScheduleCoverage, ScheduledShift, ScheduleRun


class ScheduleRunCreateSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="A Monday (YYYY-MM-DD).")
    teams = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT),
        required=False,
        allow_empty=True,
        help_text="Team ids; omitted or empty = every team.",
    )


class ScheduleRunCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class CoverageSerializer(serializers.ModelSerializer):
    """One slot's required against scheduled: per work type, or (``work_type`` null) for
    the office as a whole. Front office in agents per 30 minutes, back office in
    agent-hours per day."""

    work_type_name = serializers.CharField(
        source="work_type.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ScheduleCoverage
        fields = ["start", "end", "office", "work_type", "work_type_name", "required", "scheduled"]


class ScheduleRunSerializer(serializers.ModelSerializer):
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    shift_count = serializers.IntegerField(read_only=True)
    coverage = CoverageSerializer(many=True, read_only=True)

    class Meta:
        model = ScheduleRun
        fields = [
            "id",
            "week_start",
            "teams",
            "status",
            "progress",
            "solver_status",
            "solve_seconds",
            "shift_count",
            "under_coverage_hours",
            "baseline_under_coverage_hours",
            "over_coverage_hours",
            "coverage",
            "published",
            "published_at",
            "error",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ScheduleRunListSerializer(ScheduleRunSerializer):
    class Meta(ScheduleRunSerializer.Meta):
        fields = [f for f in ScheduleRunSerializer.Meta.fields if f != "coverage"]
        read_only_fields = fields


class ScheduledShiftSerializer(serializers.ModelSerializer):
    agent_username = serializers.CharField(source="agent.username", read_only=True)
    office = serializers.CharField(read_only=True)

    class Meta:
        model = ScheduledShift
        fields = [
            "id",
            "run",
            "agent",
            "agent_username",
            "start",
            "end",
            "activity",
            "office",
            "meal_start",
            "meal_end",
            "locked",
            "edited",
        ]
        read_only_fields = fields


def run_shifts_response(view, request):
    """``GET /api/v1/staffing/shifts/?run=<id>``: the run's shifts the user may see."""
    from ..schedule_selectors import run_shifts_visible_to

    raw = request.query_params.get("run", "")
    if not raw.isdigit() or not 0 < int(raw) <= BIGINT:
        return Response(
            {"detail": "run: must be a run id.", "errors": {"run": ["Must be a run id."]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    run = ScheduleRun.objects.filter(pk=int(raw)).first()
    if run is None:
        raise NotFound("No such run.")
    qs = run_shifts_visible_to(request.user, run).order_by("agent__username", "start")
    page = view.paginate_queryset(qs)
    data = ScheduledShiftSerializer(page, many=True).data
    return view.get_paginated_response(data)
