"""API of generated schedules: runs (create, read, publish) and a run's shifts.

``POST /api/v1/staffing/schedule-runs/`` ``{"week_start", "teams"}`` (planners, admins)
answers ``{"id", "status"}``; the solve runs in a Celery task whose progress the run shows.
``GET /api/v1/staffing/shifts/?run=<id>`` lists a run's shifts (see ``ShiftViewSet.list``).
"""

from __future__ import annotations

from django.db.models import Count, F, Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ccops.models import Team
from ccops.permissions import HasRole

from .. import services
from ..models import ScheduleCoverage
from ..permissions import PLAN_READERS, PLAN_WRITERS
from ..schedule_selectors import runs_visible_to
from .schedule_serializers import (
    ScheduleRunCreatedSerializer,
    ScheduleRunCreateSerializer,
    ScheduleRunListSerializer,
    ScheduleRunSerializer,
)
from .views import DomainErrors


class ScheduleRunViewSet(
    DomainErrors,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Schedule generation runs. Planners and admins create and publish; supervisors read
    their teams' runs; agents are refused (403)."""

    filterset_fields = ["week_start", "status", "published"]

    def get_permissions(self):
        roles = PLAN_READERS if self.request.method in ("GET", "HEAD", "OPTIONS") else PLAN_WRITERS
        return [HasRole.of(*roles)()]

    def get_serializer_class(self):
        if self.action == "create":
            return ScheduleRunCreateSerializer
        if self.action == "list":
            return ScheduleRunListSerializer
        return ScheduleRunSerializer

    def get_queryset(self):
        qs = runs_visible_to(self.request.user).annotate(shift_count=Count("shifts", distinct=True))
        qs = qs.prefetch_related(Prefetch("teams", queryset=Team.objects.only("pk")))
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch(
                    "coverage",
                    queryset=ScheduleCoverage.objects.select_related("work_type").order_by(
                        "office", F("work_type_id").asc(nulls_first=True), "start"
                    ),
                )
            )
        return qs.order_by("-created_at", "-pk")

    @extend_schema(
        request=ScheduleRunCreateSerializer,
        responses={201: ScheduleRunCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = ScheduleRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.schedule_run_create(by=request.user, **data.validated_data)
        run.refresh_from_db(fields=["status"])
        return Response({"id": run.pk, "status": run.status}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ScheduleRunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        run = self.get_object()
        services.schedule_run_publish(run=run, by=request.user)
        return Response(ScheduleRunSerializer(self.get_queryset().get(pk=run.pk)).data)
