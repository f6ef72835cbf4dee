"""Serializers of generated schedules, and the run-shifts listing the shifts endpoint
uses for ``?run=<id>`` (kept apart from the views so ``views.py`` can import it)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ccops.api.fields import BIGINT

from ..models import ScheduleCoverage, ScheduledShift, ScheduleRun
from ..schedule_models import ScheduledActivity


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


class ScheduledShiftCreateSerializer(serializers.Serializer):
    """``POST /api/v1/staffing/shifts/`` with ``run``: a shift added to a run's grid."""

    run = serializers.PrimaryKeyRelatedField(
        queryset=ScheduleRun.objects.all(), help_text="The schedule run's id."
    )
    agent = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="An agent of the run's teams.",
    )
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    activity = serializers.ChoiceField(
        choices=ScheduledActivity.choices, help_text="The office covered."
    )


def run_shift_create_response(request):
    """Create a run's shift (the service decides rights and rules); 201 with the shift."""
    from .. import services

    data = ScheduledShiftCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    shift = services.scheduled_shift_create(by=request.user, **data.validated_data)
    return Response(ScheduledShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


def run_shift_delete_response(request, pk):
    """``DELETE /api/v1/staffing/shifts/<id>/?run=<run id>``: delete a run's shift."""
    from .. import services

    raw = request.query_params.get("run", "")
    if not raw.isdigit() or not 0 < int(raw) <= BIGINT:
        return Response(
            {"detail": "run: must be a run id.", "errors": {"run": ["Must be a run id."]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    pk = str(pk)
    shift = (
        ScheduledShift.objects.filter(pk=int(pk), run_id=int(raw)).first()
        if pk.isdigit() and 0 < int(pk) <= BIGINT
        else None
    )
    if shift is None:
        raise NotFound("No such shift in this run.")
    services.scheduled_shift_delete(shift=shift, by=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


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
