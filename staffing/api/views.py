"""Staffing API: the two calculators, plans and their lines, forecasts, overrides, shifts."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ccops.api.errors import error_response
from ccops.api.filters import DateTimeFilter, IdFilter
from ccops.api.pagination import KeysetPagination
from ccops.permissions import HasRole

from .. import calculators, services
from ..backlog import BacklogInputError
from ..erlang import ErlangInputError
from ..errors import StaffingError
from ..models import (
    ForecastBuild,
    ForecastEvent,
    ForecastOverride,
    ForecastValue,
    PlanLine,
    Shift,
    StaffingPlan,
)
from ..permissions import PLAN_READERS, PLAN_WRITERS, SHIFT_EDITORS
from ..selectors import shifts_visible_to
from . import serializers as s
from .schedule_serializers import (
    ScheduledShiftCreateSerializer,
    ScheduledShiftSerializer,
    run_shift_create_response,
    run_shift_delete_response,
    run_shifts_response,
)


class DomainErrors:
    """Turns staffing domain errors into the API's JSON error shape and status."""

    def handle_exception(self, exc):
        if isinstance(exc, StaffingError):
            return error_response(exc.message, exc.status_code, exc.errors)
        if isinstance(exc, (ErlangInputError, BacklogInputError)):
            return error_response(
                f"Invalid input: {exc.field}: {exc.message}",
                status.HTTP_400_BAD_REQUEST,
                {exc.field: [exc.message]},
            )
        return super().handle_exception(exc)


class ReadersWriters(HasRole):
    """Planners and supervisors read; planners write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return user.has_role(*PLAN_READERS)
        return user.has_role(*PLAN_WRITERS)


# --- Calculators --------------------------------------------------------------------------


class ErlangView(DomainErrors, APIView):
    """Agents for one queue interval: Erlang C, or Erlang A with ``patience_seconds``."""

    permission_classes = [HasRole.of(*PLAN_READERS)]

    @extend_schema(request=s.ErlangRequestSerializer, responses=s.ErlangResponseSerializer)
    def post(self, request):
        data = s.ErlangRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(calculators.erlang_calculate(**data.validated_data))


class BacklogPlanView(DomainErrors, APIView):
    """Back-office backlog projection day by day and the agents each day needs."""

    permission_classes = [HasRole.of(*PLAN_READERS)]

    @extend_schema(
        request=s.BacklogPlanRequestSerializer, responses=s.BacklogPlanResponseSerializer
    )
    def post(self, request):
        data = s.BacklogPlanRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = calculators.backlog_calculate(**data.validated_data)
        return Response(s.BacklogPlanResponseSerializer(result).data)


# --- Plans --------------------------------------------------------------------------------


class PlanFilter(filters.FilterSet):
    copied_from = IdFilter(field_name="copied_from_id")

    class Meta:
        model = StaffingPlan
        fields = ["status", "start", "end", "copied_from"]


class StaffingPlanViewSet(DomainErrors, viewsets.ModelViewSet):
    """Staffing plans. Creating one builds its lines; published plans are read-only (409)."""

    serializer_class = s.StaffingPlanSerializer
    permission_classes = [ReadersWriters]
    filterset_class = PlanFilter
    ordering_fields = ["start", "created_at", "name"]
    queryset = StaffingPlan.objects.annotate(
        line_count=Count("lines"), short_count=Count("lines", filter=Q(lines__gap__lt=0))
    ).order_by("-start", "-created_at")

    def perform_create(self, serializer):
        plan = services.plan_create(by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def perform_update(self, serializer):
        plan = services.plan_update(
            plan=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def perform_destroy(self, instance):
        services.plan_delete(plan=instance, by=self.request.user)

    def _fresh(self, plan):
        return self.get_serializer(self.get_queryset().get(pk=plan.pk)).data

    @extend_schema(request=None, responses=s.StaffingPlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan = services.plan_publish(plan=self.get_object(), by=request.user)
        return Response(self._fresh(plan))

    @extend_schema(request=None, responses=s.StaffingPlanSerializer)
    @action(detail=True, methods=["post"])
    def build(self, request, pk=None):
        plan = services.plan_build(plan=self.get_object(), by=request.user)
        return Response(self._fresh(plan))

    @extend_schema(request=s.PlanCopySerializer, responses={201: s.StaffingPlanSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        data = s.PlanCopySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.plan_copy(
            plan=self.get_object(), by=request.user, name=data.validated_data.get("name")
        )
        return Response(self._fresh(copy), status=status.HTTP_201_CREATED)


class PlanLineFilter(filters.FilterSet):
    # Plain numbers: a model-choice filter would cost a query to validate the id.
    plan = IdFilter(field_name="plan_id")
    work_type = IdFilter(field_name="work_type_id")
    starts_after = DateTimeFilter(field_name="interval_start", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="interval_start", lookup_expr="lt")
    short = filters.BooleanFilter(method="filter_short")

    class Meta:
        model = PlanLine
        fields = ["plan", "work_type"]

    def filter_short(self, queryset, name, value):
        return queryset.filter(gap__lt=0) if value else queryset.filter(gap__gte=0)


class PlanLineViewSet(
    DomainErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Plan lines; PATCH ``override_volume`` (or null) on a draft's line for a what-if."""

    serializer_class = s.PlanLineSerializer
    permission_classes = [ReadersWriters]
    filterset_class = PlanLineFilter
    ordering_fields = ["interval_start", "gap"]
    queryset = PlanLine.objects.select_related("work_type").order_by(
        "plan", "work_type", "interval_start"
    )

    def perform_update(self, serializer):
        serializer.instance = services.plan_line_set_override(
            line=serializer.instance,
            volume=serializer.validated_data.get("override_volume"),
            by=self.request.user,
        )


# --- Forecasts ----------------------------------------------------------------------------


class ForecastFilter(filters.FilterSet):
    work_type = IdFilter(field_name="work_type_id")
    starts_after = DateTimeFilter(field_name="interval_start", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="interval_start", lookup_expr="lt")

    class Meta:
        model = ForecastValue
        fields = ["work_type", "granularity", "method"]


class ForecastValueViewSet(DomainErrors, viewsets.ReadOnlyModelViewSet):
    """Model forecasts (with the planner's override alongside). ``POST rebuild/`` refits one
    work type from its history."""

    serializer_class = s.ForecastValueSerializer
    permission_classes = [ReadersWriters]
    filterset_class = ForecastFilter
    ordering_fields = ["interval_start"]

    def get_queryset(self):
        override = ForecastOverride.objects.filter(
            work_type=OuterRef("work_type"), interval_start=OuterRef("interval_start")
        ).values("volume")[:1]
        return ForecastValue.objects.annotate(override_volume=Subquery(override)).order_by(
            "work_type", "interval_start"
        )

    @extend_schema(request=s.ForecastRebuildSerializer, responses=s.ForecastBuildSerializer)
    @action(detail=False, methods=["post"])
    def rebuild(self, request):
        data = s.ForecastRebuildSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        build = services.forecast_build(**data.validated_data)
        return Response(s.ForecastBuildSerializer(build).data)


class ForecastBuildFilter(filters.FilterSet):
    work_type = IdFilter(field_name="work_type_id")

    class Meta:
        model = ForecastBuild
        fields = ["work_type", "method"]


class OverrideFilter(filters.FilterSet):
    work_type = IdFilter(field_name="work_type_id")

    class Meta:
        model = ForecastOverride
        fields = ["work_type"]


class ForecastBuildViewSet(viewsets.ReadOnlyModelViewSet):
    """Forecast rebuilds with their method and accuracy (MAPE/WAPE on the held-out weeks)."""

    serializer_class = s.ForecastBuildSerializer
    permission_classes = [ReadersWriters]
    filterset_class = ForecastBuildFilter
    queryset = ForecastBuild.objects.select_related("work_type").order_by("-built_at", "-pk")


class ForecastEventFilter(filters.FilterSet):
    work_type = IdFilter(field_name="work_type_id")
    active_on = filters.DateFilter(method="filter_active_on", label="Events covering this day.")

    class Meta:
        model = ForecastEvent
        fields = ["work_type"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class ForecastEventViewSet(DomainErrors, viewsets.ModelViewSet):
    """Holidays and events applied after the model at each rebuild (planners write)."""

    serializer_class = s.ForecastEventSerializer
    permission_classes = [ReadersWriters]
    filterset_class = ForecastEventFilter
    queryset = ForecastEvent.objects.order_by("start_date", "pk")

    def perform_create(self, serializer):
        serializer.instance = services.forecast_event_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.forecast_event_update(
            event=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.forecast_event_delete(event=instance, by=self.request.user)


class ForecastOverrideViewSet(DomainErrors, viewsets.ModelViewSet):
    """Planners' volumes that replace the model's for one interval (kept apart from it)."""

    serializer_class = s.ForecastOverrideSerializer
    permission_classes = [ReadersWriters]
    filterset_class = OverrideFilter
    queryset = ForecastOverride.objects.order_by("work_type", "interval_start")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.forecast_override_set(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = {
            "work_type": serializer.instance.work_type,
            "interval_start": serializer.instance.interval_start,
            "volume": serializer.instance.volume,
            "reason": serializer.instance.reason,
        } | serializer.validated_data
        if (data["work_type"], data["interval_start"]) != (
            serializer.instance.work_type,
            serializer.instance.interval_start,
        ):
            services.forecast_override_delete(override=serializer.instance, by=self.request.user)
        serializer.instance = services.forecast_override_set(by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.forecast_override_delete(override=instance, by=self.request.user)


# --- Shifts -------------------------------------------------------------------------------


class ShiftFilter(filters.FilterSet):
    agent = IdFilter(field_name="agent_id")
    team = IdFilter(field_name="agent__team_id")
    starts_after = DateTimeFilter(field_name="start", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Shift
        fields = ["agent", "activity"]


class ShiftWriters(HasRole):
    """Everybody with a role reads (agents only their own shifts); planners and supervisors
    write (supervisors only for their teams: checked by the service)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return user.has_role(*SHIFT_EDITORS)


class ShiftViewSet(DomainErrors, viewsets.ModelViewSet):
    """Shifts. Overlapping blocks of one agent are refused (400 naming ``start``)."""

    permission_classes = [ShiftWriters]
    filterset_class = ShiftFilter
    # By cursor in start order (``shift_span``), ties by agent then id: no count.
    pagination_class = KeysetPagination
    ordering_fields = ["start"]
    ordering = ["start", "agent_id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.ShiftUpdateSerializer
        return s.ShiftSerializer

    def get_queryset(self):
        return (
            shifts_visible_to(self.request.user)
            .select_related("agent")
            .order_by("start", "agent_id")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "run",
                int,
                description="A schedule run's id: list that run's generated shifts instead "
                "(ScheduledShift: agent, start, end, activity, office, meal break, locked).",
            )
        ],
        responses=PolymorphicProxySerializer(
            component_name="ShiftOrScheduledShift",
            serializers=[s.ShiftSerializer, ScheduledShiftSerializer],
            resource_type_field_name=None,
            many=True,
        ),
    )
    def list(self, request, *args, **kwargs):
        if "run" in request.query_params:
            return run_shifts_response(self, request)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        description="With ``run`` in the body: add a shift to that schedule run's grid "
        "(planners, admins; draft or published run) ``{run, agent, start, end, activity}``; "
        "400 names the field (overlap, rest, time off, skills, week), 409 when the run is not "
        "finished. Without ``run``: a schedule block.",
        request=PolymorphicProxySerializer(
            component_name="ShiftOrScheduledShiftCreate",
            serializers=[s.ShiftSerializer, ScheduledShiftCreateSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="ShiftOrScheduledShiftCreated",
                serializers=[s.ShiftSerializer, ScheduledShiftSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def create(self, request, *args, **kwargs):
        if hasattr(request.data, "keys") and "run" in request.data:
            return run_shift_create_response(request)
        return super().create(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "run",
                int,
                description="A schedule run's id: delete that run's shift <id> instead "
                "(planners, admins; a locked shift must be unlocked first: 409).",
            )
        ],
    )
    def destroy(self, request, *args, **kwargs):
        if "run" in request.query_params:
            return run_shift_delete_response(request, kwargs.get("pk", ""))
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.shift_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.shift_update(
            shift=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.shift_delete(shift=instance, by=self.request.user)
