from dataclasses import asdict

from django.db.models import Prefetch, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from ..api.filters import IdFilter
from ..api.pagination import KeysetPagination, StandardPagination
from ..choices import Role
from ..kpi_models import GoalAdjustment, KpiSnapshot, Pilot, ScopeKind, SharedGoal
from ..kpis import pilots as pilot_service
from ..kpis import registry
from ..permissions import CreatorOrAdminWrites, HasRole, ReadAnyWriteRoles
from .serializers import (
    KpiDefinitionSerializer,
    KpiRollupSerializer,
    KpiSnapshotSerializer,
    PilotResultSerializer,
    PilotSerializer,
    SharedGoalSerializer,
)

BUCKETS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
READ_ROLES = (Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR)
WRITE_ROLES = (Role.SUPERVISOR,)  # and Admins, who hold every role


class KpiSnapshotFilter(filters.FilterSet):
    kpi = filters.CharFilter(
        method="filter_kpi", help_text="A KPI key, or several, comma-separated."
    )
    scope_kind = filters.ChoiceFilter(choices=ScopeKind.choices)
    scope_id = IdFilter()
    team = IdFilter(field_name="team_id")
    office = filters.CharFilter()
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = KpiSnapshot
        fields = ["kpi", "scope_kind", "scope_id", "team", "office", "day_from", "day_to"]

    def filter_kpi(self, queryset, name, value):
        keys = [k.strip() for k in value.split(",") if k.strip()]
        unknown = [k for k in keys if k not in registry.kpi_keys()]
        if unknown:
            raise ValidationError({"kpi": [f"Unknown KPI: {', '.join(unknown)}."]})
        return queryset.filter(kpi__in=keys)


class KpiSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Daily KPI snapshots (numerator, denominator, value) per agent, team, office, overall
    and queue (``scope_kind=queue``: a work type's service level, ASA and abandonment from
    contact events, ``scope_id`` the work type's id, ``team`` its owning team).

    Staff roles read every scope; agents read their own agent rows only. Sum numerators and
    denominators over days or scopes to roll up exactly."""

    serializer_class = KpiSnapshotSerializer
    queryset = KpiSnapshot.objects.none()  # for the schema; get_queryset restricts by user
    filterset_class = KpiSnapshotFilter
    # By cursor, newest day first, read backwards off the ``kpisnap_unique`` index (whose
    # four columns identify a row): no count of the table. Rollups page by number.
    pagination_class = KeysetPagination
    ordering_fields = ["day"]
    ordering = ["-day", "-kpi", "-scope_kind", "-scope_id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = KpiSnapshot.objects.order_by("-day", "kpi", "scope_kind", "scope_id")
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        user = self.request.user
        if user.has_role(*READ_ROLES):
            return qs
        return qs.filter(scope_kind=ScopeKind.AGENT, scope_id=user.pk)

    @extend_schema(
        parameters=[
            OpenApiParameter("bucket", str, enum=list(BUCKETS), description="Default: week.")
        ],
        responses=KpiRollupSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=StandardPagination)
    def rollup(self, request):
        """Sums of numerators and denominators per KPI, scope and week (or day, month),
        after the same filters as the list: the exact value of any period."""
        bucket = request.query_params.get("bucket", "week")
        if bucket not in BUCKETS:
            raise ValidationError({"bucket": [f"Choose one of: {', '.join(BUCKETS)}."]})
        qs = self.filter_queryset(self.get_queryset()).order_by()
        rows = (
            qs.annotate(period=BUCKETS[bucket]("day"))
            .values("kpi", "scope_kind", "scope_id", "period")
            .annotate(numerator=Sum("numerator"), denominator=Sum("denominator"))
            .order_by("-period", "kpi", "scope_kind", "scope_id")
        )
        page = self.paginate_queryset(rows)
        data = KpiRollupSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(responses=KpiDefinitionSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def definitions(self, request):
        """Every registered KPI: key, name, unit, direction, offices and its definition."""
        return Response([k.as_dict() for k in registry.all_kpis()])


class SharedGoalFilter(filters.FilterSet):
    active_on = filters.DateFilter(method="filter_active_on")

    class Meta:
        model = SharedGoal
        fields = ["kpi", "office", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(effective_from__lte=value).exclude(effective_to__lt=value)


class SharedGoalViewSet(viewsets.ModelViewSet):
    """Shared goals with their adjustments by role and tenure band. Everyone signed in reads
    (the targets apply to them); supervisors and admins write."""

    serializer_class = SharedGoalSerializer
    permission_classes = [ReadAnyWriteRoles.of(*WRITE_ROLES)]
    filterset_class = SharedGoalFilter
    queryset = SharedGoal.objects.prefetch_related(
        Prefetch("adjustments", queryset=GoalAdjustment.objects.order_by("id"))
    ).order_by("kpi", "office", "-effective_from", "id")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class PilotViewSet(viewsets.ModelViewSet):
    """Pilots with their groups; ``results/`` compares pilot and control before and during
    (difference in differences). Staff roles read; supervisors create, and only a pilot's
    creator or an admin changes or deletes it."""

    serializer_class = PilotSerializer
    filterset_fields = ["method"]
    queryset = Pilot.objects.prefetch_related(
        "pilot_agents", "pilot_teams", "control_agents", "control_teams"
    ).order_by("-starts_on", "name")

    def get_permissions(self):
        roles = READ_ROLES if self.request.method in SAFE_METHODS else WRITE_ROLES
        return [HasRole.of(*roles)(), CreatorOrAdminWrites()]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(responses=PilotResultSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        pilot = self.get_object()
        out = []
        plans = {p.kpi.key: p.mde.mde for p in pilot_service.planning(pilot)}
        for outcome in pilot_service.results(pilot):
            result = asdict(outcome.result)
            out.append(
                {"kpi": outcome.kpi.key, "name": outcome.kpi.name, "unit": outcome.kpi.unit}
                | result
                | {"mde": plans.get(outcome.kpi.key)}
            )
        return Response(PilotResultSerializer(out, many=True).data)
