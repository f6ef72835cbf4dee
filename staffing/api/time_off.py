"""API of time off and shift trades (the pages call the same services).

- ``POST /api/v1/staffing/time-off/`` ``{"start", "end", "kind", "note"}`` by an agent for
  themself -> ``{"id", "status"}``; ``GET`` lists own (agents), the teams' (supervisors) or
  all (planners, admins), paginated.
- ``POST /api/v1/staffing/time-off/<id>/approve/`` ``{"reason"}`` and ``/decline/``
  ``{"reason"}`` by the agent's supervisor, a planner or an admin; ``/cancel/`` by the agent.
- ``POST /api/v1/staffing/shift-trades/`` ``{"shift"}`` offers a shift; ``/<id>/take/``,
  ``/<id>/approve/``, ``/<id>/decline/``, ``/<id>/cancel/``; ``GET`` lists visible trades.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import services
from .. import time_off_selectors as sel
from ..models import Shift, ShiftTrade, TimeOffKind, TimeOffRequest
from .views import DomainErrors


class TimeOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeOffRequest
        fields = [
            "id",
            "agent",
            "start",
            "end",
            "kind",
            "note",
            "days",
            "status",
            "decided_by",
            "decided_at",
            "reason",
            "auto_approved",
            "created_at",
        ]
        read_only_fields = fields


class TimeOffCreateSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=TimeOffKind.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TimeOffViewSet(
    DomainErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Time-off requests: agents their own; supervisors their teams'; planners, admins all."""

    permission_classes = [IsAuthenticated]
    serializer_class = TimeOffSerializer
    filterset_fields = ["status", "kind", "agent"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimeOffRequest.objects.none()
        return sel.requests_visible_to(self.request.user).order_by("-start", "-pk")

    @extend_schema(request=TimeOffCreateSerializer, responses={201: CreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = TimeOffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.time_off_request(agent=request.user, by=request.user, **data.validated_data)
        return Response({"id": req.pk, "status": req.status}, status=status.HTTP_201_CREATED)

    def _reason(self, request) -> str:
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data["reason"]

    @extend_schema(request=ReasonSerializer, responses=TimeOffSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        req = services.time_off_approve(
            request=self.get_object(), by=request.user, reason=self._reason(request)
        )
        return Response(TimeOffSerializer(req).data)

    @extend_schema(request=ReasonSerializer, responses=TimeOffSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        req = services.time_off_decline(
            request=self.get_object(), by=request.user, reason=self._reason(request)
        )
        return Response(TimeOffSerializer(req).data)

    @extend_schema(request=None, responses=TimeOffSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        req = services.time_off_cancel(request=self.get_object(), by=request.user)
        return Response(TimeOffSerializer(req).data)


class ShiftTradeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftTrade
        fields = [
            "id",
            "shift",
            "start",
            "end",
            "office_activity",
            "offered_by",
            "taken_by",
            "status",
            "decided_by",
            "decided_at",
            "reason",
            "auto_approved",
        ]
        read_only_fields = fields


class TradeOfferSerializer(serializers.Serializer):
    shift = serializers.IntegerField()


class ShiftTradeViewSet(
    DomainErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Shift trades: agents see their own and open offers; supervisors their teams';
    planners and admins all."""

    permission_classes = [IsAuthenticated]
    serializer_class = ShiftTradeSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShiftTrade.objects.none()
        return sel.trades_visible_to(self.request.user).order_by("start", "pk")

    @extend_schema(request=TradeOfferSerializer, responses={201: CreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = TradeOfferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shift = Shift.objects.filter(pk=data.validated_data["shift"], agent=request.user).first()
        if shift is None:
            raise serializers.ValidationError({"shift": ["Not one of your shifts."]})
        trade = services.trade_offer(shift=shift, by=request.user)
        return Response({"id": trade.pk, "status": trade.status}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ShiftTradeSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        trade = services.trade_take(trade=self.get_object(), by=request.user)
        return Response(ShiftTradeSerializer(trade).data)

    @extend_schema(request=ReasonSerializer, responses=ShiftTradeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trade = services.trade_approve(
            trade=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return Response(ShiftTradeSerializer(trade).data)

    @extend_schema(request=ReasonSerializer, responses=ShiftTradeSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trade = services.trade_decline(
            trade=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return Response(ShiftTradeSerializer(trade).data)

    @extend_schema(request=None, responses=ShiftTradeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        trade = services.trade_cancel(trade=self.get_object(), by=request.user)
        return Response(ShiftTradeSerializer(trade).data)
